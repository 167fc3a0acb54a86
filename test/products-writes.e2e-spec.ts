import type { Connection } from 'mysql2/promise';
import { DataSource } from 'typeorm';
import { ProductsService } from '../src/products/products.service';
import { createProduct } from './factories/product.factory';
import { PartnerSim, startPartnerSim } from './partner-sim';
import { createTestApp, TestApp } from './support/create-test-app';
import { connectTestDb, createTestEnv, TestEnv } from './support/test-env';

const validBody = (sku: string) => ({
  sku,
  name: 'Alphonso Mango',
  description: 'Sweet',
  category: 'fruits',
  price: '129.5',
  stock: 12,
});

describe('Product writes', () => {
  let sim: PartnerSim;
  let env: TestEnv;
  let a: TestApp;
  let b: TestApp;
  let db: Connection;
  let token: string;
  let readOnly: string;

  const post = (app: TestApp, body: unknown, headers: Record<string, string> = {}) =>
    app.app.inject({
      method: 'POST',
      url: '/products',
      headers: { authorization: `Bearer ${token}`, ...headers },
      payload: body as Record<string, unknown>,
    });
  const countSku = async (sku: string) => {
    const [rows] = await db.query('SELECT COUNT(*) AS n FROM products WHERE sku = ?', [sku]);
    return Number((rows as { n: number }[])[0].n);
  };

  beforeAll(async () => {
    sim = await startPartnerSim();
    env = createTestEnv({ ...sim.serviceEnv(), RATE_LIMIT_LIMIT: '1000000' });
    a = await createTestApp();
    b = await createTestApp();
    db = await connectTestDb(env.dbName);
    token = await sim.issueJwt({ scope: 'products:write', sub: 'writer-1' });
    readOnly = await sim.issueJwt({ scope: 'products:read', sub: 'reader-1' });
  });

  afterAll(async () => {
    await db?.end();
    await a?.close();
    await b?.close();
    await sim?.stop();
    await env?.cleanup();
  });

  describe('POST /products', () => {
    it('creates a product: 201, Location, the product in the documented shape', async () => {
      const res = await post(a, validBody('MANGO-1'));
      expect(res.statusCode).toBe(201);
      const body = res.json();
      expect(body).toEqual({
        id: expect.any(Number),
        sku: 'MANGO-1',
        name: 'Alphonso Mango',
        description: 'Sweet',
        category: 'fruits',
        price: '129.50',
        stock: 12,
        producer_id: null,
        created_at: expect.stringMatching(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/),
        updated_at: body.created_at,
      });
      expect(res.headers.location).toBe(`/products/${body.id}`);
      const fetched = await a.app.inject({ method: 'GET', url: `/products/${body.id}` });
      expect(fetched.json()).toEqual(body);
    });

    it('needs a token with products:write', async () => {
      const none = await a.app.inject({
        method: 'POST',
        url: '/products',
        payload: validBody('NO-AUTH'),
      });
      expect(none.statusCode).toBe(401);
      expect(none.headers['www-authenticate']).toBe('Bearer');
      const wrongScope = await a.app.inject({
        method: 'POST',
        url: '/products',
        headers: { authorization: `Bearer ${readOnly}` },
        payload: validBody('NO-SCOPE'),
      });
      expect(wrongScope.statusCode).toBe(403);
      expect(await countSku('NO-AUTH')).toBe(0);
      expect(await countSku('NO-SCOPE')).toBe(0);
    });

    it('answers a duplicate sku with 409 DUPLICATE_SKU', async () => {
      expect((await post(a, validBody('DUP-1'))).statusCode).toBe(201);
      const res = await post(a, { ...validBody('DUP-1'), name: 'Other' });
      expect(res.statusCode).toBe(409);
      expect(res.json().type).toBe('https://farmlokal.example/problems/duplicate-sku');
    });

    it.each([
      ['an unknown field', { ...validBody('V-1'), color: 'red' }, 'color'],
      ['a missing name', { ...validBody('V-2'), name: undefined }, 'name'],
      ['a numeric price', { ...validBody('V-3'), price: 12.5 }, 'price'],
      ['three decimals', { ...validBody('V-4'), price: '1.005' }, 'price'],
      ['a negative stock', { ...validBody('V-5'), stock: -1 }, 'stock'],
      ['a fractional stock', { ...validBody('V-6'), stock: 1.5 }, 'stock'],
      ['an over-long sku', { ...validBody('x'.repeat(65)) }, 'sku'],
      ['a null category', { ...validBody('V-7'), category: null }, 'category'],
    ])('rejects %s with a 400 problem', async (_, body, field) => {
      const res = await post(a, body);
      expect(res.statusCode).toBe(400);
      expect(res.json().errors).toEqual(
        expect.arrayContaining([{ field, message: expect.any(String) }]),
      );
    });

    it('makes the new product visible in a cached listing at once', async () => {
      const path = '/products?category=fresh-writes';
      expect((await a.app.inject({ method: 'GET', url: path })).json().data).toEqual([]);
      expect((await b.app.inject({ method: 'GET', url: path })).headers['x-cache']).toBe('hit');
      await post(a, { ...validBody('FRESH-1'), category: 'fresh-writes' });
      const after = await b.app.inject({ method: 'GET', url: path });
      expect(after.headers['x-cache']).toBe('miss');
      expect(after.json<{ data: { sku: string }[] }>().data.map((p) => p.sku)).toEqual(['FRESH-1']);
    });
  });

  describe('Idempotency-Key', () => {
    it('replays the first response byte for byte for the same key and body', async () => {
      const first = await post(a, validBody('IDEM-1'), { 'idempotency-key': 'key-1' });
      const again = await post(b, validBody('IDEM-1'), { 'idempotency-key': 'key-1' });
      expect(first.statusCode).toBe(201);
      expect(first.headers['idempotent-replayed']).toBeUndefined();
      expect(again.statusCode).toBe(201);
      expect(again.headers['idempotent-replayed']).toBe('true');
      expect(again.headers.location).toBe(first.headers.location);
      expect(again.body).toBe(first.body);
      expect(await countSku('IDEM-1')).toBe(1);
    });

    it('answers the same key with a different body with 422 and changes nothing', async () => {
      await post(a, validBody('IDEM-2'), { 'idempotency-key': 'key-2' });
      const res = await post(
        a,
        { ...validBody('IDEM-2'), stock: 13 },
        { 'idempotency-key': 'key-2' },
      );
      expect(res.statusCode).toBe(422);
      expect(res.json().type).toBe('https://farmlokal.example/problems/idempotency-key-mismatch');
      const [rows] = await db.query('SELECT stock FROM products WHERE sku = ?', ['IDEM-2']);
      expect(rows).toEqual([{ stock: 12 }]);
    });

    it('scopes keys per caller', async () => {
      const other = await sim.issueJwt({ scope: 'products:write', sub: 'writer-2' });
      await post(a, validBody('IDEM-3'), { 'idempotency-key': 'shared-key' });
      const res = await a.app.inject({
        method: 'POST',
        url: '/products',
        headers: { authorization: `Bearer ${other}`, 'idempotency-key': 'shared-key' },
        payload: validBody('IDEM-3B'),
      });
      expect(res.statusCode).toBe(201);
      expect(res.headers['idempotent-replayed']).toBeUndefined();
    });

    it.each([['x'.repeat(256)], ['has space'], ['émoji']])(
      'rejects the key %j with 400',
      async (key) => {
        const res = await post(a, validBody('IDEM-BAD'), { 'idempotency-key': key });
        expect(res.statusCode).toBe(400);
        expect(await countSku('IDEM-BAD')).toBe(0);
      },
    );

    it('does not store validation failures or business errors', async () => {
      const invalid = await post(
        a,
        { ...validBody('IDEM-4'), price: 'x' },
        { 'idempotency-key': 'key-4' },
      );
      expect(invalid.statusCode).toBe(400);
      const valid = await post(a, validBody('IDEM-4'), { 'idempotency-key': 'key-4' });
      expect(valid.statusCode).toBe(201);
      expect(valid.headers['idempotent-replayed']).toBeUndefined();

      await post(a, validBody('IDEM-5'));
      const conflict = await post(a, validBody('IDEM-5'), { 'idempotency-key': 'key-5' });
      expect(conflict.statusCode).toBe(409);
      await db.query('DELETE FROM products WHERE sku = ?', ['IDEM-5']);
      const retried = await post(a, validBody('IDEM-5'), { 'idempotency-key': 'key-5' });
      expect(retried.statusCode).toBe(201);
    });

    it('creates exactly one row for 50 concurrent requests with one key over two instances', async () => {
      const responses = await Promise.all(
        Array.from({ length: 50 }, (_, i) =>
          post(i % 2 === 0 ? a : b, validBody('IDEM-RACE'), { 'idempotency-key': 'race-key' }),
        ),
      );
      const created = responses.filter(
        (r) => r.statusCode === 201 && r.headers['idempotent-replayed'] === undefined,
      );
      const replays = responses.filter((r) => r.headers['idempotent-replayed'] === 'true');
      const inUse = responses.filter((r) => r.statusCode === 409);
      expect(created).toHaveLength(1);
      expect(created.length + replays.length + inUse.length).toBe(50);
      for (const r of inUse) {
        expect(r.json().type).toBe('https://farmlokal.example/problems/idempotency-key-in-use');
        expect(r.headers['retry-after']).toBe('1');
      }
      for (const r of replays) {
        expect(r.body).toBe(created[0].body);
      }
      expect(await countSku('IDEM-RACE')).toBe(1);
      const settled = await post(b, validBody('IDEM-RACE'), { 'idempotency-key': 'race-key' });
      expect(settled.headers['idempotent-replayed']).toBe('true');
      expect(settled.body).toBe(created[0].body);
    });

    it('lets a retry take over a claim whose holder died, and runs anew after expiry', async () => {
      const first = await post(a, validBody('IDEM-6'), { 'idempotency-key': 'key-6' });
      expect(first.statusCode).toBe(201);
      await db.query(
        "UPDATE idempotency_keys SET status = 'in_progress', lock_token = 'dead', locked_until = NOW(3) - INTERVAL 1 SECOND WHERE idempotency_key = 'key-6'",
      );
      await db.query('DELETE FROM products WHERE sku = ?', ['IDEM-6']);
      const takeover = await post(b, validBody('IDEM-6'), { 'idempotency-key': 'key-6' });
      expect(takeover.statusCode).toBe(201);
      expect(takeover.headers['idempotent-replayed']).toBeUndefined();

      await db.query(
        "UPDATE idempotency_keys SET expires_at = NOW(3) - INTERVAL 1 SECOND WHERE idempotency_key = 'key-6'",
      );
      const afterExpiry = await post(
        a,
        { ...validBody('IDEM-6B') },
        { 'idempotency-key': 'key-6' },
      );
      expect(afterExpiry.statusCode).toBe(201);
      expect(afterExpiry.headers['idempotent-replayed']).toBeUndefined();
    });
  });

  describe('PATCH and DELETE /products/:id', () => {
    it('updates any subset and answers 200 with the product', async () => {
      const id = await createProduct(db, { price: '10.00', stock: 1 });
      const res = await a.app.inject({
        method: 'PATCH',
        url: `/products/${id}`,
        headers: { authorization: `Bearer ${token}` },
        payload: { price: '11.5', description: null },
      });
      expect(res.statusCode).toBe(200);
      expect(res.json()).toMatchObject({ id, price: '11.50', stock: 1, description: null });
      expect(res.json().updated_at).not.toBe(res.json().created_at);
      const fetched = await b.app.inject({ method: 'GET', url: `/products/${id}` });
      expect(fetched.json()).toEqual(res.json());
    });

    it('rejects unknown fields and nulls for required fields', async () => {
      const id = await createProduct(db);
      for (const payload of [{ colour: 'red' }, { name: null }, { stock: '5' }]) {
        const res = await a.app.inject({
          method: 'PATCH',
          url: `/products/${id}`,
          headers: { authorization: `Bearer ${token}` },
          payload,
        });
        expect(res.statusCode).toBe(400);
      }
    });

    it('answers 409 when the new sku is taken, 404 when absent, 401 without a token', async () => {
      const id = await createProduct(db);
      await createProduct(db, { sku: 'TAKEN-1' });
      const patch = (target: number, headers: Record<string, string>) =>
        a.app.inject({
          method: 'PATCH',
          url: `/products/${target}`,
          headers,
          payload: { sku: 'TAKEN-1' },
        });
      expect((await patch(id, { authorization: `Bearer ${token}` })).statusCode).toBe(409);
      expect((await patch(99_999_999, { authorization: `Bearer ${token}` })).statusCode).toBe(404);
      expect((await patch(id, {})).statusCode).toBe(401);
    });

    it('deletes with 204, then 404', async () => {
      const id = await createProduct(db, { category: 'to-delete' });
      const listing = '/products?category=to-delete';
      expect((await a.app.inject({ method: 'GET', url: listing })).json().data).toHaveLength(1);
      const del = () =>
        a.app.inject({
          method: 'DELETE',
          url: `/products/${id}`,
          headers: { authorization: `Bearer ${token}` },
        });
      const first = await del();
      expect(first.statusCode).toBe(204);
      expect(first.body).toBe('');
      expect((await del()).statusCode).toBe(404);
      expect((await b.app.inject({ method: 'GET', url: listing })).json().data).toEqual([]);
      expect((await a.app.inject({ method: 'GET', url: `/products/${id}` })).statusCode).toBe(404);
    });
  });

  describe('GET /products/:id', () => {
    it.each(['0', '-1', 'abc', '1.5', '99999999999999999999'])(
      'answers id %s with 400',
      async (id) => {
        const res = await a.app.inject({ method: 'GET', url: `/products/${id}` });
        expect(res.statusCode).toBe(400);
      },
    );

    it('answers a missing product with 404 PRODUCT_NOT_FOUND', async () => {
      const res = await a.app.inject({ method: 'GET', url: '/products/123456789' });
      expect(res.statusCode).toBe(404);
      expect(res.json().type).toBe('https://farmlokal.example/problems/product-not-found');
    });
  });

  describe('ProductsService for partner updates', () => {
    it('applies stock and price inside the caller transaction and reports unknown skus', async () => {
      const id = await createProduct(db, { sku: 'PARTNER-1', stock: 1, price: '5.00' });
      const service = a.app.get(ProductsService);
      const dataSource = a.app.get(DataSource);
      const path = '/products?sort=id&limit=100';
      await a.app.inject({ method: 'GET', url: path });
      const results = await dataSource.transaction(async (manager) => [
        await service.applyPartnerUpdate(manager, 'PARTNER-1', { stock: 7, price: '6.50' }),
        await service.applyPartnerUpdate(manager, 'NO-SUCH-SKU', { stock: 1 }),
      ]);
      expect(results).toEqual([true, false]);
      await service.invalidateListings();
      const listed = (await b.app.inject({ method: 'GET', url: path })).json<{
        data: { id: number }[];
      }>().data;
      expect(listed.find((p) => p.id === id)).toMatchObject({
        stock: 7,
        price: '6.50',
      });
    });

    it('changes nothing when the caller rolls back', async () => {
      await createProduct(db, { sku: 'PARTNER-2', stock: 3 });
      const service = a.app.get(ProductsService);
      await expect(
        a.app.get(DataSource).transaction(async (manager) => {
          await service.applyPartnerUpdate(manager, 'PARTNER-2', { stock: 0 });
          throw new Error('rollback');
        }),
      ).rejects.toThrow('rollback');
      const [rows] = await db.query('SELECT stock FROM products WHERE sku = ?', ['PARTNER-2']);
      expect(rows).toEqual([{ stock: 3 }]);
    });
  });
});
