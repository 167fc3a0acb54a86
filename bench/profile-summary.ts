import { readFileSync } from 'node:fs';

/** The parts of a V8 .cpuprofile this summary reads. */
interface CpuProfile {
  nodes: {
    id: number;
    callFrame: { functionName: string; url: string; lineNumber: number };
  }[];
  samples: number[];
  timeDeltas: number[];
}

export interface ProfileRow {
  readonly name: string;
  readonly selfMs: number;
  readonly share: number;
}

function shortUrl(url: string): string {
  const at = url.lastIndexOf('node_modules/');
  if (at >= 0) {
    return url.slice(at + 'node_modules/'.length);
  }
  const dist = url.indexOf('/dist/');
  return dist >= 0 ? url.slice(dist + 1) : url.replace(/^file:\/\//, '') || '(native)';
}

function packageOf(url: string): string {
  const short = shortUrl(url);
  if (short.startsWith('dist/')) {
    return short.split('/').slice(0, 3).join('/');
  }
  if (short.startsWith('node:') || short === '(native)' || !short.includes('/')) {
    return short;
  }
  const parts = short.split('/');
  return parts[0].startsWith('@') ? `${parts[0]}/${parts[1]}` : parts[0];
}

/** Self time summed by function (with file and line) and by package or dist folder. */
export function summarizeProfile(
  path: string,
  top = 25,
): { byFunction: ProfileRow[]; byPackage: ProfileRow[] } {
  const profile = JSON.parse(readFileSync(path, 'utf8')) as CpuProfile;
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const selfUs = new Map<number, number>();
  profile.samples.forEach((id, i) => {
    selfUs.set(id, (selfUs.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0));
  });
  const total = [...selfUs.values()].reduce((a, b) => a + b, 0);
  const fn = new Map<string, number>();
  const pkg = new Map<string, number>();
  for (const [id, us] of selfUs) {
    const frame = byId.get(id)?.callFrame;
    if (!frame) {
      continue;
    }
    const name = `${frame.functionName || '(anonymous)'} ${shortUrl(frame.url)}:${frame.lineNumber + 1}`;
    fn.set(name, (fn.get(name) ?? 0) + us);
    const group = frame.url ? packageOf(frame.url) : frame.functionName;
    pkg.set(group, (pkg.get(group) ?? 0) + us);
  }
  const rows = (m: Map<string, number>): ProfileRow[] =>
    [...m.entries()]
      .sort((a, b) => b[1] - a[1])
      .slice(0, top)
      .map(([name, us]) => ({ name, selfMs: Math.round(us / 1000), share: us / total }));
  return { byFunction: rows(fn), byPackage: rows(pkg) };
}

export function formatProfile(summary: ReturnType<typeof summarizeProfile>): string {
  const table = (title: string, rows: ProfileRow[]): string =>
    [
      `| ${title} | self ms | share |`,
      '|---|---:|---:|',
      ...rows.map((r) => `| \`${r.name}\` | ${r.selfMs} | ${(r.share * 100).toFixed(1)} % |`),
    ].join('\n');
  return `${table('package / folder', summary.byPackage)}\n\n${table('function', summary.byFunction)}\n`;
}

if (require.main === module) {
  const path = process.argv[2];
  if (!path) {
    process.stderr.write('usage: ts-node bench/profile-summary.ts <file.cpuprofile> [top]\n');
    process.exit(2);
  }
  process.stdout.write(formatProfile(summarizeProfile(path, Number(process.argv[3] ?? 25))));
}
