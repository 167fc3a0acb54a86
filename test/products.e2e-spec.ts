import type { Connection } from 'mysql2/promise';
import Redis from 'ioredis';
import { CursorCodec } from '../src/common/pagination/cursor';
import { REDIS_CLIENT } from '../src/common/redis/redis.constants';
import { ProductsRepository } from '../src/products/products.repository';
import { ProductsService } from '../src/products/products.service';
import { buildTiedProducts, createProduct, insertProducts } from './factories/product.factory';
import { createTestApp, TestApp } from './support/create-test-app';
import { connectTestDb, createTestEnv, TestEnv } from './support/test-env';

type Filters = Record<string, string>;
const SORTS = ['created_at', 'price', 'name', 'id'] as const;
const ORDERS = ['asc', 'desc'] as const;
const FILTER_SETS: Filters[] = [
  {},
  { category: 'fruits' },
  { category: 'fruits,Bakery,dairy' },
  { min_price: '3', max_price: '9.5' },
  { in_stock: 'true' },
  { q: 'app' },
  { q: '50%' },
  { q: 'a_' },
  { q: "chef's" },
  { category: "vegetables,o'reilly", in_stock: 'true', min_price: '2' },
];
const ROW_COUNT = 420;

function url(params: Filters): string {
  const search = new URLSearchParams(params).toString();
  return search ? `/products?${search}` : '/products';
}

/** The expected order, written independently of the service's SQL builder. */
async function expectedIds(db: Connection, sort: string, order: string, f: Filters) {
  const where: string[] = ['1 = 1'];
  const params: unknown[] = [];
  if (f.category) {
    where.push(
      `category IN (${f.category
        .split(',')
        .map(() => '?')
        .join(',')})`,
    );
    params.push(...f.category.split(','));
  }
  if (f.min_price) {
    where.push('price >= ?');
    params.push(Number(f.min_price));
  }
  if (f.max_price) {
    where.push('price <= ?');
    params.push(Number(f.max_price));
  }
  if (f.in_stock === 'true') {
    where.push('stock > 0');
  }
  if (f.q) {
    where.push(
      "name LIKE CONCAT(REPLACE(REPLACE(REPLACE(?, '\\\\', '\\\\\\\\'), '%', '\\\\%'), '_', '\\\\_'), '%')",
    );
    params.push(f.q);
  }
  const orderBy = sort === 'id' ? `id ${order}` : `${sort} ${order}, id ${order}`;
  const [rows] = await db.query(
    `SELECT id FROM products WHERE ${where.join(' AND ')} ORDER BY ${orderBy}`,
    params,
  );
  return (rows as { id: number }[]).map((r) => Number(r.id));
}

async function walk(test: TestApp, params: Filters, onPage?: (n: number) => Promise<void>) {
  const ids: number[] = [];
  let cursor: string | null = null;
  for (let page = 0; page < 1000; page += 1) {
    const res: { statusCode: number; json(): unknown } = await test.app.inject({
      method: 'GET',
      url: url(cursor ? { ...params, cursor } : params),
    });
    expect(res.statusCode).toBe(200);
    const body = res.json() as {
      data: { id: number }[];
      page: { next_cursor: string | null; has_more: boolean };
    };
    ids.push(...body.data.map((p) => p.id));
    expect(body.page.has_more).toBe(body.page.next_cursor !== null);
    cursor = body.page.next_cursor;
    if (onPage) {
      await onPage(page);
    }
    if (!cursor) {
      return ids;
    }
  }
  throw new Error('walk did not end');
}

