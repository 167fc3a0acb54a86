import { existsSync, mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { Capture, captureRequests } from './capture';
import { ClientAddresses } from './clients';
import { describeMachine } from './machine';
import { MeasureContext, ScenarioResult, withRatios } from './measure';
import { loadOptions } from './options';
import { formatProfile, summarizeProfile } from './profile-summary';
import { memoryOf, stopChild } from './processes';
import { BenchReport, SeedingResult, writeReport } from './report';
import { Running, runScenarios } from './runner';
import { cents, ScenarioName, selectScenarios } from './scenarios';
import { ensureSeeded } from './seed';
import { startService } from './service';
import { Stores } from './stores';
import { checkTargets } from './targets';

const log = (message: string): void => {
  process.stderr.write(`[bench] ${message}\n`);
};

/** The service's CPU profile, cut to the profiled scenario's load, per request served. */
function printProfile(dir: string, scenario: ScenarioResult | undefined): void {
  const files = readdirSync(dir).filter((f) => f.endsWith('.cpuprofile'));
  for (const file of files) {
    const path = join(dir, file);
    log(
      `CPU profile: ${path}` +
        (scenario
          ? ` (${scenario.requests} requests of ${scenario.name} in the window shown)`
          : ''),
    );
    const summarize = (top: number) =>
      summarizeProfile(path, top, scenario?.requests ?? 0, scenario?.loadWindowUs ?? null);
    writeFileSync(`${path}.md`, `${formatProfile(summarize(200))}\n`);
    log(`the 200 largest entries of each table: ${path}.md`);
    process.stdout.write(`${formatProfile(summarize(40))}\n`);
  }
}

async function main(): Promise<void> {
  const options = loadOptions();
  const wanted: ScenarioName[] = options.profile
    ? selectScenarios([options.profile]).filter((n) => n === options.profile)
    : selectScenarios(options.only, options.openLoopRate !== null);
  if (!existsSync(join(options.dist, 'src', 'main.js'))) {
    throw new Error(`${options.dist}/src/main.js is missing: run \`npm run build\` first`);
  }
  const loadStart = loadavg()[0];
  const profileDir = options.profile ? mkdtempSync(join(tmpdir(), 'farmlokal-cpuprof-')) : null;
  const stores = await Stores.open(options);
  const running: Running = { service: null, candidate: null, floor: null, dbFloor: null };
  const stopAll = async (): Promise<void> => {
    await Promise.all([
      stopChild(running.floor),
      stopChild(running.dbFloor),
      stopChild(running.service),
      stopChild(running.candidate),
    ]);
  };
  const stop = (): void => {
    void stopAll().then(() => process.exit(130));
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  let report: Omit<BenchReport, 'targets' | 'scenarios'> & {
    scenarios: BenchReport['scenarios'];
  };
  try {
    const pool = await stores.growBufferPool(options.products);
    log(
      pool.toMb > pool.fromMb
        ? `InnoDB buffer pool grown from ${pool.fromMb} to ${pool.toMb} MiB (SET GLOBAL innodb_buffer_pool_size) to hold the catalog (~${Math.round(pool.catalogMb)} MiB of data and indexes)`
        : `InnoDB buffer pool ${pool.fromMb} MiB, enough for the catalog (~${Math.round(pool.catalogMb)} MiB; wanted ${pool.wantedMb} MiB): left as it is`,
    );
    const seeding: SeedingResult = await ensureSeeded(options, stores);
    const versions = await stores.versions();
    const database = {
      ...(await stores.innodbFit()),
      bufferPoolGrownFromMb: pool.toMb > pool.fromMb ? pool.fromMb : null,
    };
    const facts = await stores.catalogFacts();
    const ctx: MeasureContext = {
      options,
      stores,
      pids: { mysql: await stores.localServerPid(), redis: await stores.redisPid() },
      clients: new ClientAddresses(options.clients),
      floorProfileDir: options.profile?.endsWith('floor') ? profileDir : null,
    };
    log(
      `MariaDB pid ${ctx.pids.mysql ?? 'not readable'}, Redis pid ${ctx.pids.redis ?? 'not readable'}`,
    );
    let capture: Capture | null = null;
    const needsFloor = wanted.includes('db-floor') || wanted.includes('by-id-floor');
    if (needsFloor || (!options.profile && options.only.length === 0)) {
      await stores.flushPrefix();
      const [product] = await stores.someProducts(1, facts.maxId);
      log('capturing what each kind of request sends to MySQL and Redis');
      // A min_price in the lower part of the range: a page of 20 found after a short walk.
      const missPrice = cents(
        facts.minPriceCents + Math.floor((facts.maxPriceCents - facts.minPriceCents) * 0.3),
      );
      capture = await captureRequests(
        options,
        { sku: product.sku, stock: product.stock },
        missPrice,
      );
      log(`captured the miss statement: ${capture.missSql}`);
    }
    await stores.flushPrefix();
    running.service = await startService(
      options,
      options.profile?.endsWith('floor') ? null : profileDir,
    );
    log(`service on ${running.service.url} (pid ${running.service.process.pid})`);
    if (options.compare) {
      running.candidate = await startService(
        { ...options, dist: options.compare },
        null,
        options.compareEnv,
      );
      log(
        `compared instance from ${options.compare} ${JSON.stringify(options.compareEnv)} on ${running.candidate.url}`,
      );
    }
    const { results, churn } = await runScenarios(ctx, running, facts, capture, wanted);
    const memoryNow = memoryOf(running.service.process.pid as number);
    report = {
      at: new Date().toISOString(),
      machine: describeMachine(versions),
      settings: {
        durationS: options.durationS,
        connections: options.connections,
        products: options.products,
        dbName: options.dbName,
        rateLimit: options.rateLimit,
        clients: options.clients,
        windowMs: options.windowMs,
        compare: options.compare ? { dist: options.compare, env: options.compareEnv } : null,
      },
      loadAverage: { start: loadStart, end: loadavg()[0] },
      seeding,
      database,
      scenarios: withRatios(results),
      churn,
      capture,
      service: { rssMb: Math.round(memoryNow.rssMb), peakRssMb: Math.round(memoryNow.peakRssMb) },
    };
  } finally {
    await stopAll();
    await stores.flushPrefix().catch(() => 0);
    await stores.close();
  }
  if (profileDir) {
    printProfile(
      profileDir,
      report.scenarios.find((r) => r.name === options.profile),
    );
    return;
  }
  const seedRate = report.seeding.rowsPerS ?? report.seeding.lastFresh?.rowsPerS ?? null;
  const full: BenchReport = {
    ...report,
    targets: checkTargets({
      scenarios: report.scenarios,
      churn: report.churn,
      peakRssMb: report.service.peakRssMb,
      rateLimit: options.rateLimit,
      seedRowsPerS: seedRate,
    }),
  };
  process.stdout.write(await writeReport(options.resultsDir, full, options.only.length > 0));
}

main().catch((error: unknown) => {
  process.stderr.write(
    `[bench] failed: ${error instanceof Error ? error.message : String(error)}\n`,
  );
  process.exit(1);
});
