import type { ClientAddresses } from './clients';
import { PerRequest, perRequest, Sample } from './counters';
import { LoadResult, runLoad } from './load';
import { runOpenLoop } from './open-loop';
import type { BenchOptions } from './options';
import { Child, memoryOf } from './processes';
import type { CacheShare } from './cache-share';
import { Sampler } from './sampler';
import { describeScenario, FLOOR_OF, REFERENCE_OF, ScenarioName } from './scenarios';
import { cacheCounters, cacheDelta, heapOf } from './service';
import type { Stores } from './stores';

/**
 * A scenario's CPU per request against its floor's, both at the same arrival rate and
 * in alternating phases, so both see the same machine: the cost per request moves with
 * the request rate (work per wake-up, batching of writes) and with whatever else shares
 * the cores, MariaDB and Redis at the moment.
 */
export interface MatchedCost {
  /** Requests per second offered to both (open loop). */
  readonly rate: number;
  readonly rounds: number;
  readonly phaseS: number;
  readonly service: PerRequest;
  readonly floor: PerRequest;
  /** Median total CPU per request of the service ÷ the floor's. */
  readonly ratio: number | null;
  /** The compared instance (--compare), when one runs, and its total ÷ the floor's. */
  readonly candidate: PerRequest | null;
  readonly candidateRatio: number | null;
}

export interface ScenarioResult extends LoadResult {
  readonly name: ScenarioName;
  readonly description: string;
  readonly cache: CacheShare | null;
  /**
   * CPU per request of the serving process (`app`: the service or a floor), the MySQL
   * server and the Redis server (medians over windows), Redis calls and SQL statements.
   */
  readonly costs: PerRequest;
  /**
   * The floor this scenario is compared with, and total CPU ÷ that floor's total: from the
   * matched-rate measurement when there is one, else from the two closed-loop runs.
   */
  readonly floor: ScenarioName | null;
  readonly ratio: number | null;
  readonly matched: MatchedCost | null;
  /** InnoDB buffer pool misses (pages read from disk) per request, server-wide. */
  readonly diskReadsPerRequest: number | null;
  /** The fixed arrival rate, for open-loop scenarios. */
  readonly overallRate: number | null;
  /** The service's resident memory after the load and its peak so far (VmHWM), MB. */
  readonly serviceMemory: {
    readonly rssMb: number;
    readonly peakRssMb: number;
    /** The highest RSS read at a window's end during this scenario's load. */
    readonly maxRssDuringMb: number;
    readonly heapUsedMb: number;
    readonly heapTotalMb: number;
    readonly externalMb: number;
  } | null;
  /** When the load ran, on the monotonic clock (µs), to cut a CPU profile to it. */
  readonly loadWindowUs: { readonly fromUs: number; readonly toUs: number };
  readonly notes: string[];
}

/** The processes whose CPU a scenario counts; null = not readable on this machine. */
export interface ServerPids {
  readonly mysql: number | null;
  readonly redis: number | null;
}

export interface Target {
  readonly child: Child;
  /** The service, when the target is the service (for its cache counters). */
  readonly service: Child | null;
}

export interface MeasureSpec {
  readonly name: ScenarioName;
  readonly target: Target;
  readonly nextPath: () => string;
  readonly overallRate?: number;
  readonly durationS?: number;
  readonly notes?: string[];
}

export interface MeasureContext {
  readonly options: BenchOptions;
  readonly stores: Stores;
  readonly pids: ServerPids;
  readonly clients: ClientAddresses;
  /** Where a floor being profiled writes its CPU profile (--profile <floor>). */
  readonly floorProfileDir: string | null;
}

const log = (message: string): void => {
  process.stderr.write(`[bench] ${message}\n`);
};

interface Sampled {
  readonly load: LoadResult;
  readonly samples: Sample[];
  readonly fromUs: number;
  readonly toUs: number;
}

/**
 * One load against `child` (closed loop, or open loop at `rate`) while the sampler reads
 * every process's CPU and the servers' counters at the end of each window.
 */
