import type Redis from 'ioredis';
import { once } from 'node:events';
import { setTimeout as sleep } from 'node:timers/promises';
import { createTestEnv, TestEnv } from '../../../test/support/test-env';
import { createRedisClient } from '../../common/redis/redis.module';
import type { RedisConfig } from '../../config/configuration';
import { generationKey } from './cache-layout';
import { parseGeneration } from './generation';
import { ResponseCache } from './response-cache';

/** Runs against the real Redis, under a key prefix of its own (deleted afterwards). */
describe(ResponseCache.name, () => {
  let env: TestEnv;
  let settings: RedisConfig;
  const clients: Redis[] = [];
  const caches: ResponseCache[] = [];

  const newCache = async (options = { refreshMs: 50, maxAgeMs: 150 }) => {
    const redis = createRedisClient(settings);
    clients.push(redis);
    await once(redis, 'ready');
    const cache = new ResponseCache(redis, settings, options);
    caches.push(cache);
    return { cache, redis };
  };
  const entry = (key: string) => ({ namespace: 'spec:list', key, ttlS: 60 });

  beforeAll(() => {
    env = createTestEnv();
    settings = {
      url: env.vars.REDIS_URL,
      keyPrefix: env.redisPrefix,
      sentinels: [],
      sentinelMaster: 'mymaster',
      clusterNodes: [],
    };
  });

  afterAll(async () => {
    caches.forEach((cache) => cache.onModuleDestroy());
    await Promise.all(clients.filter((c) => c.status === 'ready').map((c) => c.quit()));
    await env.cleanup();
  });

  it('computes a miss once, then answers from Redis and from memory', async () => {
    const { cache } = await newCache();
    let computed = 0;
    const compute = () => Promise.resolve(JSON.stringify({ n: (computed += 1) }));
    const first = await cache.getOrCompute(entry('a'), compute);
    expect(first).toMatchObject({ result: 'miss', response: { body: '{"n":1}' } });
    expect(first.response.etag).toMatch(/^"[A-Za-z0-9_-]{27}"$/);
    const second = await cache.getOrCompute(entry('a'), compute);
    expect(second).toMatchObject({ result: 'hit', layer: 'memory', response: first.response });

    const other = (await newCache()).cache;
    const fromRedis = await other.getOrCompute(entry('a'), compute);
    expect(fromRedis).toMatchObject({ result: 'hit', layer: 'redis', response: first.response });
    expect(computed).toBe(1);
  });

  it('shares one computation among concurrent misses of a key', async () => {
    const { cache } = await newCache();
    let computed = 0;
    const compute = async () => {
      computed += 1;
      await sleep(30);
      return '"slow"';
    };
    const results = await Promise.all(
      Array.from({ length: 10 }, () => cache.getOrCompute(entry('b'), compute)),
    );
    expect(computed).toBe(1);
    expect(new Set(results.map((r) => r.response.body))).toEqual(new Set(['"slow"']));
  });

  it('stops serving every entry of a namespace on this and other instances after invalidate', async () => {
    const a = (await newCache()).cache;
    const b = (await newCache()).cache;
    let version = 1;
    const compute = () => Promise.resolve(`"v${version}"`);
    await a.getOrCompute(entry('c'), compute);
    await b.getOrCompute(entry('c'), compute);
    expect((await b.getOrCompute(entry('c'), compute)).layer).toBe('memory');

    version = 2;
    await a.invalidate('spec:list');
    expect((await a.getOrCompute(entry('c'), compute)).response.body).toBe('"v2"');
    await sleep(200);
    expect((await b.getOrCompute(entry('c'), compute)).response.body).toBe('"v2"');
  });

  it('serves a computed value, reported as an error, while Redis cannot be reached', async () => {
    const { cache, redis } = await newCache();
    redis.disconnect();
    const outcome = await cache.getOrCompute(entry('d'), () => Promise.resolve('"fresh"'));
    expect(outcome).toMatchObject({ result: 'error', response: { body: '"fresh"' } });
  });

  it('keeps the in-process layer within its byte bound', async () => {
    const { cache } = await newCache({ refreshMs: 50, maxAgeMs: 1_000 });
    const bounded = new ResponseCache(clients[clients.length - 1], settings, {
      memoryMaxBytes: 4_096,
      refreshMs: 50,
      maxAgeMs: 1_000,
    });
    caches.push(bounded);
    for (let i = 0; i < 20; i += 1) {
      await bounded.getOrCompute(entry(`e${i}`), () => Promise.resolve(`"${'x'.repeat(500)}"`));
    }
    expect(bounded.memoryBytes).toBeGreaterThan(0);
    expect(bounded.memoryBytes).toBeLessThanOrEqual(4_096);
    expect(cache.memoryBytes).toBe(0);
  });

  it('keeps the generation under the namespace’s hash tag', async () => {
    const { cache, redis } = await newCache();
    await cache.invalidate('spec:tagged');
    expect(parseGeneration(await redis.get(generationKey('spec:tagged')))?.n).toBe(1);
  });
});
