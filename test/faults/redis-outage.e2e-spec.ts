import { randomBytes } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { signWebhook } from '../partner-sim';
import { createTestEnv, TestEnv } from '../support/test-env';
import {
  api,
  createProducts,
  FaultsWorld,
  report,
  startInstances,
  startWorld,
  timeUntil,
} from './support/fixture';
import { LoadDriver, LoadRequest, summarize, violations } from './support/load';
import { PrivateRedis } from './support/private-redis';
import type { ServiceInstance } from './support/service';

const CATEGORY = 'redisoutage';
const LISTING = `/products?category=${CATEGORY}&sort=id&order=asc&limit=50`;
const ANSWER_WITHIN_MS = 2_000;
const READY_WITHIN_MS = 5_000;

/**
 * Redis dies (kill -9), restarts, and freezes (SIGSTOP) under load on two instances of the
 * built service. Every answer is a success (listings come from MySQL) or a 503 problem
 * within 2 s: never a 500, a reset or a hang. Readiness names redis while it is away and
 * is 200 again within 5 s of its return; nothing needs a restart afterwards.
 */
describe('Faults: Redis down, restarting or frozen under load', () => {
  let redis: PrivateRedis;
  let world: FaultsWorld;
  let env: TestEnv;
  let a: ServiceInstance;
  let b: ServiceInstance;
  let ids: number[];
  let skus: string[];

  beforeAll(async () => {
    redis = await PrivateRedis.start();
    world = await startWorld();
    env = createTestEnv({ ...world.baseEnv, REDIS_URL: redis.url });
    [a, b] = await startInstances(2, env.vars);
    ids = await createProducts(a.url, world.writer, CATEGORY, 6);
    skus = await Promise.all(
      ids.map(async (id) => (await api(a.url, `/products/${id}`)).body.sku as string),
    );
  });

  afterAll(async () => {
    redis?.thaw();
    await Promise.all([a?.stop(), b?.stop()]);
    await world?.sim.stop();
    await redis?.destroy();
    await env?.cleanup();
  });

  /**
   * Listings (repeated and varied), by-id reads, idempotent creates, webhook deliveries and
   * partner items (OAuth token and last good copies are kept in Redis).
   */
  function mix(n: number): LoadRequest {
    const base = n % 2 === 0 ? a.url : b.url;
    switch (n % 6) {
      case 0:
        return { label: 'by id', base, path: `/products/${ids[n % ids.length]}` };
      case 1:
        return {
          label: 'listing (varied)',
          base,
          path: `/products?category=${CATEGORY}&limit=${1 + (n % 9)}`,
        };
      case 2:
        return {
          label: 'create (Idempotency-Key)',
          base,
          path: '/products',
          method: 'POST',
          headers: {
            authorization: `Bearer ${world.writer}`,
            'idempotency-key': `redis-outage-${n}-${randomBytes(4).toString('hex')}`,
          },
          body: JSON.stringify({
            sku: `RO-${n}-${randomBytes(3).toString('hex')}`,
            name: `load ${n}`,
            category: `${CATEGORY}-load`,
            price: '2.50',
            stock: 1,
          }),
        };
      case 3:
        return webhook(base, n);
      case 4:
        return n % 4 === 0
          ? { label: 'partner item', base, path: `/external/items/${1 + (n % 20)}` }
          : { label: 'listing (repeated)', base, path: LISTING };
      default:
        return { label: 'listing (repeated)', base, path: LISTING };
    }
  }

  function webhook(base: string, n: number): LoadRequest {
    const id = `msg_ro_${n}_${randomBytes(4).toString('hex')}`;
    const timestamp = Math.floor(Date.now() / 1000);
    const body = JSON.stringify({
      type: 'inventory.updated',
      data: { sku: skus[n % skus.length], stock: n },
    });
    return {
      label: 'webhook',
      base,
      path: '/webhooks/partner',
      method: 'POST',
      headers: {
        'webhook-id': id,
        'webhook-timestamp': String(timestamp),
        'webhook-signature': signWebhook(world.webhookSecret, id, timestamp, body),
      },
      body,
    };
  }

  async function readinessNames(instance: ServiceInstance, dependency: string): Promise<boolean> {
    const ready = await api(instance.url, '/health/ready');
    return ready.status === 503 && String(ready.body?.detail).includes(dependency);
  }

  /** The `dependency_up` samples of an instance's /metrics, sorted. */
  async function dependencyGauges(instance: ServiceInstance): Promise<string[]> {
    const text = await (await fetch(`${instance.url}/metrics`)).text();
    return text
      .split('\n')
      .filter((line) => line.startsWith('dependency_up{'))
      .sort();
  }

  /** Ms until both instances are ready again (Infinity past 15 s). */
  function readyAgain(): Promise<number[]> {
    return Promise.all(
      [a, b].map((instance) =>
        timeUntil(async () => (await api(instance.url, '/health/ready')).status === 200, 15_000),
      ),
    );
  }

  it('answers a success or a 503 problem within 2 s, and is ready within 5 s of the return', async () => {
    const readyAfter: Record<string, number[]> = {};
    const named: Record<string, boolean[]> = {};
    const gauges: Record<string, string[]> = {};
    const load = new LoadDriver(mix, { concurrency: 12, hangMs: ANSWER_WITHIN_MS });
    try {
      await sleep(1_000);
      // Down, then restarted empty on the same port.
      await redis.kill9();
      await sleep(1_500);
      named.killed = [await readinessNames(a, 'redis'), await readinessNames(b, 'redis')];
      gauges.killed = await dependencyGauges(a);
      await redis.launch();
      readyAfter.restart = await readyAgain();
      gauges.back = await dependencyGauges(a);
      await sleep(1_000);
      // Frozen: the port still accepts connections, nothing answers.
      redis.freeze();
      await sleep(3_000);
      named.frozen = [await readinessNames(a, 'redis'), await readinessNames(b, 'redis')];
      redis.thaw();
      readyAfter.freeze = await readyAgain();
      await sleep(1_000);
    } finally {
      redis.thaw();
    }
    const observations = await load.stop();
    report('Redis outage: readiness 200 again after (ms, [a, b])', readyAfter);
    report('Redis outage: answers', summarize(observations));
    expect(
      violations(observations, { okStatuses: [200, 201], retryAfterOn503: true }).slice(0, 5),
    ).toEqual([]);
    expect(named).toEqual({ killed: [true, true], frozen: [true, true] });
    expect(gauges).toEqual({
      killed: ['dependency_up{dependency="database"} 1', 'dependency_up{dependency="redis"} 0'],
      back: ['dependency_up{dependency="database"} 1', 'dependency_up{dependency="redis"} 1'],
    });
    expect(Math.max(...Object.values(readyAfter).flat())).toBeLessThanOrEqual(READY_WITHIN_MS);
  });

  it('needs no restart: cache hits and shared state come back by themselves', async () => {
    for (const instance of [a, b]) {
      await api(instance.url, LISTING);
      await api(instance.url, LISTING);
      expect((await api(instance.url, LISTING)).headers.get('x-cache')).toBe('hit');
    }
    const name = `after outage ${randomBytes(3).toString('hex')}`;
    const patched = await api(a.url, `/products/${ids[0]}`, {
      method: 'PATCH',
      token: world.writer,
      body: { name },
    });
    expect(patched.status).toBe(200);
    const visible = await Promise.all(
      [a, b].map((instance) =>
        timeUntil(async () => {
          const listed = await api(instance.url, LISTING);
          return (listed.body.data as { name: string }[]).some((p) => p.name === name);
        }, 5_000),
      ),
    );
    report('Redis outage: a write after it visible on [a, b] after (ms)', visible);
    expect(Math.max(...visible)).toBeLessThanOrEqual(1_000);
  });
});
