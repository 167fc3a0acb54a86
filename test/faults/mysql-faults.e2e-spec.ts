import { randomBytes } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { signWebhook } from '../partner-sim';
import {
  deliver,
  IdempotentCreate,
  idempotentCreate,
  inventoryEvent,
  PartnerEvent,
  post,
  retryUntilSettled,
} from './support/deliveries';
import {
  api,
  createProducts,
  FaultsWorld,
  report,
  startWorld,
  timeUntil,
  uniqueName,
} from './support/fixture';
import { LoadDriver, LoadRequest, Observation, summarize, violations } from './support/load';
import { PrivateMariaDb } from './support/private-mariadb';
import { PrivateRedis } from './support/private-redis';
import { ServiceInstance } from './support/service';

const CATEGORY = 'dbfaults';
const CACHED = `/products?category=${CATEGORY}&sort=id&order=asc&limit=20`;
const ANSWER_WITHIN_MS = 2_000;
const RECOVERED_WITHIN_MS = 10_000;
/** Webhook events and Idempotency-Key creates sent per outage (one product per event). */
const WRITES_PER_OUTAGE = 30;
const PRODUCTS = 2 * WRITES_PER_OUTAGE;

/**
 * MySQL goes away under load: killed (and restarted on the same data) or frozen with
 * SIGSTOP, on a private mariadbd (and a private redis-server that stays up). Checked from
 * the outside: cached listings keep being served, everything else answers a 503 problem
 * with Retry-After within 2 s (never a 500, a reset or a hang), readiness names the
 * database, the service recovers by itself within 10 s of MySQL's return, webhooks
 * delivered during the outage are applied exactly once when redelivered, and
 * Idempotency-Key writes during the outage leave nothing half-done.
 */
