import 'reflect-metadata';
import { EnvValidationError, validateEnv } from './env.validation';

describe('validateEnv', () => {
  it.each([
    ['true', true],
    ['false', false],
    ['', true],
  ])('reads DB_MIGRATE_ON_START=%j as %j', (raw, expected) => {
    expect(validateEnv({ DB_MIGRATE_ON_START: raw }).DB_MIGRATE_ON_START).toBe(expected);
  });

  it('defaults DB_MIGRATE_ON_START to true', () => {
    expect(validateEnv({}).DB_MIGRATE_ON_START).toBe(true);
  });

  it.each(['maybe', '0', 'yes', 'FALSE'])('rejects DB_MIGRATE_ON_START=%j, naming it', (raw) => {
    expect(() => validateEnv({ DB_MIGRATE_ON_START: raw })).toThrow(EnvValidationError);
    expect(() => validateEnv({ DB_MIGRATE_ON_START: raw })).toThrow(/DB_MIGRATE_ON_START/);
  });
});

describe('validateEnv with empty values', () => {
  it.each([
    ['PORT', 3000],
    ['DB_PORT', 3306],
    ['LOG_LEVEL', 'info'],
    ['HOST', '0.0.0.0'],
    ['RATE_LIMIT_LIMIT', 100],
    ['BREAKER_FAILURE_RATIO', 0.5],
    ['OAUTH_TOKEN_URL', 'http://127.0.0.1:4010/oauth/token'],
  ])('treats an empty %s as unset (default %j)', (name, expected) => {
    expect(validateEnv({ [name]: '' })[name as 'PORT']).toBe(expected);
  });

  it('keeps an empty value where empty is meaningful', () => {
    const env = validateEnv({ WEBHOOK_SECRET: '', OAUTH_AUDIENCE: '', DB_PASSWORD: '' });
    expect([env.WEBHOOK_SECRET, env.OAUTH_AUDIENCE, env.DB_PASSWORD]).toEqual(['', '', '']);
  });
});

describe('validateEnv: outbound OAuth client authentication and resource', () => {
  it('defaults to client_secret_basic and no resource', () => {
    const env = validateEnv({ OAUTH_CLIENT_AUTH: '', OAUTH_RESOURCE: '' });
    expect([env.OAUTH_CLIENT_AUTH, env.OAUTH_RESOURCE]).toEqual(['client_secret_basic', '']);
  });

  it.each(['client_secret_basic', 'client_secret_post'])('accepts OAUTH_CLIENT_AUTH=%s', (raw) => {
    expect(validateEnv({ OAUTH_CLIENT_AUTH: raw }).OAUTH_CLIENT_AUTH).toBe(raw);
  });

  it.each(['basic', 'private_key_jwt', 'CLIENT_SECRET_POST'])(
    'rejects OAUTH_CLIENT_AUTH=%s, naming it',
    (raw) => {
      expect(() => validateEnv({ OAUTH_CLIENT_AUTH: raw })).toThrow(/OAUTH_CLIENT_AUTH/);
    },
  );

  it.each(['https://api.partner.example/v1', 'urn:partner:items'])(
    'accepts the absolute URI %s as OAUTH_RESOURCE',
    (raw) => {
      expect(validateEnv({ OAUTH_RESOURCE: raw }).OAUTH_RESOURCE).toBe(raw);
    },
  );

  it.each(['partner-api', '/v1/items', 'https://api.partner.example/#items', 'https://a b'])(
    'rejects OAUTH_RESOURCE=%j (not an absolute URI without fragment), naming it',
    (raw) => {
      expect(() => validateEnv({ OAUTH_RESOURCE: raw })).toThrow(/OAUTH_RESOURCE/);
    },
  );
});
