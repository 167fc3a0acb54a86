import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { format, resolveConfig } from 'prettier';
import type { LoadResult } from './load';
import type { MachineInfo } from './machine';
import { SCENARIO_DESCRIPTIONS, ScenarioName } from './scenarios';

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

export interface CacheShare {
  readonly hits: number;
  readonly misses: number;
  readonly errors: number;
}

export interface ScenarioResult extends LoadResult {
  readonly name: ScenarioName;
  readonly description: string;
  readonly cache: CacheShare | null;
  /** CPU time (user + system) of the serving process per request, in µs. */
  readonly cpuUsPerRequest: number | null;
  /**
   * CPU time of the database server process per request, in µs, when it runs on this
   * machine (its /proc entry is readable); it includes any other clients of that server.
   */
  readonly dbCpuUsPerRequest?: number | null;
  /** InnoDB buffer pool misses (pages read from disk) per request, server-wide. */
  readonly diskReadsPerRequest: number | null;
  readonly notes: string[];
}

export interface TargetCheck {
  readonly target: string;
  readonly measured: string;
  readonly pass: boolean | null;
}

export interface BenchReport {
  readonly at: string;
  readonly machine: MachineInfo;
  readonly settings: { durationS: number; connections: number; products: number; dbName: string };
  readonly seeding: SeedingResult;
  /** InnoDB buffer pool against the products table (data + indexes), MiB. */
  readonly database: {
    readonly bufferPoolMb: number;
    readonly productsMb: number;
    /** What the pool was before the bench grew it (SET GLOBAL); null = left as it was. */
    readonly bufferPoolGrownFromMb?: number | null;
  };
  readonly scenarios: ScenarioResult[];
  readonly service: { rssMb: number; peakRssMb: number };
  readonly ratios: { hotOverFloorRps: number | null; deepOverFirstPageP95: number | null };
  readonly targets: TargetCheck[];
}

const ms = (v: number): string => (Number.isFinite(v) ? v.toFixed(2) : 'n/a');
const pct = (share: number): string => `${(share * 100).toFixed(1)} %`;

export function hitShare(cache: CacheShare | null): number | null {
  if (!cache) {
    return null;
  }
  const total = cache.hits + cache.misses + cache.errors;
  return total === 0 ? null : cache.hits / total;
}

function find(scenarios: ScenarioResult[], name: ScenarioName): ScenarioResult | undefined {
  return scenarios.find((s) => s.name === name);
}

export function ratios(scenarios: ScenarioResult[]): BenchReport['ratios'] {
  const floor = find(scenarios, 'floor');
  const hot = find(scenarios, 'hot');
  const first = find(scenarios, 'first-page');
  const deep = find(scenarios, 'deep');
  return {
    hotOverFloorRps: floor && hot ? round(hot.rps / floor.rps, 3) : null,
    deepOverFirstPageP95: first && deep ? round(deep.latencyMs.p95 / first.latencyMs.p95, 3) : null,
  };
}

const round = (value: number, digits: number): number =>
  Math.round(value * 10 ** digits) / 10 ** digits;

function failures(s: ScenarioResult): number {
  return s.non2xx + s.errors + s.timeouts;
}

export function checkTargets(
  scenarios: ScenarioResult[],
  seeding: SeedingResult,
  service: BenchReport['service'],
): TargetCheck[] {
  const r = ratios(scenarios);
  const hot = find(scenarios, 'hot');
  const p95Under = (name: ScenarioName, limitMs: number): TargetCheck => {
    const s = find(scenarios, name);
    return {
      target: `${name} p95 ≤ ${limitMs} ms`,
      measured: s ? `${ms(s.latencyMs.p95)} ms` : 'not run',
      pass: s ? s.latencyMs.p95 <= limitMs && failures(s) === 0 : null,
    };
  };
  const seedRate = seeding.rowsPerS ?? seeding.lastFresh?.rowsPerS ?? null;
  return [
    {
      target: 'hot ≥ 0.5 × floor req/s, zero errors',
      measured:
        r.hotOverFloorRps === null || !hot
          ? 'not run'
          : `${r.hotOverFloorRps.toFixed(2)} × floor, ${failures(hot)} errors`,
      pass:
        r.hotOverFloorRps === null || !hot ? null : r.hotOverFloorRps >= 0.5 && failures(hot) === 0,
    },
    p95Under('miss', 15),
    p95Under('filters', 15),
    {
      target: 'deep p95 / first-page p95 ≤ 1.2',
      measured: r.deepOverFirstPageP95 === null ? 'not run' : r.deepOverFirstPageP95.toFixed(2),
      pass: r.deepOverFirstPageP95 === null ? null : r.deepOverFirstPageP95 <= 1.2,
    },
    p95Under('by-id', 10),
    {
      target: 'seeding ≥ 100,000 rows/s',
      measured:
        seedRate === null
          ? 'unknown'
          : `${Math.round(seedRate).toLocaleString('en-US')} rows/s${seeding.rowsPerS === null ? ' (last fresh seed)' : ''}`,
      pass: seedRate === null ? null : seedRate >= 100_000,
    },
    {
      target: 'service RSS ≤ 250 MB after the runs',
      measured: `${service.rssMb.toFixed(0)} MB (peak ${service.peakRssMb.toFixed(0)} MB)`,
      pass: service.rssMb <= 250,
    },
  ];
}