describe('faults: MySQL down, restarting, frozen', () => {
  let db: PrivateMariaDb;
  let redis: PrivateRedis;
  let world: FaultsWorld;
  let service: ServiceInstance;
  let targets: string[] = [];
  let ids: number[] = [];
  const database = uniqueName('fl_faults_db');
  const events = new Map<string, PartnerEvent & { sku: string; stock: number }>();
  const creates = new Map<string, IdempotentCreate>();
  /**
   * Writes are sent only while MySQL is away: a write that succeeds invalidates the cached
   * listing, which could then not be served from the cache.
   */
  let writing = false;
  let eventBudget = 0;
  let createBudget = 0;

  beforeAll(async () => {
    db = await PrivateMariaDb.start();
    redis = await PrivateRedis.start();
    world = await startWorld();
    service = await ServiceInstance.start({
      ...world.baseEnv,
      ...db.serviceEnv(database),
      // A private Redis too: the cache must not depend on the shared one's latency here.
      REDIS_URL: redis.url,
      REDIS_KEY_PREFIX: 'faults:',
    });
    ids = await createProducts(service.url, world.writer, CATEGORY, PRODUCTS);
    const rows = await observe<{ sku: string }>(
      'SELECT sku FROM products WHERE category = ? ORDER BY id',
      [CATEGORY],
    );
    targets = rows.map((row) => row.sku);
  });

  afterAll(async () => {
    await service?.stop();
    await world?.sim.stop();
    await db?.destroy();
    await redis?.destroy();
  });

  /** Reads the private database directly (a fresh connection: the server restarts). */
  async function observe<T>(sql: string, params: unknown[]): Promise<T[]> {
    const connection = await db.connect(database);
    try {
      const [rows] = await connection.query(sql, params);
      return rows as T[];
    } finally {
      await connection.end();
    }
  }

  /** The mixed load: cached and uncached listings, by-id, webhooks, idempotent creates. */
  function request(n: number): LoadRequest {
    switch (n % 6) {
      case 0:
      case 1:
        return { base: service.url, path: CACHED, label: 'cached listing' };
      case 2:
        return {
          base: service.url,
          path: `/products?category=${CATEGORY}&limit=${1 + (n % 50)}&q=${randomBytes(3).toString('hex')}`,
          label: 'uncached listing',
        };
      case 3:
        return { base: service.url, path: `/products/${ids[n % ids.length]}`, label: 'by id' };
      case 4: {
        if (!writing || eventBudget === 0) {
          return { base: service.url, path: `/products/${ids[n % ids.length]}`, label: 'by id' };
        }
        // One event per product, so none is superseded by a newer one for the same product.
        eventBudget -= 1;
        const index = events.size;
        const sku = targets[index];
        const id = `msg_${randomBytes(8).toString('hex')}`;
        const event = { ...inventoryEvent(id, sku, 1000 + index), sku, stock: 1000 + index };
        events.set(event.id, event);
        return webhookRequest(event);
      }
      default: {
        if (!writing || createBudget === 0) {
          return { base: service.url, path: CACHED, label: 'cached listing' };
        }
        createBudget -= 1;
        const create = idempotentCreate(
          `key-${randomBytes(8).toString('hex')}`,
          `DBF-${randomBytes(5).toString('hex')}`.toUpperCase(),
          `${CATEGORY}-created`,
        );
        creates.set(create.key, create);
        return {
          base: service.url,
          path: '/products',
          method: 'POST',
          label: 'idempotent create',
          headers: { authorization: `Bearer ${world.writer}`, 'idempotency-key': create.key },
          body: JSON.stringify(create.body),
        };
      }
    }
  }

  function webhookRequest(event: PartnerEvent): LoadRequest {
    const timestamp = Math.floor(Date.now() / 1000);
    return {
      base: service.url,
      path: '/webhooks/partner',
      method: 'POST',
      label: 'webhook',
      headers: {
        'webhook-id': event.id,
        'webhook-timestamp': String(timestamp),
        'webhook-signature': signWebhook(world.webhookSecret, event.id, timestamp, event.body),
      },
      body: event.body,
    };
  }

  async function readinessNamesDatabase(): Promise<boolean> {
    const ready = await api(service.url, '/health/ready');
    return ready.status === 503 && String(ready.body?.detail).includes('database');
  }

  /** Ms from now until readiness, an uncached listing and a by-id read all answer 200. */
  function recovery(): Promise<number> {
    return timeUntil(async () => {
      const [ready, listing, byId] = await Promise.all([
        api(service.url, '/health/ready'),
        api(service.url, `/products?category=${CATEGORY}&q=${randomBytes(3).toString('hex')}`),
        api(service.url, `/products/${ids[0]}`),
      ]);
      return ready.status === 200 && listing.status === 200 && byId.status === 200;
    }, 30_000);
  }

  /**
   * Runs the load through `fault`, which calls `outage()` once MySQL is away and
   * `back()` once it has returned; returns every observation.
   */
  async function underLoad(
    fault: (outage: () => void, back: () => void) => Promise<void>,
  ): Promise<Observation[]> {
    // Warm the cached listing (in process and in Redis).
    for (let i = 0; i < 3; i++) {
      expect((await api(service.url, CACHED)).status).toBe(200);
    }
    const load = new LoadDriver(request, { concurrency: 12, hangMs: ANSWER_WITHIN_MS });
    try {
      await sleep(500);
      await fault(
        () => {
          writing = true;
          eventBudget = WRITES_PER_OUTAGE;
          createBudget = WRITES_PER_OUTAGE;
        },
        () => (writing = false),
      );
      await sleep(500);
    } finally {
      writing = false;
      db.thaw();
    }
    return load.stop();
  }

  function expectOnlyPromisedAnswers(what: string, observations: Observation[]): void {
    report(`${what}: answers`, summarize(observations));
    const first = violations(observations, { okStatuses: [200, 201], retryAfterOn503: true })[0];
    const missed = observations.find((o) => o.label === 'cached listing' && o.status !== 200);
    if (first || missed) {
      report(`${what}: first violation`, {
        first,
        missed,
        service: service.output().slice(-4_000),
      });
    }
    const cached = observations.filter((o) => o.label === 'cached listing');
    expect(cached.filter((o) => o.outcome !== 'answer' || o.status !== 200).slice(0, 3)).toEqual(
      [],
    );
    const okStatuses = [200, 201];
    expect(violations(observations, { okStatuses, retryAfterOn503: true }).slice(0, 5)).toEqual([]);
  }

  it('keeps its promises while MySQL is killed and restarted, and recovers by itself', async () => {
    let recoveredMs = 0;
    const observations = await underLoad(async (outage, back) => {
      await db.kill9();
      outage();
      await sleep(1_500);
      expect(await readinessNamesDatabase()).toBe(true);
      await sleep(1_500);
      back();
      await db.launch();
      recoveredMs = await recovery();
    });
    report('mysql killed: recovered after MySQL was back (ms)', recoveredMs);
    expectOnlyPromisedAnswers('mysql killed', observations);
    expect(recoveredMs).toBeLessThanOrEqual(RECOVERED_WITHIN_MS);
  });

  it('keeps its promises while MySQL is frozen (SIGSTOP), and recovers by itself', async () => {
    let recoveredMs = 0;
    const observations = await underLoad(async (outage, back) => {
      db.freeze();
      outage();
      await sleep(2_500);
      expect(await readinessNamesDatabase()).toBe(true);
      await sleep(1_000);
      back();
      db.thaw();
      recoveredMs = await recovery();
    });
    report('mysql frozen: recovered after MySQL was thawed (ms)', recoveredMs);
    expectOnlyPromisedAnswers('mysql frozen', observations);
    expect(recoveredMs).toBeLessThanOrEqual(RECOVERED_WITHIN_MS);
  });

  it('applies every webhook of the outages exactly once when redelivered', async () => {
    expect(events.size).toBeGreaterThan(0);
    const settled = await Promise.all(
      [...events.values()].map((event) =>
        retryUntilSettled(() => deliver(service.url, world.webhookSecret, event), 30_000),
      ),
    );
    for (const { answer } of settled) {
      expect(['processed', 'duplicate']).toContain(answer.body.status);
    }
    const stored = await observe<{ event_id: string; status: string }>(
      'SELECT event_id, status FROM webhook_events WHERE event_id IN (?)',
      [[...events.keys()]],
    );
    expect(stored).toHaveLength(events.size);
    expect(stored.filter((row) => row.status !== 'processed')).toEqual([]);
    // The last event per product is what its stock shows.
    const lastStock = new Map<string, number>();
    for (const event of events.values()) {
      lastStock.set(event.sku, event.stock);
    }
    const products = await observe<{ sku: string; stock: number }>(
      'SELECT sku, stock FROM products WHERE sku IN (?)',
      [[...lastStock.keys()]],
    );
    expect(products).toHaveLength(lastStock.size);
    for (const product of products) {
      expect({ sku: product.sku, stock: product.stock }).toEqual({
        sku: product.sku,
        stock: lastStock.get(product.sku),
      });
    }
    report('webhooks of the outages', {
      events: events.size,
      redeliveries: settled.reduce((sum, s) => sum + s.attempts, 0),
    });
  });

  it('leaves nothing half-done of the Idempotency-Key creates made during the outages', async () => {
    expect(creates.size).toBeGreaterThan(0);
    const settled = await Promise.all(
      [...creates.values()].map((create) =>
        retryUntilSettled(() => post(service.url, world.writer, create), 30_000),
      ),
    );
    const rows = await observe<{ id: number; sku: string }>(
      'SELECT id, sku FROM products WHERE category = ?',
      [`${CATEGORY}-created`],
    );
    const bySku = new Map<string, number[]>();
    for (const row of rows) {
      bySku.set(row.sku, [...(bySku.get(row.sku) ?? []), row.id]);
    }
    // Exactly one product per key, and it is the one every answer for the key names.
    expect(bySku.size).toBe(creates.size);
    [...creates.values()].forEach((create, i) => {
      expect(bySku.get(create.sku)).toEqual([settled[i].answer.body.id]);
      expect(settled[i].answer.status).toBe(201);
    });
  });
});
