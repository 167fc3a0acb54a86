/**
 * Pure helpers for the server-side counters the bench samples: Redis `INFO commandstats`,
 * MySQL `SHOW GLOBAL STATUS`, CPU ticks, and the per-window medians built from them.
 */

/** `cmdstat_<name>:calls=N,...` lines → calls per command name (lower case). */
export function parseCommandStats(info: string): Record<string, number> {
  const calls: Record<string, number> = {};
  for (const match of info.matchAll(/^cmdstat_([^:]+):calls=(\d+)/gm)) {
    calls[match[1].toLowerCase()] = Number(match[2]);
  }
  return calls;
}

/**
 * Commands the bench itself sends while it samples, or that no request of the service
 * issues, left out of the per-request counts.
 */
const OWN_REDIS_COMMANDS = new Set(['info', 'scan', 'memory', 'ping', 'dbsize', 'config']);

/** SQL statement counters that count the service's work (not the bench's own SHOW queries). */
export const SQL_COUNTERS = [
  'Com_select',
  'Com_insert',
  'Com_update',
  'Com_delete',
  'Com_replace',
  'Com_stmt_prepare',
  'Com_stmt_execute',
  'Com_stmt_close',
  'Com_begin',
  'Com_commit',
  'Com_rollback',
  'Com_set_option',
] as const;

/** Rows of `SHOW GLOBAL STATUS` (Variable_name, Value) → the numeric values wanted. */
export function parseStatusRows(
  rows: readonly { Variable_name: string; Value: string }[],
  wanted: readonly string[] = SQL_COUNTERS,
): Record<string, number> {
  const keep = new Set(wanted.map((name) => name.toLowerCase()));
  const values: Record<string, number> = {};
  for (const row of rows) {
    if (keep.has(row.Variable_name.toLowerCase())) {
      values[row.Variable_name.toLowerCase()] = Number(row.Value);
    }
  }
  return values;
}

/** after − before per key (keys missing before count from 0); non-positive deltas dropped. */
export function counterDelta(
  before: Record<string, number>,
  after: Record<string, number>,
): Record<string, number> {
  const delta: Record<string, number> = {};
  for (const [key, value] of Object.entries(after)) {
    const d = value - (before[key] ?? 0);
    if (d > 0) {
      delta[key] = d;
    }
  }
  return delta;
}

export function median(values: readonly number[]): number | null {
  const finite = values.filter((v) => Number.isFinite(v)).sort((a, b) => a - b);
  if (finite.length === 0) {
    return null;
  }
  const mid = Math.floor(finite.length / 2);
  return finite.length % 2 === 1 ? finite[mid] : (finite[mid - 1] + finite[mid]) / 2;
}

/** CPU time (user + system) in ms from the text of /proc/<pid>/stat. */
export function cpuMsFromStat(stat: string, ticksPerS = 100): number {
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return ((Number(fields[11]) + Number(fields[12])) * 1000) / ticksPerS;
}

/** What the sampler reads at the end of each window. */
export interface Sample {
  readonly atMs: number;
  /** Responses completed so far by the load generator. */
  readonly completed: number;
  /** CPU ms used so far, per process role (service, mysql, redis, floor…). */
  readonly cpuMs: Readonly<Record<string, number>>;
  /** Redis calls so far per command (INFO commandstats); null if it could not be read. */
  readonly redis: Readonly<Record<string, number>> | null;
  /** SQL statement counters so far (SHOW GLOBAL STATUS); null if it could not be read. */
  readonly sql: Readonly<Record<string, number>> | null;
  /** Resident memory of the serving process now, MB (NaN when unreadable). */
  readonly appRssMb?: number;
}

/** Per-request costs of one scenario: medians over its windows, and whole-run means. */
export interface PerRequest {
  /** Windows with enough requests to count. */
  readonly windows: number;
  /** Median over windows of CPU µs per request, per process role. */
  readonly cpuUs: Record<string, number | null>;
  /**
   * Median over windows of the summed CPU µs per request of the serving process and of
   * the servers the requests use (`counted`): a server that gets less than half a command
   * per request is not working for this load, and its CPU (other clients') is left out.
   */
  readonly totalCpuUs: number | null;
  readonly counted: string[];
  /** Whole-run CPU µs per request per role (more exposed to other work's bursts). */
  readonly meanCpuUs: Record<string, number | null>;
  /** Median over windows of Redis calls per request (script-internal calls included). */
  readonly redisCalls: number | null;
  /** Whole-run Redis calls per request by command. */
  readonly redisByCommand: Record<string, number>;
  /** Median over windows of SQL statements per request. */
  readonly sqlStatements: number | null;
  /** Whole-run SQL statements per request by counter. */
  readonly sqlByCounter: Record<string, number>;
}

const round = (value: number, digits: number): number =>
  Math.round(value * 10 ** digits) / 10 ** digits;

function sumWithout(values: Record<string, number>, skip: Set<string>): number {
  return Object.entries(values).reduce((sum, [key, v]) => (skip.has(key) ? sum : sum + v), 0);
}

interface Window {
  readonly cpu: Record<string, number>;
  readonly total: number;
  readonly redis: number;
  readonly sql: number;
}

