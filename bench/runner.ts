import { isDeepStrictEqual } from 'node:util';
import type { Capture } from './capture';
import { ChurnResult, runChurn } from './churn';
import { collectDeepCursors, collectNearCursors } from './cursors';
import { runLoad } from './load';
import { matchedCost } from './matched';
import { measure, MeasureContext, MeasureSpec, ScenarioResult, Target } from './measure';
import { Child, memoryOf } from './processes';
import {
  byIdPaths,
  deepPaths,
  filterPaths,
  firstPagePaths,
  HOT_PATH,
  missPaths,
  NEAR_CENTRE,
  NEAR_DEEP_PAGE,
  NEAR_OUTSKIRT,
  nearPaths,
  nearPoints,
  ScenarioName,
} from './scenarios';
import { startDbFloor, startFloor } from './service';
import type { CatalogFacts } from './stores';

const WARMUP_S = 3;
const DEFAULT_DEEP_CURSORS = 12_000;
const CURSOR_HEADROOM = 1.15;

const log = (message: string): void => {
  process.stderr.write(`[bench] ${message}\n`);
};

export interface Running {
  service: Child | null;
  /** The compared instance (--compare), if any. */
  candidate: Child | null;
  floor: Child | null;
  dbFloor: Child | null;
}

function mixed(...sources: (() => string)[]): () => string {
  let n = 0;
  return () => sources[(n += 1) % sources.length]();
}

async function warmUp(ctx: MeasureContext, target: Child, nextPath: () => string): Promise<void> {
  await runLoad({
    name: 'warm-up',
    url: target.url,
    nextPath,
    connections: ctx.options.connections,
    durationS: WARMUP_S,
    clients: ctx.clients,
  });
}

/** Fails unless the floor answers `path` with the service's data, in a body of the same size. */
async function checkSameAnswer(
  ctx: MeasureContext,
  service: Child,
  floor: Child,
  path: string,
): Promise<void> {
  const read = async (child: Child): Promise<{ text: string; json: { data?: unknown } }> => {
    const res = await ctx.clients.fetch(`${child.url}${path}`);
    const text = await res.text();
    if (!res.ok) {
      throw new Error(`${child.name} answered ${res.status} to ${path}: ${text.slice(0, 300)}`);
    }
    return { text, json: JSON.parse(text) as { data?: unknown } };
  };
  const [mine, theirs] = [await read(service), await read(floor)];
  const sameData =
    mine.json.data === undefined
      ? isDeepStrictEqual(mine.json, theirs.json)
      : isDeepStrictEqual(mine.json.data, theirs.json.data);
  if (!sameData) {
    throw new Error(`the database floor's answer to ${path} differs from the service's`);
  }
  if (mine.text.length !== theirs.text.length) {
    log(`note: ${path}: service body ${mine.text.length} bytes, floor ${theirs.text.length}`);
  }
}

async function dbFloor(ctx: MeasureContext, running: Running, capture: Capture): Promise<Child> {
  running.dbFloor ??= await startDbFloor(ctx.options, capture, ctx.floorProfileDir);
  return running.dbFloor;
}

/**
 * The closed-loop measurement, then (when its floor is running) the scenario and its
 * floor at the same fixed rate, half the closed loop's throughput, in alternating phases.
 */
async function withMatched(
  ctx: MeasureContext,
  floor: Child | null,
  running: Running,
  spec: MeasureSpec,
): Promise<ScenarioResult> {
  const service = running.service as Child;
  const result = await measure(ctx, spec);
  if (!floor || ctx.options.profile) {
    return result;
  }
  await ctx.stores.flushPrefix();
  const rate = Math.max(10, Math.round(result.rps / 2));
  const targets = { service, floor, candidate: running.candidate };
  const matched = await matchedCost(ctx, spec.name, targets, spec.nextPath, rate);
  return { ...result, matched };
}

