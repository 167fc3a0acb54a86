import { setTimeout as sleep } from 'node:timers/promises';
import { SubscriptionsService } from '../src/external/subscriptions.service';
import { fakeItem, PartnerSim, startPartnerSim } from './partner-sim';
import { createTestApp, TestApp } from './support/create-test-app';
import { connectTestDb, createTestEnv, TestEnv } from './support/test-env';

const TIMEOUT_MS = 400;
const DEADLINE_MS = 2_000;
const PROBLEM = /^application\/problem\+json/;

describe('External partner API (GET /external/items/:id, subscriptions)', () => {
  let sim: PartnerSim;
  let env: TestEnv;
  let test: TestApp;
  let second: TestApp | undefined;
  let seq = 0;
  const nextId = (label: string) => `${label}-${(seq += 1)}`;

  const getItem = (id: string, app: TestApp = test) =>
    app.app.inject({ method: 'GET', url: `/external/items/${id}` });

  beforeAll(async () => {
    sim = await startPartnerSim();
    env = createTestEnv({
      ...sim.serviceEnv(),
      EXTERNAL_TIMEOUT_MS: String(TIMEOUT_MS),
      EXTERNAL_DEADLINE_MS: String(DEADLINE_MS),
      EXTERNAL_MAX_ATTEMPTS: '3',
      BREAKER_MIN_CALLS: '100000',
      RATE_LIMIT_LIMIT: '100000',
      PUBLIC_BASE_URL: 'http://127.0.0.1:3999',
    });
    test = await createTestApp();
  });

  afterEach(() => {
    sim.clearFaults();
    sim.resetCounters();
  });

  afterAll(async () => {
    await second?.close();
    await test?.close();
    await sim?.stop();
    await env?.cleanup();
  });

  describe('items', () => {
    it('serves the live item after 500, 500, 200 in exactly 3 attempts', async () => {
      const id = nextId('retry');
      sim.setFault({ itemId: id, mode: 'fail_next', count: 2, status: 500 });
      const res = await getItem(id);
      expect(res.statusCode).toBe(200);
      expect(res.json()).toEqual({ item: fakeItem(id), source: 'live' });
      expect(sim.counters.itemAttempts(id)).toBe(3);
      const metrics = (await test.app.inject({ method: 'GET', url: '/metrics' })).body;
      expect(metrics).toMatch(/partner_retries_total\{partner="partner"\} [1-9]/);
      expect(metrics).toMatch(/partner_attempts_total\{partner="partner",outcome="server_error"\}/);
    });

    it('answers a partner 404 with a 404 problem after one attempt', async () => {
      const id = nextId('missing');
      sim.setFault({ itemId: id, mode: 'not_found' });
      const res = await getItem(id);
      expect(res.statusCode).toBe(404);
      expect(res.headers['content-type']).toMatch(PROBLEM);
      expect(res.json()).toMatchObject({
        type: 'https://farmlokal.example/problems/partner-item-not-found',
        status: 404,
        instance: `/external/items/${id}`,
      });
      expect(sim.counters.itemAttempts(id)).toBe(1);
    });

    it('waits at least Retry-After before retrying a 429', async () => {
      const id = nextId('throttled');
      sim.setFault({ itemId: id, mode: 'rate_limit', count: 1, retryAfterS: 1 });
      const res = await getItem(id);
      expect(res.statusCode).toBe(200);
      expect(res.json().source).toBe('live');
      const [first, secondAttempt] = sim.counters.itemAttemptTimes(id);
      expect(sim.counters.itemAttempts(id)).toBe(2);
      expect(secondAttempt - first).toBeGreaterThanOrEqual(1_000);
    });

    it('fails at once with 503 and the partner Retry-After when it exceeds the deadline', async () => {
      const id = nextId('throttled-long');
      sim.setFault({ itemId: id, mode: 'rate_limit', count: 5, retryAfterS: 60 });
      const res = await getItem(id);
      expect(res.statusCode).toBe(503);
      expect(res.headers['retry-after']).toBe('60');
      expect(res.json()).toMatchObject({
        type: 'https://farmlokal.example/problems/partner-unavailable',
      });
      expect(sim.counters.itemAttempts(id)).toBe(1);
    });

    it('aborts hanging attempts and answers within the deadline', async () => {
      const id = nextId('hang');
      sim.setFault({ itemId: id, mode: 'hang' });
      const started = Date.now();
      const res = await getItem(id);
      const elapsed = Date.now() - started;
      expect(res.statusCode).toBe(503);
      expect(res.headers['retry-after']).toMatch(/^\d+$/);
      expect(elapsed).toBeLessThan(DEADLINE_MS + 1_000);
      const attempts = sim.counters.itemAttempts(id);
      expect(attempts).toBeGreaterThanOrEqual(2);
      expect(attempts).toBeLessThanOrEqual(3);
      for (let i = 0; i < 20 && sim.counters.abortedRequests(id) < attempts; i += 1) {
        await sleep(50);
      }
      expect(sim.counters.abortedRequests(id)).toBe(attempts);
    });

    it('serves the last good copy as stale when the partner keeps failing', async () => {
      const id = nextId('stale');
      const live = await getItem(id);
      expect(live.json()).toEqual({ item: fakeItem(id), source: 'live' });
      sim.setFault({ itemId: id, mode: 'error_rate', rate: 1, status: 503 });
      const stale = await getItem(id);
      expect(stale.statusCode).toBe(200);
      expect(stale.json()).toEqual({ item: fakeItem(id), source: 'stale' });
      expect(sim.counters.itemAttempts(id)).toBe(4);
    });

    it('answers 503 with Retry-After when the partner fails and there is no copy', async () => {
      const id = nextId('nocopy');
      sim.setFault({ itemId: id, mode: 'error_rate', rate: 1, status: 502 });
      const res = await getItem(id);
      expect(res.statusCode).toBe(503);
      expect(res.headers['retry-after']).toMatch(/^[1-9]\d*$/);
      expect(res.headers['content-type']).toMatch(PROBLEM);
      expect(sim.counters.itemAttempts(id)).toBe(3);
    });

    it('refreshes the token once after a 401 and succeeds', async () => {
      await getItem(nextId('warm'));
      sim.resetCounters();
      sim.revokeTokens();
      const id = nextId('revoked');
      const res = await getItem(id);
      expect(res.statusCode).toBe(200);
      expect(sim.counters.tokenRequests).toBe(1);
      const [oldToken, newToken] = sim.counters.itemAuthTokens(id);
      expect(sim.counters.itemAttempts(id)).toBe(2);
      expect(newToken).not.toBe(oldToken);
    });

    it('rejects partner data that does not validate with a 502', async () => {
      const id = nextId('garbage');
      sim.setItem(id, { price: 'free!' });
      const res = await getItem(id);
      expect(res.statusCode).toBe(502);
      expect(res.json()).toMatchObject({
        type: 'https://farmlokal.example/problems/partner-bad-response',
      });
      expect(res.body).not.toContain('free!');
    });

    it.each(['bad%20id', '.hidden', 'a'.repeat(65), 'x%2F..%2Fy'])(
      'answers 400 to the malformed id %s without calling the partner',
      async (raw) => {
        const res = await test.app.inject({ method: 'GET', url: `/external/items/${raw}` });
        expect(res.statusCode).toBe(400);
        expect(res.json()).toMatchObject({
          errors: [{ field: 'id', message: expect.any(String) }],
        });
        expect(sim.counters.itemAttempts()).toBe(0);
      },
    );
  });

  describe('subscriptions', () => {
    const url = '/external/subscriptions';
    const bearer = async (scope = 'subscriptions:manage') => ({
      authorization: `Bearer ${await sim.issueJwt({ scope })}`,
    });

    it('answers 401 without a token and 403 without the scope', async () => {
      for (const method of ['GET', 'POST'] as const) {
        const anonymous = await test.app.inject({ method, url });
        expect(anonymous.statusCode).toBe(401);
        expect(anonymous.headers['www-authenticate']).toMatch(/^Bearer/);
        const scoped = await test.app.inject({
          method,
          url,
          headers: await bearer('products:write'),
        });
        expect(scoped.statusCode).toBe(403);
      }
      expect(sim.subscriptions()).toHaveLength(0);
    });

    it('rejects unknown body fields with 400', async () => {
      const res = await test.app.inject({
        method: 'POST',
        url,
        headers: await bearer(),
        payload: { url: 'http://evil.example/' },
      });
      expect(res.statusCode).toBe(400);
      expect(sim.subscriptions()).toHaveLength(0);
    });

    it('registers once (201), then reuses it (200), never revealing the secret', async () => {
      const headers = await bearer();
      const first = await test.app.inject({ method: 'POST', url, headers });
      expect(first.statusCode).toBe(201);
      const [registered] = sim.subscriptions();
      expect(first.json()).toEqual({
        id: registered.id,
        url: 'http://127.0.0.1:3999/webhooks/partner',
        events: ['inventory.updated', 'price.updated'],
        created_at: expect.stringMatching(/Z$/),
        updated_at: expect.stringMatching(/Z$/),
      });
      const again = await test.app.inject({ method: 'POST', url, headers });
      expect(again.statusCode).toBe(200);
      expect(again.json().id).toBe(registered.id);
      expect(sim.subscriptions()).toHaveLength(1);

      const listed = await test.app.inject({ method: 'GET', url, headers });
      expect(listed.statusCode).toBe(200);
      expect(listed.json()).toEqual({ data: [first.json()] });
      for (const body of [first.body, again.body, listed.body]) {
        expect(body).not.toContain(registered.secret);
        expect(body).not.toContain('secret');
      }
      await expect(test.app.get(SubscriptionsService).listSecrets()).resolves.toEqual([
        registered.secret,
      ]);
    });

    it('creates one partner subscription for concurrent registrations on two instances', async () => {
      sim.reset();
      second = await createTestApp({ env: env.vars });
      const headers = await bearer();
      const results = await Promise.all(
        Array.from({ length: 6 }, (_, i) =>
          (i % 2 === 0 ? test : second!).app.inject({ method: 'POST', url, headers }),
        ),
      );
      const statuses = results.map((r) => r.statusCode).sort();
      expect(statuses).toEqual([200, 200, 200, 200, 200, 201]);
      const subscriptions = sim.subscriptions();
      expect(subscriptions).toHaveLength(1);
      const ids = new Set(results.map((r) => r.json<{ id: string }>().id));
      expect(ids).toEqual(new Set([subscriptions[0].id]));

      const db = await connectTestDb(env.dbName);
      try {
        const [rows] = await db.query('SELECT partner_id, secret FROM partner_subscriptions');
        expect(rows).toEqual([
          { partner_id: subscriptions[0].id, secret: subscriptions[0].secret },
        ]);
      } finally {
        await db.end();
      }
      await expect(second.app.get(SubscriptionsService).listSecrets()).resolves.toEqual([
        subscriptions[0].secret,
      ]);
    });
  });

  it('documents every external route in the OpenAPI document', async () => {
    const doc = (await test.app.inject({ method: 'GET', url: '/docs-json' })).json();
    const item = doc.paths['/external/items/{id}'].get;
    expect(item.tags).toEqual(['external']);
    expect(Object.keys(item.responses)).toEqual(
      expect.arrayContaining(['200', '400', '404', '502', '503']),
    );
    expect(item.responses['503'].headers['Retry-After']).toBeDefined();
    for (const method of ['get', 'post']) {
      const op = doc.paths['/external/subscriptions'][method];
      expect(op.tags).toEqual(['external']);
      expect(op.security).toEqual([{ bearer: [] }]);
      expect(Object.keys(op.responses)).toEqual(expect.arrayContaining(['200', '401', '403']));
    }
    expect(Object.keys(doc.paths['/external/subscriptions'].post.responses)).toContain('201');
  });
});
