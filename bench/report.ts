import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { format, resolveConfig } from 'prettier';
import { hitShare } from './cache-share';
import type { Capture } from './capture';
import type { ChurnResult } from './churn';
import type { MachineInfo } from './machine';
import type { ScenarioResult } from './measure';
import { churnMarkdown } from './report-churn';
import type { TargetCheck } from './targets';

export interface SeedingResult {
  readonly rows: number;
  /** fresh: seeded from an empty table in this run; partial: topped up; reused: skipped. */
  readonly mode: 'fresh' | 'partial' | 'reused';
  readonly insertedRows: number;
  readonly elapsedS: number;
  /** Insert rate the seeder reports for this run (null when nothing was inserted). */
  readonly rowsPerS: number | null;
  /** Rows inserted over the seeder's whole wall time, process start and migrations included. */
  readonly wallRowsPerS: number | null;
  /** The most recent fresh seed, carried over from earlier results when this run reused. */
  readonly lastFresh: {
    readonly rows: number;
    readonly rowsPerS: number;
    readonly elapsedS: number;
    readonly at: string;
  } | null;
  readonly seederSaid: string;
}

export interface BenchReport {
  readonly at: string;
  readonly machine: MachineInfo;
  readonly settings: {
    readonly durationS: number;
    readonly connections: number;
    readonly products: number;
    readonly dbName: string;
    readonly rateLimit: boolean;
    readonly clients: number;
    readonly windowMs: number;
    /** The build compared in the matched-rate phases, and its environment overrides. */
    readonly compare?: { readonly dist: string; readonly env: Record<string, string> } | null;
  };
  /** 1-minute load average when the run started and when it ended (the cores are shared). */
  readonly loadAverage: { readonly start: number; readonly end: number };
  readonly seeding: SeedingResult;
  /** InnoDB buffer pool against the products table (data + indexes), MiB. */
  readonly database: {
    readonly bufferPoolMb: number;
    readonly productsMb: number;
    /** What the pool was before the bench grew it (SET GLOBAL); null = left as it was. */
    readonly bufferPoolGrownFromMb?: number | null;
  };
  readonly scenarios: ScenarioResult[];
  readonly churn: ChurnResult | null;
  readonly capture: Capture | null;
  /** The service's resident memory at the end, and its peak over the whole run. */
  readonly service: { rssMb: number; peakRssMb: number };
  readonly targets: TargetCheck[];
}

const ms = (v: number): string => (Number.isFinite(v) ? v.toFixed(2) : 'n/a');
export const pct = (share: number | null): string =>
  share === null ? '–' : `${(share * 100).toFixed(1)} %`;
const num = (v: number | null | undefined): string =>
  v === null || v === undefined ? '–' : v.toLocaleString('en-US');

function verdict(pass: boolean | null): string {
  if (pass === null) {
    return '–';
  }
  return pass ? 'PASS' : '**FAIL**';
}

function header(report: BenchReport): string[] {
  const m = report.machine;
  const s = report.seeding;
  const busy = Math.max(report.loadAverage.start, report.loadAverage.end) >= 0.5;
  return [
    `Run ${report.at} on ${m.nproc} × ${m.cpuModel}, ${m.ramGb} GB RAM; Node ${m.node}, ` +
      `MariaDB ${m.mariadb}, Redis ${m.redis}. ${report.settings.connections} connections, ` +
      `${report.settings.durationS} s per scenario (costs: medians of ${report.settings.windowMs} ms windows), ` +
      `${report.settings.products.toLocaleString('en-US')} products ` +
      `(${report.database.productsMb} MiB of data and indexes; InnoDB buffer pool ${report.database.bufferPoolMb} MiB` +
      (report.database.bufferPoolGrownFromMb
        ? `, grown by the bench from ${report.database.bufferPoolGrownFromMb} MiB`
        : '') +
      `). Rate limiter **${report.settings.rateLimit ? 'on' : 'off'}**` +
      (report.settings.compare
        ? ` (compared: ${report.settings.compare.dist} ${JSON.stringify(report.settings.compare.env)})`
        : '') +
      (report.settings.rateLimit
        ? ` (production budgets; load spread over ${report.settings.clients.toLocaleString('en-US')} client addresses via X-Forwarded-For)`
        : '') +
      '.',
    '',
    `Load average (1 min) ${report.loadAverage.start.toFixed(2)} at the start, ${report.loadAverage.end.toFixed(2)} at the end` +
      (busy
        ? ': **taken on a busy machine** (other work shared the cores, MariaDB and Redis); compare ratios within this run, not absolute numbers.'
        : '.'),
    '',
    `Seeding: ${s.mode}` +
      (s.rowsPerS !== null
        ? `, ${s.insertedRows.toLocaleString('en-US')} rows at ${Math.round(s.rowsPerS).toLocaleString('en-US')} rows/s (seeder's figure; ${s.elapsedS.toFixed(1)} s wall including start-up and migrations = ${Math.round(s.wallRowsPerS ?? 0).toLocaleString('en-US')} rows/s)`
        : '') +
      (s.rowsPerS === null && s.lastFresh
        ? ` (last fresh seed: ${Math.round(s.lastFresh.rowsPerS).toLocaleString('en-US')} rows/s, ${s.lastFresh.elapsedS.toFixed(1)} s, ${s.lastFresh.at})`
        : '') +
      '.',
  ];
}

