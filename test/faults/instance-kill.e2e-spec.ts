import { randomBytes } from 'node:crypto';
import { Connection } from 'mysql2/promise';
import { Answer } from '../support/contract-http';
import { connectTestDb, dropDatabase, deleteRedisKeys } from '../support/test-env';
import {
  deliver,
  idempotentCreate,
  inventoryEvent,
  post,
  retryUntilSettled,
  Settled,
} from './support/deliveries';
import {
  api,
  FaultsWorld,
  report,
  startInstances,
  startWorld,
  uniqueName,
} from './support/fixture';
import { ServiceInstance } from './support/service';

/** The processing lease README.md documents for webhook events and Idempotency-Key claims. */
const DOCUMENTED_LEASE_MS = 5_000;
/**
 * Between taking the kill time and the process being gone, the victim may still renew a
 * lease (a renewal sent just before the signal lands).
 */
const KILL_SLACK_MS = 500;
const WEBHOOKS = 200;
const CREATES = 50;
const CATEGORY = 'killfaults';

/**
 * An instance is killed with kill -9 while 200 webhook deliveries and 50 Idempotency-Key
 * creates are in flight on it; the sender retries everything on the other instance, as
 * partners and clients do. Each effect must apply exactly once (counted in the database),
 * and nothing may stay "in flight" longer than the documented lease.
 */
