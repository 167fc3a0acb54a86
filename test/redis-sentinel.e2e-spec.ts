import { ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type Redis from 'ioredis';
import { REDIS_CLIENT } from '../src/common/redis/redis.constants';
import { createTestApp, TestApp } from './support/create-test-app';
import { freePort } from './support/spawn-service';
import { createTestEnv, rawRedis, TestEnv } from './support/test-env';

const MASTER_NAME = 'farmlokal-test-master';

/** A real Redis Sentinel (redis-server --sentinel) monitoring the local Redis. */
async function startSentinel(): Promise<{ port: number; stop: () => Promise<void> }> {
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), 'fl-sentinel-'));
  const conf = join(dir, 'sentinel.conf');
  writeFileSync(
    conf,
    [
      `port ${port}`,
      'bind 127.0.0.1',
      `dir ${dir}`,
      `sentinel monitor ${MASTER_NAME} 127.0.0.1 6379 1`,
    ].join('\n'),
  );
  const child: ChildProcess = spawn('redis-server', [conf, '--sentinel'], { stdio: 'ignore' });
  for (let i = 0; i < 50; i++) {
    const up = await fetch(`http://127.0.0.1:${port}`).then(
      () => true,
      (error: { cause?: { code?: string } }) => error.cause?.code !== 'ECONNREFUSED',
    );
    if (up) {
      break;
    }
    await sleep(100);
  }
  return {
    port,
    stop: async () => {
      child.kill('SIGTERM');
      await new Promise((resolve) => child.once('exit', resolve));
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

describe('Redis through Sentinel', () => {
  let env: TestEnv;
  let sentinel: Awaited<ReturnType<typeof startSentinel>>;
  let test: TestApp;

  beforeAll(async () => {
    sentinel = await startSentinel();
    env = createTestEnv({
      REDIS_URL: 'redis://127.0.0.1:1/0',
      REDIS_SENTINELS: `127.0.0.1:${sentinel.port}`,
      REDIS_SENTINEL_MASTER: MASTER_NAME,
    });
    test = await createTestApp();
  });

  afterAll(async () => {
    await test?.close();
    await sentinel?.stop();
    await env.cleanup();
  });

  it('finds the master through the Sentinel and writes prefixed keys to it', async () => {
    const ready = await test.app.inject({ method: 'GET', url: '/health/ready' });
    expect(ready.json()).toEqual({ status: 'ok', checks: { database: 'up', redis: 'up' } });

    await test.app.get<Redis>(REDIS_CLIENT).set('sentinel-probe', 'via-sentinel');
    const direct = rawRedis();
    try {
      expect(await direct.get(`${env.redisPrefix}sentinel-probe`)).toBe('via-sentinel');
    } finally {
      direct.disconnect();
    }
  });
});
