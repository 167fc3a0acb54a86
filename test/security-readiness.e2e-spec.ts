import { createTestApp, TestApp } from './support/create-test-app';
import { mysqlQueryPacket, redisCommand, TcpTap } from './support/tcp-tap';
import { createTestEnv, TestEnv } from './support/test-env';

const DB_PORT = Number(process.env.TEST_DB_PORT ?? 3306);
const REDIS_URL = new URL(process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379/0');
const BURST = 400;

/** Probes and monitors calling /health/ready must not multiply the load on MySQL and Redis. */
describe('GET /health/ready under a burst', () => {
  let env: TestEnv;
  let test: TestApp;
  let mysql: TcpTap;
  let redis: TcpTap;

  beforeAll(async () => {
    mysql = new TcpTap(DB_PORT, process.env.TEST_DB_HOST ?? '127.0.0.1');
    redis = new TcpTap(Number(REDIS_URL.port || 6379), REDIS_URL.hostname);
    const [mysqlPort, redisPort] = [await mysql.start(), await redis.start()];
    env = createTestEnv({
      DB_PORT: String(mysqlPort),
      REDIS_URL: `redis://127.0.0.1:${redisPort}${REDIS_URL.pathname}`,
    });
    test = await createTestApp();
  });

  afterAll(async () => {
    await test?.close();
    await mysql?.stop();
    await redis?.stop();
    await env?.cleanup();
  });

  it(`answers ${BURST} concurrent probes from at most one check per second`, async () => {
    mysql.clear();
    redis.clear();
    const started = Date.now();
    const answers = await Promise.all(
      Array.from({ length: BURST }, () => test.app.inject({ method: 'GET', url: '/health/ready' })),
    );
    const elapsedS = (Date.now() - started) / 1000;
    const dbPings = mysql.count(mysqlQueryPacket('SELECT 1'));
    const redisPings = redis.count(redisCommand('ping')) + redis.count(redisCommand('PING'));
    process.stdout.write(
      `readiness burst: ${BURST} answers in ${elapsedS.toFixed(2)} s, ` +
        `${dbPings} database and ${redisPings} Redis pings\n`,
    );

    expect(answers.map((res) => res.statusCode)).toEqual(Array(BURST).fill(200));
    expect(answers[0].json()).toEqual({ status: 'ok', checks: { database: 'up', redis: 'up' } });
    const allowed = Math.floor(elapsedS) + 2;
    expect(dbPings).toBeGreaterThanOrEqual(1);
    expect(dbPings).toBeLessThanOrEqual(allowed);
    expect(redisPings).toBeGreaterThanOrEqual(1);
    expect(redisPings).toBeLessThanOrEqual(allowed);
  });

  it('checks again once the last result is more than a second old', async () => {
    await test.app.inject({ method: 'GET', url: '/health/ready' });
    await new Promise((resolve) => setTimeout(resolve, 1_100));
    mysql.clear();
    const res = await test.app.inject({ method: 'GET', url: '/health/ready' });
    expect(res.statusCode).toBe(200);
    expect(mysql.count(mysqlQueryPacket('SELECT 1'))).toBe(1);
  });
});