describe('faults: an instance is killed (kill -9) mid-work', () => {
  let world: FaultsWorld;
  let instances: ServiceInstance[] = [];
  let db: Connection;
  const database = uniqueName('fl_faults_kill');
  const redisPrefix = `${database}:`;

  beforeAll(async () => {
    world = await startWorld();
    instances = await startInstances(2, {
      ...world.baseEnv,
      DB_HOST: process.env.TEST_DB_HOST ?? '127.0.0.1',
      DB_PORT: process.env.TEST_DB_PORT ?? '3306',
      DB_USER: process.env.TEST_DB_USER ?? 'root',
      DB_PASSWORD: process.env.TEST_DB_PASSWORD ?? '',
      DB_TYPE: process.env.TEST_DB_TYPE ?? 'mariadb',
      DB_NAME: database,
      REDIS_URL: process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379/0',
      REDIS_KEY_PREFIX: redisPrefix,
    });
    db = await connectTestDb(database);
  });

  afterAll(async () => {
    await db?.end();
    await Promise.all(instances.map((instance) => instance.stop()));
    await world?.sim.stop();
    await dropDatabase(database);
    await deleteRedisKeys(redisPrefix);
  });

  it('applies every delivery and create exactly once after retries on the other instance', async () => {
    const [victim, survivor] = instances;
    // Products the webhooks update, one event each.
    const skus = Array.from(
      { length: WEBHOOKS },
      (_, i) => `KILL-${i}-${randomBytes(3).toString('hex')}`,
    );
    await db.query(
      `INSERT INTO products (sku, name, category, price, stock, created_at, updated_at)
       VALUES ${skus.map(() => "(?, 'kill target', ?, '1.00', 0, NOW(3), NOW(3))").join(', ')}`,
      skus.flatMap((sku) => [sku, CATEGORY]),
    );
    const events = skus.map((sku, i) =>
      inventoryEvent(`msg_kill_${i}_${randomBytes(6).toString('hex')}`, sku, 5_000 + i),
    );
    const creates = Array.from({ length: CREATES }, (_, i) =>
      idempotentCreate(
        `kill-key-${i}-${randomBytes(6).toString('hex')}`,
        `KILLNEW-${i}-${randomBytes(3).toString('hex')}`.toUpperCase(),
        `${CATEGORY}-new`,
      ),
    );

    // Everything at once on the victim; kill it -9 once a few answers are back.
    let answered = 0;
    let killedAt = 0;
    let kill: Promise<void> | null = null;
    const onAnswer = (answer: Answer | null): Answer | null => {
      answered += 1;
      if (answered === 30 && kill === null) {
        killedAt = Date.now();
        kill = victim.kill9();
      }
      return answer;
    };
    const first = await Promise.all([
      ...events.map((event) =>
        deliver(victim.url, world.webhookSecret, event).then(onAnswer, () => onAnswer(null)),
      ),
      ...creates.map((create) =>
        post(victim.url, world.writer, create).then(onAnswer, () => onAnswer(null)),
      ),
    ]);
    await (kill ?? victim.kill9());
    expect(victim.alive).toBe(false);
    const inFlightAtKill = first.filter((answer) => answer === null).length;
    const answeredOk = first.filter((answer) => answer !== null && answer.status < 300).length;

    // The sender retries everything on the survivor: what was done is a duplicate or a
    // replay, what was cut off is done now, at the latest once its lease ran out.
    const giveUpMs = DOCUMENTED_LEASE_MS + 15_000;
    const timed = async (attempt: () => Promise<Settled>): Promise<Settled & { at: number }> => {
      const settled = await attempt();
      return { ...settled, at: Date.now() - killedAt };
    };
    const [webhooks, created] = await Promise.all([
      Promise.all(
        events.map((event) =>
          timed(() =>
            retryUntilSettled(() => deliver(survivor.url, world.webhookSecret, event), giveUpMs),
          ),
        ),
      ),
      Promise.all(
        creates.map((create) =>
          timed(() => retryUntilSettled(() => post(survivor.url, world.writer, create), giveUpMs)),
        ),
      ),
    ]);
    const settledAfterMs = Math.max(...[...webhooks, ...created].map((s) => s.at));
    // A retry sent at time t that was answered 409 found the dead instance's claim still
    // leased at some time >= t: the last such send time bounds how long it stayed in flight.
    const blockedAfterKillMs = Math.max(
      0,
      ...[...webhooks, ...created]
        .flatMap((s) => s.history)
        .filter((attempt) => attempt.status === 409)
        .map((attempt) => attempt.sentAt - killedAt),
    );
    const maxRetryAfterS = Math.max(...[...webhooks, ...created].map((s) => s.maxRetryAfterS));
    // A retry may be asked to wait (409, 503) but never meets a server error: a takeover
    // that failed would also keep its own lease, and the event blocked, for another lease.
    const serverErrors = [...webhooks, ...created]
      .flatMap((s) => s.history)
      .filter((attempt) => attempt.status >= 500 && attempt.status !== 503).length;
    report('kill -9 mid-work', {
      inFlightAtKill,
      answeredOkBeforeKill: answeredOk,
      retriesThatWaited: [...webhooks, ...created].filter((s) => s.attempts > 1).length,
      lastBlockedAfterKillMs: blockedAfterKillMs,
      lastSettledAfterKillMs: settledAfterMs,
      maxRetryAfterS,
      serverErrors,
    });
    expect(inFlightAtKill).toBeGreaterThan(0);

    // Webhooks: one inbox row per event, processed; every product shows its event's stock.
    for (const { answer } of webhooks) {
      expect(['processed', 'duplicate']).toContain(answer.body.status);
    }
    const [inbox] = await db.query(
      'SELECT status, COUNT(*) AS n FROM webhook_events WHERE event_id IN (?) GROUP BY status',
      [events.map((event) => event.id)],
    );
    expect(inbox).toEqual([{ status: 'processed', n: WEBHOOKS }]);
    const [stocks] = await db.query(
      `SELECT COUNT(*) AS n FROM products WHERE category = ?
          AND stock = 5000 + CAST(SUBSTRING_INDEX(SUBSTRING_INDEX(sku, '-', 2), '-', -1) AS UNSIGNED)`,
      [CATEGORY],
    );
    expect(stocks).toEqual([{ n: WEBHOOKS }]);

    // Creates: exactly one product per key, the one every answer for that key names.
    const [rows] = await db.query('SELECT id, sku FROM products WHERE category = ?', [
      `${CATEGORY}-new`,
    ]);
    const idBySku = new Map((rows as { id: number; sku: string }[]).map((r) => [r.sku, r.id]));
    expect(idBySku.size).toBe(CREATES);
    creates.forEach((create, i) => {
      expect(created[i].answer.status).toBe(201);
      expect(created[i].answer.body.id).toBe(idBySku.get(create.sku));
      const before = first[WEBHOOKS + i];
      if (before !== null && before.status === 201) {
        expect(before.body.id).toBe(idBySku.get(create.sku));
      }
    });

    expect(serverErrors).toBe(0);
    // Nothing stayed in flight longer than the lease.
    expect(maxRetryAfterS * 1000).toBeLessThanOrEqual(DOCUMENTED_LEASE_MS);
    expect(blockedAfterKillMs).toBeLessThanOrEqual(DOCUMENTED_LEASE_MS + KILL_SLACK_MS);
    // The survivor serves what the victim wrote.
    expect(
      (await api(survivor.url, `/products?category=${CATEGORY}-new&limit=100`)).body.data,
    ).toHaveLength(CREATES);
  });
});
