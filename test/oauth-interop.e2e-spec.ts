import { createRemoteJWKSet, jwtVerify } from 'jose';
import { once } from 'node:events';
import { createServer, IncomingMessage, Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { OAuth2Server } from 'oauth2-mock-server';
import { PartnerSim, startPartnerSim } from './partner-sim';
import { createTestApp, TestApp } from './support/create-test-app';
import { createTestEnv, deleteRedisKeys, TestEnv } from './support/test-env';

/**
 * OAuth2 with a stock authorization server nobody on the team wrote (oauth2-mock-server),
 * in both directions: the service gets its outbound client-credentials token there and
 * calls a partner that accepts only that server's tokens; and the service's JWT guard
 * accepts the tokens that server issues to our own clients, verified through its JWKS.
 * The partner simulator covers the same two client authentication methods.
 */
const CLIENT_ID = 'farmlokal-partner-client';
const CLIENT_SECRET = 'a secret: with spaces & symbols';
const PARTNER_RESOURCE = 'https://partner.example.test/api';
const API_AUDIENCE = 'farmlokal-api';

interface SeenTokenRequest {
  readonly basic: { id: string; secret: string } | null;
  readonly body: Record<string, unknown>;
}

/** RFC 6749 §2.3.1: Basic credentials are form-urlencoded before base64. */
function basicCredentials(req: IncomingMessage): { id: string; secret: string } | null {
  const match = /^Basic\s+(\S+)$/i.exec(req.headers.authorization ?? '');
  if (!match) {
    return null;
  }
  const decoded = Buffer.from(match[1], 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  const form = (value: string) => decodeURIComponent(value.replace(/\+/g, ' '));
  return { id: form(decoded.slice(0, colon)), secret: form(decoded.slice(colon + 1)) };
}

/** A partner API that serves items only to bearer tokens issued by `issuer` for it. */
async function startPartner(issuer: string): Promise<{ url: string; server: Server }> {
  const jwks = createRemoteJWKSet(new URL(`${issuer}/jwks`));
  const server = createServer((req, res) => {
    const token = /^Bearer (\S+)$/.exec(req.headers.authorization ?? '')?.[1] ?? '';
    const id = /^\/v1\/items\/([A-Za-z0-9_-]+)$/.exec(req.url ?? '')?.[1];
    jwtVerify(token, jwks, { issuer, audience: PARTNER_RESOURCE, requiredClaims: ['sub'] }).then(
      ({ payload }) => {
        res.writeHead(id ? 200 : 404, { 'content-type': 'application/json' });
        res.end(
          JSON.stringify({
            id,
            name: `for ${String(payload.sub)}`,
            price: '12.50',
            available_qty: 3,
            updated_at: '2026-01-01T00:00:00.000Z',
          }),
        );
      },
      () => {
        res.writeHead(401, { 'www-authenticate': 'Bearer error="invalid_token"' });
        res.end();
      },
    );
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, server };
}

describe('OAuth2 with a standard authorization server (oauth2-mock-server)', () => {
  let idp: OAuth2Server;
  let issuer: string;
  let partner: { url: string; server: Server };
  let env: TestEnv;
  let app: TestApp | undefined;
  const seen: SeenTokenRequest[] = [];

  beforeAll(async () => {
    idp = new OAuth2Server();
    await idp.issuer.keys.generate('RS256');
    await idp.start(0, '127.0.0.1');
    issuer = idp.issuer.url as string;
    // As a real server is configured: `sub` is the client, `aud` the requested resource.
    idp.service.on('beforeTokenSigning', (token, req) => {
      const body = (req.body ?? {}) as Record<string, unknown>;
      const basic = basicCredentials(req);
      seen.push({ basic, body });
      token.payload.sub = basic?.id ?? body.client_id;
      token.payload.aud = body.resource ?? body.audience;
    });
    partner = await startPartner(issuer);
    env = createTestEnv({
      OAUTH_TOKEN_URL: `${issuer}/token`,
      OAUTH_CLIENT_ID: CLIENT_ID,
      OAUTH_CLIENT_SECRET: CLIENT_SECRET,
      OAUTH_RESOURCE: PARTNER_RESOURCE,
      OAUTH_SCOPE: 'items:read',
      PARTNER_API_URL: partner.url,
      AUTH_JWKS_URL: `${issuer}/jwks`,
      AUTH_ISSUER: issuer,
      AUTH_AUDIENCE: API_AUDIENCE,
    });
  });

  afterEach(async () => {
    await app?.close();
    app = undefined;
    seen.length = 0;
    await deleteRedisKeys(env.redisPrefix);
  });

  afterAll(async () => {
    await idp?.stop();
    partner?.server.close();
    await env?.cleanup();
  });

  it.each([
    ['client_secret_basic', 'basic'],
    ['client_secret_post', 'post'],
  ] as const)(
    'outbound: with OAUTH_CLIENT_AUTH=%s it gets a token for the resource and calls the partner',
    async (method, expected) => {
      app = await createTestApp({ env: { OAUTH_CLIENT_AUTH: method } });
      const res = await app.app.inject({ method: 'GET', url: '/external/items/ab-7' });

      expect(res.statusCode).toBe(200);
      expect(res.json()).toMatchObject({
        item: { id: 'ab-7', name: `for ${CLIENT_ID}` },
        source: 'live',
      });
      expect(seen).toHaveLength(1);
      const [request] = seen;
      expect(request.body).toMatchObject({
        grant_type: 'client_credentials',
        resource: PARTNER_RESOURCE,
        scope: 'items:read',
      });
      if (expected === 'basic') {
        expect(request.basic).toEqual({ id: CLIENT_ID, secret: CLIENT_SECRET });
        expect(request.body).not.toHaveProperty('client_secret');
      } else {
        expect(request.basic).toBeNull();
        expect(request.body).toMatchObject({ client_id: CLIENT_ID, client_secret: CLIENT_SECRET });
      }
    },
  );

  it('inbound: accepts the tokens the server issues to our clients, checked through its JWKS', async () => {
    app = await createTestApp();
    const grant = async (audience: string, scope: string): Promise<string> => {
      const res = await fetch(`${issuer}/token`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({
          grant_type: 'client_credentials',
          client_id: 'catalog-admin',
          client_secret: 'catalog-admin-secret',
          audience,
          scope,
        }),
      });
      expect(res.status).toBe(200);
      return ((await res.json()) as { access_token: string }).access_token;
    };
    const create = (token: string, sku: string) =>
      app!.app.inject({
        method: 'POST',
        url: '/products',
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
        payload: { sku, name: 'Kokum', category: 'fruits', price: '20.00', stock: 4 },
      });

    const created = await create(await grant(API_AUDIENCE, 'products:write'), 'IDP-0001');
    expect(created.statusCode).toBe(201);

    const forOthers = await create(await grant('someone-else', 'products:write'), 'IDP-0002');
    expect(forOthers.statusCode).toBe(401);
    expect(forOthers.headers['www-authenticate']).toBe('Bearer error="invalid_token"');

    const readOnly = await create(await grant(API_AUDIENCE, 'products:read'), 'IDP-0003');
    expect(readOnly.statusCode).toBe(403);
  });
});

describe('outbound client authentication against the partner simulator', () => {
  let sim: PartnerSim;
  let env: TestEnv;
  let app: TestApp | undefined;

  beforeAll(async () => {
    sim = await startPartnerSim({ port: 0 });
    env = createTestEnv({
      ...sim.serviceEnv(),
      OAUTH_CLIENT_ID: 'farmlokal-dev',
      OAUTH_CLIENT_SECRET: 'farmlokal-dev-secret',
      OAUTH_SCOPE: 'items:read',
      OAUTH_RESOURCE: 'urn:farmlokal:partner',
    });
  });

  afterEach(async () => {
    await app?.close();
    app = undefined;
    sim.reset();
    await deleteRedisKeys(env.redisPrefix);
  });

  afterAll(async () => {
    await sim?.stop();
    await env?.cleanup();
  });

  it.each([
    ['client_secret_basic', 'basic'],
    ['client_secret_post', 'form'],
  ] as const)('OAUTH_CLIENT_AUTH=%s authenticates by %s', async (method, authMethod) => {
    app = await createTestApp({ env: { OAUTH_CLIENT_AUTH: method } });
    const res = await app.app.inject({ method: 'GET', url: '/external/items/42' });

    expect(res.statusCode).toBe(200);
    expect(sim.counters.tokenRequestLog).toEqual([
      expect.objectContaining({
        authMethod,
        clientId: 'farmlokal-dev',
        grantType: 'client_credentials',
        resource: 'urn:farmlokal:partner',
        scope: 'items:read',
        status: 200,
      }),
    ]);
  });
});
