import type { Connection } from 'mysql2/promise';
import { setTimeout as sleep } from 'node:timers/promises';
import { hashQuery } from '../src/common/pagination/cursor';
import { generationKey, entryPrefix } from '../src/products/listing-cache/cache-layout';
import { canonicalQuery } from '../src/products/list-products.query';
import { parseListProductsQuery } from '../src/products/list-products.query.parser';
import { PRODUCTS_CACHE_NAMESPACE } from '../src/products/products.constants';
import { PartnerSim, startPartnerSim } from './partner-sim';
import { createTestApp, TestApp } from './support/create-test-app';
import { connectTestDb, createTestEnv, rawRedis, TestEnv } from './support/test-env';

jest.setTimeout(60_000);

type Json = Record<string, unknown>;
const NOT_FOUND = 'https://farmlokal.example/problems/product-not-found';
let skuSeq = 0;
const productBody = (overrides: Json = {}): Json => {
  skuSeq += 1;
  return {
    sku: `OWN-${skuSeq}`,
    name: 'Alphonso Mango',
    category: 'owner-tests',
    price: '129.50',
    stock: 12,
    ...overrides,
  };
};

describe('Product producers and producer-scoped writes', () => {
  let sim: PartnerSim;
  let env: TestEnv;
  let app: TestApp;
  let db: Connection;
  let platform: string;
  let p1: number;
  let p2: number;
  let asP1: string;
  let asP2: string;

  const send = (
    method: 'POST' | 'PATCH' | 'DELETE',
    url: string,
    token: string,
    payload?: Json,
    headers: Record<string, string> = {},
  ) =>
    app.app.inject({
      method,
      url,
      headers: { authorization: `Bearer ${token}`, ...headers },
      ...(payload === undefined ? {} : { payload }),
    });
  const row = async (id: number): Promise<Json | undefined> => {
    const [rows] = await db.query(
      'SELECT sku, name, stock, producer_id, updated_at FROM products WHERE id = ?',
      [id],
    );
    return (rows as Json[])[0];
  };
  const countSku = async (sku: unknown): Promise<number> => {
    const [rows] = await db.query('SELECT COUNT(*) AS n FROM products WHERE sku = ?', [sku]);
    return Number((rows as { n: number }[])[0].n);
  };
  const insertProducer = async (name: string): Promise<number> => {
    const [result] = await db.query(
      'INSERT INTO producers (name, lat, lng, delivery_radius_km, delivery_box, created_at, updated_at) ' +
        "VALUES (?, 12.9, 77.5, 5.0, ST_GeomFromText('POLYGON((77.4 12.8, 77.6 12.8, 77.6 13, 77.4 13, 77.4 12.8))', 0), NOW(3), NOW(3))",
      [name],
    );
    return Number((result as { insertId: number }).insertId);
  };
  const create = async (token: string, overrides: Json = {}): Promise<Json> => {
    const res = await send('POST', '/products', token, productBody(overrides));
    expect(res.statusCode).toBe(201);
    return res.json<Json>();
  };
  /**
   * The 404 a missing product gets, with the id swapped in for comparison (every request
   * has its own request_id), and its header names.
   */
  const missing = async (
    method: 'PATCH' | 'DELETE',
    token: string,
    id: number,
  ): Promise<{ body: Json; headers: string[] }> => {
    const res = await send(
      method,
      '/products/999999999',
      token,
      method === 'PATCH' ? { stock: 1 } : undefined,
    );
    expect(res.statusCode).toBe(404);
    const body = JSON.parse(res.body.replaceAll('999999999', String(id))) as Json;
    return {
      body: { ...body, request_id: expect.any(String) as unknown },
      headers: Object.keys(res.headers).sort(),
    };
  };

  beforeAll(async () => {
    sim = await startPartnerSim({ signingKeys: 'dev' });
    env = createTestEnv({ ...sim.serviceEnv(), RATE_LIMIT_LIMIT: '1000000' });
    app = await createTestApp();
    db = await connectTestDb(env.dbName);
    p1 = await insertProducer('Kaveri Farms');
    p2 = await insertProducer('Nilgiri Dairy');
    platform = await sim.issueJwt({ scope: 'products:write', sub: 'platform' });
    asP1 = await sim.issueJwt({
      scope: 'products:write',
      sub: 'shared-user',
      claims: { producer_id: p1 },
    });
    asP2 = await sim.issueJwt({
      scope: 'products:write',
      sub: 'shared-user',
      claims: { producer_id: p2 },
    });
  });

  afterAll(async () => {
    await db?.end();
    await app?.close();
    await sim?.stop();
    await env?.cleanup();
  });

  describe('producer_id on products', () => {
    it('round-trips through POST, GET, PATCH and listings; null when unset', async () => {
      const created = await create(platform, { producer_id: p1 });
      expect(created.producer_id).toBe(p1);
      const id = created.id as number;
      const fetched = await app.app.inject({ method: 'GET', url: `/products/${id}` });
      expect(fetched.json()).toEqual(created);
      const moved = await send('PATCH', `/products/${id}`, platform, { producer_id: p2 });
      expect(moved.statusCode).toBe(200);
      expect(moved.json().producer_id).toBe(p2);
      expect((await row(id))?.producer_id).toBe(p2);
      const cleared = await send('PATCH', `/products/${id}`, platform, { producer_id: null });
      expect(cleared.json().producer_id).toBeNull();
      const bare = await create(platform);
      expect(bare).toHaveProperty('producer_id', null);
      const page = await app.app.inject({
        method: 'GET',
        url: '/products?category=owner-tests&sort=id&order=asc&limit=100',
      });
      const listed = page.json<{ data: Json[] }>().data;
      expect(listed.find((p) => p.id === id)).toEqual({ ...cleared.json<Json>() });
      expect(listed.every((p) => 'producer_id' in p)).toBe(true);
    });

    it('replays an Idempotency-Key response with its producer_id', async () => {
      const body = productBody({ producer_id: p2 });
      const first = await send('POST', '/products', platform, body, { 'idempotency-key': 'own-1' });
      const again = await send('POST', '/products', platform, body, { 'idempotency-key': 'own-1' });
      expect(again.headers['idempotent-replayed']).toBe('true');
      expect(again.body).toBe(first.body);
      expect(again.json().producer_id).toBe(p2);
    });

    it('answers an unknown producer with a 400 naming producer_id and writes nothing', async () => {
      const body = productBody({ producer_id: 987654321 });
      const res = await send('POST', '/products', platform, body, {
        'idempotency-key': 'own-unknown',
      });
      expect(res.statusCode).toBe(400);
      expect(res.json().errors).toEqual([{ field: 'producer_id', message: expect.any(String) }]);
      expect(await countSku(body.sku)).toBe(0);
      const id = (await create(platform, { producer_id: p1 })).id as number;
      const before = await row(id);
      const patched = await send('PATCH', `/products/${id}`, platform, {
        producer_id: 987654321,
        stock: 99,
      });
      expect(patched.statusCode).toBe(400);
      expect(patched.json().errors).toEqual([
        { field: 'producer_id', message: expect.any(String) },
      ]);
      expect(await row(id)).toEqual(before);
    });

    it.each([
      ['zero', 0],
      ['a negative id', -3],
      ['a fraction', 1.5],
      ['a string', '7'],
    ])('rejects %s as producer_id with a 400', async (_, value) => {
      const res = await send('POST', '/products', platform, productBody({ producer_id: value }));
      expect(res.statusCode).toBe(400);
      expect(res.json().errors).toEqual([
        { field: 'producer_id', message: expect.stringMatching(/positive integer/) },
      ]);
    });

    it('never serves a listing page cached in the shape without producer_id', async () => {
      const redis = rawRedis();
      try {
        const url = '/products?category=owner-stale&limit=5';
        await create(platform, { category: 'owner-stale', producer_id: p1 });
        const warm = await app.app.inject({ method: 'GET', url });
        expect(warm.json().data[0].producer_id).toBe(p1);
        // A page as an earlier build stored it: same generation, keyed by the query alone.
        const generation = await redis.get(
          `${env.redisPrefix}${generationKey(PRODUCTS_CACHE_NAMESPACE)}`,
        );
        expect(generation).not.toBeNull();
        const query = parseListProductsQuery({ category: 'owner-stale', limit: '5' });
        const oldKey = `${env.redisPrefix}${entryPrefix(PRODUCTS_CACHE_NAMESPACE)}${generation}:${hashQuery(canonicalQuery(query))}`;
        const oldBody = JSON.stringify({
          data: [{ id: 1, sku: 'OLD' }],
          page: { limit: 5, next_cursor: null, has_more: false },
        });
        await redis.set(oldKey, `"old"\n${oldBody}`, 'EX', 60);
        const fresh = await createTestApp();
        try {
          const res = await fresh.app.inject({ method: 'GET', url });
          expect(res.json().data[0]).toMatchObject({ producer_id: p1, category: 'owner-stale' });
        } finally {
          await fresh.close();
        }
      } finally {
        redis.disconnect();
      }
    });
  });

  describe('a token acting for a producer', () => {
    it('creates products of its producer, with or without naming it', async () => {
      expect((await create(asP1)).producer_id).toBe(p1);
      expect((await create(asP1, { producer_id: p1 })).producer_id).toBe(p1);
    });

    it('cannot create a product for another producer or none (403), nothing written', async () => {
      for (const producer of [p2, null]) {
        const body = productBody({ producer_id: producer });
        const res = await send('POST', '/products', asP1, body);
        expect(res.statusCode).toBe(403);
        expect(res.json().detail).toContain('producer_id');
        expect(await countSku(body.sku)).toBe(0);
      }
    });

    it('patches and deletes its own products', async () => {
      const id = (await create(platform, { producer_id: p1 })).id as number;
      const res = await send('PATCH', `/products/${id}`, asP1, { stock: 3, producer_id: p1 });
      expect(res.statusCode).toBe(200);
      expect(res.json()).toMatchObject({ id, stock: 3, producer_id: p1 });
      expect((await send('DELETE', `/products/${id}`, asP1)).statusCode).toBe(204);
      expect(await row(id)).toBeUndefined();
    });

    it.each([
      ['another producer', () => p2],
      ['no producer', () => null],
    ])(
      "answers 404 for %s's product, exactly as for a missing one, and leaves it",
      async (_, owner) => {
        const id = (await create(platform, { producer_id: owner() })).id as number;
        const before = await row(id);
        for (const method of ['PATCH', 'DELETE'] as const) {
          const res = await send(
            method,
            `/products/${id}`,
            asP1,
            method === 'PATCH' ? { stock: 1 } : undefined,
          );
          expect(res.statusCode).toBe(404);
          const expected = await missing(method, asP1, id);
          expect(res.json()).toEqual(expected.body);
          expect(Object.keys(res.headers).sort()).toEqual(expected.headers);
          expect(res.json().type).toBe(NOT_FOUND);
        }
        const claim = await send('PATCH', `/products/${id}`, asP1, { producer_id: p1 });
        expect(claim.statusCode).toBe(404);
        expect(await row(id)).toEqual(before);
      },
    );

    it('cannot move its product to another producer or to none (403), row unchanged', async () => {
      const id = (await create(asP1)).id as number;
      const before = await row(id);
      for (const producer of [p2, null]) {
        const res = await send('PATCH', `/products/${id}`, asP1, {
          producer_id: producer,
          stock: 0,
        });
        expect(res.statusCode).toBe(403);
        expect(res.json().detail).toContain('producer_id');
      }
      expect(await row(id)).toEqual(before);
    });

    it('does not replay another principal’s Idempotency-Key response', async () => {
      const body = productBody();
      const first = await send('POST', '/products', asP1, body, {
        'idempotency-key': 'own-shared',
      });
      expect(first.json().producer_id).toBe(p1);
      // Same sub, same key, same body, but acting for another producer: a write of its own.
      const other = await send('POST', '/products', asP2, body, {
        'idempotency-key': 'own-shared',
      });
      expect(other.headers['idempotent-replayed']).toBeUndefined();
      expect(other.statusCode).toBe(409);
      expect(other.json().type).toBe('https://farmlokal.example/problems/duplicate-sku');
      const platformTry = await send(
        'POST',
        '/products',
        platform,
        { ...body, producer_id: p1 },
        { 'idempotency-key': 'own-shared' },
      );
      expect(platformTry.headers['idempotent-replayed']).toBeUndefined();
    });

    it('lets only the owner apply when two producers patch one product at once', async () => {
      const id = (await create(platform, { producer_id: p2 })).id as number;
      const rounds = 10;
      const results = await Promise.all(
        Array.from({ length: rounds }, (_, i) => [
          send('PATCH', `/products/${id}`, asP1, { name: `Stolen ${i}`, producer_id: p1 }),
          send('PATCH', `/products/${id}`, asP2, { name: `Owned ${i}` }),
        ]).flat(),
      );
      const codes = results.map((r) => r.statusCode);
      expect(codes.filter((_, i) => i % 2 === 0)).toEqual(Array(rounds).fill(404));
      expect(codes.filter((_, i) => i % 2 === 1)).toEqual(Array(rounds).fill(200));
      const after = await row(id);
      expect(after?.producer_id).toBe(p2);
      expect(String(after?.name)).toMatch(/^Owned /);
    });
  });

  describe('a platform token (no producer_id claim)', () => {
    it('moves a product while both producers patch it: only the owner of the moment writes', async () => {
      // The move also renames, so any write that lands after it shows in the final name:
      // it may only be the new owner's.
      const rounds = 8;
      for (let round = 0; round < rounds; round += 1) {
        const id = (await create(platform, { producer_id: p1 })).id as number;
        // Sent over a few milliseconds, so that some land before the move and some after.
        const patches = (token: string, label: string) =>
          Array.from({ length: 6 }, (_, i) =>
            sleep(i * 2).then(() =>
              send('PATCH', `/products/${id}`, token, { name: `${label} ${round}.${i}` }),
            ),
          );
        const fromP1 = patches(asP1, 'P1');
        const move = sleep(4).then(() =>
          send('PATCH', `/products/${id}`, platform, {
            producer_id: p2,
            name: `Moved ${round}`,
          }),
        );
        const fromP2 = patches(asP2, 'P2');
        const [p1Answers, moved, p2Answers] = await Promise.all([
          Promise.all(fromP1),
          move,
          Promise.all(fromP2),
        ]);
        expect(moved.statusCode).toBe(200);
        for (const [answers, owner] of [
          [p1Answers, p1],
          [p2Answers, p2],
        ] as const) {
          for (const answer of answers) {
            expect([200, 404]).toContain(answer.statusCode);
            if (answer.statusCode === 200) {
              expect(answer.json()).toMatchObject({ id, producer_id: owner });
            }
          }
        }
        const after = await row(id);
        expect(after?.producer_id).toBe(p2);
        expect(String(after?.name)).toMatch(new RegExp(`^(Moved ${round}|P2 ${round}\\.\\d)$`));
        const written = String(after?.name);
        if (written.startsWith('P2')) {
          const i = Number(written.split('.')[1]);
          expect(p2Answers[i].statusCode).toBe(200);
        }
      }
    });

    it('creates, moves, patches and deletes any product', async () => {
      const id = (await create(platform, { producer_id: p2 })).id as number;
      const moved = await send('PATCH', `/products/${id}`, platform, { producer_id: p1, stock: 7 });
      expect(moved.json()).toMatchObject({ producer_id: p1, stock: 7 });
      const none = (await create(platform)).id as number;
      expect((await send('PATCH', `/products/${none}`, platform, { stock: 2 })).statusCode).toBe(
        200,
      );
      expect((await send('DELETE', `/products/${none}`, platform)).statusCode).toBe(204);
      expect((await send('DELETE', `/products/${id}`, platform)).statusCode).toBe(204);
    });
  });
});
