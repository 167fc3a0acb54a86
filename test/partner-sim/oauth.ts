import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { randomBytes } from 'node:crypto';
import type { SimCounters } from './counters';
import { bearerToken, neverAnswer, pause } from './http-utils';
import type { OAuthSettings, TokenRequestRecord } from './types';

export const DEV_CLIENT_ID = 'farmlokal-dev';
export const DEV_CLIENT_SECRET = 'farmlokal-dev-secret';

const DEFAULT_OAUTH: OAuthSettings = { expiresInS: 3600, latencyMs: 0, down: false, hang: false };

interface IssuedToken {
  expiresAt: number;
  audience: string | null;
  scope: string | null;
}

export type TokenCheck = 'valid' | 'missing' | 'invalid';

interface ClientCredentials {
  method: TokenRequestRecord['authMethod'];
  clientId: string | null;
  clientSecret: string | null;
  conflict: boolean;
}

/** The OAuth2 client-credentials provider: issues opaque tokens and checks them. */
export class OAuthProvider {
  private settings: OAuthSettings = { ...DEFAULT_OAUTH };
  private readonly issued = new Map<string, IssuedToken>();
  private revoked = new Set<string>();

  constructor(private readonly clients: ReadonlyMap<string, string>) {}

  configure(settings: Partial<OAuthSettings>): void {
    this.settings = { ...this.settings, ...settings };
  }

  get current(): Readonly<OAuthSettings> {
    return this.settings;
  }

  /** Every token issued so far is rejected from now on; later tokens are not affected. */
  revokeAll(): void {
    for (const token of this.issued.keys()) {
      this.revoked.add(token);
    }
  }

  /** Restores default settings and lifts revocations. */
  reset(): void {
    this.settings = { ...DEFAULT_OAUTH };
    this.revoked = new Set();
  }

  check(token: string | null): TokenCheck {
    if (token === null) {
      return 'missing';
    }
    const issued = this.issued.get(token);
    if (!issued || this.revoked.has(token) || Date.now() >= issued.expiresAt) {
      return 'invalid';
    }
    return 'valid';
  }

  issue(audience: string | null, scope: string | null): { token: string; expiresInS: number } {
    const token = randomBytes(32).toString('base64url');
    const expiresInS = this.settings.expiresInS;
    this.issued.set(token, { expiresAt: Date.now() + expiresInS * 1000, audience, scope });
    return { token, expiresInS };
  }

  authenticate(credentials: ClientCredentials): boolean {
    const { clientId, clientSecret } = credentials;
    return (
      clientId !== null && clientSecret !== null && this.clients.get(clientId) === clientSecret
    );
  }
}

function formField(body: unknown, name: string): string | null {
  if (typeof body !== 'object' || body === null) {
    return null;
  }
  const value = (body as Record<string, unknown>)[name];
  return typeof value === 'string' ? value : null;
}

function decodeFormComponent(value: string): string {
  return decodeURIComponent(value.replace(/\+/g, ' '));
}

/** RFC 6749 §2.3.1: Basic credentials are form-urlencoded before base64. */
function basicCredentials(request: FastifyRequest): { id: string; secret: string } | null {
  const match = /^Basic\s+(\S+)\s*$/i.exec(request.headers.authorization ?? '');
  if (!match) {
    return null;
  }
  const decoded = Buffer.from(match[1], 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  if (colon < 0) {
    return null;
  }
  try {
    return {
      id: decodeFormComponent(decoded.slice(0, colon)),
      secret: decodeFormComponent(decoded.slice(colon + 1)),
    };
  } catch {
    return null;
  }
}

function clientCredentials(request: FastifyRequest): ClientCredentials {
  const basic = basicCredentials(request);
  const formId = formField(request.body, 'client_id');
  const formSecret = formField(request.body, 'client_secret');
  if (basic) {
    const conflict =
      (formId !== null && formId !== basic.id) ||
      (formSecret !== null && formSecret !== basic.secret);
    return { method: 'basic', clientId: basic.id, clientSecret: basic.secret, conflict };
  }
  if (formId !== null) {
    return { method: 'form', clientId: formId, clientSecret: formSecret, conflict: false };
  }
  return { method: 'none', clientId: null, clientSecret: null, conflict: false };
}

function oauthError(reply: FastifyReply, status: number, error: string, description: string) {
  return reply
    .code(status)
    .header('cache-control', 'no-store')
    .header('pragma', 'no-cache')
    .send({ error, error_description: description });
}

export function registerOAuthRoutes(
  app: FastifyInstance,
  oauth: OAuthProvider,
  counters: SimCounters,
  stopped: AbortSignal,
): void {
  app.post('/oauth/token', async (request, reply) => {
    const credentials = clientCredentials(request);
    const record: TokenRequestRecord = {
      at: Date.now(),
      authMethod: credentials.method,
      clientId: credentials.clientId,
      grantType: formField(request.body, 'grant_type'),
      audience: formField(request.body, 'audience'),
      resource: formField(request.body, 'resource'),
      scope: formField(request.body, 'scope'),
      status: 0,
    };
    counters.recordTokenRequest(record);
    const settings = oauth.current;
    if (!(await pause(settings.latencyMs, stopped))) {
      return neverAnswer(reply);
    }
    if (settings.hang) {
      return neverAnswer(reply);
    }
    const answer = (status: number, error: string, description: string) => {
      record.status = status;
      return oauthError(reply, status, error, description);
    };
    if (settings.down) {
      return answer(503, 'temporarily_unavailable', 'The token endpoint is down.');
    }
    if (credentials.conflict) {
      return answer(400, 'invalid_request', 'Client authenticated by more than one method.');
    }
    if (!oauth.authenticate(credentials)) {
      if (credentials.method === 'basic') {
        reply.header('www-authenticate', 'Basic realm="partner-sim"');
      }
      return answer(401, 'invalid_client', 'Client authentication failed.');
    }
    if (record.grantType === null) {
      return answer(400, 'invalid_request', 'grant_type is required.');
    }
    if (record.grantType !== 'client_credentials') {
      return answer(400, 'unsupported_grant_type', 'Only client_credentials is supported.');
    }
    const { token, expiresInS } = oauth.issue(record.audience, record.scope);
    record.status = 200;
    return reply
      .header('cache-control', 'no-store')
      .header('pragma', 'no-cache')
      .send({ access_token: token, token_type: 'Bearer', expires_in: expiresInS });
  });
}

/** Answers 401 unless the request carries a valid token; returns whether it may proceed. */
export function requireToken(
  oauth: OAuthProvider,
  request: FastifyRequest,
  reply: FastifyReply,
): boolean {
  const result = oauth.check(bearerToken(request));
  if (result === 'valid') {
    return true;
  }
  const challenge =
    result === 'missing' ? 'Bearer realm="partner-sim"' : 'Bearer error="invalid_token"';
  void reply
    .code(401)
    .header('www-authenticate', challenge)
    .send({ error: result === 'missing' ? 'unauthorized' : 'invalid_token' });
  return false;
}
