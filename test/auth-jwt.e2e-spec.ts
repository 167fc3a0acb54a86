import { Controller, Get } from '@nestjs/common';
import { SignJWT } from 'jose';
import { SCOPES } from '../src/auth/auth.constants';
import type { AuthenticatedUser } from '../src/auth/authenticated-user';
import { CurrentUser } from '../src/auth/current-user.decorator';
import { JwtVerifier } from '../src/auth/jwt-verifier.service';
import { RequireScopes } from '../src/auth/scopes.decorator';
import { PartnerSim, startPartnerSim } from './partner-sim';
import { createTestApp, TestApp } from './support/create-test-app';
import { createTestEnv, TestEnv } from './support/test-env';

jest.setTimeout(30_000);

@Controller('__probe')
class ProbeController {
  @Get('write')
  @RequireScopes(SCOPES.PRODUCTS_WRITE)
  write(@CurrentUser() user: AuthenticatedUser): AuthenticatedUser {
    return user;
  }
}

const INVALID_TOKEN_CHALLENGE = 'Bearer error="invalid_token"';

describe('Inbound JWT auth (RequireScopes)', () => {
  let sim: PartnerSim;
  let env: TestEnv;
  let test: TestApp;

  const call = (authorization?: string) =>
    test.app.inject({
      method: 'GET',
      url: '/__probe/write',
      headers: authorization ? { authorization } : {},
    });

  const expectInvalidToken = (res: Awaited<ReturnType<typeof call>>) => {
    expect(res.statusCode).toBe(401);
    expect(res.headers['www-authenticate']).toBe(INVALID_TOKEN_CHALLENGE);
    expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(res.json()).toMatchObject({
      type: 'https://farmlokal.example/problems/unauthorized',
      status: 401,
      instance: '/__probe/write',
      request_id: res.headers['x-request-id'],
    });
  };

  beforeAll(async () => {
    sim = await startPartnerSim();
    env = createTestEnv(sim.serviceEnv());
    test = await createTestApp({ controllers: [ProbeController] });
  });

  afterAll(async () => {
    await test?.close();
    await sim?.stop();
    await env?.cleanup();
  });

  it('lets a valid RS256 token with the scope through and exposes sub and scopes', async () => {
    const token = await sim.issueJwt({ scope: 'products:write other:read', sub: 'user-1' });
    const res = await call(`Bearer ${token}`);
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({ sub: 'user-1', scopes: ['products:write', 'other:read'] });
  });

  it('accepts ES256 tokens and a lower-case bearer scheme', async () => {
    const token = await sim.issueJwt({ scope: SCOPES.PRODUCTS_WRITE, alg: 'ES256' });
    const res = await call(`bearer ${token}`);
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({ sub: 'dev-user', scopes: ['products:write'] });
  });

  it('answers 401 with a bare Bearer challenge, no error code, when no credentials are sent', async () => {
    // RFC 6750 §3.1: a request without authentication information gets no error code,
    // and neither does one using another scheme.
    for (const authorization of [undefined, 'Basic dXNlcjpwYXNz']) {
      const res = await call(authorization);
      expect(res.statusCode).toBe(401);
      expect(res.headers['www-authenticate']).toBe('Bearer');
      expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
      expect(res.json()).toMatchObject({
        type: 'https://farmlokal.example/problems/unauthorized',
        status: 401,
        detail: expect.stringMatching(/bearer token is required/),
      });
    }
  });

  it('answers 401 with the invalid_token challenge for a malformed bearer credential', async () => {
    expectInvalidToken(await call('Bearer not-a-jwt'));
    expectInvalidToken(await call('Bearer '));
  });

  it('rejects an expired token', async () => {
    const token = await sim.issueJwt({ scope: SCOPES.PRODUCTS_WRITE, expiresInS: -60 });
    const res = await call(`Bearer ${token}`);
    expectInvalidToken(res);
    expect(res.json().detail).toMatch(/expired/);
  });

  it('rejects a token that is not valid yet', async () => {
    const token = await sim.issueJwt({ scope: SCOPES.PRODUCTS_WRITE, notBeforeS: 120 });
    const res = await call(`Bearer ${token}`);
    expectInvalidToken(res);
    expect(res.json().detail).toMatch(/nbf/);
  });

  it('rejects a token for another audience', async () => {
    const token = await sim.issueJwt({ scope: SCOPES.PRODUCTS_WRITE, audience: 'other-api' });
    const res = await call(`Bearer ${token}`);
    expectInvalidToken(res);
    expect(res.json().detail).toMatch(/aud/);
  });

  it('rejects a token from another issuer', async () => {
    const token = await sim.issueJwt({
      scope: SCOPES.PRODUCTS_WRITE,
      issuer: 'https://evil.example',
    });
    const res = await call(`Bearer ${token}`);
    expectInvalidToken(res);
    expect(res.json().detail).toMatch(/iss/);
  });

  it('rejects a token whose signature does not verify', async () => {
    const token = await sim.issueJwt({ scope: SCOPES.PRODUCTS_WRITE, unknownKey: true });
    expectInvalidToken(await call(`Bearer ${token}`));
    const good = await sim.issueJwt({ scope: SCOPES.PRODUCTS_WRITE });
    const [header, payload] = good.split('.');
    const tampered = `${header}.${payload}.${Buffer.from('x'.repeat(256)).toString('base64url')}`;
    expectInvalidToken(await call(`Bearer ${tampered}`));
  });

  it('rejects symmetric (HS256) tokens even with the right claims', async () => {
    const token = await new SignJWT({ scope: SCOPES.PRODUCTS_WRITE })
      .setProtectedHeader({ alg: 'HS256', kid: sim.rotateSigningKeys().RS256 })
      .setIssuer(sim.serviceEnv().AUTH_ISSUER)
      .setAudience('farmlokal-api')
      .setSubject('attacker')
      .setExpirationTime('5m')
      .sign(new TextEncoder().encode('a-shared-secret-of-32-bytes-long!'));
    expectInvalidToken(await call(`Bearer ${token}`));
  });

  it('refetches the JWKS for an unknown kid after key rotation', async () => {
    const before = await sim.issueJwt({ scope: SCOPES.PRODUCTS_WRITE });
    expect((await call(`Bearer ${before}`)).statusCode).toBe(200);
    const kids = sim.rotateSigningKeys({ retirePrevious: true });
    const after = await sim.issueJwt({ scope: SCOPES.PRODUCTS_WRITE, alg: 'ES256' });
    const res = await call(`Bearer ${after}`);
    expect(res.statusCode).toBe(200);
    expect(JSON.parse(Buffer.from(after.split('.')[0], 'base64url').toString()).kid).toBe(
      kids.ES256,
    );
  });

  it('answers 403 with the insufficient_scope challenge when the scope is missing', async () => {
    const token = await sim.issueJwt({ scope: 'products:read subscriptions:manage' });
    const res = await call(`Bearer ${token}`);
    expect(res.statusCode).toBe(403);
    expect(res.headers['www-authenticate']).toBe(
      'Bearer error="insufficient_scope", scope="products:write"',
    );
    expect(res.json()).toMatchObject({
      type: 'https://farmlokal.example/problems/insufficient-scope',
      status: 403,
    });
  });

  it('treats a token without a scope claim as having no scopes', async () => {
    const token = await sim.issueJwt({});
    expect((await call(`Bearer ${token}`)).statusCode).toBe(403);
  });

  it('returns the same identity from the verifier cache on repeated calls', async () => {
    const verifier = test.app.get(JwtVerifier);
    const token = await sim.issueJwt({ scope: 'a b', sub: 'cached-user' });
    await expect(verifier.verify(token)).resolves.toEqual({
      sub: 'cached-user',
      scopes: ['a', 'b'],
    });
    await sim.stop();
    await expect(verifier.verify(token)).resolves.toEqual({
      sub: 'cached-user',
      scopes: ['a', 'b'],
    });
  });

  it('documents the bearer scheme and the 401/403 problems on protected routes', async () => {
    const doc = (await test.app.inject({ method: 'GET', url: '/docs-json' })).json();
    const operation = doc.paths['/__probe/write'].get;
    expect(operation.security).toEqual([{ bearer: [] }]);
    expect(Object.keys(operation.responses)).toEqual(expect.arrayContaining(['401', '403']));
    expect(doc.components.securitySchemes.bearer).toMatchObject({ type: 'http', scheme: 'bearer' });
  });
});

describe('Inbound JWT auth with the JWKS endpoint unreachable', () => {
  let env: TestEnv;
  let test: TestApp;

  beforeAll(async () => {
    env = createTestEnv({
      AUTH_JWKS_URL: 'http://127.0.0.1:9/.well-known/jwks.json',
      AUTH_ISSUER: 'http://127.0.0.1:9',
    });
    test = await createTestApp({ controllers: [ProbeController] });
  });

  afterAll(async () => {
    await test?.close();
    await env?.cleanup();
  });

  it('answers 503 with Retry-After instead of 500', async () => {
    const sim = await startPartnerSim({ issuer: 'http://127.0.0.1:9' });
    try {
      const token = await sim.issueJwt({ scope: SCOPES.PRODUCTS_WRITE });
      const res = await test.app.inject({
        method: 'GET',
        url: '/__probe/write',
        headers: { authorization: `Bearer ${token}` },
      });
      expect(res.statusCode).toBe(503);
      expect(res.headers['retry-after']).toMatch(/^\d+$/);
      expect(res.json()).toMatchObject({
        type: 'https://farmlokal.example/problems/service-unavailable',
        status: 503,
      });
    } finally {
      await sim.stop();
    }
  });
});
