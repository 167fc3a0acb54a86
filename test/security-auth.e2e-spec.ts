import { importJWK, SignJWT } from 'jose';
import { randomBytes, randomUUID } from 'node:crypto';
import { PartnerSim, startPartnerSim } from './partner-sim';
import { generateKeyFileContent } from './partner-sim/jwt-issuer';
import { createTestApp, TestApp } from './support/create-test-app';
import { createTestEnv, TestEnv } from './support/test-env';

const KEYS = generateKeyFileContent('security');
const RS256 = KEYS.keys.find((key) => key.alg === 'RS256')!;

/** Bearer tokens whose claims break the rules, signed by the trusted issuer's real key. */
describe('Inbound JWTs with malformed claims', () => {
  let sim: PartnerSim;
  let env: TestEnv;
  let test: TestApp;

  beforeAll(async () => {
    sim = await startPartnerSim({ signingKeys: KEYS.keys });
    env = createTestEnv({ ...sim.serviceEnv(), RATE_LIMIT_LIMIT: '100000' });
    test = await createTestApp();
  });

  afterAll(async () => {
    await test?.close();
    await sim?.stop();
    await env?.cleanup();
  });

  async function token(claims: Record<string, unknown>): Promise<string> {
    const now = Math.floor(Date.now() / 1000);
    return new SignJWT({ scope: 'products:write', ...claims })
      .setProtectedHeader({ alg: 'RS256', kid: RS256.kid, typ: 'JWT' })
      .setIssuer(sim.serviceEnv().AUTH_ISSUER)
      .setAudience('farmlokal-api')
      .setIssuedAt(now)
      .setExpirationTime(now + 300)
      .setJti(randomUUID())
      .sign(await importJWK(RS256, 'RS256'));
  }

  const product = () => ({
    sku: `AUTH-${randomBytes(5).toString('hex')}`,
    name: 'Token test',
    category: 'security',
    price: '1.00',
    stock: 1,
  });

  const cases: [string, Record<string, unknown>, RegExp][] = [
    ['a numeric sub', { sub: 42 }, /"sub" claim/],
    ['an array sub', { sub: ['user-1', 'user-2'] }, /"sub" claim/],
    ['an object sub', { sub: { id: 'user-1' } }, /"sub" claim/],
    ['an empty sub', { sub: '' }, /"sub" claim/],
    ['no sub', {}, /has no "sub" claim/],
    [
      'a producer_id that is not a positive integer',
      { sub: 'p', producer_id: 'seven' },
      /producer_id/,
    ],
    ['a negative producer_id', { sub: 'p', producer_id: -7 }, /producer_id/],
  ];

  it.each(cases)(
    'a write with %s is a 401 saying which claim is wrong',
    async (_l, claims, detail) => {
      const res = await test.app.inject({
        method: 'POST',
        url: '/products',
        headers: {
          authorization: `Bearer ${await token(claims)}`,
          'idempotency-key': randomUUID(),
        },
        payload: product(),
      });
      expect(res.statusCode).toBe(401);
      expect(res.headers['www-authenticate']).toBe('Bearer error="invalid_token"');
      expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
      expect(res.json()).toMatchObject({
        type: 'https://farmlokal.example/problems/unauthorized',
        status: 401,
        detail: expect.stringMatching(detail),
        request_id: res.headers['x-request-id'],
      });
    },
  );

  it.each(cases)(
    'a read carrying a token with %s is served (limited by address)',
    async (_l, claims) => {
      const res = await test.app.inject({
        method: 'GET',
        url: '/products?limit=1',
        headers: { authorization: `Bearer ${await token(claims)}` },
      });
      expect(res.statusCode).toBe(200);
      expect(res.headers['ratelimit-limit']).toBe('100000');
    },
  );

  it('accepts a token with a string sub and a numeric producer_id', async () => {
    const producer = await test.app.inject({
      method: 'POST',
      url: '/producers',
      headers: {
        authorization: `Bearer ${await token({ sub: 'platform', scope: 'producers:write' })}`,
      },
      payload: { name: 'Token farm', lat: 12.9, lng: 77.6, delivery_radius_km: 5 },
    });
    expect(producer.statusCode).toBe(201);
    const id = producer.json<{ id: number }>().id;
    const res = await test.app.inject({
      method: 'POST',
      url: '/products',
      headers: { authorization: `Bearer ${await token({ sub: 'user-1', producer_id: id })}` },
      payload: product(),
    });
    expect(res.statusCode).toBe(201);
    expect(res.json()).toMatchObject({ producer_id: id });
  });
});