describe('GET /products', () => {
  let env: TestEnv;
  let test: TestApp;
  let db: Connection;

  beforeAll(async () => {
    env = createTestEnv({ RATE_LIMIT_LIMIT: '1000000' });
    test = await createTestApp();
    db = await connectTestDb(env.dbName);
    await insertProducts(db, buildTiedProducts(ROW_COUNT));
  });

  afterAll(async () => {
    await db?.end();
    await test?.close();
    await env.cleanup();
  });

  it('answers a page in the documented shape', async () => {
    const res = await test.app.inject({
      method: 'GET',
      url: '/products?limit=2&sort=id&order=asc',
    });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toMatch(/^application\/json/);
    const body = res.json();
    expect(body.page).toEqual({ limit: 2, next_cursor: expect.any(String), has_more: true });
    expect(body.data[0]).toEqual({
      id: 1,
      sku: expect.any(String),
      name: 'apple 0',
      description: null,
      category: 'fruits',
      price: '0.00',
      stock: 0,
      producer_id: null,
      created_at: '2025-03-01T10:00:00.000Z',
      updated_at: '2025-03-01T10:00:00.000Z',
    });
  });

  describe.each(SORTS)('sorted by %s', (sort) => {
    it.each(ORDERS.flatMap((order) => FILTER_SETS.map((f) => [order, f] as const)))(
      '%s with %j returns every row once in SQL order',
      async (order, filters) => {
        const params = { ...filters, sort, order, limit: '37' };
        const [actual, expected] = await Promise.all([
          walk(test, params),
          expectedIds(db, sort, order, filters),
        ]);
        expect(actual).toEqual(expected);
      },
    );
  });

  it('walks a 1-row page size and a 100-row page size alike', async () => {
    const expected = await expectedIds(db, 'price', 'desc', { category: 'spices' });
    expect(await walk(test, { sort: 'price', category: 'spices', limit: '1' })).toEqual(expected);
    expect(await walk(test, { sort: 'price', category: 'spices', limit: '100' })).toEqual(expected);
  });

  it('neither skips nor repeats rows that exist throughout a walk with inserts and deletes', async () => {
    const category = 'walk-under-writes';
    const ids = await insertProducts(
      db,
      buildTiedProducts(120).map((p) => ({ ...p, category })),
    );
    const deleted = new Set<number>();
    const service = test.app.get(ProductsService);
    const seen = await walk(
      test,
      { category, sort: 'price', order: 'asc', limit: '10' },
      async (page) => {
        const victims = [ids[page * 7], ids[119 - page * 3]];
        for (const id of victims) {
          deleted.add(id);
        }
        await db.query('DELETE FROM products WHERE id IN (?)', [victims]);
        await createProduct(db, { category, price: `${page % 13}.00` });
        await createProduct(db, { category, price: `${12 - (page % 13)}.50` });
        await service.invalidateListings();
      },
    );
    expect(new Set(seen).size).toBe(seen.length);
    const stable = ids.filter((id) => !deleted.has(id));
    const seenSet = new Set(seen);
    expect(stable.filter((id) => !seenSet.has(id))).toEqual([]);
  });

  describe('cursor binding', () => {
    let cursor: string;
    beforeAll(async () => {
      const res = await test.app.inject({
        method: 'GET',
        url: '/products?sort=price&order=asc&category=fruits&limit=5',
      });
      cursor = res.json().page.next_cursor;
    });

    it.each([
      ['another sort', 'sort=name&order=asc&category=fruits'],
      ['another order', 'sort=price&order=desc&category=fruits'],
      ['another category', 'sort=price&order=asc&category=dairy'],
      ['an added filter', 'sort=price&order=asc&category=fruits&in_stock=true'],
      ['a dropped filter', 'sort=price&order=asc'],
    ])('rejects the cursor with %s', async (_, query) => {
      const res = await test.app.inject({
        method: 'GET',
        url: `/products?${query}&cursor=${encodeURIComponent(cursor)}`,
      });
      expect(res.statusCode).toBe(400);
      expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
      expect(res.json().type).toBe('https://farmlokal.example/problems/invalid-cursor');
      expect(res.json().errors).toEqual([{ field: 'cursor', message: expect.any(String) }]);
    });

    it('accepts the cursor with another limit', async () => {
      const res = await test.app.inject({
        method: 'GET',
        url: `/products?sort=price&order=asc&category=fruits&limit=7&cursor=${cursor}`,
      });
      expect(res.statusCode).toBe(200);
    });

    it.each([
      ['tampered', () => cursor.slice(0, 10) + (cursor[10] === 'A' ? 'B' : 'A') + cursor.slice(11)],
      ['garbage', () => 'not-a-cursor'],
      ['over-long', () => 'a'.repeat(513)],
      ['quotes', () => `'" OR 1=1 --`],
      [
        'signed with another key',
        () =>
          new CursorCodec('some-other-signing-key').encode(cursor.split('.')[0], {
            key: '1.00',
            id: '1',
          }),
      ],
    ])('rejects a %s cursor with 400', async (_, make) => {
      const res = await test.app.inject({
        method: 'GET',
        url: `/products?sort=price&order=asc&category=fruits&cursor=${encodeURIComponent(make())}`,
      });
      expect(res.statusCode).toBe(400);
      expect(res.json().type).toBe('https://farmlokal.example/problems/invalid-cursor');
    });
  });

  it.each([
    ['limit=0', 'limit'],
    ['limit=101', 'limit'],
    ['limit=abc', 'limit'],
    ['sort=stock', 'sort'],
    ['order=sideways', 'order'],
    ['min_price=10&max_price=5', 'min_price'],
    ['min_price=-1', 'min_price'],
    ['max_price=1e3', 'max_price'],
    [`q=${'x'.repeat(101)}`, 'q'],
    ['q=', 'q'],
    ['in_stock=1', 'in_stock'],
    [`category=${'c'.repeat(65)}`, 'category'],
    ['category=a,b,c,d,e,f,g,h,i,j,k', 'category'],
    ["min_price=1'%20OR%20'1'='1", 'min_price'],
    ['limit=10%25', 'limit'],
    ['unknown=1', 'unknown'],
    ['limit=5&limit=6', 'limit'],
  ])('answers ?%s with a 400 problem naming %s', async (query, field) => {
    const res = await test.app.inject({ method: 'GET', url: `/products?${query}` });
    expect(res.statusCode).toBe(400);
    expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
    const body = res.json();
    expect(body.type).toBe('https://farmlokal.example/problems/validation-failed');
    expect(body.errors).toEqual(expect.arrayContaining([{ field, message: expect.any(String) }]));
  });

  it('treats quotes and % in filters as data, not SQL', async () => {
    const res = await test.app.inject({
      method: 'GET',
      url: `/products?${new URLSearchParams({ q: "%' OR '1'='1", category: "x' OR 1=1 --" }).toString()}`,
    });
    expect(res.statusCode).toBe(200);
    expect(res.json().data).toEqual([]);
  });

  describe('response cache', () => {
    it('misses, then hits with the same body and ETag, and answers If-None-Match with 304', async () => {
      const path = '/products?category=dairy&limit=4&sort=name';
      const first = await test.app.inject({ method: 'GET', url: path });
      const second = await test.app.inject({ method: 'GET', url: path });
      expect(first.headers['x-cache']).toBe('miss');
      expect(second.headers['x-cache']).toBe('hit');
      expect(second.body).toBe(first.body);
      expect(second.headers.etag).toBe(first.headers.etag);
      expect(first.headers.etag).toMatch(/^"[A-Za-z0-9_-]+"$/);
      const notModified = await test.app.inject({
        method: 'GET',
        url: path,
        headers: { 'if-none-match': first.headers.etag as string },
      });
      expect(notModified.statusCode).toBe(304);
      expect(notModified.body).toBe('');
      expect(notModified.headers.etag).toBe(first.headers.etag);
      const stale = await test.app.inject({
        method: 'GET',
        url: path,
        headers: { 'if-none-match': '"something-else"' },
      });
      expect(stale.statusCode).toBe(200);
    });

    it('shares entries between spellings of the same query', async () => {
      const a = await test.app.inject({
        method: 'GET',
        url: '/products?category=eggs,dairy&min_price=1',
      });
      const b = await test.app.inject({
        method: 'GET',
        url: '/products?min_price=1.00&category=dairy,eggs&limit=20&order=desc&sort=created_at',
      });
      expect(a.headers['x-cache']).toBe('miss');
      expect(b.headers['x-cache']).toBe('hit');
    });

    it('stops serving cached pages as soon as the catalog changes', async () => {
      const path = '/products?category=fresh-arrivals';
      const before = await test.app.inject({ method: 'GET', url: path });
      expect(before.json().data).toEqual([]);
      await createProduct(db, { category: 'fresh-arrivals' });
      await test.app.get(ProductsService).invalidateListings();
      const after = await test.app.inject({ method: 'GET', url: path });
      expect(after.headers['x-cache']).toBe('miss');
      expect(after.json().data).toHaveLength(1);
    });

    it('stores the body under the service prefix with a TTL', async () => {
      const redis = new Redis(env.vars.REDIS_URL);
      try {
        const keys = await redis.keys(`${env.redisPrefix}{products:list}:page:*`);
        expect(keys.length).toBeGreaterThan(0);
        const ttl = await redis.pttl(keys[0]);
        expect(ttl).toBeGreaterThan(0);
        expect(ttl).toBeLessThanOrEqual(66_000);
      } finally {
        redis.disconnect();
      }
    });
  });
});

