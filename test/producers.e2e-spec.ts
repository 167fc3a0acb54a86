import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { Connection } from 'mysql2/promise';
import { PartnerSim, startPartnerSim } from './partner-sim';
import { createTestApp, TestApp } from './support/create-test-app';
import { connectTestDb, createTestEnv, TestEnv } from './support/test-env';

jest.setTimeout(60_000);

const ISO = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;
const body = (overrides: Record<string, unknown> = {}): Record<string, unknown> => ({
  name: 'Kaveri Organic Farms',
  lat: 12.971599,
  lng: 77.594566,
  delivery_radius_km: 8.5,
  ...overrides,
});

describe('Producers', () => {
  let sim: PartnerSim;
  let env: TestEnv;
  let a: TestApp;
  let b: TestApp;
  let db: Connection;
  let writer: string;
  let productsOnly: string;

  const post = (payload: unknown, token = writer) =>
    a.app.inject({
      method: 'POST',
      url: '/producers',
      headers: { authorization: `Bearer ${token}` },
      payload: payload as Record<string, unknown>,
    });
  const patch = (id: number | string, payload: unknown, token = writer) =>
    a.app.inject({
      method: 'PATCH',
      url: `/producers/${id}`,
      headers: { authorization: `Bearer ${token}` },
      payload: payload as Record<string, unknown>,
    });
  const count = async (): Promise<number> => {
    const [rows] = await db.query('SELECT COUNT(*) AS n FROM producers');
    return Number((rows as { n: number }[])[0].n);
  };
  const stored = async (id: number) => {
    const [rows] = await db.query(
      'SELECT name, lat, lng, delivery_radius_km AS r, ST_AsText(delivery_box) AS box, ' +
        'MBRContains(delivery_box, POINT(lng, lat)) AS holds FROM producers WHERE id = ?',
      [id],
    );
    return (rows as Record<string, unknown>[])[0];
  };
  const created = async (overrides: Record<string, unknown> = {}): Promise<number> => {
    const res = await post(body(overrides));
    expect(res.statusCode).toBe(201);
    return res.json<{ id: number }>().id;
  };

  beforeAll(async () => {
    sim = await startPartnerSim({ signingKeys: 'dev' });
    env = createTestEnv({ ...sim.serviceEnv(), RATE_LIMIT_LIMIT: '1000000' });
    a = await createTestApp();
    b = await createTestApp();
    db = await connectTestDb(env.dbName);
    writer = await sim.issueJwt({ scope: 'producers:write', sub: 'platform' });
    productsOnly = await sim.issueJwt({ scope: 'products:write', sub: 'catalog' });
  });

  afterAll(async () => {
    await db?.end();
    await a?.close();
    await b?.close();
    await sim?.stop();
    await env?.cleanup();
  });

  describe('POST /producers', () => {
    it('creates a producer: 201, Location, numbers on the wire, and its delivery box', async () => {
      const res = await post(body());
      expect(res.statusCode).toBe(201);
      const producer = res.json<Record<string, unknown>>();
      expect(producer).toEqual({
        id: expect.any(Number),
        name: 'Kaveri Organic Farms',
        lat: 12.971599,
        lng: 77.594566,
        delivery_radius_km: 8.5,
        created_at: expect.stringMatching(ISO),
        updated_at: producer.created_at,
      });
      expect(res.headers.location).toBe(`/producers/${producer.id as number}`);
      expect(res.body).toContain('"lat":12.971599,"lng":77.594566,"delivery_radius_km":8.5');
      const fetched = await b.app.inject({
        method: 'GET',
        url: `/producers/${producer.id as number}`,
      });
      expect(fetched.statusCode).toBe(200);
      expect(fetched.json()).toEqual(producer);
      expect(await stored(producer.id as number)).toMatchObject({
        lat: '12.971599',
        lng: '77.594566',
        r: '8.5',
        holds: 1,
      });
    });

    it.each([
      ['the extreme coordinates and radii', { lat: -90, lng: -180, delivery_radius_km: 0.5 }],
      ['the other extremes', { lat: 90, lng: 180, delivery_radius_km: 100 }],
      ['whole numbers', { lat: 12, lng: 77, delivery_radius_km: 3 }],
      ['six decimals', { lat: -0.000001, lng: 0.000001, delivery_radius_km: 99.9 }],
    ])('accepts %s and answers them as sent', async (_, fields) => {
      const res = await post(body(fields));
      expect(res.statusCode).toBe(201);
      expect(res.json()).toMatchObject(fields);
    });

    it.each([
      ['an unknown field', { color: 'red' }, 'color'],
      ['a missing name', { name: undefined }, 'name'],
      ['a blank name', { name: '   ' }, 'name'],
      ['an over-long name', { name: 'x'.repeat(201) }, 'name'],
      ['a name with a control character', { name: 'Farm\u0000' }, 'name'],
      ['lat as a string', { lat: '12.971599' }, 'lat'],
      ['lat null', { lat: null }, 'lat'],
      ['lat 91', { lat: 91 }, 'lat'],
      ['lat just beyond 90', { lat: 90.000001 }, 'lat'],
      ['lat with 7 decimals', { lat: 12.9715991 }, 'lat'],
      ['lat 1e-7 (7 decimals written as an exponent)', { lat: 1e-7 }, 'lat'],
      ['a missing lng', { lng: undefined }, 'lng'],
      ['lng 180.5', { lng: 180.5 }, 'lng'],
      ['lng -181', { lng: -181 }, 'lng'],
      ['lng with 7 decimals', { lng: 77.5945661 }, 'lng'],
      ['a radius below 0.5', { delivery_radius_km: 0.4 }, 'delivery_radius_km'],
      ['a radius above 100', { delivery_radius_km: 100.1 }, 'delivery_radius_km'],
      ['a radius with 2 decimals', { delivery_radius_km: 8.55 }, 'delivery_radius_km'],
      ['a radius as a string', { delivery_radius_km: '8.5' }, 'delivery_radius_km'],
      ['a negative radius', { delivery_radius_km: -5 }, 'delivery_radius_km'],
    ])(
      'rejects %s with a 400 problem naming the field, creating nothing',
      async (_, fields, field) => {
        const before = await count();
        const res = await post(body(fields));
        expect(res.statusCode).toBe(400);
        expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
        expect(res.json().errors).toEqual(
          expect.arrayContaining([{ field, message: expect.any(String) }]),
        );
        expect(await count()).toBe(before);
      },
    );

    it('rejects a body that is not an object', async () => {
      const res = await a.app.inject({
        method: 'POST',
        url: '/producers',
        headers: { authorization: `Bearer ${writer}`, 'content-type': 'application/json' },
        payload: '[1,2]',
      });
      expect(res.statusCode).toBe(400);
    });

    it('answers like product writes without a token, with a bad token and without the scope', async () => {
      const before = await count();
      const none = await a.app.inject({ method: 'POST', url: '/producers', payload: body() });
      const productNone = await a.app.inject({ method: 'POST', url: '/products', payload: {} });
      expect(none.statusCode).toBe(401);
      expect(none.headers['www-authenticate']).toBe(productNone.headers['www-authenticate']);
      const bad = await post(body(), 'not-a-jwt');
      expect(bad.statusCode).toBe(401);
      expect(bad.headers['www-authenticate']).toBe('Bearer error="invalid_token"');
      const wrongScope = await post(body(), productsOnly);
      expect(wrongScope.statusCode).toBe(403);
      expect(wrongScope.headers['www-authenticate']).toContain('error="insufficient_scope"');
      expect(wrongScope.json().type).toBe('https://farmlokal.example/problems/insufficient-scope');
      expect(await count()).toBe(before);
    });

    it('refuses a token that acts for a producer (403)', async () => {
      const own = await created();
      const token = await sim.issueJwt({
        scope: 'producers:write',
        sub: 'producer-user',
        claims: { producer_id: own },
      });
      const before = await count();
      const res = await post(body(), token);
      expect(res.statusCode).toBe(403);
      expect(res.json().detail).toContain(`producer ${own}`);
      expect(await count()).toBe(before);
    });
  });

  describe('GET /producers/:id', () => {
    it('answers 404 for an unknown producer and 400 for an id that is not a positive integer', async () => {
      const missing = await a.app.inject({ method: 'GET', url: '/producers/999999' });
      expect(missing.statusCode).toBe(404);
      expect(missing.json()).toMatchObject({
        type: 'https://farmlokal.example/problems/producer-not-found',
        status: 404,
        detail: 'No producer with id 999999',
      });
      for (const id of ['abc', '0', '-1', '1.5', '1e3', '99999999999999999999']) {
        const res = await a.app.inject({ method: 'GET', url: `/producers/${id}` });
        expect({ id, status: res.statusCode }).toEqual({ id, status: 400 });
      }
    });

    it('needs no token', async () => {
      const id = await created();
      const res = await a.app.inject({ method: 'GET', url: `/producers/${id}` });
      expect(res.statusCode).toBe(200);
    });
  });

  describe('PATCH /producers/:id', () => {
    it('changes any subset, recomputes the delivery box, and keeps created_at', async () => {
      const id = await created();
      const before = (await a.app.inject({ method: 'GET', url: `/producers/${id}` })).json();
      const boxBefore = (await stored(id)).box;
      const res = await patch(id, { lat: 28.613939, delivery_radius_km: 30 });
      expect(res.statusCode).toBe(200);
      expect(res.json()).toEqual({
        ...before,
        lat: 28.613939,
        delivery_radius_km: 30,
        updated_at: expect.stringMatching(ISO),
      });
      const row = await stored(id);
      expect(row).toMatchObject({ lat: '28.613939', lng: '77.594566', r: '30.0', holds: 1 });
      expect(row.box).not.toBe(boxBefore);
      expect((await b.app.inject({ method: 'GET', url: `/producers/${id}` })).json()).toEqual(
        res.json(),
      );
      const renamed = await patch(id, { name: 'Ganga Dairy' });
      expect(renamed.json()).toMatchObject({ name: 'Ganga Dairy', lat: 28.613939 });
    });

    it('changes nothing for an empty body', async () => {
      const id = await created();
      const before = (await a.app.inject({ method: 'GET', url: `/producers/${id}` })).json();
      const res = await patch(id, {});
      expect(res.statusCode).toBe(200);
      expect(res.json()).toEqual(before);
    });

    it.each([
      ['an unknown field', { delivery_radius: 5 }],
      ['lat 7 decimals', { lat: 12.1234567 }],
      ['lng null', { lng: null }],
      ['a radius of 0', { delivery_radius_km: 0 }],
      ['an empty name', { name: '' }],
    ])('rejects %s with 400 and leaves the producer as it was', async (_, fields) => {
      const id = await created();
      const before = await stored(id);
      const res = await patch(id, fields);
      expect(res.statusCode).toBe(400);
      expect(await stored(id)).toEqual(before);
    });

    it('answers 404 for an unknown producer, 400 for a bad id, 401/403 like POST', async () => {
      expect((await patch(999999, { name: 'X' })).statusCode).toBe(404);
      expect((await patch('abc', { name: 'X' })).statusCode).toBe(400);
      const id = await created();
      const none = await a.app.inject({
        method: 'PATCH',
        url: `/producers/${id}`,
        payload: { name: 'X' },
      });
      expect(none.statusCode).toBe(401);
      expect((await patch(id, { name: 'X' }, productsOnly)).statusCode).toBe(403);
      expect((await stored(id)).name).toBe('Kaveri Organic Farms');
    });

    it('lets a producer token change its own producer and no other (404, as if absent)', async () => {
      const own = await created();
      const other = await created({ name: 'Other Farm' });
      const token = await sim.issueJwt({
        scope: 'producers:write',
        sub: 'producer-user',
        claims: { producer_id: own },
      });
      expect((await patch(own, { delivery_radius_km: 12 }, token)).statusCode).toBe(200);
      const res = await patch(other, { name: 'Taken over' }, token);
      expect(res.statusCode).toBe(404);
      expect(res.json().type).toBe('https://farmlokal.example/problems/producer-not-found');
      expect((await stored(other)).name).toBe('Other Farm');
    });
  });

  describe('listing invalidation', () => {
    // One listing per instance: a miss on one stores the page the other would then hit.
    const listing = async (app: TestApp) =>
      app.app.inject({
        method: 'GET',
        url: `/products?category=producer-writes-${app === a ? 'a' : 'b'}`,
      });

    it.each([
      ['a new producer', async () => created()],
      ['a move', async (id: number) => patch(id, { lat: 13.1, lng: 77.6 })],
      ['a new delivery radius', async (id: number) => patch(id, { delivery_radius_km: 2 })],
    ])('%s makes cached listings stale at once, on every instance', async (_, write) => {
      const id = await created();
      await listing(a);
      await listing(b);
      expect((await listing(a)).headers['x-cache']).toBe('hit');
      expect((await listing(b)).headers['x-cache']).toBe('hit');
      await write(id);
      expect((await listing(a)).headers['x-cache']).toBe('miss');
      expect((await listing(b)).headers['x-cache']).toBe('miss');
    });
  });

  describe('npm run token:dev', () => {
    it('prints a token that POST /producers accepts with --scope producers:write', async () => {
      const root = join(__dirname, '..');
      const { stdout } = await promisify(execFile)(
        process.execPath,
        [
          join(root, 'node_modules', 'ts-node', 'dist', 'bin.js'),
          '--swc',
          '-P',
          join(root, 'test', 'partner-sim', 'tsconfig.cli.json'),
          join(root, 'test', 'partner-sim', 'token-dev.ts'),
          '--scope',
          'producers:write',
        ],
        { cwd: root, env: { ...process.env, ...sim.serviceEnv() } },
      );
      const res = await post(body({ name: 'Token Dev Farm' }), stdout.trim());
      expect(res.statusCode).toBe(201);
    });
  });
});
