import type { Connection } from 'mysql2/promise';
import { randomBytes } from 'node:crypto';
import { buildProduct, insertProducts } from './factories/product.factory';
import { generateWebhookSecret, PartnerSim, signWebhook, startPartnerSim } from './partner-sim';
import { eventually } from './support/contract-http';
import { createTestApp, TestApp } from './support/create-test-app';
import { connectTestDb, createTestEnv, TestEnv } from './support/test-env';

const SECRET = generateWebhookSecret();

interface Listing {
  cache: string | null;
  data: { id: number; sku: string; stock: number; price: string }[];
}

async function list(app: TestApp, path: string): Promise<Listing> {
  const res = await fetch(`${app.url}${path}`);
  expect(res.status).toBe(200);
  const body = (await res.json()) as { data: Listing['data'] };
  return { cache: res.headers.get('x-cache'), data: body.data };
}

/** Requests `path` until `app` answers it as a cache hit. */
async function warm(app: TestApp, path: string): Promise<Listing> {
  let last: Listing | null = null;
  for (let attempt = 0; attempt < 50; attempt += 1) {
    last = await list(app, path);
    if (last.cache === 'hit') {
      return last;
    }
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  throw new Error(`${path} never became a hit (last: ${last?.cache})`);
}

/**
 * Partner stock and price updates (signed webhooks) drop only the cached listings they can
 * alter: pages holding the product, and pages whose filters or price order it enters.
 * Every other page stays cached on every instance, and every affected page shows the
 * change within 1 s on every instance.
 */
describe('GET /products: listing cache under partner updates', () => {
  let env: TestEnv;
  let sim: PartnerSim;
  let a: TestApp;
  let b: TestApp;
  let db: Connection;
  const tag = randomBytes(3).toString('hex');
  const cat = (name: string) => `ch${tag}${name}`;
  let sequence = 0;

  async function partnerEvent(
    target: TestApp,
    type: 'inventory.updated' | 'price.updated',
    data: Record<string, unknown>,
  ): Promise<void> {
    sequence += 1;
    const id = `msg_${randomBytes(12).toString('hex')}`;
    const ts = Math.floor(Date.now() / 1000);
    const timestamp = new Date(Date.now() + sequence).toISOString();
    const body = JSON.stringify({ type, timestamp, data });
    const res = await fetch(`${target.url}/webhooks/partner`, {
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
    expect(((await res.json()) as { status: string }).status).toBe('processed');
  }

  beforeAll(async () => {
    sim = await startPartnerSim({ port: 0 });
    env = createTestEnv({
      ...sim.serviceEnv(),
      WEBHOOK_SECRET: SECRET,
      RATE_LIMIT_LIMIT: '1000000',
      RATE_LIMIT_WEBHOOKS_LIMIT: '1000000',
    });
    a = await createTestApp({ listen: true });
    b = await createTestApp({ listen: true });
    db = await connectTestDb(env.dbName);
  });

  afterAll(async () => {
    await db?.end();
    await a?.close();
    await b?.close();
    await env?.cleanup();
    await sim?.stop();
  });

  it('keeps pages the updated product is not on (and cannot enter) cached on both instances', async () => {
    const [hot] = await insertProducts(db, [
      buildProduct({ category: cat('hot'), stock: 5, price: '10.00' }),
    ]);
    const hotSku = (await list(a, `/products?category=${cat('hot')}`)).data[0].sku;
    await insertProducts(
      db,
      Array.from({ length: 4 }, () => buildProduct({ category: cat('cold'), stock: 3 })),
    );
    const quiet = [
      `/products?category=${cat('cold')}&sort=id&order=asc&limit=3`,
      `/products?category=${cat('cold')},${cat('hot')}&sort=id&order=desc&limit=2`,
      `/products?category=${cat('hot')},${cat('cold')}&in_stock=true&sort=id&order=desc&limit=2`,
      `/products?category=${cat('cold')}&min_price=50`,
    ];
    const before = new Map<string, Listing['data']>();
    for (const path of quiet) {
      before.set(`a${path}`, (await warm(a, path)).data);
      before.set(`b${path}`, (await warm(b, path)).data);
    }
    expect(before.get(`a${quiet[1]}`)?.map((p) => p.id)).not.toContain(hot);

    for (let stock = 6; stock <= 10; stock += 1) {
      await partnerEvent(stock % 2 === 0 ? a : b, 'inventory.updated', { sku: hotSku, stock });
    }
    // Both instances have read the feed past the last update once the hot page shows it.
    const hotPath = `/products?category=${cat('hot')}&sort=id&order=asc`;
    for (const app of [a, b]) {
      await eventually(async () => {
        expect((await list(app, hotPath)).data[0].stock).toBe(10);
      }, 1_000);
    }
    for (const path of quiet) {
      for (const [name, app] of [
        ['a', a],
        ['b', b],
      ] as const) {
        const again = await list(app, path);
        expect({ path, name, cache: again.cache }).toEqual({ path, name, cache: 'hit' });
        expect(again.data).toEqual(before.get(`${name}${path}`));
      }
    }
  });

  it("shows a product's new stock on a cached page holding it within 1 s on both instances", async () => {
    await insertProducts(db, [
      buildProduct({ category: cat('on'), stock: 4 }),
      buildProduct({ category: cat('on'), stock: 4 }),
    ]);
    const path = `/products?category=${cat('on')}&sort=id&order=asc`;
    const warmA = await warm(a, path);
    await warm(b, path);
    const sku = warmA.data[1].sku;
    for (const stock of [17, 18]) {
      await partnerEvent(a, 'inventory.updated', { sku, stock });
      for (const app of [a, b]) {
        await eventually(async () => {
          expect((await list(app, path)).data[1].stock).toBe(stock);
        }, 1_000);
      }
    }
  });

  it('shows a product whose stock crosses 0 on a cached in_stock page within 1 s', async () => {
    await insertProducts(db, [
      buildProduct({ category: cat('stk'), stock: 2 }),
      buildProduct({ category: cat('stk'), stock: 0 }),
    ]);
    const all = (await list(a, `/products?category=${cat('stk')}&sort=id&order=asc`)).data;
    const path = `/products?category=${cat('stk')}&in_stock=true&sort=id&order=asc`;
    expect((await warm(a, path)).data.map((p) => p.id)).toEqual([all[0].id]);
    expect((await warm(b, path)).data.map((p) => p.id)).toEqual([all[0].id]);
    await partnerEvent(b, 'inventory.updated', { sku: all[1].sku, stock: 9 });
    for (const app of [a, b]) {
      await eventually(async () => {
        expect((await list(app, path)).data.map((p) => p.id)).toEqual([all[0].id, all[1].id]);
      }, 1_000);
    }
  });

  it('shows a price change that moves a product into a price-filtered or price-sorted page within 1 s', async () => {
    await insertProducts(db, [
      buildProduct({ category: cat('pr'), price: '10.00' }),
      buildProduct({ category: cat('pr'), price: '20.00' }),
      buildProduct({ category: cat('pr'), price: '30.00' }),
      buildProduct({ category: cat('pr'), price: '40.00' }),
    ]);
    const all = (await list(a, `/products?category=${cat('pr')}&sort=price&order=asc`)).data;
    const cheap = all[0];
    const filtered = `/products?category=${cat('pr')}&min_price=50.00`;
    const top = `/products?category=${cat('pr')}&sort=price&order=desc&limit=2`;
    for (const app of [a, b]) {
      expect((await warm(app, filtered)).data).toEqual([]);
      expect((await warm(app, top)).data.map((p) => p.price)).toEqual(['40.00', '30.00']);
    }
    await partnerEvent(a, 'price.updated', { sku: cheap.sku, price: '99.00' });
    for (const app of [a, b]) {
      await eventually(async () => {
        expect((await list(app, filtered)).data.map((p) => p.id)).toEqual([cheap.id]);
        expect((await list(app, top)).data.map((p) => p.price)).toEqual(['99.00', '40.00']);
      }, 1_000);
    }
  });
});