describe('GET /products under concurrency and without Redis', () => {
  let env: TestEnv;
  let a: TestApp;
  let b: TestApp;
  let db: Connection;

  beforeAll(async () => {
    env = createTestEnv({ RATE_LIMIT_LIMIT: '1000000' });
    a = await createTestApp();
    b = await createTestApp();
    db = await connectTestDb(env.dbName);
    await insertProducts(db, buildTiedProducts(60));
  });

  afterAll(async () => {
    await db?.end();
    await a?.close();
    await b?.close();
    await env.cleanup();
  });

  it('coalesces 500 concurrent cold requests into one query per instance', async () => {
    const repoA = a.app.get(ProductsRepository);
    const repoB = b.app.get(ProductsRepository);
    const beforeA = repoA.pageQueries;
    const beforeB = repoB.pageQueries;
    const path = '/products?sort=price&order=asc&limit=13&in_stock=true';
    const responses = await Promise.all(
      Array.from({ length: 500 }, (_, i) =>
        (i % 2 === 0 ? a : b).app.inject({ method: 'GET', url: path }),
      ),
    );
    expect(responses.every((r) => r.statusCode === 200)).toBe(true);
    expect(new Set(responses.map((r) => r.body)).size).toBe(1);
    expect(repoA.pageQueries - beforeA).toBe(1);
    expect(repoB.pageQueries - beforeB).toBe(1);
  });

  it('serves listings from MySQL when Redis is unreachable', async () => {
    const solo = await createTestApp();
    try {
      const redis = solo.app.get<Redis>(REDIS_CLIENT);
      redis.disconnect();
      const res = await solo.app.inject({ method: 'GET', url: '/products?limit=3&sort=id' });
      expect(res.statusCode).toBe(200);
      expect(res.headers['x-cache']).toBe('miss');
      expect(res.json<{ data: { id: number }[] }>().data.map((p) => p.id)).toEqual([60, 59, 58]);
    } finally {
      await solo.close();
    }
  });
});
