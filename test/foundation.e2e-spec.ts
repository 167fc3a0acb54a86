import { Body, Controller, Get, Post } from '@nestjs/common';
import { IsInt, IsString, Max, Min } from 'class-validator';
import { setTimeout as sleep } from 'node:timers/promises';
import { shutdownGracefully } from '../src/app.setup';
import { createTestApp, TestApp } from './support/create-test-app';
import { runService, spawnService } from './support/spawn-service';
import { createTestEnv, TestEnv } from './support/test-env';

class ProbeBodyDto {
  @IsString() readonly name!: string;
  @IsInt() @Min(1) @Max(10) readonly quantity!: number;
}

@Controller('__probe')
class ProbeController {
  @Post('echo')
  echo(@Body() body: ProbeBodyDto): ProbeBodyDto {
    return body;
  }

  @Get('boom')
  boom(): never {
    throw new Error('SELECT secret FROM internals -- must never reach a client');
  }

  @Get('slow')
  async slow(): Promise<{ done: true }> {
    await sleep(1_500);
    return { done: true };
  }
}

const PROBLEM = /^application\/problem\+json/;

describe('Service foundation', () => {
  let env: TestEnv;
  let test: TestApp;

  beforeAll(async () => {
    env = createTestEnv();
    test = await createTestApp({ controllers: [ProbeController], listen: true });
  });

  afterAll(async () => {
    await test?.close();
    await env.cleanup();
  });

  describe('problem+json for every error kind', () => {
    it('lists each invalid and unknown body field', async () => {
      const res = await test.app.inject({
        method: 'POST',
        url: '/__probe/echo',
        payload: { name: 'x', quantity: 11, extra: true },
      });
      expect(res.statusCode).toBe(400);
      expect(res.headers['content-type']).toMatch(PROBLEM);
      const body = res.json();
      expect(body).toMatchObject({
        type: 'https://farmlokal.example/problems/validation-failed',
        status: 400,
        instance: '/__probe/echo',
        request_id: res.headers['x-request-id'],
      });
      expect(body.errors).toEqual(
        expect.arrayContaining([
          { field: 'quantity', message: expect.stringContaining('10') },
          { field: 'extra', message: 'property extra should not exist' },
        ]),
      );
    });

    it('rejects query parameters on a route that takes none', async () => {
      const res = await test.app.inject({ method: 'GET', url: '/auth/token/status?verbose=1' });
      expect(res.statusCode).toBe(400);
      expect(res.headers['content-type']).toMatch(PROBLEM);
      expect(res.json().errors).toEqual([
        { field: 'verbose', message: 'property verbose should not exist' },
      ]);
    });

    it('answers malformed JSON with 400', async () => {
      const res = await test.app.inject({
        method: 'POST',
        url: '/__probe/echo',
        headers: { 'content-type': 'application/json' },
        payload: '{"name": "x",',
      });
      expect(res.statusCode).toBe(400);
      expect(res.headers['content-type']).toMatch(PROBLEM);
      expect(res.json().type).toBe('https://farmlokal.example/problems/malformed-json');
    });

    it('answers an unsupported media type with 415', async () => {
      const res = await test.app.inject({
        method: 'POST',
        url: '/__probe/echo',
        headers: { 'content-type': 'application/xml' },
        payload: '<name>x</name>',
      });
      expect(res.statusCode).toBe(415);
      expect(res.headers['content-type']).toMatch(PROBLEM);
      expect(res.json().type).toBe('https://farmlokal.example/problems/unsupported-media-type');
    });

    it('answers an oversized body with 413', async () => {
      const res = await test.app.inject({
        method: 'POST',
        url: '/__probe/echo',
        headers: { 'content-type': 'application/json' },
        payload: JSON.stringify({ name: 'x'.repeat(300 * 1024), quantity: 1 }),
      });
      expect(res.statusCode).toBe(413);
      expect(res.headers['content-type']).toMatch(PROBLEM);
      expect(res.json().type).toBe('https://farmlokal.example/problems/payload-too-large');
    });

    it('answers a wrong method on a known path with 405 and Allow', async () => {
      const res = await test.app.inject({ method: 'DELETE', url: '/health/live' });
      expect(res.statusCode).toBe(405);
      expect(res.headers.allow).toBe('GET, HEAD');
      expect(res.headers['content-type']).toMatch(PROBLEM);
      expect(res.json()).toMatchObject({
        type: 'https://farmlokal.example/problems/method-not-allowed',
        status: 405,
      });
      const param = await test.app.inject({ method: 'PUT', url: '/__probe/echo' });
      expect(param.statusCode).toBe(405);
      expect(param.headers.allow).toBe('POST');
    });

    it('hides the details of an unexpected error behind a generic 500', async () => {
      const res = await test.app.inject({ method: 'GET', url: '/__probe/boom' });
      expect(res.statusCode).toBe(500);
      expect(res.headers['content-type']).toMatch(PROBLEM);
      const body = res.json();
      expect(body).toMatchObject({ type: 'https://farmlokal.example/problems/internal' });
      expect(res.body).not.toMatch(/SELECT|secret|\.ts:|at /);
    });
  });

  it('serves Swagger UI and an OpenAPI 3 document describing problem responses', async () => {
    const ui = await test.app.inject({ method: 'GET', url: '/docs' });
    expect(ui.statusCode).toBe(200);
    expect(ui.headers['content-type']).toMatch(/text\/html/);
    expect(ui.headers['x-request-id']).toBeDefined();
    const doc = await test.app.inject({ method: 'GET', url: '/docs-json' });
    expect(doc.statusCode).toBe(200);
    const openapi = doc.json();
    expect(openapi.openapi).toMatch(/^3\./);
    expect(openapi.paths['/health/ready'].get.responses['503'].content).toHaveProperty([
      'application/problem+json',
    ]);
    expect(openapi.paths['/health/live'].get.responses['200'].headers).toHaveProperty([
      'x-request-id',
    ]);
    expect(openapi.components.schemas.ProblemDto.required).toEqual(
      expect.arrayContaining(['type', 'title', 'status', 'detail', 'instance', 'request_id']),
    );
  });

  it('turns readiness to 503 at once on shutdown while a request in flight completes', async () => {
    const instance = await createTestApp({ controllers: [ProbeController], listen: true });
    const slow = fetch(`${instance.url}/__probe/slow`);
    await sleep(200);
    const closing = shutdownGracefully(instance.app, 'SIGTERM');
    const ready = await instance.app.inject({ method: 'GET', url: '/health/ready' });
    expect(ready.statusCode).toBe(503);
    expect(ready.json().detail).toBe('Not ready: shutdown in progress');
    const res = await slow;
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ done: true });
    await closing;
  });
});

