import { setTimeout as sleep } from 'node:timers/promises';
import type { ClientAddresses } from './clients';
import { median } from './counters';
import type { LoadResult } from './load';
import { runOpenLoop } from './open-loop';
import type { BenchOptions } from './options';
import type { Child } from './processes';
import { censusKeys, censusPages, PageCensus, WEBHOOK_DONE_PREFIX } from './redis-census';
import { hitShare } from './cache-share';
import { missPaths, popularPaths } from './scenarios';
import { cacheCounters, cacheDelta } from './service';
import type { CatalogFacts, Stores } from './stores';
import { deliver, StockOrPrice } from './webhook-sender';

/** Share of the read rate that goes to the popular pages; the rest are misses. */
const POPULAR_SHARE = 0.9;
const PRICE_UPDATE_SHARE = 0.2;
const PROBE_EVERY_MS = 1000;
const POLL_MS = 20;
const VISIBLE_TIMEOUT_MS = 5000;
const SAMPLED_PRODUCTS = 2000;

export interface ChurnResult {
  readonly durationS: number;
  readonly readRate: number;
  readonly popularPages: number;
  readonly webhookRate: number;
  readonly popular: LoadResult & { readonly hitShare: number | null };
  readonly misses: LoadResult;
  /** Hit share of every listing read the service answered (its own counters). */
  readonly overallHitShare: number | null;
  readonly webhooks: {
    readonly sent: number;
    readonly perS: number;
    readonly statuses: Record<string, number>;
  };
  /** From the webhook's 200 to the first listing read that shows the change. */
  readonly visibility: {
    readonly samples: number;
    readonly p50Ms: number | null;
    readonly maxMs: number | null;
    readonly notVisible: number;
  };
  readonly pages: { readonly mid: PageCensus | null; readonly end: PageCensus };
  readonly capacity: {
    /** `webhooks:done` keys added per settled webhook, their size and TTL. */
    readonly doneKeysPerWebhook: number | null;
    readonly doneKeyBytes: number | null;
    readonly doneKeyTtlS: number | null;
    readonly webhookEventRowsPerMin: number;
    readonly webhookEventRowsPerWebhook: number | null;
    readonly webhookEventAvgRowBytes: number;
  };
}

interface ProbeOutcome {
  readonly visibleAfterMs: number | null;
}

interface Listing {
  data: { id: number; stock: number }[];
}

/** A stock change on a product of a popular page, then polls until that page shows it. */
async function probe(
  service: Child,
  clients: ClientAddresses,
  path: string,
  products: Map<number, string>,
): Promise<ProbeOutcome | null> {
  const read = async (): Promise<Listing> =>
    (await (await clients.fetch(`${service.url}${path}`)).json()) as Listing;
  const page = await read();
  const row = page.data[Math.floor(Math.random() * page.data.length)];
  const sku = row ? products.get(row.id) : undefined;
  if (!row || !sku) {
    return null;
  }
  const stock = row.stock + 1 + Math.floor(Math.random() * 50);
  const ack = await deliver(service.url, { sku, stock });
  if (ack.status !== 200 || !ack.body.includes('processed')) {
    return null;
  }
  while (performance.now() - ack.ackAt < VISIBLE_TIMEOUT_MS) {
    const now = await read();
    if (now.data.some((r) => r.id === row.id && r.stock === stock)) {
      return { visibleAfterMs: performance.now() - ack.ackAt };
    }
    await sleep(POLL_MS);
  }
  return { visibleAfterMs: null };
}

/**
 * Popular first pages and misses read at a fixed rate while stock and price updates
 * arrive through the signed webhook path at `webhookRate`; once a second one of them is a
 * probe whose visibility in its listing is timed. Counts the dead cache pages in Redis
 * halfway and at the end, and what each webhook leaves behind.
 */
