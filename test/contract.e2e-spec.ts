import type { Connection } from 'mysql2/promise';
import { randomBytes } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { generateWebhookSecret, PartnerSim, signWebhook, startPartnerSim } from './partner-sim';
import {
  Answer,
  call,
  CallOptions,
  errorFields,
  eventually,
  expectProblem,
  MONEY,
  RFC3339_UTC_MS,
} from './support/contract-http';
import { freePort, spawnService, SpawnedService } from './support/spawn-service';
import { connectTestDb, createTestEnv, TestEnv } from './support/test-env';

/**
 * The service as docs/api.md and openapi.json describe it, seen from outside only: the built service runs
 * as a child process (as `npm start` runs it) against the real MariaDB and Redis, with the
 * partner simulator in-process. One instance; the multi-instance statements live in
 * contract-multi-instance.e2e-spec.ts, start-up configuration in contract-config.
 */

const WEBHOOK_SECRET = generateWebhookSecret();
const PRODUCT_KEYS = [
  'category',
  'created_at',
  'description',
  'id',
  'name',
  'price',
  'producer_id',
  'sku',
  'stock',
  'updated_at',
];
const CATEGORIES = ['fruits', 'veg', 'dairy', 'grains'];
const PRICES = ['0.00', '10.00', '12.50', '99.99', '129.50'];
const NAMES = ['Apple', 'apple pie', 'Banana', 'Mango', 'mango lassi', 'Zucchini', 'Ärtsoppa'];
const CREATED = [
  '2026-01-01 00:00:00.000',
  '2026-01-01 00:00:00.000',
  '2026-02-03 04:05:06.789',
  '2026-03-01 12:00:00.001',
];
const FIXTURES = 160;

type Row = Record<string, unknown>;