export async function sampleLoad(
  ctx: MeasureContext,
  child: Child,
  nextPath: () => string,
  how: { readonly name: string; readonly durationS: number; readonly rate?: number },
): Promise<Sampled> {
  const { options, stores, pids, clients } = ctx;
  const progress = { completed: 0 };
  const sampler = new Sampler(
    { app: child.process.pid ?? null, mysql: pids.mysql, redis: pids.redis },
    stores,
    () => progress.completed,
    options.windowMs,
  );
  await sampler.start();
  const fromUs = Number(process.hrtime.bigint() / 1000n);
  const load = how.rate
    ? await runOpenLoop({
        url: child.url,
        nextPath,
        rate: how.rate,
        durationS: how.durationS,
        clients,
        maxConnections: options.connections,
        progress,
      })
    : await runLoad({
        name: how.name,
        url: child.url,
        nextPath,
        connections: options.connections,
        durationS: how.durationS,
        clients,
        progress,
      });
  const toUs = Number(process.hrtime.bigint() / 1000n);
  return { load, samples: await sampler.stop(), fromUs, toUs };
}

/** Windows with fewer responses than a fifth of the expected count are left out. */
export function minWindowRequests(ctx: MeasureContext, rps: number): number {
  return Math.max(5, Math.round(rps * (ctx.options.windowMs / 1000) * 0.2));
}

/** Runs one scenario's load while sampling every process's CPU and the servers' counters. */
export async function measure(ctx: MeasureContext, spec: MeasureSpec): Promise<ScenarioResult> {
  const { options, stores } = ctx;
  const { child, service } = spec.target;
  const durationS = spec.durationS ?? options.durationS;
  const readsBefore = await stores.innodbDiskReads();
  const before = service ? await cacheCounters(service) : null;
  log(
    spec.overallRate
      ? `${spec.name}: ${durationS} s, open loop at ${spec.overallRate} req/s`
      : `${spec.name}: ${durationS} s at ${options.connections} connections`,
  );
  const { load, samples, fromUs, toUs } = await sampleLoad(ctx, child, spec.nextPath, {
    name: spec.name,
    durationS,
    rate: spec.overallRate,
  });
  const diskReads = (await stores.innodbDiskReads()) - readsBefore;
  const cache = service && before ? cacheDelta(before, await cacheCounters(service)) : null;
  const memory = service?.process.pid ? memoryOf(service.process.pid) : null;
  const heap = service ? await heapOf(service) : null;
  const costs = perRequest(samples, minWindowRequests(ctx, load.rps));
  log(
    `${spec.name}: ${load.rps} req/s, p95 ${load.latencyMs.p95} ms, non-2xx ${load.non2xx}, ` +
      `errors ${load.errors}; CPU µs/req app ${costs.cpuUs.app ?? '–'} mysql ${costs.cpuUs.mysql ?? '–'} ` +
      `redis ${costs.cpuUs.redis ?? '–'} (total ${costs.totalCpuUs ?? '–'}); ` +
      `redis calls/req ${costs.redisCalls ?? '–'}, SQL/req ${costs.sqlStatements ?? '–'}`,
  );
  return {
    name: spec.name,
    description: describeScenario(spec.name, options.deepPage),
    ...load,
    cache,
    costs,
    floor: FLOOR_OF[spec.name] ?? REFERENCE_OF[spec.name] ?? null,
    ratio: null,
    matched: null,
    diskReadsPerRequest:
      load.requests > 0 ? Math.round((diskReads / load.requests) * 100) / 100 : null,
    overallRate: spec.overallRate ?? null,
    loadWindowUs: { fromUs, toUs },
    serviceMemory:
      memory && heap
        ? {
            rssMb: Math.round(memory.rssMb),
            peakRssMb: Math.round(memory.peakRssMb),
            maxRssDuringMb: Math.round(
              Math.max(...samples.map((x) => x.appRssMb ?? NaN).filter(Number.isFinite), 0),
            ),
            ...heap,
          }
        : null,
    notes: spec.notes ?? [],
  };
}

/** Each scenario's total CPU per request over its floor's, when both ran. */
export function withRatios(results: readonly ScenarioResult[]): ScenarioResult[] {
  return results.map((result) => {
    if (result.matched) {
      return { ...result, ratio: result.matched.ratio };
    }
    const floor = results.find((r) => r.name === result.floor);
    const mine = result.costs.totalCpuUs;
    const base = floor?.costs.totalCpuUs;
    const ratio =
      mine !== null && base !== null && base !== undefined && base > 0
        ? Math.round((mine / base) * 100) / 100
        : null;
    return { ...result, ratio };
  });
}
