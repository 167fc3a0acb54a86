import { createTestApp, TestApp } from './support/create-test-app';
import { createTestEnv, TestEnv } from './support/test-env';

describe('HTTP basics', () => {
  let env: TestEnv;
  let test: TestApp;

  beforeAll(async () => {
    env = createTestEnv();
    test = await createTestApp();
  });

  afterAll(async () => {
    await test?.close();
    await env.cleanup();
  });

  it('answers an unknown route with a 404 problem carrying the request id', async () => {
    const res = await test.app.inject({ method: 'GET', url: '/no-such-route?x=1' });
    expect(res.statusCode).toBe(404);
    expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
    const body = res.json();
    expect(body).toEqual({
      type: 'https://farmlokal.example/problems/not-found',
      title: 'Resource not found',
      status: 404,
      detail: expect.any(String),
      instance: '/no-such-route',
      request_id: res.headers['x-request-id'],
    });
  });

  it('echoes a given x-request-id and generates one otherwise', async () => {
    const echoed = await test.app.inject({
      method: 'GET',
      url: '/health/live',
      headers: { 'x-request-id': 'abc-123' },
    });
    expect(echoed.headers['x-request-id']).toBe('abc-123');
    const generated = await test.app.inject({ method: 'GET', url: '/health/live' });
    expect(generated.headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('reports ready when MySQL and Redis answer', async () => {
    const res = await test.app.inject({ method: 'GET', url: '/health/ready' });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({ status: 'ok', checks: { database: 'up', redis: 'up' } });
  });

  it('ignores query strings on /health/* and /metrics (cache busters of monitors)', async () => {
    const live = await test.app.inject({ method: 'GET', url: '/health/live?_=1733380000' });
    expect(live.statusCode).toBe(200);
    expect(live.json()).toEqual({ status: 'ok' });
    const ready = await test.app.inject({ method: 'GET', url: '/health/ready?x=1&x=2' });
    expect(ready.statusCode).toBe(200);
    expect(ready.json()).toEqual({ status: 'ok', checks: { database: 'up', redis: 'up' } });
    const metrics = await test.app.inject({ method: 'GET', url: '/metrics?cachebust=abc' });
    expect(metrics.statusCode).toBe(200);
    expect(metrics.body).toMatch(/^# HELP /m);
  });

  it('keeps rejecting unknown query parameters everywhere else', async () => {
    for (const url of ['/products/1?x=1', '/products?x=1', '/producers/1?x=1']) {
      const res = await test.app.inject({ method: 'GET', url });
      expect([url, res.statusCode]).toEqual([url, 400]);
      expect(res.json().type).toBe('https://farmlokal.example/problems/validation-failed');
    }
  });

  it('accepts an empty body sent with content-type application/json (DELETE, GET)', async () => {
    const json = { 'content-type': 'application/json' };
    // No credentials: the request gets as far as the auth guard, past the body parser.
    const remove = await test.app.inject({
      method: 'DELETE',
      url: '/products/1',
      headers: json,
      payload: '',
    });
    expect(remove.statusCode).toBe(401);
    expect(remove.headers['www-authenticate']).toBe('Bearer');
    const get = await test.app.inject({
      method: 'GET',
      url: '/products/999999999',
      headers: json,
      payload: '',
    });
    expect(get.statusCode).toBe(404);
    expect(get.json().type).toBe('https://farmlokal.example/problems/product-not-found');
  });

  it('still answers a non-empty malformed JSON body with a 400 malformed-json problem', async () => {
    for (const method of ['DELETE', 'POST', 'PATCH'] as const) {
      const res = await test.app.inject({
        method,
        url: method === 'POST' ? '/products' : '/products/1',
        headers: { 'content-type': 'application/json' },
        payload: '{"name":',
      });
      expect([method, res.statusCode]).toEqual([method, 400]);
      expect(res.json().type).toBe('https://farmlokal.example/problems/malformed-json');
    }
  });
});