describe('black-box API behaviour (one instance)', () => {
  let env: TestEnv;
  let sim: PartnerSim;
  let service: SpawnedService;
  let db: Connection;
  let base: string;
  let writer: string;

  const get = (path: string, options: CallOptions = {}): Promise<Answer> =>
    call(base, path, options);
  const send = (method: string, path: string, options: CallOptions = {}): Promise<Answer> =>
    call(base, path, { ...options, method });

  async function sqlIds(where: string, params: unknown[], orderBy: string): Promise<number[]> {
    const [rows] = await db.query(
      `SELECT id FROM products ${where ? `WHERE ${where}` : ''} ORDER BY ${orderBy}`,
      params,
    );
    return (rows as Row[]).map((r) => Number(r.id));
  }

  /** Follows next_cursor from the first page to null; checks each page's shape on the way. */
  async function walk(query: Record<string, string>): Promise<number[]> {
    const ids: number[] = [];
    let cursor: string | null = null;
    for (let page = 0; page < 500; page++) {
      const qs = new URLSearchParams(cursor ? { ...query, cursor } : query);
      const res = await get(`/products?${qs.toString()}`);
      expect(res.status).toBe(200);
      const { data, page: meta } = res.body as { data: Row[]; page: Row };
      expect(meta.limit).toBe(Number(query.limit ?? 20));
      expect(data.length).toBeLessThanOrEqual(Number(query.limit ?? 20));
      expect(meta.has_more).toBe(meta.next_cursor !== null);
      ids.push(...data.map((p) => Number(p.id)));
      cursor = meta.next_cursor as string | null;
      if (cursor === null) {
        return ids;
      }
      expect(cursor.length).toBeLessThanOrEqual(512);
    }
    throw new Error('the walk did not end');
  }

  beforeAll(async () => {
    sim = await startPartnerSim({ port: 0 });
    const port = await freePort();
    env = createTestEnv({
      ...sim.serviceEnv(),
      PUBLIC_BASE_URL: `http://127.0.0.1:${port}`,
      WEBHOOK_SECRET,
      TRUSTED_PROXIES: '127.0.0.1',
    });
    service = await spawnService(env.vars, { port });
    base = service.url;
    db = await connectTestDb(env.dbName);
    const values: unknown[][] = [];
    for (let i = 0; i < FIXTURES; i++) {
      values.push([
        `FIX-${String(i).padStart(5, '0')}`,
        NAMES[(i * 5) % NAMES.length],
        i % 5 === 0 ? null : `Fixture ${i}`,
        CATEGORIES[i % CATEGORIES.length],
        PRICES[(i * 3) % PRICES.length],
        i % 4 === 1 ? 0 : (i % 9) + 1,
        CREATED[i % CREATED.length],
        CREATED[i % CREATED.length],
      ]);
    }
    await db.query(
      'INSERT INTO products (sku, name, description, category, price, stock, created_at, updated_at) VALUES ?',
      [values],
    );
    writer = await sim.issueJwt({ scope: 'products:write', sub: 'contract-writer' });
  });

  afterAll(async () => {
    await db?.end();
    await service?.stop();
    await sim?.stop();
    await env?.cleanup();
  });

  describe('conventions', () => {
    it('echoes x-request-id when given and generates one otherwise, on successes and errors', async () => {
      for (const path of ['/products?limit=1', '/products/0', '/no/such/route', '/health/live']) {
        const echoed = await get(path, { headers: { 'x-request-id': 'contract-req-1' } });
        expect(echoed.headers.get('x-request-id')).toBe('contract-req-1');
        const a = await get(path);
        const b = await get(path);
        expect(a.headers.get('x-request-id')).toMatch(/\S/);
        expect(a.headers.get('x-request-id')).not.toBe(b.headers.get('x-request-id'));
      }
    });

    it('renders a product in snake_case with UTC RFC 3339 timestamps and money as strings', async () => {
      const res = await get('/products/1');
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toMatch(/^application\/json/);
      expect(Object.keys(res.body as Row).sort()).toEqual(PRODUCT_KEYS);
      expect(res.body).toEqual({
        id: 1,
        sku: 'FIX-00000',
        name: NAMES[0],
        description: null,
        category: 'fruits',
        price: '0.00',
        stock: 1,
        producer_id: null,
        created_at: '2026-01-01T00:00:00.000Z',
        updated_at: '2026-01-01T00:00:00.000Z',
      });
      const [rows] = await db.query('SELECT * FROM products WHERE id = 3');
      const row = (rows as Row[])[0];
      const three = await get('/products/3');
      expect(three.body).toMatchObject({
        id: 3,
        price: String(row.price),
        created_at: '2026-02-03T04:05:06.789Z',
        description: 'Fixture 2',
      });
    });

    it('answers an unknown route with a 404 problem', async () => {
      const res = await get('/no/such/route');
      expectProblem(res, 404, { errors: 'absent' });
      expect(res.body.instance).toBe('/no/such/route');
    });

    it.each([
      '/products?limit=5&unknown=1',
      '/products/1?expand=all',
      '/auth/token/status?verbose=true',
      '/external/items/1?fresh=1',
    ])('rejects unknown query parameters: %s', async (path) => {
      const res = await get(path);
      expectProblem(res, 400, { errors: 'required' });
    });

    it.each(['/health/live?_=1733380000', '/health/ready?x=1', '/metrics?cachebust=1'])(
      'lets probes and the scraper ignore their query string: %s',
      async (path) => {
        const res = await get(path);
        expect(res.status).toBe(200);
      },
    );

    it('rejects unknown fields in the bodies of our write endpoints', async () => {
      const post = await send('POST', '/products', {
        token: writer,
        body: { sku: 'UNK-1', name: 'n', category: 'c', price: '1.00', stock: 1, colour: 'red' },
      });
      expectProblem(post, 400, { errors: 'required' });
      expect(errorFields(post)).toEqual(['colour']);
      const patch = await send('PATCH', '/products/1', { token: writer, body: { colour: 'red' } });
      expectProblem(patch, 400, { errors: 'required' });
      expect(errorFields(patch)).toEqual(['colour']);
      const subscriber = await sim.issueJwt({ scope: 'subscriptions:manage' });
      const sub = await send('POST', '/external/subscriptions', {
        token: subscriber,
        body: { url: 'http://elsewhere.example/hook' },
      });
      expectProblem(sub, 400, { errors: 'required' });
      expect(errorFields(sub)).toEqual(['url']);
    });

    it('answers malformed JSON with a 400 problem', async () => {
      const res = await send('POST', '/products', { token: writer, body: '{"sku": ' });
      expectProblem(res, 400);
    });
  });

  describe('GET /products', () => {
    it('defaults to 20 per page, newest first (created_at desc, id desc)', async () => {
      const res = await get('/products');
      expect(res.status).toBe(200);
      expect(Object.keys(res.body as Row).sort()).toEqual(['data', 'page']);
      expect(Object.keys(res.body.page as Row).sort()).toEqual([
        'has_more',
        'limit',
        'next_cursor',
      ]);
      expect(res.body.page).toMatchObject({ limit: 20, has_more: true });
      expect(typeof res.body.page.next_cursor).toBe('string');
      const expected = (await sqlIds('', [], 'created_at DESC, id DESC')).slice(0, 20);
      expect((res.body.data as Row[]).map((p) => p.id)).toEqual(expected);
      for (const product of res.body.data as Row[]) {
        expect(Object.keys(product).sort()).toEqual(PRODUCT_KEYS);
        expect(product.price).toMatch(MONEY);
        expect(product.created_at).toMatch(RFC3339_UTC_MS);
        expect(product.updated_at).toMatch(RFC3339_UTC_MS);
      }
    });

    it.each([
      ['limit=0', 'limit'],
      ['limit=101', 'limit'],
      ['limit=abc', 'limit'],
      ['limit=2.5', 'limit'],
      ['sort=stock', 'sort'],
      ['order=up', 'order'],
      ['category=a,b,c,d,e,f,g,h,i,j,k', 'category'],
      [`category=${'x'.repeat(65)}`, 'category'],
      ['min_price=-1', 'min_price'],
      ['max_price=abc', 'max_price'],
      ['min_price=5&max_price=1', 'min_price'],
      ['in_stock=yes', 'in_stock'],
      ['q=', 'q'],
      [`q=${'a'.repeat(101)}`, 'q'],
    ])('rejects %s with a 400 validation problem naming %s', async (query, field) => {
      const res = await get(`/products?${query}`);
      expectProblem(res, 400, { errors: 'required' });
      expect(errorFields(res)).toContain(field);
    });

    it.each([
      ['limit=1', 1],
      ['limit=100', 100],
      [`category=${CATEGORIES.join(',')},b,c,d,e,f,g`, 20],
      [`category=${'x'.repeat(64)}`, 20],
      ['min_price=0&max_price=0', 20],
      ['min_price=12.5&max_price=12.5', 20],
      ['in_stock=false', 20],
      [`q=${'a'.repeat(100)}`, 20],
    ])('accepts the bound %s', async (query, limit) => {
      const res = await get(`/products?${query}`);
      expect(res.status).toBe(200);
      expect(res.body.page.limit).toBe(limit);
    });

    it.each([
      [{ sort: 'price', order: 'asc', limit: '7' }, '', [], 'price ASC, id ASC'],
      [
        { sort: 'name', order: 'desc', limit: '9', category: 'fruits,dairy', in_stock: 'true' },
        'category IN (?, ?) AND stock > 0',
        ['fruits', 'dairy'],
        'name DESC, id DESC',
      ],
      [
        { min_price: '10', max_price: '99.99', limit: '11' },
        'price BETWEEN ? AND ?',
        ['10.00', '99.99'],
        'created_at DESC, id DESC',
      ],
      [
        { sort: 'id', order: 'asc', q: 'MANGO', limit: '6' },
        'LOWER(name) LIKE ?',
        ['mango%'],
        'id ASC',
      ],
      [
        { sort: 'created_at', order: 'asc', in_stock: 'false', category: 'veg', limit: '5' },
        'category = ?',
        ['veg'],
        'created_at ASC, id ASC',
      ],
    ])(
      'a full walk of %j returns every matching row once, in SQL order',
      async (query, where, params, orderBy) => {
        const expected = await sqlIds(where, params, orderBy);
        expect(expected.length).toBeGreaterThan(Number(query.limit));
        expect(await walk(query)).toEqual(expected);
      },
    );

    it('never skips or repeats a row that exists throughout a walk with inserts and deletes', async () => {
      const query = { sort: 'price', order: 'asc', limit: '10', category: 'grains' };
      const before = await sqlIds('category = ?', ['grains'], 'price ASC, id ASC');
      const seen: number[] = [];
      let cursor: string | null = null;
      let page = 0;
      const deleted: number[] = [];
      do {
        const qs = new URLSearchParams(cursor ? { ...query, cursor } : query);
        const res = await get(`/products?${qs.toString()}`);
        expect(res.status).toBe(200);
        seen.push(...(res.body.data as Row[]).map((p) => Number(p.id)));
        cursor = res.body.page.next_cursor as string | null;
        if (page === 1) {
          for (const price of ['0.00', '12.50', '129.50']) {
            const created = await send('POST', '/products', {
              token: writer,
              body: {
                sku: `WALK-${price}`,
                name: 'Walk insert',
                category: 'grains',
                price,
                stock: 1,
              },
            });
            expect(created.status).toBe(201);
          }
          const unseen = before.filter((id) => !seen.includes(id));
          for (const id of [unseen[0], unseen[unseen.length - 1]]) {
            expect((await send('DELETE', `/products/${id}`, { token: writer })).status).toBe(204);
            deleted.push(id);
          }
        }
        page++;
      } while (cursor !== null);
      expect(new Set(seen).size).toBe(seen.length);
      const survivors = before.filter((id) => !deleted.includes(id));
      expect(seen.filter((id) => survivors.includes(id))).toEqual(survivors);
    });

    it('binds a cursor to its query and rejects malformed or tampered ones with 400', async () => {
      const first = await get('/products?sort=price&order=asc&limit=3&category=fruits');
      const cursor = first.body.page.next_cursor as string;
      const ok = await get(
        `/products?sort=price&order=asc&limit=3&category=fruits&cursor=${encodeURIComponent(cursor)}`,
      );
      expect(ok.status).toBe(200);
      for (const other of [
        'sort=name&order=asc&category=fruits',
        'sort=price&order=desc&category=fruits',
        'sort=price&order=asc&category=veg',
        'sort=price&order=asc',
        'sort=price&order=asc&category=fruits&in_stock=true',
        'sort=price&order=asc&category=fruits&q=a',
        'sort=price&order=asc&category=fruits&min_price=1',
      ]) {
        const res = await get(`/products?${other}&limit=3&cursor=${encodeURIComponent(cursor)}`);
        expectProblem(res, 400);
      }
      const middle = Math.floor(cursor.length / 3);
      const flipped = cursor[middle] === 'A' ? 'B' : 'A';
      const tampered = cursor.slice(0, middle) + flipped + cursor.slice(middle + 1);
      const forged = Buffer.from(JSON.stringify({ sort: 'price', id: 1 })).toString('base64url');
      for (const bad of [
        tampered,
        `${cursor}x`,
        forged,
        'not-a-cursor',
        '%00%01',
        'eyJ9.eyJ9',
        'a'.repeat(513),
      ]) {
        const res = await get(
          `/products?sort=price&order=asc&limit=3&category=fruits&cursor=${encodeURIComponent(bad)}`,
        );
        expectProblem(res, 400);
      }
    });

    it('sends an ETag that a matching If-None-Match turns into a 304', async () => {
      const first = await get('/products?limit=4&sort=name');
      const etag = first.headers.get('etag');
      expect(etag).toBeTruthy();
      const again = await get('/products?limit=4&sort=name', {
        headers: { 'if-none-match': etag! },
      });
      expect(again.status).toBe(304);
      expect(again.text).toBe('');
      expect(again.headers.get('x-request-id')).toBeTruthy();
      const other = await get('/products?limit=4&sort=name', {
        headers: { 'if-none-match': '"something-else"' },
      });
      expect(other.status).toBe(200);
    });

    it('says whether the Redis response cache served it (x-cache: miss, then hit)', async () => {
      const path = `/products?limit=3&q=${randomBytes(3).toString('hex')}`;
      expect((await get(path)).headers.get('x-cache')).toBe('miss');
      expect((await get(path)).headers.get('x-cache')).toBe('hit');
    });
  });

  describe('GET /products/:id', () => {
    it('answers 404 problem when absent and 400 when the id is not a positive integer', async () => {
      expectProblem(await get('/products/999999'), 404, { errors: 'absent' });
      for (const id of ['0', '-1', 'abc', '1.5', '1e3', '99999999999999999999999']) {
        expectProblem(await get(`/products/${id}`), 400, { errors: 'required' });
      }
    });
  });

  describe('writes: POST, PATCH, DELETE /products', () => {
    const body = {
      sku: 'VEG-900001',
      name: 'Alphonso Mango',
      category: 'fruits',
      price: '129.50',
      stock: 12,
    };

    it('answers 401 with WWW-Authenticate: Bearer, with error="invalid_token" for a bad token', async () => {
      const tokens: (string | undefined)[] = [
        'not-a-jwt',
        await sim.issueJwt({ scope: 'products:write', expiresInS: -60 }),
        await sim.issueJwt({ scope: 'products:write', notBeforeS: 600 }),
        await sim.issueJwt({ scope: 'products:write', audience: 'someone-else' }),
        await sim.issueJwt({ scope: 'products:write', issuer: 'https://evil.example' }),
        await sim.issueJwt({ scope: 'products:write', unknownKey: true }),
      ];
      for (const token of tokens) {
        for (const [method, path] of [
          ['POST', '/products'],
          ['PATCH', '/products/1'],
          ['DELETE', '/products/1'],
        ]) {
          const res = await send(method, path, {
            token,
            body: method === 'DELETE' ? undefined : body,
          });
          expectProblem(res, 401);
          expect(res.headers.get('www-authenticate')).toMatch(/^Bearer\b.*error="invalid_token"/);
        }
      }
      // No credentials, or another scheme: a bare challenge without an error code.
      const none = await send('POST', '/products', { body });
      expectProblem(none, 401);
      expect(none.headers.get('www-authenticate')).toBe('Bearer');
      const basic = await send('POST', '/products', {
        headers: { authorization: 'Basic Zm9vOmJhcg==' },
        body,
      });
      expectProblem(basic, 401);
      expect(basic.headers.get('www-authenticate')).toBe('Bearer');
    });

    it('answers 403 to a valid token without products:write', async () => {
      const reader = await sim.issueJwt({ scope: 'products:read subscriptions:manage' });
      for (const [method, path] of [
        ['POST', '/products'],
        ['PATCH', '/products/1'],
        ['DELETE', '/products/1'],
      ]) {
        expectProblem(await send(method, path, { token: reader, body }), 403);
      }
    });

    it('creates with 201 and Location, accepts ES256, and refuses a duplicate sku with 409', async () => {
      const es = await sim.issueJwt({ scope: 'products:write', alg: 'ES256' });
      const created = await send('POST', '/products', { token: es, body });
      expect(created.status).toBe(201);
      expect(created.body).toMatchObject({ ...body, description: null, id: expect.any(Number) });
      expect(created.body.created_at).toMatch(RFC3339_UTC_MS);
      const location = created.headers.get('location')!;
      expect(location).toMatch(new RegExp(`/products/${created.body.id}$`));
      const fetched = await get(new URL(location, base).pathname);
      expect(fetched.body).toEqual(created.body);
      expectProblem(await send('POST', '/products', { token: writer, body }), 409);
    });

    it('lists every invalid field of a POST', async () => {
      const res = await send('POST', '/products', {
        token: writer,
        body: { sku: '', name: 'x', category: 'fruits', price: '1.999', stock: -1 },
      });
      expectProblem(res, 400, { errors: 'required' });
      expect(errorFields(res)).toEqual(expect.arrayContaining(['sku', 'price', 'stock']));
      const missing = await send('POST', '/products', { token: writer, body: {} });
      expect(errorFields(missing)).toEqual(
        expect.arrayContaining(['sku', 'name', 'category', 'price', 'stock']),
      );
      expect(errorFields(missing)).not.toContain('description');
    });

    it('replays the first response for the same Idempotency-Key and body, 422 for another body', async () => {
      const key = `contract-${randomBytes(6).toString('hex')}`;
      const item = { ...body, sku: 'IDEM-1', description: 'once' };
      const first = await send('POST', '/products', {
        token: writer,
        body: item,
        headers: { 'idempotency-key': key },
      });
      expect(first.status).toBe(201);
      const replay = await send('POST', '/products', {
        token: writer,
        body: item,
        headers: { 'idempotency-key': key },
      });
      expect(replay.status).toBe(201);
      expect(replay.body).toEqual(first.body);
      expect(replay.headers.get('location')).toBe(first.headers.get('location'));
      const [rows] = await db.query('SELECT COUNT(*) AS n FROM products WHERE sku = ?', ['IDEM-1']);
      expect(Number((rows as Row[])[0].n)).toBe(1);
      const other = await send('POST', '/products', {
        token: writer,
        body: { ...item, stock: 99 },
        headers: { 'idempotency-key': key },
      });
      expectProblem(other, 422);
    });

    it('PATCHes any subset (200, updated product), DELETEs with 204, both 404 when absent', async () => {
      const created = await send('POST', '/products', {
        token: writer,
        body: { ...body, sku: 'PATCH-1', name: 'Patchable' },
      });
      const id = created.body.id as number;
      const patched = await send('PATCH', `/products/${id}`, {
        token: writer,
        body: { price: '7.5', description: 'now described' },
      });
      expect(patched.status).toBe(200);
      expect(patched.body).toMatchObject({
        ...created.body,
        price: '7.50',
        description: 'now described',
        updated_at: expect.stringMatching(RFC3339_UTC_MS),
      });
      const stockOnly = await send('PATCH', `/products/${id}`, {
        token: writer,
        body: { stock: 0 },
      });
      expect(stockOnly.body).toMatchObject({ stock: 0, price: '7.50', name: 'Patchable' });
      expectProblem(
        await send('PATCH', `/products/${id}`, { token: writer, body: { sku: 'VEG-900001' } }),
        409,
      );
      expectProblem(
        await send('PATCH', '/products/999999', { token: writer, body: { stock: 1 } }),
        404,
      );
      const deleted = await send('DELETE', `/products/${id}`, { token: writer });
      expect(deleted.status).toBe(204);
      expect(deleted.text).toBe('');
      expectProblem(await get(`/products/${id}`), 404);
      expectProblem(await send('DELETE', `/products/${id}`, { token: writer }), 404);
      expectProblem(
        await send('PATCH', `/products/${id}`, { token: writer, body: { stock: 1 } }),
        404,
      );
    });

    it('makes every write visible in (cached) listings within 1 s', async () => {
      const path = '/products?q=Visible&sort=id&order=asc';
      expect((await get(path)).body.data).toEqual([]);
      expect((await get(path)).headers.get('x-cache')).toBe('hit');
      const created = await send('POST', '/products', {
        token: writer,
        body: { ...body, sku: 'VIS-1', name: 'Visible thing' },
      });
      const id = created.body.id as number;
      await eventually(async () => {
        expect(((await get(path)).body.data as Row[]).map((p) => p.id)).toEqual([id]);
      }, 1_000);
      await send('PATCH', `/products/${id}`, { token: writer, body: { stock: 42 } });
      await eventually(async () => {
        expect((await get(path)).body.data[0].stock).toBe(42);
      }, 1_000);
      await send('DELETE', `/products/${id}`, { token: writer });
      await eventually(async () => {
        expect((await get(path)).body.data).toEqual([]);
      }, 1_000);
    });
  });

  describe('partner API: token status, GET /external/items/:id, subscriptions', () => {
    it('reports the outbound token as not cached before any partner call', async () => {
      const res = await get('/auth/token/status');
      expect(res.status).toBe(200);
      expect(res.body).toEqual({ cached: false, expires_in: null, fetched_at: null });
    });

    it('returns a live partner item without a token, then reports the cached token', async () => {
      const res = await get('/external/items/1');
      expect(res.status).toBe(200);
      expect(res.body).toEqual({
        item: {
          id: expect.anything(),
          name: expect.any(String),
          price: expect.any(String),
          available_qty: expect.any(Number),
          updated_at: expect.any(String),
        },
        source: 'live',
      });
      const status = await get('/auth/token/status');
      expect(Object.keys(status.body as Row).sort()).toEqual([
        'cached',
        'expires_in',
        'fetched_at',
      ]);
      expect(status.body.cached).toBe(true);
      expect(Number.isInteger(status.body.expires_in)).toBe(true);
      expect(status.body.expires_in).toBeGreaterThan(0);
      expect(status.body.expires_in).toBeLessThanOrEqual(3600);
      expect(status.body.fetched_at).toMatch(RFC3339_UTC_MS);
      expect(status.text).not.toMatch(/access_token|Bearer/);
    });

    it('answers a partner 404 with a 404 problem, without retrying', async () => {
      sim.setFault({ itemId: 'gone-1', mode: 'not_found' });
      sim.resetCounters();
      expectProblem(await get('/external/items/gone-1'), 404);
      expect(sim.counters.itemAttempts('gone-1')).toBe(1);
    });

    it('serves the last good copy as stale when the partner fails, else 503 with Retry-After', async () => {
      const live = await get('/external/items/2');
      expect(live.body.source).toBe('live');
      sim.setFault({ mode: 'error_rate', rate: 1, status: 503 });
      try {
        const stale = await get('/external/items/2');
        expect(stale.status).toBe(200);
        expect(stale.body).toEqual({ item: live.body.item, source: 'stale' });
        const none = await get('/external/items/never-fetched');
        expectProblem(none, 503);
        expect(Number(none.headers.get('retry-after'))).toBeGreaterThan(0);
      } finally {
        sim.clearFaults();
      }
    });

    it('guards subscriptions with 401/403 and registers once however often it is asked', async () => {
      const none = await send('POST', '/external/subscriptions');
      expectProblem(none, 401);
      expect(none.headers.get('www-authenticate')).toBe('Bearer');
      expectProblem(await get('/external/subscriptions', { token: 'bad' }), 401);
      const wrongScope = await sim.issueJwt({ scope: 'products:write' });
      expectProblem(await send('POST', '/external/subscriptions', { token: wrongScope }), 403);
      expectProblem(await get('/external/subscriptions', { token: wrongScope }), 403);

      const manager = await sim.issueJwt({ scope: 'subscriptions:manage' });
      const first = await send('POST', '/external/subscriptions', { token: manager });
      const second = await send('POST', '/external/subscriptions', { token: manager });
      expect([200, 201]).toContain(first.status);
      expect([200, 201]).toContain(second.status);
      expect(second.body.id).toBe(first.body.id);
      const atPartner = sim.subscriptions();
      expect(atPartner).toHaveLength(1);
      expect(atPartner[0].url).toBe(`${base}/webhooks/partner`);
      expect([...atPartner[0].events].sort()).toEqual(['inventory.updated', 'price.updated']);
      const list = await get('/external/subscriptions', { token: manager });
      expect(list.status).toBe(200);
      expect(list.body.data).toHaveLength(1);
      expect(list.text).not.toContain(atPartner[0].secret);
      expect(list.text).not.toMatch(/secret|whsec_/);
    });
  });

  describe('POST /webhooks/partner', () => {
    let productId: number;
    const sku = 'HOOK-1';

    const deliver = (
      payload: string,
      options: { id?: string; timestamp?: number; secret?: string; signature?: string } = {},
    ): Promise<Answer> => {
      const id = options.id ?? `msg_${randomBytes(6).toString('hex')}`;
      const timestamp = options.timestamp ?? Math.floor(Date.now() / 1000);
      const signature =
        options.signature ?? signWebhook(options.secret ?? WEBHOOK_SECRET, id, timestamp, payload);
      return send('POST', '/webhooks/partner', {
        ip: null,
        body: payload,
        headers: {
          'webhook-id': id,
          'webhook-timestamp': String(timestamp),
          'webhook-signature': signature,
        },
      });
    };

    beforeAll(async () => {
      const created = await send('POST', '/products', {
        token: writer,
        body: { sku, name: 'Hooked product', category: 'hooks', price: '5.00', stock: 1 },
      });
      productId = created.body.id as number;
    });

    it('answers 401 to a missing, wrong or stale signature', async () => {
      const payload = JSON.stringify({ type: 'inventory.updated', data: { sku, stock: 2 } });
      expectProblem(await send('POST', '/webhooks/partner', { ip: null, body: payload }), 401);
      expectProblem(await deliver(payload, { secret: generateWebhookSecret() }), 401);
      expectProblem(await deliver(payload, { signature: 'v1,AAAA' }), 401);
      const now = Math.floor(Date.now() / 1000);
      expectProblem(await deliver(payload, { timestamp: now - 301 }), 401);
      expectProblem(await deliver(payload, { timestamp: now + 301 }), 401);
      expect((await get(`/products/${productId}`)).body.stock).toBe(1);
    });

    it('answers 413 over 256 KiB and 400 to malformed JSON', async () => {
      const big = JSON.stringify({ type: 'x', data: { pad: 'a'.repeat(256 * 1024) } });
      const tooBig = await deliver(big);
      expectProblem(tooBig, 413);
      expectProblem(await deliver('{"type": "inventory.updated", '), 400);
    });

    it('processes once, answers duplicates, accepts several signatures and extra fields', async () => {
      const id = `msg_${randomBytes(6).toString('hex')}`;
      const payload = JSON.stringify({
        type: 'inventory.updated',
        timestamp: new Date().toISOString(),
        data: { sku, stock: 17, warehouse: 'north' },
        extra: true,
      });
      const timestamp = Math.floor(Date.now() / 1000);
      const signature = `v1,AAAA ${signWebhook(WEBHOOK_SECRET, id, timestamp, payload)}`;
      const first = await deliver(payload, { id, timestamp, signature });
      expect(first.status).toBe(200);
      expect(first.body).toEqual({ status: 'processed' });
      const again = await deliver(payload, { id });
      expect(again.status).toBe(200);
      expect(again.body).toEqual({ status: 'duplicate' });
      const [rows] = await db.query('SELECT status FROM webhook_events WHERE event_id = ?', [id]);
      expect(rows).toEqual([{ status: 'processed' }]);
      await eventually(async () => {
        const listed = await get(`/products?category=hooks`);
        expect(listed.body.data[0]).toMatchObject({ id: productId, stock: 17 });
      }, 1_000);
    });

    it('applies price.updated from the partner (subscription secret) and shows it within 1 s', async () => {
      const listing = '/products?category=hooks&sort=price';
      await get(listing);
      const [delivery] = await sim.emit({ type: 'price.updated', data: { sku, price: '6.75' } });
      expect(delivery.status).toBe(200);
      expect(JSON.parse(delivery.body)).toEqual({ status: 'processed' });
      await eventually(async () => {
        expect((await get(listing)).body.data[0]).toMatchObject({ id: productId, price: '6.75' });
      }, 1_000);
    });

    it('stores and ignores an unknown sku or event type', async () => {
      const unknownSku = await deliver(
        JSON.stringify({ type: 'inventory.updated', data: { sku: 'NO-SUCH-SKU', stock: 3 } }),
      );
      expect(unknownSku.status).toBe(200);
      expect(unknownSku.body).toEqual({ status: 'ignored' });
      const id = `msg_${randomBytes(6).toString('hex')}`;
      const unknownType = await deliver(
        JSON.stringify({ type: 'catalog.rebuilt', data: { anything: 1 } }),
        { id },
      );
      expect(unknownType.status).toBe(200);
      expect(unknownType.body).toEqual({ status: 'ignored' });
      const [rows] = await db.query('SELECT COUNT(*) AS n FROM webhook_events WHERE event_id = ?', [
        id,
      ]);
      expect(Number((rows as Row[])[0].n)).toBe(1);
    });
  });

  describe('rate limiting', () => {
    it('sends RateLimit-* on every limited response and a 429 problem with Retry-After past the limit', async () => {
      const ip = '10.200.0.1';
      const answers: Answer[] = [];
      for (let batch = 0; batch < 5; batch++) {
        answers.push(
          ...(await Promise.all(
            Array.from({ length: 20 }, () => get('/auth/token/status', { ip })),
          )),
        );
      }
      for (const res of answers) {
        expect(res.status).toBe(200);
        expect(res.headers.get('ratelimit-limit')).toBe('100');
        const reset = Number(res.headers.get('ratelimit-reset'));
        expect(reset).toBeGreaterThanOrEqual(0);
        expect(reset).toBeLessThanOrEqual(10);
      }
      const remaining = answers.map((r) => Number(r.headers.get('ratelimit-remaining')));
      expect([...remaining].sort((a, b) => a - b)).toEqual(
        Array.from({ length: 100 }, (_, i) => i),
      );
      for (const path of ['/auth/token/status', '/products?limit=1', '/products/1']) {
        const limited = await get(path, { ip });
        expectProblem(limited, 429);
        expect(limited.headers.get('ratelimit-limit')).toBe('100');
        expect(limited.headers.get('ratelimit-remaining')).toBe('0');
        expect(Number(limited.headers.get('retry-after'))).toBeGreaterThan(0);
        expect(Number(limited.headers.get('ratelimit-reset'))).toBeGreaterThan(0);
      }
      for (const path of ['/health/live', '/health/ready', '/metrics']) {
        const exempt = await get(path, { ip });
        expect(exempt.status).toBe(200);
        expect(exempt.headers.get('ratelimit-limit')).toBeNull();
      }
    });

    it('carries RateLimit-* on error answers of limited routes too', async () => {
      for (const res of [
        await get('/products?limit=0'),
        await get('/products/999999'),
        await send('POST', '/products', { body: {} }),
        await send('POST', '/webhooks/partner', { body: {} }),
      ]) {
        expect(res.status).toBeGreaterThanOrEqual(400);
        expect(res.headers.get('ratelimit-limit')).toMatch(/^\d+$/);
        expect(res.headers.get('ratelimit-remaining')).toMatch(/^\d+$/);
        expect(res.headers.get('ratelimit-reset')).toMatch(/^\d+$/);
      }
    });
  });

  describe('operations', () => {
    it('GET /health/live and /health/ready answer 200', async () => {
      expect((await get('/health/live')).status).toBe(200);
      expect((await get('/health/ready')).status).toBe(200);
    });

    it('GET /metrics exposes the documented metrics as Prometheus text', async () => {
      const res = await get('/metrics');
      expect(res.headers.get('content-type')).toMatch(/^text\/plain/);
      const text = res.text;
      expect(text).toMatch(/^# TYPE \S*duration\S* histogram$/m);
      expect(text).toMatch(/_bucket\{[^}]*route="\/products"[^}]*status(_code)?="200"[^}]*\}/);
      expect(text).toMatch(/_bucket\{[^}]*route="\/products\/:id"[^}]*status(_code)?="404"[^}]*\}/);
      expect(text).toMatch(/^\S*cache\S*\{[^}]*"hit"[^}]*\} [1-9]/m);
      expect(text).toMatch(/^\S*cache\S*\{[^}]*"miss"[^}]*\} [1-9]/m);
      expect(text).toMatch(/^\S*circuit\S*state\S*(\{[^}]*\})? \d/m);
      expect(text).toMatch(/^\S*token\S*fetch\S*(\{[^}]*\})? [1-9]/m);
      for (const outcome of ['processed', 'duplicate', 'ignored']) {
        expect(text).toMatch(new RegExp(`^\\S*webhook\\S*\\{[^}]*"${outcome}"[^}]*\\} [1-9]`, 'm'));
      }
    });

    it('GET /docs serves Swagger UI and /docs-json an OpenAPI 3 document of every endpoint', async () => {
      const ui = await get('/docs');
      expect(ui.status).toBe(200);
      expect(ui.headers.get('content-type')).toMatch(/text\/html/);
      const doc = await get('/docs-json');
      expect(doc.status).toBe(200);
      expect(doc.body.openapi).toMatch(/^3\./);
      const paths = doc.body.paths as Record<string, Record<string, Row>>;
      const operations = Object.entries(paths).flatMap(([path, ops]) =>
        Object.keys(ops).map((method) => `${method.toUpperCase()} ${path}`),
      );
      expect(operations).toEqual(
        expect.arrayContaining([
          'GET /products',
          'POST /products',
          'GET /products/{id}',
          'PATCH /products/{id}',
          'DELETE /products/{id}',
          'GET /auth/token/status',
          'GET /external/items/{id}',
          'POST /external/subscriptions',
          'GET /external/subscriptions',
          'POST /webhooks/partner',
          'GET /health/live',
          'GET /health/ready',
          'GET /metrics',
        ]),
      );
      const params = (paths['/products'].get.parameters as Row[]).map((p) => p.name);
      expect(params).toEqual(
        expect.arrayContaining([
          'limit',
          'cursor',
          'sort',
          'order',
          'category',
          'min_price',
          'max_price',
          'in_stock',
          'q',
        ]),
      );
      expect(Object.keys(paths['/products'].post.responses as Row)).toEqual(
        expect.arrayContaining(['201', '400', '401', '403', '409', '422']),
      );
    });

    it('on SIGTERM turns readiness 503, finishes requests in flight and exits 0 within 10 s', async () => {
      sim.setFault({ itemId: 'slow-1', mode: 'latency', latencyMs: 1_500 });
      const inFlight = get('/external/items/slow-1');
      await sleep(300);
      const exited = service.stop('SIGTERM');
      await sleep(200);
      const ready = await get('/health/ready');
      expectProblem(ready, 503, { members: 'listed' });
      const finished = await inFlight;
      expect(finished.status).toBe(200);
      expect(finished.body.source).toBe('live');
      const code = await Promise.race([exited, sleep(10_000).then(() => 'still running')]);
      expect(code).toBe(0);
    });
  });
});