function latencyTable(scenarios: readonly ScenarioResult[]): string[] {
  return [
    '| scenario | what | req/s | p50 ms | p95 ms | p99 ms | non-2xx | errors (timeouts) | cache hits | InnoDB disk reads/req | service RSS: max during / at the end / peak so far; V8 heap used / total at the end, MB |',
    '|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|',
    ...scenarios.map(
      (r) =>
        `| ${r.name} | ${r.description}${r.overallRate ? ` (open loop, ${num(r.overallRate)} req/s offered)` : ''} | ${num(r.rps)} | ${ms(r.latencyMs.p50)} | ${ms(r.latencyMs.p95)} | ${ms(r.latencyMs.p99)} | ${r.non2xx} | ${r.errors} (${r.timeouts}) | ${pct(hitShare(r.cache))} | ${r.diskReadsPerRequest ?? '–'} | ${r.serviceMemory ? `${r.serviceMemory.maxRssDuringMb} / ${r.serviceMemory.rssMb} / ${r.serviceMemory.peakRssMb}; ${r.serviceMemory.heapUsedMb} / ${r.serviceMemory.heapTotalMb}` : '–'} |`,
    ),
  ];
}

/** A server's CPU per request, in parentheses when the total leaves it out (not used). */
function role(c: ScenarioResult['costs'], name: string): string {
  const v = num(c.cpuUs[name]);
  return c.counted.includes(name) || v === '–' ? v : `(${v})`;
}

function costTable(scenarios: readonly ScenarioResult[]): string[] {
  return [
    '| scenario | app µs | MySQL µs | Redis µs | total µs | floor | × floor | Redis calls/req | SQL stmts/req | windows |',
    '|---|---:|---:|---:|---:|---|---:|---:|---:|---:|',
    ...scenarios.map((r) => {
      const c = r.costs;
      return `| ${r.name} | ${num(c.cpuUs.app)} | ${role(c, 'mysql')} | ${role(c, 'redis')} | ${num(c.totalCpuUs)} | ${r.floor ?? '–'} | ${r.ratio === null ? '–' : r.ratio.toFixed(2)} | ${c.redisCalls ?? '–'} | ${c.sqlStatements ?? '–'} | ${c.windows} |`;
    }),
  ];
}

function matchedTable(scenarios: readonly ScenarioResult[]): string[] {
  const rows = scenarios.filter((r) => r.matched !== null);
  if (rows.length === 0) {
    return [];
  }
  const side = (c: ScenarioResult['costs']): string =>
    `${num(c.cpuUs.app)} | ${role(c, 'mysql')} | ${role(c, 'redis')} | ${num(c.totalCpuUs)}`;
  return [
    "At a matched rate: each scenario and its floor offered the same requests per second (open loop, half the scenario's closed-loop throughput), in alternating phases so both meet the same machine. The ratios in the targets come from here.",
    '',
    '| scenario | floor | req/s each | service: app µs | MySQL µs | Redis µs | total µs | floor: app µs | MySQL µs | Redis µs | total µs | × floor |',
    '|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|',
    ...rows.map((r) => {
      const m = r.matched as NonNullable<ScenarioResult['matched']>;
      return `| ${r.name} | ${r.floor ?? '–'} | ${num(m.rate)} | ${side(m.service)} | ${side(m.floor)} | ${m.ratio === null ? '–' : m.ratio.toFixed(2)} |`;
    }),
    '',
    ...compared(rows),
  ];
}

function compared(rows: readonly ScenarioResult[]): string[] {
  const withCandidate = rows.filter((r) => r.matched?.candidate);
  if (withCandidate.length === 0) {
    return [];
  }
  return [
    'The compared instance (`--compare`), in the same phases:',
    '',
    '| scenario | service total µs | compared: app µs | MySQL µs | Redis µs | total µs | × floor | compared ÷ service |',
    '|---|---:|---:|---:|---:|---:|---:|---:|',
    ...withCandidate.map((r) => {
      const m = r.matched as NonNullable<ScenarioResult['matched']>;
      const c = m.candidate as NonNullable<typeof m.candidate>;
      const change =
        c.totalCpuUs !== null && m.service.totalCpuUs
          ? (c.totalCpuUs / m.service.totalCpuUs).toFixed(2)
          : '–';
      return `| ${r.name} | ${num(m.service.totalCpuUs)} | ${num(c.cpuUs.app)} | ${role(c, 'mysql')} | ${role(c, 'redis')} | ${num(c.totalCpuUs)} | ${m.candidateRatio?.toFixed(2) ?? '–'} | ${change} |`;
    }),
    '',
  ];
}

