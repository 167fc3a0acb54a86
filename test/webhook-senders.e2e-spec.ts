import type { Connection, RowDataPacket } from 'mysql2/promise';
import { randomBytes } from 'node:crypto';
import { Webhook as StandardWebhook } from 'standardwebhooks';
import { Webhook as SvixWebhook } from 'svix';
import { buildProduct, insertProducts } from './factories/product.factory';
import { generateWebhookSecret } from './partner-sim';
import { createTestApp, TestApp } from './support/create-test-app';
import { connectTestDb, createTestEnv, TestEnv } from './support/test-env';

/**
 * Deliveries signed by the reference sender libraries (the `standardwebhooks` package and
 * Svix's SDK), sent the way each one sends them, against the running service.
 */
const SECRET = generateWebhookSecret();

type HeaderStyle = 'webhook' | 'svix';

function headersFor(style: HeaderStyle, id: string, timestamp: Date, signature: string) {
  return {
    'content-type': 'application/json',
    [`${style}-id`]: id,
    [`${style}-timestamp`]: String(Math.floor(timestamp.getTime() / 1000)),
    [`${style}-signature`]: signature,
  };
}

const messageId = (): string => `msg_${randomBytes(12).toString('hex')}`;

describe('webhook deliveries signed by the standard sender libraries', () => {
  let env: TestEnv;
  let app: TestApp;
  let db: Connection;
  const sku = `SENDER-${randomBytes(5).toString('hex').toUpperCase()}`;

  beforeAll(async () => {
    env = createTestEnv({ WEBHOOK_SECRET: SECRET });
    app = await createTestApp({ listen: true });
    db = await connectTestDb(env.dbName);
    await insertProducts(db, [buildProduct({ sku, price: '10.00', stock: 1 })]);
  });

  afterAll(async () => {
    await app?.close();
    await db?.end();
    await env?.cleanup();
  });

  async function deliver(headers: Record<string, string>, body: string) {
    const res = await fetch(`${app.url}/webhooks/partner`, { method: 'POST', headers, body });
    return { status: res.status, body: (await res.json()) as Record<string, unknown> };
  }

  async function product(): Promise<{ price: string; stock: number }> {
    const [rows] = await db.query<RowDataPacket[]>(
      'SELECT price, stock FROM products WHERE sku = ?',
      [sku],
    );
    return rows[0] as { price: string; stock: number };
  }

  it('applies a delivery signed by standardwebhooks with webhook-* headers', async () => {
    const id = messageId();
    const now = new Date();
    const body = JSON.stringify({ type: 'inventory.updated', data: { sku, stock: 41 } });
    const signature = new StandardWebhook(SECRET).sign(id, now, body);

    const first = await deliver(headersFor('webhook', id, now, signature), body);
    expect(first).toEqual({ status: 200, body: { status: 'processed' } });
    expect((await product()).stock).toBe(41);
    const again = await deliver(headersFor('webhook', id, now, signature), body);
    expect(again).toEqual({ status: 200, body: { status: 'duplicate' } });
  });

  it('applies a delivery signed by Svix with svix-* headers', async () => {
    const id = messageId();
    const now = new Date();
    const body = JSON.stringify({ type: 'price.updated', data: { sku, price: '77.25' } });
    const signature = new SvixWebhook(SECRET).sign(id, now, body);

    const first = await deliver(headersFor('svix', id, now, signature), body);
    expect(first).toEqual({ status: 200, body: { status: 'processed' } });
    expect((await product()).price).toBe('77.25');
    // The same event under the other header names is the same event.
    const again = await deliver(headersFor('webhook', id, now, signature), body);
    expect(again).toEqual({ status: 200, body: { status: 'duplicate' } });
  });

  it('verifies svix-* deliveries as strictly as webhook-* ones', async () => {
    const now = new Date();
    const body = JSON.stringify({ type: 'inventory.updated', data: { sku, stock: 3 } });
    const otherSecret = generateWebhookSecret();
    const forged = new SvixWebhook(otherSecret).sign(messageId(), now, body);
    const wrongKey = await deliver(headersFor('svix', messageId(), now, forged), body);
    expect(wrongKey.status).toBe(401);

    const old = new Date(now.getTime() - 10 * 60 * 1000);
    const id = messageId();
    const stale = await deliver(
      headersFor('svix', id, old, new SvixWebhook(SECRET).sign(id, old, body)),
      body,
    );
    expect(stale.status).toBe(401);

    const { 'svix-signature': _dropped, ...unsigned } = headersFor('svix', id, now, forged);
    expect((await deliver(unsigned, body)).status).toBe(401);
    expect((await product()).stock).not.toBe(3);
  });
});
