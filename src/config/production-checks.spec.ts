import 'reflect-metadata';
import { validateEnv } from './env.validation';
import { isPlaceholder, webhookKeyBytes } from './production-checks';

const STRONG = {
  NODE_ENV: 'production',
  CURSOR_SIGNING_KEY: 'c'.repeat(32),
  OAUTH_CLIENT_SECRET: 'a-real-client-secret',
  OAUTH_TOKEN_URL: 'https://auth.example.com/oauth/token',
  AUTH_JWKS_URL: 'https://auth.example.com/jwks.json',
  AUTH_ISSUER: 'https://auth.example.com',
};

const problemsOf = (overrides: Record<string, string>): string => {
  try {
    validateEnv({ ...STRONG, ...overrides });
    return '';
  } catch (error) {
    return (error as Error).message;
  }
};

describe('production start-up checks', () => {
  it('accepts strong secrets and real endpoints', () => {
    expect(problemsOf({})).toBe('');
  });

  it.each([
    ['WEBHOOK_SECRET', `whsec_${Buffer.alloc(24).toString('base64')}`],
    ['WEBHOOK_SECRET', 'k9'.repeat(12)],
    ['WEBHOOK_SECRET', ''],
    ['AUTH_JWKS_URL', 'http://127.0.0.1:9000/jwks.json'],
    ['OAUTH_TOKEN_URL', 'http://localhost/token'],
    ['AUTH_JWKS_URL', 'http://[::1]:9000/jwks.json'],
    ['AUTH_ISSUER', 'farmlokal-issuer'],
  ])('accepts %s=%j', (name, value) => {
    expect(problemsOf({ [name]: value })).toBe('');
  });

  it.each([
    ['WEBHOOK_SECRET', `whsec_${Buffer.alloc(23).toString('base64')}`],
    ['WEBHOOK_SECRET', 'k9'.repeat(11) + 'k'],
    ['WEBHOOK_SECRET', 'changeme-changeme-changeme'],
    ['CURSOR_SIGNING_KEY', 'c'.repeat(31)],
    ['CURSOR_SIGNING_KEY', 'farmlokal-dev-cursor-signing-key'],
    ['CURSOR_SIGNING_KEY', '${CURSOR_SIGNING_KEY_FROM_VAULT_PLEASE_XX}'],
    ['OAUTH_CLIENT_SECRET', 'farmlokal-dev-secret'],
    ['OAUTH_CLIENT_SECRET', ''],
    ['OAUTH_CLIENT_SECRET', '   '],
    ['OAUTH_CLIENT_SECRET', '<client secret>'],
    ['AUTH_JWKS_URL', 'http://127.0.0.1:4010/.well-known/jwks.json'],
    ['AUTH_ISSUER', 'http://127.0.0.1:4010'],
    ['OAUTH_TOKEN_URL', 'http://127.0.0.1:4010/oauth/token'],
    ['AUTH_JWKS_URL', 'http://auth.example.com/jwks.json'],
    ['AUTH_ISSUER', 'http://auth.example.com'],
    ['OAUTH_TOKEN_URL', 'http://192.168.1.10/token'],
  ])('refuses %s=%j, naming it and not its value', (name, value) => {
    const message = problemsOf({ [name]: value });
    expect(message).toContain(name);
    if (value.trim().length > 3) {
      expect(message).not.toContain(value);
    }
  });

  it('checks nothing of this outside production', () => {
    expect(() =>
      validateEnv({ WEBHOOK_SECRET: 'k', CURSOR_SIGNING_KEY: 'c'.repeat(16) }),
    ).not.toThrow();
  });

  it('turns the docs off in production unless DOCS_ENABLED is set', () => {
    expect(validateEnv(STRONG).DOCS_ENABLED).toBe(false);
    expect(validateEnv({ ...STRONG, DOCS_ENABLED: 'true' }).DOCS_ENABLED).toBe(true);
    expect(validateEnv({}).DOCS_ENABLED).toBe(true);
    expect(validateEnv({ DOCS_ENABLED: 'false' }).DOCS_ENABLED).toBe(false);
  });

  it('caps PUBLIC_BASE_URL so the receiver URL fits its 512-character column', () => {
    const base = 'https://farmlokal.example/';
    const fits = base + 'a'.repeat(512 - '/webhooks/partner'.length - base.length);
    expect(() => validateEnv({ PUBLIC_BASE_URL: fits })).not.toThrow();
    expect(() => validateEnv({ PUBLIC_BASE_URL: `${fits}a` })).toThrow(/PUBLIC_BASE_URL/);
  });

  it('counts the key bytes of a webhook secret and spots placeholders', () => {
    expect(webhookKeyBytes(`whsec_${Buffer.alloc(32).toString('base64')}`)).toBe(32);
    expect(webhookKeyBytes('ü'.repeat(12))).toBe(24);
    expect(['replace-me', 'REPLACE_ME_NOW', 'changeit', 'xxxx', 'TODO'].every(isPlaceholder)).toBe(
      true,
    );
    expect(['s3cr3t-Kp9', 'exampled-key-value'].some(isPlaceholder)).toBe(false);
  });
});