function breakdown(scenarios: readonly ScenarioResult[]): string[] {
  const line = (by: Record<string, number>): string =>
    Object.entries(by)
      .filter(([, n]) => n >= 0.01)
      .slice(0, 8)
      .map(([name, n]) => `${name} ${n}`)
      .join(', ') || '–';
  return [
    '| scenario | Redis calls/req by command (whole run) | SQL statements/req by counter (whole run) |',
    '|---|---|---|',
    ...scenarios.map(
      (r) => `| ${r.name} | ${line(r.costs.redisByCommand)} | ${line(r.costs.sqlByCounter)} |`,
    ),
  ];
}

function anatomy(capture: Capture): string[] {
  return [
    '| request | Redis commands, in order | SQL statements, in order |',
    '|---|---|---|',
    ...Object.entries(capture.anatomy).map(
      ([name, a]) =>
        `| ${name} (\`${a.path}\`, ${a.status}) | ${a.redis.map((c) => `\`${c}\``).join(' → ') || '–'} | ${a.sql.map((c) => `\`${c.replace(/\|/g, '\\|')}\``).join(' → ') || '–'} |`,
    ),
  ];
}

export function toMarkdown(report: BenchReport): string {
  const lines = [
    ...header(report),
    '',
    '### Latency',
    '',
    ...latencyTable(report.scenarios),
    '',
    '### CPU per request',
    '',
    'CPU time (user + system, `/proc/<pid>/stat`) per response of the serving process (`app`: the service, or the floor for the floor rows), the MariaDB server and the Redis server; medians over the windows of the scenario. MariaDB and Redis are shared servers: their columns include whatever else ran on them, and a server that gets less than half a command or statement per request is left out of the total (its value in parentheses). Redis calls count the commands a script runs as well as the script itself; both counts are server-wide deltas.',
    '',
    ...matchedTable(report.scenarios),
    'In the closed-loop runs above (each at its own throughput; `× floor` from the matched rate where there is one):',
    '',
    ...costTable(report.scenarios),
    '',
    ...breakdown(report.scenarios),
    '',
  ];
  if (report.capture) {
    lines.push(
      '### What one request sends',
      '',
      `Captured through recording proxies in front of MySQL and Redis, one request at a time (the most common sequence of five); keys without the bench prefix, hashes as \`…\`. Reads are sent ${report.capture.prepared ? 'as prepared statements (binary protocol)' : 'as text (the values inlined by mysql2)'}; the database floor sends them the same way.`,
      '',
      ...anatomy(report.capture),
      '',
    );
  }
  if (report.churn) {
    lines.push(...churnMarkdown(report.churn), '');
  }
  lines.push(
    `Service RSS at the end: ${report.service.rssMb} MB; peak during the run: ${report.service.peakRssMb} MB.`,
    '',
    '### Targets',
    '',
    '| target | measured | result |',
    '|---|---|---|',
    ...report.targets.map((t) => `| ${t.target} | ${t.measured} | ${verdict(t.pass)} |`),
  );
  const notes = report.scenarios.flatMap((r) => r.notes.map((n) => `- ${r.name}: ${n}`));
  if (notes.length > 0) {
    lines.push('', ...notes);
  }
  return `${lines.join('\n')}\n`;
}

/** The most recent fresh seed recorded in earlier results, if any. */
export function previousFreshSeed(resultsDir: string, rows: number): SeedingResult['lastFresh'] {
  try {
    const previous = JSON.parse(
      readFileSync(join(resultsDir, 'latest.json'), 'utf8'),
    ) as BenchReport;
    const seeding = previous.seeding;
    if (seeding.mode === 'fresh' && seeding.rowsPerS !== null && seeding.rows === rows) {
      return { rows, rowsPerS: seeding.rowsPerS, elapsedS: seeding.elapsedS, at: previous.at };
    }
    return seeding.lastFresh?.rows === rows ? seeding.lastFresh : null;
  } catch {
    return null;
  }
}

/** Full runs write latest.*; runs of some scenarios only write partial.*. */
export async function writeReport(
  resultsDir: string,
  report: BenchReport,
  partial: boolean,
): Promise<string> {
  mkdirSync(resultsDir, { recursive: true });
  const base = join(resultsDir, partial ? 'partial' : 'latest');
  const options = (await resolveConfig(`${base}.md`)) ?? {};
  const markdown = await format(toMarkdown(report), { ...options, parser: 'markdown' });
  writeFileSync(`${base}.json`, `${JSON.stringify(report, null, 2)}\n`);
  writeFileSync(`${base}.md`, markdown);
  return markdown;
}
