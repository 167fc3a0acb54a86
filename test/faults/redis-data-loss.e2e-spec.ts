import type Redis from 'ioredis';
import { randomBytes } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { createTestEnv, TestEnv } from '../support/test-env';
import { api, FaultsWorld, report, startInstances, startWorld } from './support/fixture';
import { PrivateRedis } from './support/private-redis';
import type { ServiceInstance } from './support/service';
import { firstLapse, waitUntilVisible } from './support/visibility';

/**
 * Redis loses data: restarted without persistence, wiped, keys evicted, or failed over to
 * a replica that lacks the last writes. Whatever it lost, a write made afterwards (or
 * before a failover that lost its traces) shows in the listings of every instance, the
 * one that took the write and the other, within a second.
 */
describe('Faults: Redis loses data', () => {
  const CATEGORY = `faults-loss-${Date.now()}`;
  const LISTING = `/products?category=${CATEGORY}&sort=id&order=asc&limit=50`;
  const VISIBLE_WITHIN_MS = 1_000;
  let redis: PrivateRedis;
  let world: FaultsWorld;
  let env: TestEnv;
  let a: ServiceInstance;
  let b: ServiceInstance;
  let productId: number;
  const measured: Record<string, number> = {};

  const listedName = (body: unknown): string | undefined =>
    (body as { data: { id: number; name: string }[] }).data.find((p) => p.id === productId)?.name;

  /** Both instances serve the listing from their caches (a second read is a hit). */
  async function warm(): Promise<void> {
    for (const service of [a, b]) {
      await api(service.url, LISTING);
      const again = await api(service.url, LISTING);
      expect(again.status).toBe(200);
    }
  }

  async function rename(via: ServiceInstance, name: string): Promise<void> {
    const res = await api(via.url, `/products/${productId}`, {
      method: 'PATCH',
      token: world.writer,
      body: { name },
    });
    expect(res.status).toBe(200);
  }

  async function expectVisible(scenario: string, name: string, stayMs = 1_500): Promise<void> {
    const seen = await waitUntilVisible(
      [a.url, b.url],
      LISTING,
      (body) => listedName(body) === name,
      VISIBLE_WITHIN_MS + 2_000,
    );
    measured[scenario] = Math.max(measured[scenario] ?? 0, seen.elapsedMs);
    expect({
      scenario,
      visible: seen.visible,
      within: seen.elapsedMs <= VISIBLE_WITHIN_MS,
    }).toEqual({ scenario, visible: true, within: true });
    // And it stays visible: no instance goes back to an older page afterwards.
    const lapse = await firstLapse(
      [a.url, b.url],
      LISTING,
      (body) => listedName(body) === name,
      stayMs,
    );
    expect({ scenario, lapse }).toEqual({ scenario, lapse: undefined });
  }

  beforeAll(async () => {
    redis = await PrivateRedis.start();
    world = await startWorld();
    env = createTestEnv({ ...world.baseEnv, REDIS_URL: redis.url });
    [a, b] = await startInstances(2, env.vars);
    const created = await api(a.url, '/products', {
      method: 'POST',
      token: world.writer,
      body: {
        sku: `LOSS-${randomBytes(4).toString('hex')}`,
        name: 'before',
        category: CATEGORY,
        price: '1.00',
        stock: 1,
      },
    });
    expect(created.status).toBe(201);
    productId = created.body.id as number;
  });

  afterAll(async () => {
    report('Redis data loss: a write visible on both instances after (ms)', measured);
    await Promise.all([a?.stop(), b?.stop()]);
    await world?.sim.stop();
    await redis?.destroy();
    await env?.cleanup();
  });

  it('shows a write on both instances within 1 s after Redis was wiped (FLUSHALL)', async () => {
    await warm();
    await redis.wipe();
    await rename(a, 'after-wipe');
    await expectVisible('wipe, write on the first instance', 'after-wipe');
  });

  it('shows a write on both instances within 1 s after Redis restarted empty', async () => {
    await warm();
    await redis.kill9();
    await redis.launch();
    // The write comes while the instances are still reconnecting, or just after.
    await rename(b, 'after-restart');
    await expectVisible('restart, write on the second instance', 'after-restart');
  });

  it('shows a write within 1 s after the small keys were evicted and the big pages kept', async () => {
    await redis.wipe();
    // Several generations of cached pages, each with older data than the next.
    for (const name of ['evict-1', 'evict-2', 'evict-3']) {
      await rename(a, name);
      await expectVisible(`before eviction (${name})`, name);
      await warm();
    }
    // What allkeys-* eviction may do: counters and small values go, cached pages stay.
    await withClient(redis, async (client) => {
      const keys = await client.keys('*');
      for (const key of keys) {
        if ((await client.type(key)) !== 'string' || (await client.strlen(key)) < 100) {
          await client.del(key);
        }
      }
    });
    await sleep(300);
    await rename(b, 'after-eviction');
    await expectVisible('eviction, write on the second instance', 'after-eviction');
  });

  it('shows writes within 1 s after any single key was evicted', async () => {
    await redis.wipe();
    await rename(a, 'single-0');
    await warm();
    const keys = await withClient(redis, (client) => client.keys('*'));
    expect(keys.length).toBeGreaterThan(0);
    let round = 0;
    for (const [index, key] of keys.entries()) {
      await warm();
      await withClient(redis, (client) => client.del(key));
      // Enough writes for a counter that started again from zero to reach its old value.
      for (let i = 0; i < 4; i++) {
        round += 1;
        await rename(round % 2 === 0 ? a : b, `single-${round}`);
        await expectVisible(`evicted key ${index + 1} of ${keys.length}`, `single-${round}`, 0);
      }
    }
  });

  it('shows a write within 1 s when Redis fails over to a copy that lacks it', async () => {
    await warm();
    // The replica's view: everything as it was before the write below.
    const snapshot = await withClient(redis, async (client) => {
      const keys = await client.keys('*');
      return Promise.all(
        keys.map(async (key) => ({
          key,
          dump: await client.dumpBuffer(key),
          ttl: Math.max(0, await client.pttl(key)),
        })),
      );
    });
    await rename(a, 'lost-by-failover');
    await expectVisible('before failover', 'lost-by-failover');
    // Promote the stale copy: the write's invalidation is gone, its older pages are back.
    await withClient(redis, async (client) => {
      await client.flushall();
      for (const { key, dump, ttl } of snapshot) {
        if (dump !== null) {
          await client.restore(key, ttl, dump, 'REPLACE');
        }
      }
    });
    await expectVisible('failover to a stale copy', 'lost-by-failover');
    await rename(b, 'after-failover');
    await expectVisible('failover, then write on the second instance', 'after-failover');
  });
});

async function withClient<T>(redis: PrivateRedis, use: (client: Redis) => Promise<T>): Promise<T> {
  const client = redis.client();
  try {
    return await use(client);
  } finally {
    client.disconnect();
  }
}