export async function runChurn(
  options: BenchOptions,
  service: Child,
  stores: Stores,
  facts: CatalogFacts,
  clients: ClientAddresses,
): Promise<ChurnResult> {
  const durationS = options.churnDurationS;
  const redis = stores.redisClient;
  const sampled = await stores.someProducts(SAMPLED_PRODUCTS, facts.maxId);
  const popular = popularPaths(facts);
  const probePages = popular.filter((p) => p.includes('sort=price&order=asc'));
  const doneBefore = await censusKeys(redis, options.redisPrefix, WEBHOOK_DONE_PREFIX);
  const eventsBefore = await stores.webhookEvents();
  const cacheBefore = await cacheCounters(service);
  const skuOf = new Map<number, string>();

  // The probe pages' products, so a probe can name a sku (the listing shows ids and skus).
  for (const path of probePages) {
    const page = (await (await clients.fetch(`${service.url}${path}`)).json()) as {
      data: { id: number; sku: string }[];
    };
    page.data.forEach((r) => skuOf.set(r.id, r.sku));
  }

  const statuses: Record<string, number> = {};
  const visible: number[] = [];
  let notVisible = 0;
  let sent = 0;
  const inFlight = new Set<Promise<unknown>>();
  const started = performance.now();
  const track = (work: Promise<unknown>): void => {
    inFlight.add(work);
    void work.finally(() => inFlight.delete(work));
  };
  const update = (): StockOrPrice => {
    const product = sampled[Math.floor(Math.random() * sampled.length)];
    return Math.random() < PRICE_UPDATE_SHARE
      ? { sku: product.sku, price: product.price }
      : { sku: product.sku, stock: Math.floor(Math.random() * 500) };
  };
  let lastProbe = started;
  const timer = setInterval(() => {
    const elapsedS = (performance.now() - started) / 1000;
    const due = Math.floor(elapsedS * options.webhookRate) - sent;
    for (let i = 0; i < due; i += 1) {
      sent += 1;
      if (performance.now() - lastProbe >= PROBE_EVERY_MS) {
        lastProbe = performance.now();
        const path = probePages[Math.floor(Math.random() * probePages.length)];
        track(
          probe(service, clients, path, skuOf).then((outcome) => {
            statuses.probe = (statuses.probe ?? 0) + 1;
            if (outcome?.visibleAfterMs === null) {
              notVisible += 1;
            } else if (outcome) {
              visible.push(outcome.visibleAfterMs);
            }
          }),
        );
        continue;
      }
      track(
        deliver(service.url, update()).then(
          (r) => (statuses[r.status] = (statuses[r.status] ?? 0) + 1),
          () => (statuses.error = (statuses.error ?? 0) + 1),
        ),
      );
    }
  }, 5);
  const hits = { hit: 0, other: 0 };
  const census: { mid: PageCensus | null } = { mid: null };
  const midTimer = setTimeout(
    () => {
      void censusPages(redis, options.redisPrefix).then((c) => (census.mid = c));
    },
    (durationS * 1000) / 2,
  );
  const [popularLoad, missLoad] = await Promise.all([
    runOpenLoop({
      url: service.url,
      nextPath: () => popular[Math.floor(Math.random() * popular.length)],
      maxConnections: options.connections,
      durationS,
      clients,
      rate: Math.round(options.churnReadRate * POPULAR_SHARE),
      onHeaders: (status, headers) => {
        if (status === 200) {
          hits[headers['x-cache'] === 'hit' ? 'hit' : 'other'] += 1;
        }
      },
    }),
    runOpenLoop({
      url: service.url,
      nextPath: missPaths(facts),
      maxConnections: Math.max(5, Math.round(options.connections / 5)),
      durationS,
      clients,
      rate: Math.round(options.churnReadRate * (1 - POPULAR_SHARE)),
    }),
  ]);
  clearInterval(timer);
  clearTimeout(midTimer);
  const elapsedS = (performance.now() - started) / 1000;
  await Promise.all([...inFlight]);
  const end = await censusPages(redis, options.redisPrefix);
  const cache = cacheDelta(cacheBefore, await cacheCounters(service));
  const doneAfter = await censusKeys(redis, options.redisPrefix, WEBHOOK_DONE_PREFIX);
  const eventsAfter = await stores.webhookEvents();
  const settled = Object.entries(statuses)
    .filter(([status]) => status === '200' || status === 'probe')
    .reduce((sum, [, n]) => sum + n, 0);
  const rows = eventsAfter.rows - eventsBefore.rows;
  const sorted = [...visible].sort((a, b) => a - b);
  const round = (v: number | null): number | null => (v === null ? null : Math.round(v));
  return {
    durationS,
    readRate: options.churnReadRate,
    popularPages: popular.length,
    webhookRate: options.webhookRate,
    popular: {
      ...popularLoad,
      hitShare: hits.hit + hits.other > 0 ? hits.hit / (hits.hit + hits.other) : null,
    },
    misses: missLoad,
    overallHitShare: hitShare(cache),
    webhooks: { sent, perS: Math.round((sent / elapsedS) * 10) / 10, statuses },
    visibility: {
      samples: visible.length,
      p50Ms: round(median(sorted)),
      maxMs: round(sorted.length > 0 ? sorted[sorted.length - 1] : null),
      notVisible,
    },
    pages: { mid: census.mid, end },
    capacity: {
      doneKeysPerWebhook:
        settled > 0
          ? Math.round(((doneAfter.count - doneBefore.count) / settled) * 100) / 100
          : null,
      doneKeyBytes: doneAfter.count > 0 ? Math.round(doneAfter.bytes / doneAfter.count) : null,
      doneKeyTtlS: doneAfter.ttlS,
      webhookEventRowsPerMin: Math.round((rows / elapsedS) * 60),
      webhookEventRowsPerWebhook: settled > 0 ? Math.round((rows / settled) * 100) / 100 : null,
      webhookEventAvgRowBytes: eventsAfter.avgRowBytes,
    },
  };
}
