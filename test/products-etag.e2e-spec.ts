import type { Connection } from 'mysql2/promise';
import { createProduct } from './factories/product.factory';
import { createTestApp, TestApp } from './support/create-test-app';
import { connectTestDb, createTestEnv, TestEnv } from './support/test-env';

/** GET /products/:id as a conditional request (RFC 9110 §8.8.3, §13.1.2). */
describe('GET /products/:id: ETag and If-None-Match', () => {
  let env: TestEnv;
  let test: TestApp;
  let db: Connection;
  let id: number;
  let other: number;

  const get = (productId: number, ifNoneMatch?: string) =>
    test.app.inject({
      method: 'GET',
      url: `/products/${productId}`,
      headers: ifNoneMatch === undefined ? {} : { 'if-none-match': ifNoneMatch },
    });

  beforeAll(async () => {
    env = createTestEnv({ RATE_LIMIT_LIMIT: '1000000' });
    test = await createTestApp();
    db = await connectTestDb(env.dbName);
    id = await createProduct(db, { name: 'Alphonso Mango', price: '129.50' });
    other = await createProduct(db, { name: 'Kesar Mango', price: '99.00' });
  });

  afterAll(async () => {
    await db?.end();
    await test?.close();
    await env.cleanup();
  });

  it('answers with a strong ETag and Cache-Control: no-cache', async () => {
    const res = await get(id);
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({ id, name: 'Alphonso Mango', price: '129.50' });
    expect(res.headers.etag).toMatch(/^"[^"]+"$/);
    expect(res.headers['cache-control']).toBe('no-cache');
    // Same bytes, same validator; another product, another one.
    const again = await get(id);
    expect(again.body).toBe(res.body);
    expect(again.headers.etag).toBe(res.headers.etag);
    expect((await get(other)).headers.etag).not.toBe(res.headers.etag);
  });

  it('answers 304 with the same ETag and no body to a matching If-None-Match', async () => {
    const { headers } = await get(id);
    const etag = String(headers.etag);
    for (const ifNoneMatch of [etag, `W/${etag}`, '*', `"nope", ${etag}`, `W/"x" ,W/${etag}`]) {
      const res = await get(id, ifNoneMatch);
      expect([ifNoneMatch, res.statusCode]).toEqual([ifNoneMatch, 304]);
      expect(res.body).toBe('');
      expect(res.headers.etag).toBe(etag);
      expect(res.headers['cache-control']).toBe('no-cache');
    }
  });

  it('answers 200 with the body when If-None-Match does not match', async () => {
    const otherTag = String((await get(other)).headers.etag);
    for (const ifNoneMatch of [otherTag, '"nope"', `W/${otherTag}`]) {
      const res = await get(id, ifNoneMatch);
      expect([ifNoneMatch, res.statusCode]).toEqual([ifNoneMatch, 200]);
      expect(res.json()).toMatchObject({ id });
    }
  });

  it('changes the ETag when the product changes, so an old one no longer matches', async () => {
    const before = String((await get(id)).headers.etag);
    await db.query('UPDATE products SET stock = stock + 7 WHERE id = ?', [id]);
    const res = await get(id, before);
    expect(res.statusCode).toBe(200);
    expect(res.headers.etag).not.toBe(before);
    expect((await get(id, String(res.headers.etag))).statusCode).toBe(304);
  });

  it('keeps a missing product a 404 problem whatever If-None-Match says', async () => {
    const res = await get(999_999_999, '*');
    expect(res.statusCode).toBe(404);
    expect(res.json().type).toBe('https://farmlokal.example/problems/product-not-found');
  });
});