function verdict(pass: boolean | null): string {
  if (pass === null) {
    return '–';
  }
  return pass ? 'PASS' : '**FAIL**';
}

export function toMarkdown(report: BenchReport): string {
  const m = report.machine;
  const s = report.seeding;
  const lines = [
    `Run ${report.at} on ${m.nproc} × ${m.cpuModel}, ${m.ramGb} GB RAM; Node ${m.node}, ` +
      `MariaDB ${m.mariadb}, Redis ${m.redis}. ${report.settings.connections} connections, ` +
      `${report.settings.durationS} s per scenario, ${report.settings.products.toLocaleString('en-US')} products ` +
      `(${report.database.productsMb} MiB of data and indexes; InnoDB buffer pool ${report.database.bufferPoolMb} MiB` +
      (report.database.bufferPoolGrownFromMb
        ? `, grown by the bench from ${report.database.bufferPoolGrownFromMb} MiB`
        : '') +
      ').',
    '',
    `Seeding: ${s.mode}` +
      (s.rowsPerS !== null
        ? `, ${s.insertedRows.toLocaleString('en-US')} rows at ${Math.round(s.rowsPerS).toLocaleString('en-US')} rows/s (seeder's figure; ${s.elapsedS.toFixed(1)} s wall including start-up and migrations = ${Math.round(s.wallRowsPerS ?? 0).toLocaleString('en-US')} rows/s)`
        : '') +
      (s.rowsPerS === null && s.lastFresh
        ? ` (last fresh seed: ${Math.round(s.lastFresh.rowsPerS).toLocaleString('en-US')} rows/s, ${s.lastFresh.elapsedS.toFixed(1)} s, ${s.lastFresh.at})`
        : '') +
      '.',
    '',
    '| scenario | what | req/s | p50 ms | p95 ms | p99 ms | non-2xx | errors (timeouts) | cache hits | server CPU µs/req | DB CPU µs/req | InnoDB disk reads/req |',
    '|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|',
    ...report.scenarios.map((r) => {
      const share = hitShare(r.cache);
      return `| ${r.name} | ${r.description} | ${r.rps.toLocaleString('en-US')} | ${ms(r.latencyMs.p50)} | ${ms(r.latencyMs.p95)} | ${ms(r.latencyMs.p99)} | ${r.non2xx} | ${r.errors} (${r.timeouts}) | ${share === null ? '–' : pct(share)} | ${r.cpuUsPerRequest ?? '–'} | ${r.dbCpuUsPerRequest ?? '–'} | ${r.diskReadsPerRequest ?? '–'} |`;
    }),
    '',
    `Service RSS after the runs: ${report.service.rssMb.toFixed(0)} MB (peak ${report.service.peakRssMb.toFixed(0)} MB).`,
    '',
    '| target | measured | result |',
    '|---|---|---|',
    ...report.targets.map((t) => `| ${t.target} | ${t.measured} | ${verdict(t.pass)} |`),
  ];
  const notes = report.scenarios.flatMap((r) => r.notes.map((n) => `- ${r.name}: ${n}`));
  if (notes.length > 0) {
    lines.push('', ...notes);
  }
  return `${lines.join('\n')}\n`;
}

export function describe(name: ScenarioName, deepPage: number): string {
  return SCENARIO_DESCRIPTIONS[name].replace('~N', `~${deepPage.toLocaleString('en-US')}`);
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
