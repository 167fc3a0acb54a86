import { Body, Controller, Get, Param, Post } from '@nestjs/common';
import { setTimeout as sleep } from 'node:timers/promises';
import { RateLimitGroup } from '../src/common/http/rate-limit-policy.decorator';
import { PartnerSim, startPartnerSim } from './partner-sim';
import { createTestApp, TestApp } from './support/create-test-app';
import { createTestEnv, TestEnv } from './support/test-env';

@Controller('__rl')
class RateLimitProbeController {
  @Get()
  hit(): { ok: true } {
    return { ok: true };
  }

  @Get('webhooks')
  @RateLimitGroup('webhooks')
  webhooks(): { ok: true } {
    return { ok: true };
  }

  @Post()
  create(@Body() body: unknown): { ok: true; body: unknown } {
    return { ok: true, body };
  }

  @Get('items/:id')
  item(@Param('id') id: string): { id: string } {
    return { id };
  }
}

interface Answer {
  status: number;
  headers: Headers;
  body: Record<string, unknown>;
}

async function get(base: string, path: string, client: string, token?: string): Promise<Answer> {
  const headers: Record<string, string> = {};
  if (token) {
    headers.authorization = `Bearer ${token}`;
  }
  return send(base, path, client, { headers });
}

async function send(
  base: string,
  path: string,
  client: string,
  init: { method?: string; headers?: Record<string, string>; body?: string } = {},
): Promise<Answer> {
  const res = await fetch(`${base}${path}`, {
    ...init,
    headers: { 'x-forwarded-for': client, ...init.headers },
  });
  const text = await res.text();
  const body =
    text && res.headers.get('content-type')?.includes('json')
      ? (JSON.parse(text) as Record<string, unknown>)
      : {};
  return { status: res.status, headers: res.headers, body };
}

const countStatuses = (answers: readonly Answer[]): Record<number, number> =>
  answers.reduce<Record<number, number>>((acc, a) => {
    acc[a.status] = (acc[a.status] ?? 0) + 1;
    return acc;
  }, {});

/** Each test uses its own client address, so budgets never leak between tests. */
const CLIENT = {
  alternated: '10.1.0.1',
  flood: '10.1.0.2',
  jwt: '10.1.0.3',
  retry: '10.1.0.4',
  redisDown: '10.1.0.5',
  isolatedA: '10.1.0.6',
  isolatedB: '10.1.0.7',
  early: '10.1.0.8',
  docs: '10.1.0.9',
};

const JSON_HEADERS = { 'content-type': 'application/json' };