function windowsOf(samples: readonly Sample[], roles: string[], minRequests: number): Window[] {
  const windows: Window[] = [];
  for (let i = 1; i < samples.length; i += 1) {
    const a = samples[i - 1];
    const b = samples[i];
    const requests = b.completed - a.completed;
    if (requests < minRequests) {
      continue;
    }
    const cpu: Record<string, number> = {};
    for (const role of roles) {
      cpu[role] = ((b.cpuMs[role] - a.cpuMs[role]) * 1000) / requests;
    }
    const redis =
      a.redis && b.redis
        ? sumWithout(counterDelta(a.redis, b.redis), OWN_REDIS_COMMANDS) / requests
        : NaN;
    const sql = a.sql && b.sql ? sumWithout(counterDelta(a.sql, b.sql), NO_SKIP) / requests : NaN;
    windows.push({ cpu, total: NaN, redis, sql });
  }
  return windows;
}

const NO_SKIP = new Set<string>();
/** Commands or statements per request below which a server is not counted as used. */
const SERVER_USE_THRESHOLD = 0.5;

function sumCounters(
  runs: readonly (readonly Sample[])[],
  pick: (s: Sample) => Readonly<Record<string, number>> | null,
): { delta: Record<string, number>; complete: boolean } {
  const delta: Record<string, number> = {};
  let complete = true;
  for (const run of runs) {
    const a = run[0] ? pick(run[0]) : null;
    const b = run.length > 0 ? pick(run[run.length - 1]) : null;
    if (!a || !b) {
      complete = false;
      continue;
    }
    for (const [key, v] of Object.entries(counterDelta(a, b))) {
      delta[key] = (delta[key] ?? 0) + v;
    }
  }
  return { delta, complete };
}

/**
 * Turns consecutive samples into per-request costs. A window counts when it completed at
 * least `minRequests` responses; each counter's per-request value is taken per window and
 * the median kept, so a burst of someone else's work on a shared server moves one window,
 * not the result. Several runs (phases of the same load, e.g. interleaved with another
 * target's) pool their windows; nothing between two runs is counted.
 */
export function perRequest(
  samples: readonly Sample[] | readonly (readonly Sample[])[],
  minRequests = 20,
): PerRequest {
  const runs = (
    samples.length > 0 && Array.isArray(samples[0]) ? samples : [samples]
  ) as readonly (readonly Sample[])[];
  const roles = Object.keys(runs[0]?.[0]?.cpuMs ?? {});
  const requests = runs.reduce(
    (sum, run) => sum + (run.length > 0 ? run[run.length - 1].completed - run[0].completed : 0),
    0,
  );
  const redisTotal = sumCounters(runs, (s) => s.redis);
  const sqlTotal = sumCounters(runs, (s) => s.sql);
  const perRequestOf = (c: { delta: Record<string, number> }, skip: Set<string>): number =>
    requests > 0 ? sumWithout(c.delta, skip) / requests : 0;
  const counted = roles.filter(
    (role) =>
      (role !== 'mysql' && role !== 'redis') ||
      (role === 'mysql' && perRequestOf(sqlTotal, NO_SKIP) >= SERVER_USE_THRESHOLD) ||
      (role === 'redis' && perRequestOf(redisTotal, OWN_REDIS_COMMANDS) >= SERVER_USE_THRESHOLD),
  );
  const windows = runs
    .flatMap((run) => windowsOf(run, roles, minRequests))
    .map((w) => ({
      ...w,
      total: counted
        .map((role) => w.cpu[role])
        .filter((v) => Number.isFinite(v))
        .reduce((sum, v) => sum + v, 0),
    }));
  const cpu = sumCounters(runs, (s) => s.cpuMs);
  const maybe = (v: number | null, digits = 0): number | null =>
    v === null || !Number.isFinite(v) ? null : round(v, digits);
  const byKey = (
    counters: { delta: Record<string, number>; complete: boolean },
    skip: Set<string>,
  ): Record<string, number> =>
    !counters.complete || requests <= 0
      ? {}
      : Object.fromEntries(
          Object.entries(counters.delta)
            .filter(([key]) => !skip.has(key))
            .sort((a, b) => b[1] - a[1])
            .map(([key, v]) => [key, round(v / requests, 2)]),
        );
  return {
    windows: windows.length,
    cpuUs: Object.fromEntries(
      roles.map((role) => [role, maybe(median(windows.map((w) => w.cpu[role])))]),
    ),
    totalCpuUs: maybe(median(windows.map((w) => w.total))),
    counted,
    meanCpuUs: Object.fromEntries(
      roles.map((role) => [
        role,
        requests > 0 && cpu.delta[role] !== undefined
          ? maybe((cpu.delta[role] * 1000) / requests)
          : requests > 0 && roles.length > 0 && Number.isFinite(runs[0]?.[0]?.cpuMs[role])
            ? 0
            : null,
      ]),
    ),
    redisCalls: maybe(median(windows.map((w) => w.redis)), 2),
    redisByCommand: byKey(redisTotal, OWN_REDIS_COMMANDS),
    sqlStatements: maybe(median(windows.map((w) => w.sql)), 2),
    sqlByCounter: byKey(sqlTotal, NO_SKIP),
  };
}
