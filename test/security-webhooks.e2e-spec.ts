import type { Connection, RowDataPacket } from 'mysql2/promise';
import { randomBytes } from 'node:crypto';
import { WebhookRetentionService } from '../src/webhooks/webhook-retention.service';
import { generateWebhookSecret, signWebhook } from './partner-sim';
import { createTestApp, TestApp } from './support/create-test-app';
import { connectTestDb, createTestEnv, TestEnv } from './support/test-env';

const SECRET = generateWebhookSecret();
const DAY_MS = 24 * 60 * 60 * 1000;

const nowS = (): number => Math.floor(Date.now() / 1000);
const uniqueId = (): string => `msg_${randomBytes(12).toString('hex')}`;
const uniqueSku = (): string => `SEC-${randomBytes(6).toString('hex').toUpperCase()}`;

/** Webhook event times that would freeze or reorder a product if they were believed. */
describe('Webhooks: untrusted event times, applied versions and their retention', () => {
  let env: TestEnv;
  let test: TestApp;
  let db: Connection;

  beforeAll(async () => {
    env = createTestEnv({ WEBHOOK_SECRET: SECRET, RATE_LIMIT_WEBHOOKS_LIMIT: '100000' });
    test = await createTestApp({ listen: true });
    db = await connectTestDb(env.dbName);
  });

  afterAll(async () => {
    await test?.close();
    await db?.end();
    await env?.cleanup();
  });

  async function createProduct(stock = 10): Promise<string> {
    const sku = uniqueSku();
    await db.query(
      'INSERT INTO products (sku, name, category, price, stock) VALUES (?, ?, ?, ?, ?)',
      [sku, `Test ${sku}`, 'security', '10.00', stock],
    );
    return sku;
  }

  async function stockOf(sku: string): Promise<number> {
    const [rows] = await db.query<RowDataPacket[]>('SELECT stock FROM products WHERE sku = ?', [
      sku,
    ]);
    return Number(rows[0].stock);
  }

  async function versions(sku: string): Promise<RowDataPacket[]> {
    const [rows] = await db.query<RowDataPacket[]>(
      'SELECT field, event_time FROM webhook_applied_versions WHERE sku = ?',
      [sku],
    );
    return rows;
  }

  async function deliver(
    sku: string,
    stock: number,
    timestamp?: string,
    deliveredS = nowS(),
  ): Promise<unknown> {
    const body = JSON.stringify({
      type: 'inventory.updated',
      ...(timestamp === undefined ? {} : { timestamp }),
      data: { sku, stock },
    });
    const id = uniqueId();
    const ts = deliveredS;
    const res = await fetch(`${test.url}/webhooks/partner`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        'webhook-id': id,
        'webhook-timestamp': String(ts),
        'webhook-signature': signWebhook(SECRET, id, ts, body),
      },
      body,
    });
    expect(res.status).toBe(200);
    return res.json();
  }

  it('applies a far-future event without freezing the product: the next update applies too', async () => {
    const sku = await createProduct();
    // Delivered a minute ago (within the 5-minute tolerance): ordered as of then.
    const farFuture = '9999-12-31T23:59:59.999Z';
    expect(await deliver(sku, 1, farFuture, nowS() - 60)).toEqual({ status: 'processed' });
    expect(await stockOf(sku)).toBe(1);
    const secondsAgo = new Date(Date.now() - 5_000).toISOString();
    expect(await deliver(sku, 2, secondsAgo)).toEqual({ status: 'processed' });
    expect(await stockOf(sku)).toBe(2);
    expect(await deliver(sku, 3)).toEqual({ status: 'processed' });
    expect(await stockOf(sku)).toBe(3);
  });

  it('trusts an event time up to 5 minutes past the delivery and orders by it', async () => {
    const sku = await createProduct();
    const ahead = new Date(Date.now() + 4 * 60 * 1000).toISOString();
    expect(await deliver(sku, 5, ahead)).toEqual({ status: 'processed' });
    expect(await deliver(sku, 6, new Date().toISOString())).toEqual({ status: 'ignored' });
    expect(await stockOf(sku)).toBe(5);
  });

  it('orders an event time more than 7 days before its delivery by the delivery time', async () => {
    const sku = await createProduct();
    const secondsAgo = new Date(Date.now() - 5_000).toISOString();
    expect(await deliver(sku, 7, secondsAgo)).toEqual({ status: 'processed' });
    const stale = new Date(Date.now() - 8 * DAY_MS).toISOString();
    expect(await deliver(sku, 8, stale)).toEqual({ status: 'processed' });
    expect(await stockOf(sku)).toBe(8);
    // Within the window, an older event is still recognised as older.
    const hourAgo = new Date(Date.now() - 60 * 60 * 1000).toISOString();
    expect(await deliver(sku, 9, hourAgo)).toEqual({ status: 'ignored' });
    expect(await stockOf(sku)).toBe(8);
  });

  it('heals a product frozen by a far-future version recorded earlier', async () => {
    const sku = await createProduct();
    await db.query(
      `INSERT INTO webhook_applied_versions (sku, field, event_time, event_id)
       VALUES (?, 'stock', '9999-12-31 23:59:59.999', 'msg_frozen')`,
      [sku],
    );
    expect(await deliver(sku, 4, new Date().toISOString())).toEqual({ status: 'processed' });
    expect(await stockOf(sku)).toBe(4);
  });

  it('records no applied version for an unknown sku', async () => {
    const sku = uniqueSku();
    expect(await deliver(sku, 1, new Date().toISOString())).toEqual({ status: 'ignored' });
    expect(await versions(sku)).toEqual([]);
  });

  it('purges applied versions too old to decide anything, and keeps the others', async () => {
    const [old, recent] = [await createProduct(), await createProduct()];
    await db.query(
      `INSERT INTO webhook_applied_versions (sku, field, event_time, event_id) VALUES
         (?, 'stock', NOW(3) - INTERVAL 9 DAY, 'msg_old'),
         (?, 'stock', NOW(3) - INTERVAL 1 DAY, 'msg_recent')`,
      [old, recent],
    );
    expect(await test.app.get(WebhookRetentionService).runOnce()).toBe(true);
    expect(await versions(old)).toEqual([]);
    expect(await versions(recent)).toHaveLength(1);
  });
});
