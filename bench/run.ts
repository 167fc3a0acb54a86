import { existsSync, mkdtempSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { collectDeepCursors } from './cursors';
import { runLoad } from './load';
import { describeMachine } from './machine';
import { BenchOptions, loadOptions } from './options';
import { formatProfile, summarizeProfile } from './profile-summary';
import { Child, cpuMsOf, memoryOf, stopChild } from './processes';
import {
  BenchReport,
  checkTargets,
  describe,
  ratios,
  ScenarioResult,
  SeedingResult,
  writeReport,
} from './report';
import {
  byIdPaths,
  deepPaths,
  filterPaths,
  firstPagePaths,
  HOT_PATH,
  missPaths,
  SCENARIO_ORDER,
  ScenarioName,
} from './scenarios';
import { ensureSeeded } from './seed';
import { cacheCounters, cacheDelta, startFloor, startService } from './service';
import { CatalogFacts, Stores } from './stores';

const WARMUP_S = 3;
const DEFAULT_DEEP_CURSORS = 12_000;
const CURSOR_HEADROOM = 1.15;

const log = (message: string): void => {
  process.stderr.write(`[bench] ${message}\n`);
};

interface Running {
  service: Child | null;
  floor: Child | null;
}

interface Target {
  readonly child: Child;
  /** The service, when the target is the service (for its cache counters). */
  readonly service: Child | null;
}

async function measure(
  options: BenchOptions,
  stores: Stores,
  dbPid: number | null,
  name: ScenarioName,
  { child: target, service }: Target,
  nextPath: () => string,
  notes: string[] = [],
): Promise<ScenarioResult> {
  const readsBefore = await stores.innodbDiskReads();
  const before = service ? await cacheCounters(service) : null;
  const pid = target.process.pid as number;
  const cpuBefore = cpuMsOf(pid);
  const dbCpuBefore = dbPid === null ? 0 : cpuMsOf(dbPid);
  log(`${name}: ${options.durationS} s at ${options.connections} connections`);
  const load = await runLoad({
    name,
    url: target.url,
    nextPath,
    connections: options.connections,
    durationS: options.durationS,
  });
  const cpuMs = cpuMsOf(pid) - cpuBefore;
  const dbCpuMs = dbPid === null ? null : cpuMsOf(dbPid) - dbCpuBefore;
  const diskReads = (await stores.innodbDiskReads()) - readsBefore;
  const cache = service && before ? cacheDelta(before, await cacheCounters(service)) : null;
  log(
    `${name}: ${load.rps} req/s, p95 ${load.latencyMs.p95} ms, non-2xx ${load.non2xx}, errors ${load.errors}`,
  );
  const cpuUsPerRequest = load.requests > 0 ? Math.round((cpuMs * 1000) / load.requests) : null;
  return {
    name,
    description: describe(name, options.deepPage),
    ...load,
    cpuUsPerRequest,
    dbCpuUsPerRequest:
      dbCpuMs !== null && load.requests > 0 ? Math.round((dbCpuMs * 1000) / load.requests) : null,
    diskReadsPerRequest:
      load.requests > 0 ? Math.round((diskReads / load.requests) * 100) / 100 : null,
    cache,
    notes,
  };
}

async function warmUp(options: BenchOptions, target: Child, nextPath: () => string): Promise<void> {
  await runLoad({
    name: 'warm-up',
    url: target.url,
    nextPath,
    connections: options.connections,
    durationS: WARMUP_S,
  });
}

function mixed(...sources: (() => string)[]): () => string {
  let n = 0;
  return () => sources[(n += 1) % sources.length]();
}

async function runScenarios(
  options: BenchOptions,
  running: Running,
  facts: CatalogFacts,
  stores: Stores,
): Promise<ScenarioResult[]> {
  const service = running.service as Child;
  const svc: Target = { child: service, service };
  const wanted = SCENARIO_ORDER.filter(
    (n) => options.only.length === 0 || options.only.includes(n),
  );
  const results: ScenarioResult[] = [];
  const dbPid = await stores.localServerPid();

  const first = await fetch(`${service.url}${HOT_PATH}`);
  const body = Buffer.from(await first.arrayBuffer());
  const contentType = first.headers.get('content-type') ?? 'application/json; charset=utf-8';
  if (!first.ok) {
    throw new Error(`GET ${HOT_PATH} answered ${first.status}: ${body.toString().slice(0, 300)}`);
  }
  await warmUp(
    options,
    service,
    mixed(() => HOT_PATH, byIdPaths(facts), missPaths(facts)),
  );

  for (const name of wanted) {
    await stores.flushPrefix();
    switch (name) {
      case 'floor': {
        running.floor = await startFloor(options, body, contentType);
        const check = await fetch(`${running.floor.url}${HOT_PATH}`);
        const same = Buffer.from(await check.arrayBuffer()).equals(body);
        if (!same || check.headers.get('content-type') !== contentType) {
          throw new Error('the floor does not answer the same bytes as the service');
        }
        await warmUp(options, running.floor, () => HOT_PATH);
        results.push(
          await measure(
            options,
            stores,
            dbPid,
            name,
            { child: running.floor, service: null },
            () => HOT_PATH,
          ),
        );
        await stopChild(running.floor);
        running.floor = null;
        break;
      }
      case 'hot':
        await fetch(`${service.url}${HOT_PATH}`);
        results.push(await measure(options, stores, dbPid, name, svc, () => HOT_PATH));
        break;
      case 'first-page':
        results.push(await measure(options, stores, dbPid, name, svc, firstPagePaths()));
        break;
      case 'miss':
        results.push(await measure(options, stores, dbPid, name, svc, missPaths(facts)));
        break;
      case 'filters':
        results.push(await measure(options, stores, dbPid, name, svc, filterPaths(facts)));
        break;
      case 'by-id':
        results.push(await measure(options, stores, dbPid, name, svc, byIdPaths(facts)));
        break;
      case 'deep': {
        const reference = results.find((r) => r.name === 'first-page');
        const count = reference
          ? Math.ceil(reference.rps * options.durationS * CURSOR_HEADROOM)
          : DEFAULT_DEEP_CURSORS;
        log(`deep: collecting ${count} cursors around page ${options.deepPage}`);
        const cursors = await collectDeepCursors(service.url, options.deepPage, count);
        log(
          `deep: ${cursors.paths.length} cursors, pages ${cursors.fromPage}–${cursors.toPage}, in ${(cursors.elapsedMs / 1000).toFixed(1)} s`,
        );
        await stores.flushPrefix();
        const note = `${cursors.paths.length.toLocaleString('en-US')} distinct cursors for pages ${cursors.fromPage}–${cursors.toPage} of 20 rows`;
        results.push(
          await measure(options, stores, dbPid, name, svc, deepPaths(cursors.paths), [note]),
        );
        break;
      }
      default: {
        const unknown: never = name;
        throw new Error(`unknown scenario ${String(unknown)}`);
      }
    }
  }
  return results;
}

function printProfile(dir: string): void {
  const files = readdirSync(dir).filter((f) => f.endsWith('.cpuprofile'));
  for (const file of files) {
    const path = join(dir, file);
    log(`CPU profile of the service: ${path}`);
    process.stdout.write(formatProfile(summarizeProfile(path)));
  }
}

async function main(): Promise<void> {
  const loaded = loadOptions();
  const options = loaded.profile ? { ...loaded, only: [loaded.profile] } : loaded;
  if (!existsSync(join(options.dist, 'src', 'main.js'))) {
    throw new Error(`${options.dist}/src/main.js is missing: run \`npm run build\` first`);
  }
  const profileDir = options.profile ? mkdtempSync(join(tmpdir(), 'farmlokal-cpuprof-')) : null;
  const stores = await Stores.open(options);
  const running: Running = { service: null, floor: null };
  const stop = (): void => {
    void Promise.all([stopChild(running.floor), stopChild(running.service)]).then(() =>
      process.exit(130),
    );
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  let seeding: SeedingResult;
  let scenarios: ScenarioResult[];
  let memory: BenchReport['service'];
  let versions: { mariadb: string; redis: string };
  let database: BenchReport['database'];
  try {
    const pool = await stores.growBufferPool(options.products);
    log(
      pool.toMb > pool.fromMb
        ? `InnoDB buffer pool grown from ${pool.fromMb} to ${pool.toMb} MiB (SET GLOBAL innodb_buffer_pool_size) to hold the catalog (~${Math.round(pool.catalogMb)} MiB of data and indexes)`
        : `InnoDB buffer pool ${pool.fromMb} MiB, enough for the catalog (~${Math.round(pool.catalogMb)} MiB; wanted ${pool.wantedMb} MiB): left as it is`,
    );
    seeding = await ensureSeeded(options, stores);
    versions = await stores.versions();
    database = {
      ...(await stores.innodbFit()),
      bufferPoolGrownFromMb: pool.toMb > pool.fromMb ? pool.fromMb : null,
    };
    const facts = await stores.catalogFacts();
    await stores.flushPrefix();
    running.service = await startService(options, profileDir);
    log(`service on ${running.service.url} (pid ${running.service.process.pid})`);
    scenarios = await runScenarios(options, running, facts, stores);
    const memoryNow = memoryOf(running.service.process.pid as number);
    memory = {
      rssMb: Math.round(memoryNow.rssMb),
      peakRssMb: Math.round(memoryNow.peakRssMb),
    };
  } finally {
    await stopChild(running.floor);
    await stopChild(running.service);
    await stores.flushPrefix().catch(() => 0);
    await stores.close();
  }
  if (profileDir) {
    printProfile(profileDir);
    return;
  }
  const report: BenchReport = {
    at: new Date().toISOString(),
    machine: describeMachine(versions),
    settings: {
      durationS: options.durationS,
      connections: options.connections,
      products: options.products,
      dbName: options.dbName,
    },
    seeding,
    database,
    scenarios,
    service: memory,
    ratios: ratios(scenarios),
    targets: checkTargets(scenarios, seeding, memory),
  };
  process.stdout.write(await writeReport(options.resultsDir, report, options.only.length > 0));
}

main().catch((error: unknown) => {
  process.stderr.write(
    `[bench] failed: ${error instanceof Error ? error.message : String(error)}\n`,
  );
  process.exit(1);
});
