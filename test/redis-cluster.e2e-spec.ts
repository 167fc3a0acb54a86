import { startPartnerSim, PartnerSim } from './partner-sim';
import { createTestApp, TestApp } from './support/create-test-app';
import { LocalRedisCluster, startRedisCluster } from './support/redis-cluster';
import { connectTestDb, createTestEnv, TestEnv } from './support/test-env';

describe('Redis Cluster mode', () => {
  let cluster: LocalRedisCluster;
  let sim: PartnerSim;
  let env: TestEnv;
  let test: TestApp;

  beforeAll(async () => {
    cluster = await startRedisCluster();
    sim = await startPartnerSim({ port: 0 });
    env = createTestEnv({
      REDIS_URL: 'redis://127.0.0.1:1/0',
      REDIS_CLUSTER_NODES: cluster.nodes,
      OAUTH_TOKEN_URL: `${sim.url}/oauth/token`,
      PARTNER_API_URL: sim.url,
      RATE_LIMIT_LIMIT: '3',
      RATE_LIMIT_WINDOW_S: '60',
    });
    test = await createTestApp();
    const db = await connectTestDb(env.dbName);
    try {
      await db.query(
        `INSERT INTO products (sku, name, category, price, stock, created_at, updated_at)
         VALUES ('CL-1', 'Cluster Carrot', 'vegetables', '10.00', 5, NOW(3), NOW(3))`,
      );
    } finally {
      await db.end();
    }
  });

  afterAll(async () => {
    await test?.close();
    await sim?.stop();
    await cluster?.stop();
    await env?.cleanup();
  });

  it('is ready, caches listings, shares the partner token and limits requests', async () => {
    const ready = await test.app.inject({ method: 'GET', url: '/health/ready' });
    expect(ready.statusCode).toBe(200);

    const first = await test.app.inject({ method: 'GET', url: '/products?limit=5' });
    const second = await test.app.inject({ method: 'GET', url: '/products?limit=5' });
    expect(first.headers['x-cache']).toBe('miss');
    expect(second.headers['x-cache']).toBe('hit');
    const page = second.json<{ data: { sku: string }[] }>();
    expect(page.data.map((p) => p.sku)).toEqual(['CL-1']);
    expect(second.headers['ratelimit-remaining']).toBe('1');

    const limited = await test.app.inject({ method: 'GET', url: '/products?limit=6' });
    const item = await test.app.inject({ method: 'GET', url: '/products?limit=7' });
    expect(limited.statusCode).toBe(200);
    expect(item.statusCode).toBe(429);
  });

  it('fetches the partner token once and keeps it in the cluster', async () => {
    const other = await createTestApp({ env: { RATE_LIMIT_LIMIT: '100' } });
    try {
      const res = await other.app.inject({ method: 'GET', url: '/external/items/7' });
      expect(res.statusCode).toBe(200);
      expect(res.json().source).toBe('live');
      const status = await other.app.inject({ method: 'GET', url: '/auth/token/status' });
      expect(status.json().cached).toBe(true);
      expect(sim.counters.tokenRequests).toBe(1);
    } finally {
      await other.close();
    }
  });
});
