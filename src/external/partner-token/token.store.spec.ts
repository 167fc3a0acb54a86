import type { AuthConfig } from '../../config/configuration';
import { tokenKeySuffix } from './token.store';

const OAUTH: AuthConfig['oauth'] = {
  tokenUrl: 'http://127.0.0.1:4010/oauth/token',
  clientId: 'farmlokal-dev',
  clientSecret: 'secret',
  audience: 'partner-api',
  scope: 'webhooks:write items:read',
  clientAuth: 'client_secret_basic',
  resource: '',
};

describe('tokenKeySuffix', () => {
  it('names the registration by token URL, client, audience and sorted scopes', () => {
    expect(tokenKeySuffix(OAUTH)).toBe(
      'http%3A%2F%2F127.0.0.1%3A4010%2Foauth%2Ftoken:farmlokal-dev:partner-api:items%3Aread%20webhooks%3Awrite',
    );
  });

  it('keeps tokens for another resource apart, and ignores how the client authenticates', () => {
    const plain = tokenKeySuffix(OAUTH);
    expect(tokenKeySuffix({ ...OAUTH, resource: 'https://a.example/' })).not.toBe(plain);
    expect(tokenKeySuffix({ ...OAUTH, resource: 'https://a.example/' })).not.toBe(
      tokenKeySuffix({ ...OAUTH, resource: 'https://b.example/' }),
    );
    expect(tokenKeySuffix({ ...OAUTH, clientAuth: 'client_secret_post' })).toBe(plain);
    expect(tokenKeySuffix({ ...OAUTH, clientSecret: 'rotated' })).toBe(plain);
  });
});
