import Redis from 'ioredis';
import type { Connection } from 'mysql2/promise';
import { generationKey } from '../src/products/listing-cache/cache-layout';
import { parseGeneration } from '../src/products/listing-cache/generation';
import { GENERATION_MAX_AGE_MS } from '../src/products/listing-cache/cache-options';
import { REDIS_CLIENT } from '../src/common/redis/redis.constants';
import { MetricsService } from '../src/metrics/metrics.service';
import { PRODUCTS_CACHE_NAMESPACE } from '../src/products/products.constants';
import { ProductsService } from '../src/products/products.service';
import { buildProduct, insertProducts } from './factories/product.factory';
import { eventually } from './support/contract-http';
import { createTestApp, TestApp } from './support/create-test-app';
import { connectTestDb, createTestEnv, TestEnv } from './support/test-env';

/** A caller without a producer_id claim: writes any product. */
const PLATFORM = { sub: 'cache-tests', scopes: ['products:write'] };

interface Listing {
  status: number;
  cache: string | null;
  data: { id: number; stock: number }[];
}

async function list(app: TestApp, path: string): Promise<Listing> {
  if (!app.url) {
    const res = await app.app.inject({ method: 'GET', url: path });
    const cache = res.headers['x-cache'];
    const body = res.json<{ data: Listing['data'] }>();
    return {
      status: res.statusCode,
      cache: typeof cache === 'string' ? cache : null,
      data: body.data,
    };
  }
  const res = await fetch(`${app.url}${path}`);
  const body = (await res.json()) as { data: Listing['data'] };
  return { status: res.status, cache: res.headers.get('x-cache'), data: body.data };
}

async function lookups(app: TestApp, result: string, layer = 'redis'): Promise<number> {
  const metrics = app.app.get(MetricsService);
  const memory = (await metrics.productsCacheMemoryHits.get()).values[0]?.value ?? 0;
  if (layer === 'memory') {
    return memory;
  }
  const all = (await metrics.productsCache.get()).values;
  const count = all.find((v) => v.labels.result === result)?.value ?? 0;
  return result === 'hit' ? count - memory : count;
}

/** Requests `path` until `app` answers it from memory, and returns that answer. */
async function warm(app: TestApp, path: string): Promise<Listing> {
  for (let attempt = 0; attempt < 50; attempt += 1) {
    const before = await lookups(app, 'hit', 'memory');
    const answer = await list(app, path);
    if ((await lookups(app, 'hit', 'memory')) > before) {
      expect(answer.cache).toBe('hit');
      return answer;
    }
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  throw new Error(`${path} never came from the in-process cache`);
}

/**
 * The in-process layer in front of Redis: a hit makes no round trip, yet a write on one
 * instance reaches another's in-process entries within 1 s, with or without the pub/sub
 * announcement, and without Redis listings still come from MySQL.
 */
describe('GET /products: in-process response cache', () => {
  let env: TestEnv;
  let a: TestApp;
  let b: TestApp;
  let db: Connection;
  let raw: Redis;
  let ids: number[];

  beforeAll(async () => {
    env = createTestEnv({ RATE_LIMIT_LIMIT: '1000000' });
    a = await createTestApp({ listen: true });
    b = await createTestApp({ listen: true });
    db = await connectTestDb(env.dbName);
    raw = new Redis(env.vars.REDIS_URL);
    ids = await insertProducts(
      db,
      Array.from({ length: 5 }, () => buildProduct({ category: 'l1', stock: 1 })),
    );
  });

  afterAll(async () => {
    raw?.disconnect();
    await db?.end();
    await a?.close();
    await b?.close();
    await env?.cleanup();
  });

  it('answers a repeated listing from memory, same body, without asking Redis', async () => {
    const path = '/products?category=l1&sort=id&order=asc&limit=2';
    const first = await warm(b, path);
    const redisBefore = await lookups(b, 'hit', 'redis');
    const missesBefore = await lookups(b, 'miss', 'redis');
    const again = await Promise.all(Array.from({ length: 20 }, () => list(b, path)));
    expect(again.every((r) => r.cache === 'hit' && r.status === 200)).toBe(true);
    expect(again.map((r) => r.data)).toEqual(Array(20).fill(first.data));
    expect(await lookups(b, 'hit', 'redis')).toBe(redisBefore);
    expect(await lookups(b, 'miss', 'redis')).toBe(missesBefore);
  });

  it("shows a write on one instance in the other's in-process entries within 1 s", async () => {
    const path = '/products?category=l1&sort=id&order=asc&limit=3';
    const warmed = await warm(b, path);
    expect(warmed.data[0].stock).toBe(1);
    await a.app.get(ProductsService).update(ids[0], { stock: 41 }, PLATFORM);
    const started = Date.now();
    await eventually(async () => {
      expect((await list(b, path)).data[0].stock).toBe(41);
    }, 1_000);
    expect(Date.now() - started).toBeLessThan(1_000);
  });

  it('still sees a bump within 1 s when its announcement is lost', async () => {
    const path = '/products?category=l1&sort=id&order=asc&limit=4';
    await warm(b, path);
    await db.query('UPDATE products SET stock = 42 WHERE id = ?', [ids[1]]);
    const stale = await list(b, path);
    expect(stale.cache).toBe('hit');
    expect(stale.data[1].stock).toBe(1);
    // Bump the generation behind the service's back: nothing is published.
    const key = `${env.redisPrefix}${generationKey(PRODUCTS_CACHE_NAMESPACE)}`;
    const current = parseGeneration(await raw.get(key));
    await raw.set(key, `${(current?.n ?? 0) + 1}.behindtheback`);
    const started = Date.now();
    await eventually(async () => {
      expect((await list(b, path)).data[1].stock).toBe(42);
    }, 1_000);
    expect(Date.now() - started).toBeLessThan(1_000);
  });

  it('sees its own write on the very next request', async () => {
    const path = '/products?category=l1&sort=id&order=asc&limit=5';
    await warm(a, path);
    await a.app.get(ProductsService).update(ids[2], { stock: 43 }, PLATFORM);
    const next = await list(a, path);
    expect(next.cache).toBe('miss');
    expect(next.data[2].stock).toBe(43);
  });

  it('serves from MySQL once Redis is lost, after the in-process copy stops being trusted', async () => {
    const solo = await createTestApp();
    try {
      const path = '/products?category=l1&sort=id&order=desc&limit=1';
      await warm(solo, path);
      solo.app.get<Redis>(REDIS_CLIENT).disconnect();
      await db.query('UPDATE products SET stock = 44 WHERE id = ?', [ids[4]]);
      await new Promise((resolve) => setTimeout(resolve, GENERATION_MAX_AGE_MS + 50));
      const errorsBefore = await lookups(solo, 'error', 'redis');
      const res = await list(solo, path);
      expect(res.status).toBe(200);
      expect(res.cache).toBe('miss');
      expect(res.data[0]).toMatchObject({ id: ids[4], stock: 44 });
      expect(await lookups(solo, 'error', 'redis')).toBe(errorsBefore + 1);
    } finally {
      await solo.close();
    }
  });

  it('serves from MySQL when Redis is unreachable from the start', async () => {
    const solo = await createTestApp({ env: { REDIS_URL: 'redis://127.0.0.1:1/0' } });
    try {
      const path = '/products?category=l1&sort=id&order=asc&limit=1';
      for (let i = 0; i < 3; i += 1) {
        const res = await list(solo, path);
        expect(res.status).toBe(200);
        expect(res.cache).toBe('miss');
        expect(res.data[0].id).toBe(ids[0]);
      }
    } finally {
      await solo.close();
    }
  });
});
