import type Redis from 'ioredis';
import type { Connection, RowDataPacket } from 'mysql2/promise';
import { randomBytes } from 'node:crypto';
import { WebhookRetentionService } from '../src/webhooks/webhook-retention.service';
import { generateWebhookSecret, PartnerSim, signWebhook, startPartnerSim } from './partner-sim';
import { createTestApp, TestApp } from './support/create-test-app';
import { connectTestDb, createTestEnv, rawRedis, TestEnv } from './support/test-env';

const WEBHOOK_PATH = '/webhooks/partner';
const PROBLEM_BASE = 'https://farmlokal.example/problems/';
const SECRET = generateWebhookSecret();

interface Delivered {
  status: number;
  headers: Headers;
  body: Record<string, unknown>;
}

interface DeliverOptions {
  id?: string;
  ts?: number;
  secret?: string;
  signature?: string;
  /** Header overrides; `undefined` removes the header. */
  headers?: Record<string, string | undefined>;
}

const nowS = (): number => Math.floor(Date.now() / 1000);
const uniqueId = (): string => `msg_${randomBytes(12).toString('hex')}`;
const uniqueSku = (): string => `WH-${randomBytes(6).toString('hex').toUpperCase()}`;

const eventBody = (type: string, data: Record<string, unknown>, timestamp?: string): string =>
  JSON.stringify(timestamp === undefined ? { type, data } : { type, timestamp, data });

