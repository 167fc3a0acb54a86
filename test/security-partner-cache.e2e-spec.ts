import { fakeItem, PartnerSim, startPartnerSim } from './partner-sim';
import { createTestApp, TestApp } from './support/create-test-app';
import { createTestEnv, rawRedis, TestEnv } from './support/test-env';

const MAX_ITEMS = 5;
const FETCHED = 20;

/** Last good copies of partner items are kept for a bounded number of items. */
describe('Partner item copies', () => {
  let sim: PartnerSim;
  let env: TestEnv;
  let test: TestApp;
  const ids = Array.from({ length: FETCHED }, (_, i) => `bounded-${i + 1}`);

  const getItem = (id: string) => test.app.inject({ method: 'GET', url: `/external/items/${id}` });

  beforeAll(async () => {
    sim = await startPartnerSim();
    env = createTestEnv({
      ...sim.serviceEnv(),
      PARTNER_ITEM_CACHE_MAX_ITEMS: String(MAX_ITEMS),
      EXTERNAL_MAX_ATTEMPTS: '1',
      BREAKER_MIN_CALLS: '100000',
      RATE_LIMIT_LIMIT: '100000',
    });
    test = await createTestApp();
  });

  afterAll(async () => {
    await test?.close();
    await sim?.stop();
    await env?.cleanup();
  });

  it(`keeps copies of the ${MAX_ITEMS} most recently fetched items only`, async () => {
    for (const id of ids) {
      expect((await getItem(id)).json()).toEqual({ item: fakeItem(id), source: 'live' });
    }
    sim.setFault({ mode: 'error_rate', rate: 1, status: 503 });

    const sources: string[] = [];
    for (const id of ids) {
      const res = await getItem(id);
      sources.push(
        res.statusCode === 200 ? res.json<{ source: string }>().source : String(res.statusCode),
      );
    }
    expect(sources).toEqual([
      ...Array(FETCHED - MAX_ITEMS).fill('503'),
      ...Array(MAX_ITEMS).fill('stale'),
    ]);
    const res = await getItem(ids[FETCHED - 1]);
    expect(res.json()).toEqual({ item: fakeItem(ids[FETCHED - 1]), source: 'stale' });
  });

  it('holds no more Redis memory for copies than the bound allows', async () => {
    const redis = rawRedis();
    try {
      const keys = await redis.keys(`${env.redisPrefix}*external:item*`);
      let bytes = 0;
      for (const key of keys) {
        bytes += Number(await redis.memory('USAGE', key));
      }
      // A copy is about 150 bytes of JSON plus its bookkeeping; 20 unbounded copies took 4.7 kB.
      process.stdout.write(`partner item copies: ${keys.length} keys, ${bytes} bytes\n`);
      expect(bytes).toBeLessThan(MAX_ITEMS * 400 + 1_024);
    } finally {
      redis.disconnect();
    }
  });
});
