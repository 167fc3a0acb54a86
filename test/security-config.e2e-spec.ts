import { randomBytes } from 'node:crypto';
import { createTestApp, TestApp } from './support/create-test-app';
import { runService, spawnService } from './support/spawn-service';
import { createTestEnv, TestEnv } from './support/test-env';

const STRONG = {
  CURSOR_SIGNING_KEY: randomBytes(32).toString('base64'),
  OAUTH_CLIENT_SECRET: randomBytes(24).toString('base64url'),
  WEBHOOK_SECRET: `whsec_${randomBytes(32).toString('base64')}`,
  OAUTH_TOKEN_URL: 'https://auth.partner.example.com/oauth/token',
  AUTH_JWKS_URL: 'https://auth.farmlokal.example/.well-known/jwks.json',
  AUTH_ISSUER: 'https://auth.farmlokal.example',
};
/** Fragments of the strong values: none may appear in a refusal message. */
const NEVER_ECHOED = [
  STRONG.CURSOR_SIGNING_KEY.slice(0, 12),
  STRONG.OAUTH_CLIENT_SECRET.slice(0, 12),
];

/** Start-up configuration a production deployment must not get away with. */
describe('Production configuration', () => {
  let env: TestEnv;

  beforeAll(() => {
    env = createTestEnv();
  });

  afterAll(async () => {
    await env?.cleanup();
  });

  async function start(overrides: Record<string, string | undefined>) {
    const vars: Record<string, string> = { ...env.vars, NODE_ENV: 'production', ...STRONG };
    for (const [name, value] of Object.entries(overrides)) {
      if (value === undefined) {
        delete vars[name];
      } else {
        vars[name] = value;
      }
    }
    const run = runService({ ...vars, PORT: '0', HOST: '127.0.0.1' });
    const timeout = setTimeout(() => run.process.kill('SIGKILL'), 20_000);
    const code = await run.exited;
    clearTimeout(timeout);
    return { code, output: run.output() };
  }

  it.each<[string, Record<string, string | undefined>, string]>([
    ['a webhook secret of 1 byte', { WEBHOOK_SECRET: 'k' }, 'WEBHOOK_SECRET'],
    [
      'a whsec_ webhook secret of 16 bytes',
      { WEBHOOK_SECRET: `whsec_${randomBytes(16).toString('base64')}` },
      'WEBHOOK_SECRET',
    ],
    [
      'a placeholder webhook secret',
      { WEBHOOK_SECRET: 'replace-me-with-a-real-secret' },
      'WEBHOOK_SECRET',
    ],
    ['an empty OAuth client secret', { OAUTH_CLIENT_SECRET: '' }, 'OAUTH_CLIENT_SECRET'],
    ['an unset OAuth client secret', { OAUTH_CLIENT_SECRET: undefined }, 'OAUTH_CLIENT_SECRET'],
    [
      'a placeholder OAuth client secret',
      { OAUTH_CLIENT_SECRET: 'replace-me-with-the-partner-client-secret' },
      'OAUTH_CLIENT_SECRET',
    ],
    ['the development cursor key', { CURSOR_SIGNING_KEY: undefined }, 'CURSOR_SIGNING_KEY'],
    [
      'a placeholder cursor key',
      { CURSOR_SIGNING_KEY: 'replace-me-with-32-random-bytes-please' },
      'CURSOR_SIGNING_KEY',
    ],
    ['a cursor key of 31 bytes', { CURSOR_SIGNING_KEY: 'k'.repeat(31) }, 'CURSOR_SIGNING_KEY'],
    ["the simulator's JWKS URL", { AUTH_JWKS_URL: undefined }, 'AUTH_JWKS_URL'],
    ["the simulator's issuer", { AUTH_ISSUER: undefined }, 'AUTH_ISSUER'],
    ["the simulator's token URL", { OAUTH_TOKEN_URL: undefined }, 'OAUTH_TOKEN_URL'],
    [
      'a JWKS URL over plain http to another host',
      { AUTH_JWKS_URL: 'http://auth.farmlokal.example/.well-known/jwks.json' },
      'AUTH_JWKS_URL',
    ],
    [
      'a token URL over plain http to another host',
      { OAUTH_TOKEN_URL: 'http://10.0.0.5/oauth/token' },
      'OAUTH_TOKEN_URL',
    ],
  ])('refuses to start with %s, naming the variable', async (_label, overrides, name) => {
    const { code, output } = await start(overrides);
    expect(code).toBe(1);
    expect(output).toContain(name);
    for (const fragment of NEVER_ECHOED) {
      expect(output).not.toContain(fragment);
    }
  });

  it('starts with strong secrets and real endpoints, and keeps /docs off by default', async () => {
    const service = await spawnService({ ...env.vars, NODE_ENV: 'production', ...STRONG });
    try {
      expect((await fetch(`${service.url}/health/live`)).status).toBe(200);
      expect((await fetch(`${service.url}/docs`)).status).toBe(404);
      expect((await fetch(`${service.url}/docs-json`)).status).toBe(404);
    } finally {
      expect(await service.stop()).toBe(0);
    }
  });

  it('accepts plain http to this machine (a sidecar) in production', async () => {
    const service = await spawnService({
      ...env.vars,
      NODE_ENV: 'production',
      ...STRONG,
      AUTH_JWKS_URL: 'http://127.0.0.1:8181/jwks.json',
      OAUTH_TOKEN_URL: 'http://localhost:8181/token',
    });
    expect(await service.stop()).toBe(0);
  });

  it('refuses a PUBLIC_BASE_URL too long for the subscription it would register', async () => {
    const run = runService({
      ...env.vars,
      PORT: '0',
      HOST: '127.0.0.1',
      PUBLIC_BASE_URL: `https://farmlokal.example/${'a'.repeat(600)}`,
    });
    expect(await run.exited).toBe(1);
    expect(run.output()).toContain('PUBLIC_BASE_URL');
  });
});

describe('API documentation switch and headers', () => {
  let env: TestEnv;
  let apps: TestApp[] = [];

  beforeAll(() => {
    env = createTestEnv();
  });

  afterAll(async () => {
    await Promise.all(apps.map((app) => app.close()));
    apps = [];
    await env?.cleanup();
  });

  async function app(overrides: Record<string, string>): Promise<TestApp> {
    const created = await createTestApp({ env: overrides });
    apps.push(created);
    return created;
  }

  it('serves /docs with a content security policy and framing denied', async () => {
    const { app: served } = await app({});
    for (const url of ['/docs', '/docs/', '/docs-json']) {
      const res = await served.inject({ method: 'GET', url });
      expect([url, res.statusCode]).toEqual([url, 200]);
      expect(res.headers['content-security-policy']).toContain("frame-ancestors 'none'");
      expect(res.headers['content-security-policy']).toContain("script-src 'self'");
      expect(res.headers['x-frame-options']).toBe('DENY');
      expect(res.headers['x-content-type-options']).toBe('nosniff');
    }
  });

  it('turns /docs and /docs-json off with DOCS_ENABLED=false', async () => {
    const { app: served } = await app({ DOCS_ENABLED: 'false' });
    for (const url of ['/docs', '/docs-json']) {
      const res = await served.inject({ method: 'GET', url });
      expect([url, res.statusCode]).toEqual([url, 404]);
      expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
    }
  });

  it('serves /docs in production when DOCS_ENABLED=true', async () => {
    const { app: served } = await app({ NODE_ENV: 'production', ...STRONG, DOCS_ENABLED: 'true' });
    expect((await served.inject({ method: 'GET', url: '/docs-json' })).statusCode).toBe(200);
  });
});