describe('Rate limiting', () => {
  let env: TestEnv;
  let sim: PartnerSim;
  let a: TestApp;
  let b: TestApp;

  beforeAll(async () => {
    sim = await startPartnerSim();
    env = createTestEnv({
      ...sim.serviceEnv(),
      TRUSTED_PROXIES: '127.0.0.1',
      RATE_LIMIT_LIMIT: '20',
      RATE_LIMIT_WINDOW_S: '10',
      RATE_LIMIT_WEBHOOKS_LIMIT: '100',
      RATE_LIMIT_WEBHOOKS_WINDOW_S: '10',
    });
    const controllers = [RateLimitProbeController];
    a = await createTestApp({ controllers, listen: true });
    b = await createTestApp({ controllers, listen: true });
  });

  afterAll(async () => {
    await a?.close();
    await b?.close();
    await sim?.stop();
    await env?.cleanup();
  });

  it('lets exactly 20 of 60 requests alternated across two instances through', async () => {
    const answers: Answer[] = [];
    for (let i = 0; i < 60; i += 1) {
      answers.push(await get(i % 2 === 0 ? a.url : b.url, '/__rl', CLIENT.alternated));
    }
    expect(countStatuses(answers)).toEqual({ 200: 20, 429: 40 });
    expect(answers.slice(0, 20).every((r) => r.status === 200)).toBe(true);
    expect(answers.map((r) => r.headers.get('ratelimit-limit'))).toEqual(Array(60).fill('20'));
    expect(answers.map((r) => Number(r.headers.get('ratelimit-remaining')))).toEqual([
      ...Array.from({ length: 20 }, (_, i) => 19 - i),
      ...Array(40).fill(0),
    ]);
    for (const answer of answers) {
      const reset = Number(answer.headers.get('ratelimit-reset'));
      expect(reset).toBeGreaterThanOrEqual(1);
      expect(reset).toBeLessThanOrEqual(10);
    }
  });

  it('answers over-limit requests with a 429 problem carrying Retry-After', async () => {
    const res = await get(b.url, '/__rl', CLIENT.alternated);
    expect(res.status).toBe(429);
    expect(res.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    expect(res.body).toEqual({
      type: 'https://farmlokal.example/problems/rate-limited',
      title: 'Too many requests',
      status: 429,
      detail: expect.stringContaining('20 requests per 10 s'),
      instance: '/__rl',
      request_id: res.headers.get('x-request-id'),
    });
    const retryAfter = Number(res.headers.get('retry-after'));
    expect(retryAfter).toBeGreaterThanOrEqual(1);
    expect(retryAfter).toBeLessThanOrEqual(10);
    expect(res.headers.get('ratelimit-reset')).toBe(String(retryAfter));
    expect(res.headers.get('ratelimit-remaining')).toBe('0');
  });

  it('admits exactly 100 of 1,000 concurrent requests across two instances', async () => {
    const answers = await Promise.all(
      Array.from({ length: 1000 }, (_, i) =>
        get(i % 2 === 0 ? a.url : b.url, '/__rl/webhooks', CLIENT.flood),
      ),
    );
    expect(countStatuses(answers)).toEqual({ 200: 100, 429: 900 });
    const remaining = answers
      .filter((r) => r.status === 200)
      .map((r) => Number(r.headers.get('ratelimit-remaining')))
      .sort((x, y) => x - y);
    expect(remaining).toEqual(Array.from({ length: 100 }, (_, i) => i));
    expect(answers.every((r) => r.headers.get('ratelimit-limit') === '100')).toBe(true);
  });

  it('keeps separate budgets per client and per route group', async () => {
    for (let i = 0; i < 20; i += 1) {
      expect((await get(a.url, '/__rl', CLIENT.isolatedA)).status).toBe(200);
    }
    expect((await get(b.url, '/__rl', CLIENT.isolatedA)).status).toBe(429);
    const other = await get(b.url, '/__rl', CLIENT.isolatedB);
    expect(other.status).toBe(200);
    expect(other.headers.get('ratelimit-remaining')).toBe('19');
    const otherGroup = await get(a.url, '/__rl/webhooks', CLIENT.isolatedA);
    expect(otherGroup.status).toBe(200);
    expect(otherGroup.headers.get('ratelimit-limit')).toBe('100');
    expect(otherGroup.headers.get('ratelimit-remaining')).toBe('99');
  });

  it('tracks a valid bearer token by its subject and an invalid one by the address', async () => {
    const alice = await sim.issueJwt({ sub: 'alice', scope: 'products:write' });
    const bob = await sim.issueJwt({ sub: 'bob' });
    for (let i = 0; i < 20; i += 1) {
      expect((await get(i % 2 ? a.url : b.url, '/__rl', CLIENT.jwt, alice)).status).toBe(200);
    }
    expect((await get(a.url, '/__rl', CLIENT.jwt, alice)).status).toBe(429);
    expect((await get(a.url, '/__rl', '10.9.9.9', alice)).status).toBe(429);

    const asBob = await get(b.url, '/__rl', CLIENT.jwt, bob);
    expect(asBob.status).toBe(200);
    expect(asBob.headers.get('ratelimit-remaining')).toBe('19');

    const anonymous = await get(a.url, '/__rl', CLIENT.jwt);
    expect(anonymous.headers.get('ratelimit-remaining')).toBe('19');
    const forged = await get(b.url, '/__rl', CLIENT.jwt, `${alice.slice(0, -4)}AAAA`);
    expect(forged.status).toBe(200);
    expect(forged.headers.get('ratelimit-remaining')).toBe('18');
  });

  it('counts and labels requests Fastify answers before any handler', async () => {
    const answers = [
      await send(a.url, '/__rl', CLIENT.early, {
        method: 'POST',
        headers: JSON_HEADERS,
        body: '{"name": ',
      }),
      await send(b.url, '/__rl', CLIENT.early, {
        method: 'POST',
        headers: JSON_HEADERS,
        body: JSON.stringify({ pad: 'a'.repeat(300 * 1024) }),
      }),
      await send(a.url, '/__rl', CLIENT.early, {
        method: 'POST',
        headers: { 'content-type': 'text/plain' },
        body: 'hello',
      }),
      await get(b.url, '/__rl/no/such/route', CLIENT.early),
      await send(a.url, '/__rl', CLIENT.early, {
        method: 'POST',
        headers: JSON_HEADERS,
        body: '{"ok": true}',
      }),
    ];
    expect(answers.map((r) => r.status)).toEqual([400, 413, 415, 404, 201]);
    expect(answers[0].body.type).toBe('https://farmlokal.example/problems/malformed-json');
    expect(answers.map((r) => r.headers.get('ratelimit-limit'))).toEqual(Array(5).fill('20'));
    expect(answers.map((r) => r.headers.get('ratelimit-remaining'))).toEqual([
      '19',
      '18',
      '17',
      '16',
      '15',
    ]);
    for (const answer of answers) {
      expect(Number(answer.headers.get('ratelimit-reset'))).toBeGreaterThanOrEqual(1);
    }

    for (let i = 0; i < 15; i += 1) {
      expect((await get(i % 2 ? a.url : b.url, '/__rl', CLIENT.early)).status).toBe(200);
    }
    const junk = await send(b.url, '/__rl', CLIENT.early, {
      method: 'POST',
      headers: JSON_HEADERS,
      body: '{"name": ',
    });
    expect(junk.status).toBe(429);
    expect(junk.body.type).toBe('https://farmlokal.example/problems/rate-limited');
    expect(junk.headers.get('retry-after')).toBe(junk.headers.get('ratelimit-reset'));
  });

  it('counts malformed URLs, answered before routing, in the default group', async () => {
    const short = await createTestApp({
      controllers: [RateLimitProbeController],
      listen: true,
      env: { RATE_LIMIT_LIMIT: '2', RATE_LIMIT_WINDOW_S: '10' },
    });
    try {
      // Fastify builds these requests without trustProxy: they count against the peer.
      const statuses: number[] = [];
      const remaining: (string | null)[] = [];
      for (let i = 0; i < 3; i += 1) {
        const res = await get(short.url, '/__rl/items/%E0%A4%A', `10.1.1.${i}`);
        statuses.push(res.status);
        remaining.push(res.headers.get('ratelimit-remaining'));
        expect(res.headers.get('x-request-id')).toBeTruthy();
      }
      expect(statuses).toEqual([400, 400, 429]);
      expect(remaining).toEqual(['1', '0', '0']);
    } finally {
      await short.close();
    }
  });

  it('limits the Swagger routes like any other', async () => {
    const docs = await get(a.url, '/docs-json', CLIENT.docs);
    expect(docs.status).toBe(200);
    expect(docs.headers.get('ratelimit-limit')).toBe('20');
    expect(docs.headers.get('ratelimit-remaining')).toBe('19');
    const ui = await get(b.url, '/docs', CLIENT.docs);
    expect(ui.headers.get('ratelimit-remaining')).toBe('18');
    const api = await get(a.url, '/__rl', CLIENT.docs);
    expect(api.headers.get('ratelimit-remaining')).toBe('17');
  });

  it('exempts /health/* and /metrics', async () => {
    expect((await get(a.url, '/__rl', CLIENT.alternated)).status).toBe(429);
    for (const path of ['/health/live', '/health/ready', '/metrics']) {
      for (let i = 0; i < 3; i += 1) {
        const res = await get(a.url, path, CLIENT.alternated);
        expect(res.status).toBe(200);
        expect(res.headers.get('ratelimit-limit')).toBeNull();
      }
    }
    const head = await send(a.url, '/health/live', CLIENT.alternated, { method: 'HEAD' });
    expect(head.status).toBe(200);
    expect(head.headers.get('ratelimit-limit')).toBeNull();
  });

  it('lets a client through again once Retry-After has passed', async () => {
    const short = await createTestApp({
      controllers: [RateLimitProbeController],
      listen: true,
      env: { RATE_LIMIT_LIMIT: '3', RATE_LIMIT_WINDOW_S: '2' },
    });
    try {
      const statuses: number[] = [];
      for (let i = 0; i < 3; i += 1) {
        statuses.push((await get(short.url, '/__rl', CLIENT.retry)).status);
      }
      const limited = await get(short.url, '/__rl', CLIENT.retry);
      expect([...statuses, limited.status]).toEqual([200, 200, 200, 429]);
      const retryAfter = Number(limited.headers.get('retry-after'));
      expect([1, 2]).toContain(retryAfter);
      await sleep(retryAfter * 1000);
      const again = await get(short.url, '/__rl', CLIENT.retry);
      expect(again.status).toBe(200);
      expect(again.headers.get('ratelimit-limit')).toBe('3');
    } finally {
      await short.close();
    }
  });

  it('keeps limiting per instance, without 5xx, while Redis is unreachable', async () => {
    const isolated = await createTestApp({
      controllers: [RateLimitProbeController],
      listen: true,
      env: { REDIS_URL: 'redis://127.0.0.1:6390/0', RATE_LIMIT_LIMIT: '5' },
    });
    try {
      const answers: Answer[] = [];
      for (let i = 0; i < 8; i += 1) {
        answers.push(await get(isolated.url, '/__rl', CLIENT.redisDown));
      }
      expect(answers.map((r) => r.status)).toEqual([200, 200, 200, 200, 200, 429, 429, 429]);
      expect(answers.map((r) => r.headers.get('ratelimit-remaining'))).toEqual([
        '4',
        '3',
        '2',
        '1',
        '0',
        '0',
        '0',
        '0',
      ]);
      expect(Number(answers[7].headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
      const concurrent = await Promise.all(
        Array.from({ length: 50 }, () => get(isolated.url, '/__rl/webhooks', CLIENT.redisDown)),
      );
      expect(countStatuses(concurrent)).toEqual({ 200: 50 });
    } finally {
      await isolated.close();
    }
  });
});

describe('Rate limiting switched off', () => {
  let env: TestEnv;
  let test: TestApp;

  beforeAll(async () => {
    env = createTestEnv({ RATE_LIMIT_ENABLED: 'false', RATE_LIMIT_LIMIT: '1' });
    test = await createTestApp({ controllers: [RateLimitProbeController] });
  });

  afterAll(async () => {
    await test?.close();
    await env.cleanup();
  });

  it('lets every request through without RateLimit headers', async () => {
    const answers = await Promise.all(
      Array.from({ length: 5 }, () => test.app.inject({ method: 'GET', url: '/__rl' })),
    );
    expect(answers.map((r) => r.statusCode)).toEqual([200, 200, 200, 200, 200]);
    expect(answers.every((r) => r.headers['ratelimit-limit'] === undefined)).toBe(true);
  });
});
