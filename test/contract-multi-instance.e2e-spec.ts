import { randomBytes } from 'node:crypto';
import { generateWebhookSecret, PartnerSim, signWebhook, startPartnerSim } from './partner-sim';
import { Answer, call, CallOptions, eventually, expectProblem } from './support/contract-http';
import { spawnService, SpawnedService } from './support/spawn-service';
import { createTestEnv, TestEnv } from './support/test-env';

/**
 * What the documentation promises about several instances, black-box: two built services share
 * one database, one Redis prefix and one partner. A cursor from one works on the other, a
 * write on one shows in the other's listings, the rate limit and the outbound token are
 * shared, and a webhook delivered to both at once takes effect once.
 */
describe('black-box: two instances', () => {
  const WEBHOOK_SECRET = generateWebhookSecret();
  let env: TestEnv;
  let sim: PartnerSim;
  let a: SpawnedService;
  let b: SpawnedService;
  let writer: string;

  const on = (service: SpawnedService, path: string, options: CallOptions = {}): Promise<Answer> =>
    call(service.url, path, options);

  beforeAll(async () => {
    sim = await startPartnerSim({ port: 0 });
    env = createTestEnv({ ...sim.serviceEnv(), WEBHOOK_SECRET, TRUSTED_PROXIES: '127.0.0.1' });
    a = await spawnService(env.vars);
    b = await spawnService(env.vars);
    writer = await sim.issueJwt({ scope: 'products:write', sub: 'multi-writer' });
    for (let i = 0; i < 12; i++) {
      const created = await on(a, '/products', {
        method: 'POST',
        token: writer,
        body: {
          sku: `MULTI-${i}`,
          name: `Multi ${i}`,
          category: 'multi',
          price: `${i % 3}.00`,
          stock: i,
        },
      });
      expect(created.status).toBe(201);
    }
  });

  afterAll(async () => {
    await a?.stop();
    await b?.stop();
    await sim?.stop();
    await env?.cleanup();
  });

  it('accepts a cursor from one instance on the other', async () => {
    const first = await on(a, '/products?category=multi&sort=price&limit=5');
    const cursor = first.body.page.next_cursor as string;
    const second = await on(
      b,
      `/products?category=multi&sort=price&limit=5&cursor=${encodeURIComponent(cursor)}`,
    );
    expect(second.status).toBe(200);
    const fromA = await on(
      a,
      `/products?category=multi&sort=price&limit=5&cursor=${encodeURIComponent(cursor)}`,
    );
    expect(second.body.data).toEqual(fromA.body.data);
  });

  it("shows a write on one instance in the other's cached listing within 1 s", async () => {
    const path = '/products?category=multi&sort=id&order=desc&limit=1';
    await on(b, path);
    expect((await on(b, path)).headers.get('x-cache')).toBe('hit');
    const created = await on(a, '/products', {
      method: 'POST',
      token: writer,
      body: { sku: 'MULTI-NEW', name: 'Multi new', category: 'multi', price: '3.00', stock: 1 },
    });
    await eventually(async () => {
      expect((await on(b, path)).body.data[0].id).toBe(created.body.id);
    }, 1_000);
  });

  it('lets N instances together through the configured limit, not N times it', async () => {
    const ip = '10.250.0.7';
    const answers = await Promise.all(
      Array.from({ length: 120 }, (_, i) => on(i % 2 === 0 ? a : b, '/auth/token/status', { ip })),
    );
    const ok = answers.filter((r) => r.status === 200).length;
    const limited = answers.filter((r) => r.status === 429);
    expect(ok).toBe(100);
    expect(limited).toHaveLength(20);
    expectProblem(limited[0], 429);
    expect(limited[0].headers.get('retry-after')).toMatch(/^[1-9]\d*$/);
  });

  it('fetches one outbound token for both instances', async () => {
    sim.resetCounters();
    const answers = await Promise.all(
      Array.from({ length: 10 }, (_, i) => on(i % 2 === 0 ? a : b, `/external/items/${i + 1}`)),
    );
    expect(answers.map((r) => r.status)).toEqual(Array(10).fill(200));
    expect(sim.counters.tokenRequests).toBe(1);
    const [statusA, statusB] = await Promise.all([
      on(a, '/auth/token/status'),
      on(b, '/auth/token/status'),
    ]);
    expect(statusA.body.cached).toBe(true);
    expect(statusB.body.fetched_at).toBe(statusA.body.fetched_at);
  });

  it('applies a webhook delivered to both instances at once exactly once', async () => {
    const id = `msg_${randomBytes(6).toString('hex')}`;
    const payload = JSON.stringify({
      type: 'inventory.updated',
      data: { sku: 'MULTI-1', stock: 500 },
    });
    const timestamp = Math.floor(Date.now() / 1000);
    const headers = {
      'webhook-id': id,
      'webhook-timestamp': String(timestamp),
      'webhook-signature': signWebhook(WEBHOOK_SECRET, id, timestamp, payload),
    };
    const deliveries = await Promise.all(
      [a, b, a, b].map((service) =>
        on(service, '/webhooks/partner', { method: 'POST', ip: null, body: payload, headers }),
      ),
    );
    const statuses = deliveries.map((r) =>
      r.status === 200 ? (r.body as { status: string }).status : r.status,
    );
    expect(statuses.filter((s) => s === 'processed')).toHaveLength(1);
    for (const status of statuses) {
      expect(['processed', 'duplicate', 409]).toContain(status);
    }
    const again = await on(b, '/webhooks/partner', {
      method: 'POST',
      ip: null,
      body: payload,
      headers,
    });
    expect(again.body).toEqual({ status: 'duplicate' });
    const listed = await on(a, '/products?category=multi&q=Multi%201&sort=id&order=asc&limit=1');
    expect(listed.body.data[0]).toMatchObject({ sku: 'MULTI-1', stock: 500 });
  });
});
