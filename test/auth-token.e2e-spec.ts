import { Controller, Get } from '@nestjs/common';
import type Redis from 'ioredis';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import {
  TOKEN_FAILURE_BACKOFF_MS,
  TOKEN_LOCK_TTL_MS,
  TOKEN_MAX_WAIT_MS,
} from '../src/external/partner-token/partner-token.constants';
import { TokenUnavailableError } from '../src/external/partner-token/partner-token.errors';
import { TokenService } from '../src/external/partner-token/token.service';
import { TokenStore } from '../src/external/partner-token/token.store';
import { DEV_CLIENT_SECRET, PartnerSim, startPartnerSim } from './partner-sim';
import { createTestApp, TestApp } from './support/create-test-app';
import { createTestEnv, deleteRedisKeys, rawRedis, TestEnv } from './support/test-env';

jest.setTimeout(30_000);

@Controller('__probe')
class TokenProbeController {
  constructor(private readonly tokens: TokenService) {}

  @Get('token')
  async token(): Promise<{ ok: boolean }> {
    await this.tokens.getToken();
    return { ok: true };
  }
}

describe('Outbound OAuth2 client-credentials token (TokenService)', () => {
  let sim: PartnerSim;
  let env: TestEnv;
  let redis: Redis;
  let instances: TestApp[] = [];

  const start = async (
    count: number,
    options: Parameters<typeof createTestApp>[0] = {},
  ): Promise<TestApp[]> => {
    for (let i = 0; i < count; i += 1) {
      instances.push(await createTestApp({ controllers: [TokenProbeController], ...options }));
    }
    return instances.slice(-count);
  };
  const tokensOf = (instance: TestApp) => instance.app.get(TokenService);
  const storedToken = async (instance: TestApp): Promise<string | null> => {
    const raw = await redis.get(env.redisPrefix + instance.app.get(TokenStore).tokenKey);
    return raw === null ? null : (JSON.parse(raw) as { access_token: string }).access_token;
  };

  beforeAll(async () => {
    sim = await startPartnerSim();
    env = createTestEnv(sim.serviceEnv());
    redis = rawRedis();
  });

  afterEach(async () => {
    await Promise.all(instances.map((instance) => instance.close()));
    instances = [];
    sim.reset();
    await deleteRedisKeys(env.redisPrefix);
  });

  afterAll(async () => {
    redis?.disconnect();
    await sim?.stop();
    await env?.cleanup();
  });

  it('makes exactly one token request for 3 instances × 100 concurrent callers', async () => {
    const apps = await start(3);
    const before = await apps[0].app.inject({ method: 'GET', url: '/auth/token/status' });
    expect(before.statusCode).toBe(200);
    expect(before.json()).toEqual({ cached: false, expires_in: null, fetched_at: null });

    const calls = apps.flatMap((instance) =>
      Array.from({ length: 100 }, () => tokensOf(instance).getToken()),
    );
    const tokens = await Promise.all(calls);

    expect(new Set(tokens).size).toBe(1);
    expect(sim.counters.tokenRequests).toBe(1);
    expect(sim.counters.tokenRequestLog[0]).toMatchObject({
      authMethod: 'basic',
      clientId: 'farmlokal-dev',
      grantType: 'client_credentials',
      audience: 'partner-api',
      scope: 'items:read webhooks:write',
      status: 200,
    });
    expect(await storedToken(apps[0])).toBe(tokens[0]);
    const ttlMs = await redis.pttl(env.redisPrefix + apps[0].app.get(TokenStore).tokenKey);
    expect(ttlMs).toBeGreaterThan(3_400_000);
    expect(ttlMs).toBeLessThanOrEqual(3_540_000);

    const after = await apps[2].app.inject({ method: 'GET', url: '/auth/token/status' });
    const status = after.json();
    expect(status).toEqual({
      cached: true,
      expires_in: expect.any(Number),
      fetched_at: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/),
    });
    expect(status.expires_in).toBeGreaterThan(3500);
    expect(status.expires_in).toBeLessThanOrEqual(3600);
    expect(after.body).not.toContain(tokens[0]);
  });

  it('refreshes once per expiry under steady load and never hands out an expired token', async () => {
    sim.configureOAuth({ expiresInS: 2 });
    const apps = await start(2);
    const loadMs = 5_000;
    const deadline = Date.now() + loadMs;
    const rejected: number[] = [];
    const handedOut = new Set<string>();
    let partnerCalls = 0;
    const worker = async (instance: TestApp): Promise<void> => {
      while (Date.now() < deadline) {
        const token = await tokensOf(instance).getToken();
        handedOut.add(token);
        const res = await fetch(`${sim.url}/v1/items/1`, {
          headers: { authorization: `Bearer ${token}` },
        });
        await res.arrayBuffer();
        partnerCalls += 1;
        if (res.status !== 200) {
          rejected.push(res.status);
        }
        await sleep(5);
      }
    };
    await Promise.all(
      apps.flatMap((instance) => Array.from({ length: 4 }, () => worker(instance))),
    );

    expect(partnerCalls).toBeGreaterThan(100);
    expect(rejected).toEqual([]);
    const requests = sim.counters.tokenRequestLog.map((record) => record.at);
    expect(requests.length).toBeGreaterThanOrEqual(3);
    expect(requests.length).toBeLessThanOrEqual(Math.ceil(loadMs / 1_000) + 1);
    const gaps = requests.slice(1).map((at, i) => at - requests[i]);
    expect(Math.min(...gaps)).toBeGreaterThanOrEqual(1_000);
    expect(handedOut.size).toBeGreaterThanOrEqual(requests.length - 1);
  });

  it('gets past a crashed lock holder within the lock TTL plus one second', async () => {
    const apps = await start(2);
    const lockKey = env.redisPrefix + apps[0].app.get(TokenStore).lockKey;
    await redis.set(lockKey, 'owner-that-crashed', 'PX', TOKEN_LOCK_TTL_MS);
    const lockedAt = Date.now();

    const tokens = await Promise.all(
      apps.flatMap((instance) => Array.from({ length: 50 }, () => tokensOf(instance).getToken())),
    );
    const waitedMs = Date.now() - lockedAt;

    expect(new Set(tokens).size).toBe(1);
    expect(sim.counters.tokenRequests).toBe(1);
    expect(waitedMs).toBeGreaterThanOrEqual(TOKEN_LOCK_TTL_MS - 100);
    expect(waitedMs).toBeLessThanOrEqual(TOKEN_LOCK_TTL_MS + 1_000);
    expect(await redis.get(lockKey)).toBeNull();
  });

  it('recovers within the lock TTL plus one second when the holder process is killed', async () => {
    const apps = await start(2);
    sim.configureOAuth({ latencyMs: 30_000 });
    const holder = spawn(
      process.execPath,
      [require.resolve('ts-node/dist/bin'), '--swc', join(__dirname, 'auth', 'token-holder.ts')],
      { env: { ...process.env, LOG_LEVEL: 'silent' }, stdio: ['ignore', 'pipe', 'inherit'] },
    );
    const exited = once(holder, 'exit');
    try {
      while (sim.counters.tokenRequests === 0) {
        await sleep(20);
      }
      const lockKey = env.redisPrefix + apps[0].app.get(TokenStore).lockKey;
      const lockTtlLeft = await redis.pttl(lockKey);
      expect(lockTtlLeft).toBeGreaterThan(0);
      const lockedAt = Date.now() - (TOKEN_LOCK_TTL_MS - lockTtlLeft);
      holder.kill('SIGKILL');
      await exited;
      sim.configureOAuth({ latencyMs: 0 });

      const tokens = await Promise.all(
        apps.flatMap((instance) => Array.from({ length: 50 }, () => tokensOf(instance).getToken())),
      );
      const waitedMs = Date.now() - lockedAt;

      expect(new Set(tokens).size).toBe(1);
      expect(sim.counters.tokenRequests).toBe(2);
      expect(waitedMs).toBeGreaterThanOrEqual(TOKEN_LOCK_TTL_MS - 100);
      expect(waitedMs).toBeLessThanOrEqual(TOKEN_LOCK_TTL_MS + 1_000);
    } finally {
      holder.kill('SIGKILL');
    }
  });

  it('invalidates a token only while it is still the cached one', async () => {
    const [a, b] = await start(2);
    const first = await tokensOf(a).getToken();
    expect(await tokensOf(b).getToken()).toBe(first);

    await tokensOf(a).invalidate(first);
    expect(await storedToken(a)).toBeNull();
    const second = await tokensOf(a).getToken();
    expect(second).not.toBe(first);

    await tokensOf(b).invalidate(first);
    expect(await storedToken(b)).toBe(second);
    expect(await tokensOf(b).getToken()).toBe(second);
    await tokensOf(a).invalidate('some-other-token');
    expect(await tokensOf(a).getToken()).toBe(second);
    expect(sim.counters.tokenRequests).toBe(2);
  });

  it('answers a 503 problem while the token endpoint is down, then recovers', async () => {
    const [a, b] = await start(2);
    sim.configureOAuth({ down: true });

    const outcomes = await Promise.allSettled(
      [a, b].flatMap((instance) => Array.from({ length: 20 }, () => tokensOf(instance).getToken())),
    );
    expect(outcomes.every((o) => o.status === 'rejected')).toBe(true);
    for (const outcome of outcomes) {
      expect((outcome as PromiseRejectedResult).reason).toBeInstanceOf(TokenUnavailableError);
    }
    expect(sim.counters.tokenRequests).toBeLessThanOrEqual(2);

    const res = await a.app.inject({ method: 'GET', url: '/__probe/token' });
    expect(res.statusCode).toBe(503);
    expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(res.headers['retry-after']).toMatch(/^\d+$/);
    expect(res.json()).toMatchObject({
      type: 'https://farmlokal.example/problems/token-unavailable',
      status: 503,
    });

    sim.configureOAuth({ down: false });
    await sleep(TOKEN_FAILURE_BACKOFF_MS + 100);
    const recovered = await a.app.inject({ method: 'GET', url: '/__probe/token' });
    expect(recovered.statusCode).toBe(200);
    expect(await tokensOf(b).getToken()).toBe(await tokensOf(a).getToken());
  });

  it('gives up on a hanging token endpoint within the bounded wait', async () => {
    const [a] = await start(1);
    sim.configureOAuth({ hang: true });
    const startedAt = Date.now();
    await expect(tokensOf(a).getToken()).rejects.toThrow(TokenUnavailableError);
    expect(Date.now() - startedAt).toBeLessThanOrEqual(TOKEN_MAX_WAIT_MS + 500);

    sim.configureOAuth({ hang: false });
    await sleep(TOKEN_FAILURE_BACKOFF_MS + 100);
    await expect(tokensOf(a).getToken()).resolves.toEqual(expect.any(String));
  });

  it('never writes the token or the client secret to logs or responses', async () => {
    const lines: string[] = [];
    const [a] = await start(1, {
      env: { LOG_LEVEL: 'debug' },
      logDestination: { write: (line: string) => void lines.push(line) },
    });
    sim.configureOAuth({ down: true });
    await expect(tokensOf(a).getToken()).rejects.toThrow(TokenUnavailableError);
    sim.configureOAuth({ down: false });
    await sleep(TOKEN_FAILURE_BACKOFF_MS + 100);
    const token = await tokensOf(a).getToken();
    await tokensOf(a).invalidate(token);
    const responses = await Promise.all([
      a.app.inject({ method: 'GET', url: '/__probe/token' }),
      a.app.inject({ method: 'GET', url: '/auth/token/status' }),
    ]);
    const newer = await tokensOf(a).getToken();

    const logs = lines.join('');
    expect(logs).toContain('Partner access token fetched');
    expect(logs).toContain('Partner token request failed');
    const basic = Buffer.from(`farmlokal-dev:${DEV_CLIENT_SECRET}`).toString('base64');
    for (const secret of [token, newer, DEV_CLIENT_SECRET, basic]) {
      expect(logs).not.toContain(secret);
      for (const res of responses) {
        expect(res.body).not.toContain(secret);
      }
    }
  });

  it('still single-flights token requests in-process when Redis is unreachable', async () => {
    const [a] = await start(1, { env: { REDIS_URL: 'redis://127.0.0.1:9/0' } });
    const tokens = await Promise.all(Array.from({ length: 50 }, () => tokensOf(a).getToken()));
    expect(new Set(tokens).size).toBe(1);
    expect(sim.counters.tokenRequests).toBe(1);
    await expect(tokensOf(a).status()).resolves.toMatchObject({ cached: true });
  });
});
