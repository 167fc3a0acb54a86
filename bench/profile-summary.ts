import { readFileSync } from 'node:fs';

/** The parts of a V8 .cpuprofile this summary reads. */
interface CpuProfile {
  nodes: {
    id: number;
    callFrame: { functionName: string; url: string; lineNumber: number };
    children?: number[];
  }[];
  samples: number[];
  timeDeltas: number[];
  /** Monotonic clock, µs (CLOCK_MONOTONIC on Linux, as process.hrtime). */
  startTime: number;
}

export interface ProfileRow {
  readonly name: string;
  readonly selfMs: number;
  readonly share: number;
  /** Per request served while profiling, when that count is known. */
  readonly usPerRequest: number | null;
}

export interface ProfileSummary {
  /** Each busy sample charged to the first phase (in PHASES order) found on its stack. */
  readonly byPhase: ProfileRow[];
  readonly byFunction: ProfileRow[];
  readonly byPackage: ProfileRow[];
  /** Time with the function anywhere on the stack (self + callees), once per sample. */
  readonly inclusive: ProfileRow[];
  readonly totalMs: number;
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

const IDLE = new Set(['(idle)', '(root)', '(program)']);

/**
 * What a request of the service spends its time on, tested in this order against the
 * frames of each sample's stack (function name and file): the first that matches takes
 * the sample, so a Redis write under the rate limiter counts as the rate limiter.
 */
const PHASES: readonly [string, RegExp][] = [
  ['garbage collection', /^\(garbage collector\)/],
  ['rate limiter (its Redis round trip included)', /^admit .*rate-limiter/],
  ['cache lookup in Redis', /^lookup .*response-cache/],
  ['cache store in Redis (SET)', /^store .*response-cache/],
  [
    'MySQL query (send, receive, parse rows)',
    /^read .*products\.repository|^runStatement |^query mysql2/,
  ],
  ['cursor signing', /^encode .*pagination\/cursor|^signCursor /],
  ['ETag (SHA-1 of the body)', /^strongEtag /],
  ['write the response', /^(Reply\.send|writePayload|onSendHook|end node:_http_outgoing)/],
  [
    'render the page or product (map rows, JSON)',
    /^render(Page|Product) |^rowToProductResponse |^toWire /,
  ],
  [
    'in-process cache and query hashing',
    /^getOrCompute |^hashQuery |^canonical(Query|Filters) |byte-lru/,
  ],
  ['metrics and request log', /prom-client|pino|^onResponseHookIterator |^onResFinished /],
  ['Nest routing, guards, pipes, handler', /@nestjs\//],
  ['Fastify routing and hooks', /fastify\/lib\/(route|hooks)|find-my-way|proxy-addr|ipaddr/],
  ['HTTP parsing', /node:_http_(server|common|incoming)/],
];
const OTHER_PHASE = 'other (event loop, sockets, promises)';

function frameName(frame: CpuProfile['nodes'][number]['callFrame']): string {
  return `${frame.functionName || '(anonymous)'} ${shortUrl(frame.url)}:${frame.lineNumber + 1}`;
}

/**
 * Self time summed by function (with file and line) and by package or dist folder, and
 * inclusive time by function; per request when `requests` (served while profiling) is given.
 * Idle time is left out of the shares. With `window` (monotonic µs, the clock of
 * `process.hrtime`), only samples taken within it count: the measured load, without
 * start-up and warm-up.
 */
export function summarizeProfile(
  path: string,
  top = 25,
  requests = 0,
  window: { fromUs: number; toUs: number } | null = null,
): ProfileSummary {
  const profile = JSON.parse(readFileSync(path, 'utf8')) as CpuProfile;
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const parent = new Map<number, number>();
  for (const node of profile.nodes) {
    for (const child of node.children ?? []) {
      parent.set(child, node.id);
    }
  }
  const selfUs = new Map<number, number>();
  let at = profile.startTime;
  profile.samples.forEach((id, i) => {
    at += profile.timeDeltas[i] ?? 0;
    if (window === null || (at >= window.fromUs && at <= window.toUs)) {
      selfUs.set(id, (selfUs.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0));
    }
  });
  const fn = new Map<string, number>();
  const pkg = new Map<string, number>();
  const incl = new Map<string, number>();
  const phase = new Map<string, number>();
  let total = 0;
  for (const [id, us] of selfUs) {
    const frame = byId.get(id)?.callFrame;
    if (!frame || IDLE.has(frame.functionName)) {
      continue;
    }
    total += us;
    const name = frameName(frame);
    fn.set(name, (fn.get(name) ?? 0) + us);
    const group = frame.url ? packageOf(frame.url) : frame.functionName;
    pkg.set(group, (pkg.get(group) ?? 0) + us);
    const seen = new Set<string>();
    for (let up: number | undefined = id; up !== undefined; up = parent.get(up)) {
      const node = byId.get(up);
      if (node && !IDLE.has(node.callFrame.functionName)) {
        seen.add(frameName(node.callFrame));
      }
    }
    for (const name of seen) {
      incl.set(name, (incl.get(name) ?? 0) + us);
    }
    const stack = [...seen];
    const found = PHASES.find(([, test]) => stack.some((f) => test.test(f)))?.[0] ?? OTHER_PHASE;
    phase.set(found, (phase.get(found) ?? 0) + us);
  }
  const rows = (m: Map<string, number>): ProfileRow[] =>
    [...m.entries()]
      .sort((a, b) => b[1] - a[1])
      .slice(0, top)
      .map(([name, us]) => ({
        name,
        selfMs: Math.round(us / 1000),
        share: us / total,
        usPerRequest: requests > 0 ? Math.round((us / requests) * 10) / 10 : null,
      }));
  return {
    byPhase: rows(phase),
    byFunction: rows(fn),
    byPackage: rows(pkg),
    inclusive: rows(incl),
    totalMs: Math.round(total / 1000),
  };
}

export function formatProfile(summary: ProfileSummary): string {
  const perRequest = summary.byPackage.some((r) => r.usPerRequest !== null);
  const table = (title: string, column: string, rows: ProfileRow[]): string =>
    [
      `| ${title} | ${column} ms | share |${perRequest ? ' µs/req |' : ''}`,
      `|---|---:|---:|${perRequest ? '---:|' : ''}`,
      ...rows.map(
        (r) =>
          `| \`${r.name}\` | ${r.selfMs} | ${(r.share * 100).toFixed(1)} % |${perRequest ? ` ${r.usPerRequest} |` : ''}`,
      ),
    ].join('\n');
  return [
    `Busy time sampled: ${summary.totalMs} ms (idle left out).`,
    table('phase (first match on the stack)', 'self', summary.byPhase),
    table('package / folder', 'self', summary.byPackage),
    table('function', 'self', summary.byFunction),
    table('function', 'inclusive', summary.inclusive),
  ].join('\n\n');
}

if (require.main === module) {
  const path = process.argv[2];
  if (!path) {
    process.stderr.write(
      'usage: ts-node bench/profile-summary.ts <file.cpuprofile> [top] [requests served]\n',
    );
    process.exit(2);
  }
  const top = Number(process.argv[3] ?? 25);
  const requests = Number(process.argv[4] ?? 0);
  process.stdout.write(`${formatProfile(summarizeProfile(path, top, requests))}\n`);
}