/** Runs the selected scenarios in order against the running service and the floors. */
export async function runScenarios(
  ctx: MeasureContext,
  running: Running,
  facts: CatalogFacts,
  capture: Capture | null,
  wanted: readonly ScenarioName[],
): Promise<{ results: ScenarioResult[]; churn: ChurnResult | null }> {
  const { options, stores, clients } = ctx;
  const service = running.service as Child;
  const svc: Target = { child: service, service };
  const results: ScenarioResult[] = [];
  let churn: ChurnResult | null = null;
  const needCapture = (): Capture => {
    if (!capture) {
      throw new Error('the database floors need the captured statements');
    }
    return capture;
  };

  const first = await clients.fetch(`${service.url}${HOT_PATH}`);
  const body = Buffer.from(await first.arrayBuffer());
  const contentType = first.headers.get('content-type') ?? 'application/json; charset=utf-8';
  if (!first.ok) {
    throw new Error(`GET ${HOT_PATH} answered ${first.status}: ${body.toString().slice(0, 300)}`);
  }
  await warmUp(
    ctx,
    service,
    mixed(() => HOT_PATH, byIdPaths(facts), missPaths(facts)),
  );

  for (const name of wanted) {
    await stores.flushPrefix();
    switch (name) {
      case 'floor': {
        running.floor = await startFloor(options, body, contentType, ctx.floorProfileDir);
        const check = await fetch(`${running.floor.url}${HOT_PATH}`);
        const same = Buffer.from(await check.arrayBuffer()).equals(body);
        if (!same || check.headers.get('content-type') !== contentType) {
          throw new Error('the floor does not answer the same bytes as the service');
        }
        await warmUp(ctx, running.floor, () => HOT_PATH);
        const target = { child: running.floor, service: null };
        results.push(await measure(ctx, { name, target, nextPath: () => HOT_PATH }));
        break;
      }
      case 'hot':
        await clients.fetch(`${service.url}${HOT_PATH}`);
        results.push(
          await withMatched(ctx, running.floor, running, {
            name,
            target: svc,
            nextPath: () => HOT_PATH,
          }),
        );
        break;
      case 'db-floor':
      case 'by-id-floor': {
        const floor = await dbFloor(ctx, running, needCapture());
        const paths = name === 'db-floor' ? missPaths(facts) : byIdPaths(facts);
        await checkSameAnswer(ctx, service, floor, paths());
        await warmUp(ctx, floor, paths);
        const target = { child: floor, service: null };
        results.push(await measure(ctx, { name, target, nextPath: paths }));
        break;
      }
      case 'miss':
        results.push(
          await withMatched(ctx, running.dbFloor, running, {
            name,
            target: svc,
            nextPath: missPaths(facts),
          }),
        );
        break;
      case 'open-loop': {
        const miss = results.find((r) => r.name === 'miss');
        const rate = options.openLoopRate ?? Math.max(1, Math.round((miss?.rps ?? 200) / 2));
        const note = `arrival rate ${rate} req/s (${options.openLoopRate ? 'given' : "half the miss scenario's req/s"})`;
        results.push(
          await measure(ctx, {
            name,
            target: svc,
            nextPath: missPaths(facts),
            overallRate: rate,
            notes: [note],
          }),
        );
        break;
      }
      case 'filters':
        results.push(await measure(ctx, { name, target: svc, nextPath: filterPaths(facts) }));
        break;
      case 'by-id':
        results.push(
          await withMatched(ctx, running.dbFloor, running, {
            name,
            target: svc,
            nextPath: byIdPaths(facts),
          }),
        );
        break;
      case 'first-page':
        results.push(await measure(ctx, { name, target: svc, nextPath: firstPagePaths() }));
        break;
      case 'deep': {
        const reference = results.find((r) => r.name === 'first-page');
        const count = reference
          ? Math.ceil(reference.rps * options.durationS * CURSOR_HEADROOM)
          : DEFAULT_DEEP_CURSORS;
        log(`deep: collecting ${count} cursors around page ${options.deepPage}`);
        const cursors = await collectDeepCursors(service.url, options.deepPage, count, clients);
        log(
          `deep: ${cursors.paths.length} cursors, pages ${cursors.fromPage}–${cursors.toPage}, in ${(cursors.elapsedMs / 1000).toFixed(1)} s`,
        );
        await stores.flushPrefix();
        const mem = memoryOf(service.process.pid as number);
        const note =
          `${cursors.paths.length.toLocaleString('en-US')} distinct cursors for pages ${cursors.fromPage}–${cursors.toPage} of 20 rows ` +
          `(collected in ${(cursors.elapsedMs / 1000).toFixed(1)} s; service RSS then ${Math.round(mem.rssMb)} MB, peak so far ${Math.round(mem.peakRssMb)} MB)`;
        results.push(
          await measure(ctx, {
            name,
            target: svc,
            nextPath: deepPaths(cursors.paths),
            notes: [note],
          }),
        );
        break;
      }
      case 'near-centre':
      case 'near-outskirt':
      case 'near-category': {
        const at = name === 'near-outskirt' ? NEAR_OUTSKIRT : NEAR_CENTRE;
        const paths = nearPaths(at, name === 'near-category' ? facts.categories : undefined);
        results.push(await measure(ctx, { name, target: svc, nextPath: paths }));
        break;
      }
      case 'near-deep': {
        const reference = results.find((r) => r.name === 'near-centre');
        const count = reference
          ? Math.ceil(reference.rps * options.durationS * CURSOR_HEADROOM)
          : DEFAULT_DEEP_CURSORS;
        log(`near-deep: collecting ${count} cursors around page ${NEAR_DEEP_PAGE}`);
        const cursors = await collectNearCursors(
          service.url,
          nearPoints(NEAR_CENTRE),
          NEAR_DEEP_PAGE,
          count,
          clients,
        );
        log(
          `near-deep: ${cursors.paths.length} cursors, pages ${cursors.fromPage}–${cursors.toPage}, in ${(cursors.elapsedMs / 1000).toFixed(1)} s`,
        );
        await stores.flushPrefix();
        results.push(
          await measure(ctx, {
            name,
            target: svc,
            nextPath: deepPaths(cursors.paths),
            notes: [
              `${cursors.paths.length.toLocaleString('en-US')} distinct cursors for pages ${cursors.fromPage}–${cursors.toPage} of 20 rows at points around the centre`,
            ],
          }),
        );
        break;
      }
      case 'churn':
        log(
          `churn: ${options.churnDurationS} s, ${options.churnReadRate} reads/s, ${options.webhookRate} webhooks/s`,
        );
        churn = await runChurn(options, service, stores, facts, clients);
        log(
          `churn: popular hit share ${churn.popular.hitShare === null ? '–' : (churn.popular.hitShare * 100).toFixed(1)} %, ` +
            `visibility p50 ${churn.visibility.p50Ms} ms max ${churn.visibility.maxMs} ms, ` +
            `dead pages ${churn.pages.end.dead.count}`,
        );
        break;
      default: {
        const unknown: never = name;
        throw new Error(`unknown scenario ${String(unknown)}`);
      }
    }
  }
  return { results, churn };
}
