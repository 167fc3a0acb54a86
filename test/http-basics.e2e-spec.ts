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
});
