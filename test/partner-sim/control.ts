import type { FastifyInstance, FastifyReply } from 'fastify';
import type { PartnerSim } from './partner-sim';
import type { EmitOptions, FaultSpec, IssueJwtOptions, JwtAlg, OAuthSettings } from './types';

type Body = Record<string, unknown>;

function asBody(body: unknown): Body {
  return typeof body === 'object' && body !== null ? (body as Body) : {};
}

function num(body: Body, key: string): number | undefined {
  const value = body[key];
  if (value === undefined || value === null) {
    return undefined;
  }
  const parsed = Number(value);
  if (!Number.isFinite(parsed)) {
    throw new Error(`${key} must be a number`);
  }
  return parsed;
}

function str(body: Body, key: string): string | undefined {
  const value = body[key];
  if (value === undefined || value === null) {
    return undefined;
  }
  if (typeof value !== 'string' && typeof value !== 'number') {
    throw new Error(`${key} must be a string`);
  }
  return String(value);
}

function bool(body: Body, key: string): boolean | undefined {
  const value = body[key];
  return value === undefined || value === null ? undefined : value === true || value === 'true';
}

function defined<T extends object>(value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as Partial<T>;
}

/** `{ item_id?, mode, latency_ms?, rate?, status?, count?, retry_after_s? }` → a fault. */
export function faultFromSnakeCase(body: Body): FaultSpec {
  return defined({
    itemId: str(body, 'item_id'),
    mode: str(body, 'mode'),
    latencyMs: num(body, 'latency_ms'),
    rate: num(body, 'rate'),
    status: num(body, 'status'),
    count: num(body, 'count'),
    retryAfterS: num(body, 'retry_after_s'),
  }) as FaultSpec;
}

function oauthFromSnakeCase(body: Body): Partial<OAuthSettings> {
  return defined({
    expiresInS: num(body, 'expires_in'),
    latencyMs: num(body, 'latency_ms'),
    down: bool(body, 'down'),
    hang: bool(body, 'hang'),
  });
}

function jwtFromSnakeCase(body: Body): IssueJwtOptions {
  return defined({
    scope: str(body, 'scope'),
    sub: str(body, 'sub'),
    expiresInS: num(body, 'expires_in'),
    notBeforeS: num(body, 'not_before_s'),
    audience: str(body, 'audience'),
    issuer: str(body, 'issuer'),
    alg: str(body, 'alg') as JwtAlg | undefined,
    unknownKey: bool(body, 'unknown_key'),
  });
}

function emitFromSnakeCase(body: Body): EmitOptions {
  const type = str(body, 'type');
  if (!type) {
    throw new Error('type is required');
  }
  return {
    ...defined({
      id: str(body, 'id'),
      copies: num(body, 'copies'),
      concurrent: bool(body, 'concurrent'),
      timestamp: num(body, 'timestamp'),
      allSubscribers: bool(body, 'all_subscribers'),
    }),
    type,
    data: asBody(body.data),
  };
}

function badRequest(reply: FastifyReply, error: unknown): FastifyReply {
  return reply
    .code(400)
    .send({ error: 'invalid_request', message: error instanceof Error ? error.message : 'bad' });
}

/** The `/_control` API: the library API over HTTP, for the demo and cross-process tests. */
export function registerControlRoutes(app: FastifyInstance, sim: PartnerSim): void {
  app.post('/_control/reset', async (_request, reply) => {
    sim.reset();
    return reply.code(204).send();
  });
  app.get('/_control/counters', (_request, reply) => reply.send(sim.counters.snapshot()));
  app.post('/_control/counters/reset', async (_request, reply) => {
    sim.resetCounters();
    return reply.code(204).send();
  });
  app.post('/_control/oauth', async (request, reply) => {
    try {
      sim.configureOAuth(oauthFromSnakeCase(asBody(request.body)));
    } catch (error) {
      return badRequest(reply, error);
    }
    return reply.code(204).send();
  });
  app.post('/_control/faults', async (request, reply) => {
    try {
      sim.setFault(faultFromSnakeCase(asBody(request.body)));
    } catch (error) {
      return badRequest(reply, error);
    }
    return reply.code(204).send();
  });
  app.delete('/_control/faults', async (_request, reply) => {
    sim.clearFaults();
    return reply.code(204).send();
  });
  app.post('/_control/tokens/revoke', async (_request, reply) => {
    sim.revokeTokens();
    return reply.code(204).send();
  });
  app.post('/_control/jwt', async (request, reply) => {
    try {
      return { token: await sim.issueJwt(jwtFromSnakeCase(asBody(request.body))) };
    } catch (error) {
      return badRequest(reply, error);
    }
  });
  app.post('/_control/keys/rotate', (request, reply) => {
    const retirePrevious = bool(asBody(request.body), 'retire_previous') ?? false;
    return reply.send({ kids: sim.rotateSigningKeys({ retirePrevious }) });
  });
  app.get('/_control/webhooks', (_request, reply) => reply.send({ data: sim.subscriptions() }));
  app.post('/_control/webhooks/emit', async (request, reply) => {
    let options: EmitOptions;
    try {
      options = emitFromSnakeCase(asBody(request.body));
    } catch (error) {
      return badRequest(reply, error);
    }
    const results = await sim.emit(options);
    return {
      deliveries: results.map((r) => ({
        url: r.url,
        subscription_id: r.subscriptionId,
        copy: r.copy,
        status: r.status,
        attempts: r.attempts,
        statuses: r.statuses,
        body: r.body,
        ...(r.error ? { error: r.error } : {}),
      })),
    };
  });
}