describe('POST /webhooks/partner', () => {
  let env: TestEnv;
  let a: TestApp;
  let b: TestApp;
  let db: Connection;
  let redis: Redis;
  let sim: PartnerSim;
  const category = `wh${randomBytes(4).toString('hex')}`;

  beforeAll(async () => {
    sim = await startPartnerSim({ port: 0 });
    env = createTestEnv({
      ...sim.serviceEnv(),
      WEBHOOK_SECRET: SECRET,
      RATE_LIMIT_LIMIT: '100000',
      RATE_LIMIT_WEBHOOKS_LIMIT: '100000',
    });
    a = await createTestApp({ listen: true });
    b = await createTestApp({ listen: true });
    db = await connectTestDb(env.dbName);
    redis = rawRedis();
    // Observes every write to a product row, and lets a test make writes to one sku fail
    // with a real MySQL error inside the processing transaction.
    await db.query(`
      CREATE TABLE test_product_writes (
        id INT AUTO_INCREMENT PRIMARY KEY, sku VARCHAR(64), stock INT, price DECIMAL(10,2));
      CREATE TABLE test_product_faults (sku VARCHAR(64) PRIMARY KEY);
      CREATE TABLE test_product_deadlocks (sku VARCHAR(64) PRIMARY KEY, runs INT NOT NULL DEFAULT 0);
      CREATE TRIGGER test_products_audit AFTER UPDATE ON products FOR EACH ROW
        INSERT INTO test_product_writes (sku, stock, price) VALUES (NEW.sku, NEW.stock, NEW.price);
      CREATE TRIGGER test_products_fault BEFORE UPDATE ON products FOR EACH ROW
      BEGIN
        IF EXISTS (SELECT 1 FROM test_product_faults WHERE sku = NEW.sku) THEN
          SIGNAL SQLSTATE '45000' SET MESSAGE_TEXT = 'injected write failure';
        END IF;
        IF EXISTS (SELECT 1 FROM test_product_deadlocks WHERE sku = NEW.sku) THEN
          SIGNAL SQLSTATE '40001'
            SET MYSQL_ERRNO = 1213, MESSAGE_TEXT = 'Deadlock found when trying to get lock';
        END IF;
      END`);
  });

  afterAll(async () => {
    await a?.close();
    await b?.close();
    await sim?.stop();
    await db?.end();
    redis?.disconnect();
    await env?.cleanup();
  });

  async function createProduct(stock = 10, price = '20.00'): Promise<string> {
    const sku = uniqueSku();
    await db.query(
      'INSERT INTO products (sku, name, category, price, stock) VALUES (?, ?, ?, ?, ?)',
      [sku, `Test ${sku}`, category, price, stock],
    );
    return sku;
  }

  async function product(sku: string): Promise<{ stock: number; price: string }> {
    const [rows] = await db.query<RowDataPacket[]>(
      'SELECT stock, price FROM products WHERE sku = ?',
      [sku],
    );
    return { stock: Number(rows[0].stock), price: String(rows[0].price) };
  }

  async function writes(sku: string): Promise<number> {
    const [rows] = await db.query<RowDataPacket[]>(
      'SELECT COUNT(*) AS n FROM test_product_writes WHERE sku = ?',
      [sku],
    );
    return Number(rows[0].n);
  }

  async function inbox(eventId: string): Promise<RowDataPacket[]> {
    const [rows] = await db.query<RowDataPacket[]>(
      'SELECT event_id, type, payload, status, attempts, error FROM webhook_events WHERE event_id = ?',
      [eventId],
    );
    return rows;
  }

  async function deliver(
    target: TestApp,
    body: string | Buffer,
    options: DeliverOptions = {},
  ): Promise<Delivered> {
    const id = options.id ?? uniqueId();
    const ts = options.ts ?? nowS();
    const all: Record<string, string | undefined> = {
      'content-type': 'application/json',
      'webhook-id': id,
      'webhook-timestamp': String(ts),
      'webhook-signature': options.signature ?? signWebhook(options.secret ?? SECRET, id, ts, body),
      ...options.headers,
    };
    const headers = Object.fromEntries(
      Object.entries(all).filter((entry): entry is [string, string] => entry[1] !== undefined),
    );
    const res = await fetch(`${target.url}${WEBHOOK_PATH}`, { method: 'POST', headers, body });
    return { status: res.status, headers: res.headers, body: (await res.json()) as never };
  }

  function expectProblem(res: Delivered, status: number, slug: string): void {
    expect(res.status).toBe(status);
    expect(res.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    expect(res.body).toEqual(
      expect.objectContaining({ type: `${PROBLEM_BASE}${slug}`, status, instance: WEBHOOK_PATH }),
    );
  }

  describe('verification', () => {
    it('applies a signed inventory.updated and stores the payload byte for byte', async () => {
      const sku = await createProduct(10);
      const id = uniqueId();
      const body = `{"type": "inventory.updated",  "data": {"sku": "${sku}", "stock": 4}}`;
      const res = await deliver(a, body, { id });
      expect(res.status).toBe(200);
      expect(res.body).toEqual({ status: 'processed' });
      expect((await product(sku)).stock).toBe(4);
      expect(await inbox(id)).toEqual([
        {
          event_id: id,
          type: 'inventory.updated',
          payload: body,
          status: 'processed',
          attempts: 1,
          error: null,
        },
      ]);
    });

    it('accepts extra fields in the payload', async () => {
      const sku = await createProduct(10, '20.00');
      const body = JSON.stringify({
        type: 'price.updated',
        partner_ref: 'abc',
        data: { sku, price: '31.5', currency: 'INR', extra: { nested: true } },
      });
      const res = await deliver(b, body);
      expect(res.body).toEqual({ status: 'processed' });
      expect((await product(sku)).price).toBe('31.50');
    });

    const rejected: [string, (body: string, id: string) => DeliverOptions][] = [
      [
        'a signature over another body',
        (_body, id) => ({ id, signature: signWebhook(SECRET, id, nowS(), '{}') }),
      ],
      [
        'a signature made with an unknown secret',
        (_b, id) => ({ id, secret: generateWebhookSecret() }),
      ],
      ['a missing webhook-id', (_b, id) => ({ id, headers: { 'webhook-id': undefined } })],
      [
        'a missing webhook-timestamp',
        (_b, id) => ({ id, headers: { 'webhook-timestamp': undefined } }),
      ],
      [
        'a missing webhook-signature',
        (_b, id) => ({ id, headers: { 'webhook-signature': undefined } }),
      ],
      ['an empty v1 signature', (_b, id) => ({ id, signature: 'v1,' })],
      ['a timestamp 301 s in the past', (_b, id) => ({ id, ts: nowS() - 301 })],
      ['a timestamp 301 s in the future', (_b, id) => ({ id, ts: nowS() + 301 })],
    ];

    it.each(rejected)('answers 401 and stores nothing for %s', async (_label, options) => {
      const sku = await createProduct(10);
      const id = uniqueId();
      const body = eventBody('inventory.updated', { sku, stock: 1 });
      const res = await deliver(a, body, options(body, id));
      expectProblem(res, 401, 'invalid-webhook-signature');
      expect(await inbox(id)).toEqual([]);
      expect((await product(sku)).stock).toBe(10);
    });

    it('accepts a header where a bad signature precedes a good one', async () => {
      const sku = await createProduct(10);
      const id = uniqueId();
      const ts = nowS();
      const body = eventBody('inventory.updated', { sku, stock: 2 });
      const bad = signWebhook(generateWebhookSecret(), id, ts, body);
      const good = signWebhook(SECRET, id, ts, body);
      const res = await deliver(a, body, { id, ts, signature: `${bad} ${good}` });
      expect(res.body).toEqual({ status: 'processed' });
    });

    it('accepts a signature made with a stored subscription secret', async () => {
      const stored = generateWebhookSecret();
      await db.query(
        'INSERT INTO partner_subscriptions (partner_id, url, events, secret) VALUES (?, ?, ?, ?)',
        ['ep_test_stored', 'http://127.0.0.1:9/webhooks/partner', 'inventory.updated', stored],
      );
      const sku = await createProduct(10);
      const res = await deliver(b, eventBody('inventory.updated', { sku, stock: 6 }), {
        secret: stored,
      });
      expect(res.body).toEqual({ status: 'processed' });
      expect((await product(sku)).stock).toBe(6);
    });

    it('answers 413 for a body over 256 KiB and stores nothing', async () => {
      const id = uniqueId();
      const body = JSON.stringify({ type: 'x', pad: 'a'.repeat(256 * 1024) });
      const res = await deliver(a, body, { id });
      expectProblem(res, 413, 'payload-too-large');
      expect(await inbox(id)).toEqual([]);
    });

    it('answers 400 for malformed JSON with a valid signature, 401 without', async () => {
      const id = uniqueId();
      const body = '{"type": "inventory.updated", "data": ';
      expectProblem(await deliver(a, body, { id }), 400, 'malformed-json');
      expectProblem(
        await deliver(a, body, { id, secret: generateWebhookSecret() }),
        401,
        'invalid-webhook-signature',
      );
      expect(await inbox(id)).toEqual([]);
    });

    it('verifies the bytes as sent, whatever the content type', async () => {
      const sku = await createProduct(10);
      const body = Buffer.from(eventBody('inventory.updated', { sku, stock: 3 }));
      const res = await deliver(a, body, { headers: { 'content-type': 'text/plain' } });
      expect(res.body).toEqual({ status: 'processed' });
    });
  });

  describe('inbox and effects', () => {
    it('stores unknown skus and unknown event types and answers ignored', async () => {
      const unknownSku = uniqueId();
      const unknownType = uniqueId();
      const sku = await createProduct(10);
      const first = await deliver(
        a,
        eventBody('inventory.updated', { sku: 'NO-SUCH-SKU', stock: 1 }),
        {
          id: unknownSku,
        },
      );
      const second = await deliver(b, eventBody('order.created', { sku, stock: 1 }), {
        id: unknownType,
      });
      expect([first.body, second.body]).toEqual([{ status: 'ignored' }, { status: 'ignored' }]);
      expect((await inbox(unknownSku))[0]).toEqual(
        expect.objectContaining({ status: 'ignored', error: 'unknown sku' }),
      );
      expect((await inbox(unknownType))[0]).toEqual(
        expect.objectContaining({ type: 'order.created', status: 'ignored' }),
      );
      expect((await product(sku)).stock).toBe(10);
      expect((await deliver(a, eventBody('order.created', {}), { id: unknownType })).body).toEqual({
        status: 'duplicate',
      });
    });

    it('answers duplicate for a settled event, from the inbox when Redis has forgotten it', async () => {
      const sku = await createProduct(10);
      const id = uniqueId();
      const body = eventBody('inventory.updated', { sku, stock: 7 });
      expect((await deliver(a, body, { id })).body).toEqual({ status: 'processed' });
      await db.query('UPDATE products SET stock = 99 WHERE sku = ?', [sku]);
      expect((await deliver(b, body, { id })).body).toEqual({ status: 'duplicate' });
      // The fast-path key only covers retry bursts: it lives minutes, not a day.
      const ttl = await redis.ttl(`${env.redisPrefix}webhooks:done:${id}`);
      expect(ttl).toBeGreaterThan(0);
      expect(ttl).toBeLessThanOrEqual(5 * 60);
      await redis.del(`${env.redisPrefix}webhooks:done:${id}`);
      expect((await deliver(a, body, { id })).body).toEqual({ status: 'duplicate' });
      expect((await product(sku)).stock).toBe(99);
      expect(await inbox(id)).toHaveLength(1);
    });

    it('processes 50 concurrent copies over two instances exactly once', async () => {
      const sku = await createProduct(10);
      const id = uniqueId();
      const ts = nowS();
      const body = eventBody('inventory.updated', { sku, stock: 33 }, new Date().toISOString());
      const results = await Promise.all(
        Array.from({ length: 50 }, (_, i) => deliver(i % 2 === 0 ? a : b, body, { id, ts })),
      );
      const processed = results.filter((r) => r.status === 200 && r.body.status === 'processed');
      const duplicates = results.filter((r) => r.status === 200 && r.body.status === 'duplicate');
      const inProgress = results.filter((r) => r.status === 409);
      expect(processed).toHaveLength(1);
      expect(duplicates.length + inProgress.length).toBe(49);
      for (const res of inProgress) {
        expectProblem(res, 409, 'webhook-in-progress');
        expect(Number(res.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
      }
      expect(await writes(sku)).toBe(1);
      expect((await product(sku)).stock).toBe(33);
      expect(await inbox(id)).toEqual([
        expect.objectContaining({ status: 'processed', attempts: 1 }),
      ]);
    });

    it('answers an event that keeps losing deadlocks 503 + Retry-After and frees it for the retry', async () => {
      const sku = await createProduct(10);
      const id = uniqueId();
      const body = eventBody('inventory.updated', { sku, stock: 2 }, new Date().toISOString());
      await db.query('INSERT INTO test_product_deadlocks (sku) VALUES (?)', [sku]);
      const busy = await deliver(a, body, { id });
      expectProblem(busy, 503, 'service-unavailable');
      expect(busy.headers.get('retry-after')).toBe('1');
      expect(JSON.stringify(busy.body)).not.toMatch(/deadlock|products|SQL/i);
      expect(await inbox(id)).toEqual([expect.objectContaining({ status: 'failed' })]);
      expect((await product(sku)).stock).toBe(10);

      // The retry is not kept waiting for a lease: it takes the event over at once.
      await db.query('DELETE FROM test_product_deadlocks WHERE sku = ?', [sku]);
      const retry = await deliver(b, body, { id });
      expect(retry.status).toBe(200);
      expect(retry.body).toEqual({ status: 'processed' });
      expect((await product(sku)).stock).toBe(2);
    });

    it('marks a failed event failed, answers 5xx, and processes its redelivery', async () => {
      const sku = await createProduct(10);
      const id = uniqueId();
      const body = eventBody('inventory.updated', { sku, stock: 1 }, new Date().toISOString());
      await db.query('INSERT INTO test_product_faults (sku) VALUES (?)', [sku]);
      const failed = await deliver(a, body, { id });
      expectProblem(failed, 500, 'webhook-processing-failed');
      expect(JSON.stringify(failed.body)).not.toMatch(/injected|products|SQL/i);
      expect(await inbox(id)).toEqual([
        expect.objectContaining({
          status: 'failed',
          attempts: 1,
          error: expect.stringMatching(/injected write failure/),
        }),
      ]);
      const [versions] = await db.query<RowDataPacket[]>(
        'SELECT * FROM webhook_applied_versions WHERE sku = ?',
        [sku],
      );
      expect(versions).toEqual([]);
      expect((await product(sku)).stock).toBe(10);

      await db.query('DELETE FROM test_product_faults WHERE sku = ?', [sku]);
      expect((await deliver(b, body, { id })).body).toEqual({ status: 'processed' });
      expect((await product(sku)).stock).toBe(1);
      expect(await inbox(id)).toEqual([
        expect.objectContaining({ status: 'processed', attempts: 2, error: null }),
      ]);
      const metrics = await (await fetch(`${a.url}/metrics`)).text();
      expect(metrics).toMatch(/webhook_events_total\{outcome="failed"\} [1-9]/);
    });

    it('takes over an event whose lease expired and answers 409 while a lease is live', async () => {
      const sku = await createProduct(10);
      const crashed = uniqueId();
      const live = uniqueId();
      const crashedBody = eventBody(
        'inventory.updated',
        { sku, stock: 5 },
        new Date().toISOString(),
      );
      const liveBody = eventBody('price.updated', { sku, price: '99.99' });
      const insert = (id: string, payload: string, lease: string): Promise<unknown> =>
        db.query(
          `INSERT INTO webhook_events (event_id, type, payload, status, attempts, lease_owner, locked_until)
           VALUES (?, 'inventory.updated', ?, 'processing', 1, 'aaaaaaaa-0000-4000-8000-000000000000', ${lease})`,
          [id, payload],
        );
      await insert(crashed, crashedBody, 'NOW(3) - INTERVAL 1 SECOND');
      await insert(live, liveBody, 'NOW(3) + INTERVAL 4 SECOND');

      expect((await deliver(a, crashedBody, { id: crashed })).body).toEqual({
        status: 'processed',
      });
      expect(await inbox(crashed)).toEqual([
        expect.objectContaining({ status: 'processed', attempts: 2 }),
      ]);

      const busy = await deliver(b, liveBody, { id: live });
      expectProblem(busy, 409, 'webhook-in-progress');
      // Retry-After is what is left of the lease (at most the 5 s lease itself).
      expect(Number(busy.headers.get('retry-after'))).toBeGreaterThanOrEqual(3);
      expect(Number(busy.headers.get('retry-after'))).toBeLessThanOrEqual(5);
      expect(await product(sku)).toEqual({ stock: 5, price: '20.00' });
    });

    it('ignores an event older than the last one applied to the same field', async () => {
      const sku = await createProduct(10, '20.00');
      const newer = new Date(Date.now() - 55_000).toISOString();
      const older = new Date(Date.now() - 59_000).toISOString();
      const first = await deliver(a, eventBody('inventory.updated', { sku, stock: 50 }, newer));
      const late = uniqueId();
      const second = await deliver(b, eventBody('inventory.updated', { sku, stock: 20 }, older), {
        id: late,
      });
      expect([first.body, second.body]).toEqual([{ status: 'processed' }, { status: 'ignored' }]);
      expect((await inbox(late))[0]).toEqual(
        expect.objectContaining({
          status: 'ignored',
          error: 'a newer stock update was applied already',
        }),
      );
      const otherField = await deliver(a, eventBody('price.updated', { sku, price: 12 }, older));
      expect(otherField.body).toEqual({ status: 'processed' });
      expect(await product(sku)).toEqual({ stock: 50, price: '12.00' });
    });

    it('orders events without a payload timestamp by webhook-timestamp', async () => {
      const sku = await createProduct(10);
      const now = nowS();
      const first = await deliver(a, eventBody('inventory.updated', { sku, stock: 8 }), {
        ts: now - 10,
      });
      const second = await deliver(a, eventBody('inventory.updated', { sku, stock: 2 }), {
        ts: now - 20,
      });
      expect([first.body, second.body]).toEqual([{ status: 'processed' }, { status: 'ignored' }]);
      expect((await product(sku)).stock).toBe(8);
    });

    it('stores invalid data for a known type as ignored', async () => {
      const sku = await createProduct(10, '20.00');
      const id = uniqueId();
      const res = await deliver(a, eventBody('price.updated', { sku, price: '123456789.00' }), {
        id,
      });
      expect(res.body).toEqual({ status: 'ignored' });
      expect((await inbox(id))[0].error).toMatch(/data\.price/);
      expect((await product(sku)).price).toBe('20.00');
    });
  });

  describe('end to end with the partner simulator', () => {
    it('shows the stock of an emitted event in the listing of the other instance', async () => {
      const sku = await createProduct(10);
      const subscription = sim.subscribe({
        url: `${a.url}${WEBHOOK_PATH}`,
        events: ['inventory.updated', 'price.updated'],
      });
      await db.query(
        'INSERT INTO partner_subscriptions (partner_id, url, events, secret) VALUES (?, ?, ?, ?)',
        [subscription.id, subscription.url, subscription.events.join(','), subscription.secret],
      );
      const listing = async (): Promise<{ stock: number; cache: string | null }> => {
        const res = await fetch(`${b.url}/products?category=${category}&limit=100`);
        const page = (await res.json()) as { data: { sku: string; stock: number }[] };
        const row = page.data.find((p) => p.sku === sku);
        return { stock: row?.stock ?? -1, cache: res.headers.get('x-cache') };
      };
      await listing();
      expect(await listing()).toEqual({ stock: 10, cache: 'hit' });

      const results = await sim.emit({ type: 'inventory.updated', data: { sku, stock: 42 } });
      expect(results).toEqual([
        expect.objectContaining({ status: 200, attempts: 1, body: '{"status":"processed"}' }),
      ]);
      expect((await listing()).stock).toBe(42);
    });
  });

  describe('retention', () => {
    async function seed(status: string, daysAgo: number): Promise<string> {
      const id = uniqueId();
      await db.query(
        `INSERT INTO webhook_events (event_id, type, payload, status, attempts, processed_at, received_at)
         VALUES (?, 'inventory.updated', '{}', ?, 1,
                 IF(? IN ('processed', 'ignored'), NOW(3) - INTERVAL ? DAY, NULL),
                 NOW(3) - INTERVAL ? DAY)`,
        [id, status, status, daysAgo, daysAgo],
      );
      return id;
    }

    it('deletes settled events past the cutoff in batches and keeps the rest', async () => {
      await db.query('DELETE FROM webhook_events');
      const old = [
        ...(await Promise.all([1, 2, 3, 4, 5].map(() => seed('processed', 8)))),
        ...(await Promise.all([1, 2, 3].map(() => seed('ignored', 9)))),
      ];
      const kept = [
        await seed('processed', 6),
        await seed('ignored', 1),
        await seed('failed', 30),
        await seed('processing', 30),
      ];
      const retention = a.app.get(WebhookRetentionService);
      const cutoff = new Date(Date.now() - 7 * 24 * 60 * 60 * 1000);
      expect(await retention.purgeSettledBefore(cutoff, { batchSize: 2 })).toBe(old.length);
      const [rows] = await db.query<RowDataPacket[]>('SELECT event_id FROM webhook_events');
      expect(rows.map((r) => String(r.event_id)).sort()).toEqual([...kept].sort());
    });

    it('stops after maxBatches and finishes on the next run', async () => {
      await db.query('DELETE FROM webhook_events');
      await Promise.all([1, 2, 3, 4, 5].map(() => seed('processed', 10)));
      const retention = a.app.get(WebhookRetentionService);
      const cutoff = new Date();
      expect(await retention.purgeSettledBefore(cutoff, { batchSize: 2, maxBatches: 1 })).toBe(2);
      expect(await retention.purgeSettledBefore(cutoff, { batchSize: 2 })).toBe(3);
    });

    it('runs the scheduled cleanup on one instance at a time, keeping 7 days', async () => {
      await db.query('DELETE FROM webhook_events');
      await seed('processed', 8);
      const recent = await seed('processed', 6);
      const lockKey = `${env.redisPrefix}webhooks:cleanup:lock`;
      await redis.set(lockKey, 'other-instance', 'PX', 10_000);
      expect(await b.app.get(WebhookRetentionService).runOnce()).toBe(false);
      const [before] = await db.query<RowDataPacket[]>('SELECT COUNT(*) AS n FROM webhook_events');
      expect(Number(before[0].n)).toBe(2);
      await redis.del(lockKey);

      expect(await b.app.get(WebhookRetentionService).runOnce()).toBe(true);
      const [rows] = await db.query<RowDataPacket[]>('SELECT event_id FROM webhook_events');
      expect(rows.map((r) => String(r.event_id))).toEqual([recent]);
      expect(await redis.exists(lockKey)).toBe(0);
    });
  });

  it('documents the route in the OpenAPI document', async () => {
    const doc = (await (await fetch(`${a.url}/docs-json`)).json()) as {
      paths: Record<string, { post: { parameters: { name: string }[]; responses: object } }>;
    };
    const op = doc.paths[WEBHOOK_PATH].post;
    expect(op.parameters.map((p) => p.name)).toEqual(
      expect.arrayContaining(['webhook-id', 'webhook-timestamp', 'webhook-signature']),
    );
    expect(Object.keys(op.responses)).toEqual(
      expect.arrayContaining(['200', '400', '401', '409', '413', '500']),
    );
  });
});