describe('Readiness without Redis', () => {
  let env: TestEnv;
  let test: TestApp;

  beforeAll(async () => {
    env = createTestEnv({ REDIS_URL: 'redis://127.0.0.1:6390/0' });
    test = await createTestApp();
  });

  afterAll(async () => {
    await test?.close();
    await env.cleanup();
  });

  it('reports not ready naming redis, while liveness stays 200', async () => {
    const ready = await test.app.inject({ method: 'GET', url: '/health/ready' });
    expect(ready.statusCode).toBe(503);
    expect(ready.headers['content-type']).toMatch(PROBLEM);
    expect(ready.json()).toMatchObject({
      status: 503,
      detail: 'Not ready: redis unavailable',
    });
    expect(Object.keys(ready.json()).sort()).toEqual([
      'detail',
      'instance',
      'request_id',
      'status',
      'title',
      'type',
    ]);
    const live = await test.app.inject({ method: 'GET', url: '/health/live' });
    expect(live.statusCode).toBe(200);
  });
});

describe('The built service process', () => {
  let env: TestEnv;

  beforeAll(() => {
    env = createTestEnv();
  });

  afterAll(async () => {
    await env.cleanup();
  });

  it('refuses to start on an invalid variable, naming it without echoing secrets', async () => {
    const run = runService({
      ...env.vars,
      PORT: 'eighty',
      REDIS_URL: 'not-a-url-s3cr3t-password',
      LOG_LEVEL: 'info',
    });
    const code = await run.exited;
    expect(code).not.toBe(0);
    expect(run.output()).toContain('PORT');
    expect(run.output()).toContain('REDIS_URL');
    expect(run.output()).not.toContain('s3cr3t');
  });

  it('refuses development secrets in production', async () => {
    const run = runService({ ...env.vars, NODE_ENV: 'production' });
    expect(await run.exited).not.toBe(0);
    expect(run.output()).toContain('CURSOR_SIGNING_KEY');
    expect(run.output()).toContain('OAUTH_CLIENT_SECRET');
  });

  it('serves, then exits 0 on SIGTERM with structured request logs', async () => {
    const service = await spawnService({ ...env.vars, LOG_LEVEL: 'info' });
    const res = await fetch(`${service.url}/no-such-page`, {
      headers: { 'x-request-id': 'trace-me-42', authorization: 'Bearer top-secret-token' },
    });
    expect(res.status).toBe(404);
    const started = Date.now();
    const code = await service.stop('SIGTERM');
    expect(code).toBe(0);
    expect(Date.now() - started).toBeLessThan(10_000);
    const line = service
      .output()
      .split('\n')
      .find((l) => l.includes('trace-me-42'));
    expect(line).toBeDefined();
    expect(JSON.parse(line!)).toMatchObject({
      level: 'info',
      request_id: 'trace-me-42',
      status: 404,
      msg: 'request completed',
    });
    expect(service.output()).not.toContain('top-secret-token');
  });
});
