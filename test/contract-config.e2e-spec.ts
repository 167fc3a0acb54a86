import { runService } from './support/spawn-service';
import { createTestEnv, TestEnv } from './support/test-env';

/**
 * The documented start-up behaviour (README, "Configuration"; docs/operations.md): configuration is validated at start-up; an
 * invalid value stops the built service with a non-zero exit and a message naming the
 * variable (never its value); NODE_ENV=production refuses the development secrets.
 */
describe('black-box: start-up configuration', () => {
  let env: TestEnv;

  beforeAll(() => {
    env = createTestEnv();
  });

  afterAll(async () => {
    await env.cleanup();
  });

  async function start(
    overrides: Record<string, string>,
  ): Promise<{ code: number | null; output: string }> {
    const run = runService({ ...env.vars, PORT: '0', HOST: '127.0.0.1', ...overrides });
    const timeout = setTimeout(() => run.process.kill('SIGKILL'), 20_000);
    const code = await run.exited;
    clearTimeout(timeout);
    return { code, output: run.output() };
  }

  it.each([
    ['PORT', 'not-a-port'],
    ['DB_PORT', '70000'],
    ['DB_POOL_SIZE', '0'],
    ['DB_TYPE', 'postgres'],
    ['DB_MIGRATE_ON_START', 'maybe'],
    ['REDIS_URL', 'nonsense-url'],
    ['OAUTH_TOKEN_URL', 'not a url'],
    ['EXTERNAL_TIMEOUT_MS', 'soon'],
    ['BREAKER_FAILURE_RATIO', '2'],
    ['RATE_LIMIT_LIMIT', '-1'],
    ['LOG_LEVEL', 'chatty'],
    ['NODE_ENV', 'staging'],
  ])('an invalid %s=%s stops the start with a message naming it', async (name, value) => {
    const { code, output } = await start({ [name]: value });
    expect(code).not.toBe(0);
    expect(code).not.toBeNull();
    expect(output).toContain(name);
  });

  it('never echoes the value of a secret variable in the message', async () => {
    const { code, output } = await start({ REDIS_URL: 'http://user:hunter2-secret@x' });
    expect(code).not.toBe(0);
    expect(output).toContain('REDIS_URL');
    expect(output).not.toContain('hunter2-secret');
  });

  it.each([
    [{}, ['CURSOR_SIGNING_KEY', 'OAUTH_CLIENT_SECRET']],
    [{ CURSOR_SIGNING_KEY: 'a-production-cursor-key-0123456789' }, ['OAUTH_CLIENT_SECRET']],
    [
      {
        CURSOR_SIGNING_KEY: 'a-production-cursor-key-0123456789',
        OAUTH_CLIENT_SECRET: 'farmlokal-dev-secret',
      },
      ['OAUTH_CLIENT_SECRET'],
    ],
    [
      {
        CURSOR_SIGNING_KEY: 'farmlokal-dev-cursor-signing-key',
        OAUTH_CLIENT_SECRET: 'a-production-client-secret',
      },
      ['CURSOR_SIGNING_KEY'],
    ],
  ])(
    'NODE_ENV=production with development secrets (%j) refuses to start',
    async (secrets, named) => {
      const { code, output } = await start({ NODE_ENV: 'production', ...secrets });
      expect(code).not.toBe(0);
      expect(code).not.toBeNull();
      for (const name of named) {
        expect(output).toContain(name);
      }
      expect(output).not.toContain('a-production-c');
    },
  );
});
