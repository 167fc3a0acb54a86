import { Inject, Injectable, Logger } from '@nestjs/common';
import { DiscoveryService, Reflector } from '@nestjs/core';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { rateLimitConfig, RateLimitConfig } from '../config/configuration';
import { MetricsService } from '../metrics/metrics.service';
import { problemOf } from '../common/errors/problem-mapping';
import { writeProblem } from '../common/errors/problem-response';
import { RETRY_AFTER } from '../common/http/http-headers';
import {
  DEFAULT_RATE_LIMIT_GROUP,
  RATE_LIMIT_GROUPS,
  RATE_LIMIT_HEADERS,
  rateLimitKey,
  RateLimitGroupName,
} from './rate-limit.constants';
import { discoverLimitedRoutes, LimitedRoute } from './rate-limit.routes';
import { RateLimitStorage, secondsUntil } from './rate-limit.storage';
import { RateLimitTracker } from './rate-limit.tracker';

/** One group's budget, resolved once at start-up. */
interface GroupBudget {
  readonly group: RateLimitGroupName;
  readonly limit: number;
  readonly windowS: number;
  readonly windowMs: number;
  /** RateLimit-Limit, pre-rendered. */
  readonly limitHeader: string;
}

/** method → route template → budget, or `null` for an exempt route. */
type RouteTable = Map<string, Map<string, GroupBudget | null>>;

declare module 'fastify' {
  interface FastifyInstance {
    /**
     * Counts a request Fastify answers before routing (malformed URL, over-long path
     * parameter) against the `default` group; false when it has answered 429 instead.
     * Set by `RateLimiter.register`.
     */
    rateLimitUnrouted?: (request: FastifyRequest, reply: FastifyReply) => Promise<boolean>;
  }
}

/**
 * The rate limiter, decided in a Fastify `onRequest` hook: after routing, before the body
 * is read. Requests Fastify rejects itself (malformed JSON, 413, 415, 404) are therefore
 * counted and carry the RateLimit-* headers like any other, and so do plain Fastify
 * routes (Swagger's /docs). Each request costs one map lookup for its group, the tracker
 * (cached JWT verification) and one atomic script call in Redis.
 */
@Injectable()
export class RateLimiter {
  private readonly logger = new Logger(RateLimiter.name);
  private readonly budgets: Record<RateLimitGroupName, GroupBudget>;
  private readonly enabled: boolean;

  constructor(
    private readonly discovery: DiscoveryService,
    private readonly reflector: Reflector,
    private readonly storage: RateLimitStorage,
    private readonly tracker: RateLimitTracker,
    private readonly metrics: MetricsService,
    @Inject(rateLimitConfig.KEY) config: RateLimitConfig,
  ) {
    this.enabled = config.enabled;
    this.budgets = Object.fromEntries(
      RATE_LIMIT_GROUPS.map((group) => {
        const { limit, windowS } = config.groups[group];
        const budget: GroupBudget = {
          group,
          limit,
          windowS,
          windowMs: windowS * 1000,
          limitHeader: String(limit),
        };
        return [group, budget];
      }),
    ) as Record<RateLimitGroupName, GroupBudget>;
  }

  /**
   * Installs the limiter on the root Fastify instance (before `app.init()`, after the hook
   * that sets the request id). The route table is built here from the controllers'
   * metadata; start-up fails if a controller route is not where the table expects it.
   */
  register(fastify: FastifyInstance): void {
    if (!this.enabled) {
      this.logger.warn('Rate limiting is off (RATE_LIMIT_ENABLED=false)');
      return;
    }
    const routes = discoverLimitedRoutes(this.discovery, this.reflector);
    const table = this.buildTable(routes);
    const fallback = this.budgets[DEFAULT_RATE_LIMIT_GROUP];

    fastify.addHook('onRequest', (request, reply, done) => {
      const budget = lookup(table, request.method, request.routeOptions.url);
      if (budget === null) {
        done();
        return;
      }
      this.admit(budget ?? fallback, request, reply).then((admitted) => {
        if (admitted) {
          done();
        }
      }, done);
    });
    fastify.decorate('rateLimitUnrouted', (request: FastifyRequest, reply: FastifyReply) =>
      this.admit(fallback, request, reply),
    );
    fastify.addHook('onReady', function checkRouteTable(done) {
      const missing = routes.filter(
        ({ method, url }) => !this.hasRoute({ method: method === 'ALL' ? 'GET' : method, url }),
      );
      done(
        missing.length === 0
          ? undefined
          : new Error(
              `Rate limiting: ${missing.map((r) => `${r.method} ${r.url}`).join(', ')} ` +
                'not registered as computed (global prefix, versioning or RouterModule paths ' +
                'are not supported by discoverLimitedRoutes)',
            ),
      );
    });
  }

  /**
   * Counts the request in its group's window and writes the RateLimit-* headers. Over the
   * limit it answers the 429 problem itself and returns false.
   */
  private async admit(
    budget: GroupBudget,
    request: FastifyRequest,
    reply: FastifyReply,
  ): Promise<boolean> {
    const tracker = await this.tracker.track(request);
    const result = await this.storage.hit(
      rateLimitKey(budget.group, tracker),
      budget.limit,
      budget.windowMs,
    );
    const reset = String(secondsUntil(result.resetMs));
    void reply.headers({
      [RATE_LIMIT_HEADERS.LIMIT]: budget.limitHeader,
      [RATE_LIMIT_HEADERS.REMAINING]: String(Math.max(0, budget.limit - result.count)),
      [RATE_LIMIT_HEADERS.RESET]: reset,
    });
    if (result.allowed) {
      return true;
    }
    this.metrics.rateLimitRejections.inc({ group: budget.group });
    writeProblem(
      request,
      reply,
      problemOf(
        'RATE_LIMITED',
        `Rate limit of ${budget.limit} requests per ${budget.windowS} s exceeded; retry in ${reset} s`,
        { [RETRY_AFTER]: reset },
      ),
    );
    return false;
  }

  private buildTable(routes: readonly LimitedRoute[]): RouteTable {
    const table: RouteTable = new Map();
    const set = (method: string, url: string, budget: GroupBudget | null): void => {
      const byUrl = table.get(method) ?? new Map<string, GroupBudget | null>();
      table.set(method, byUrl);
      byUrl.set(url, budget);
    };
    for (const { method, url, limit } of routes) {
      set(method, url, limit === null ? null : this.budgets[limit]);
    }
    // Fastify answers HEAD on every GET route with the GET handler.
    for (const [url, budget] of table.get('GET') ?? []) {
      if (!table.get('HEAD')?.has(url)) {
        set('HEAD', url, budget);
      }
    }
    return table;
  }
}

/** The budget of a matched route, `null` if it is exempt, undefined if it is not in the table. */
function lookup(
  table: RouteTable,
  method: string,
  url: string | undefined,
): GroupBudget | null | undefined {
  if (url === undefined) {
    return undefined;
  }
  const byMethod = table.get(method);
  return byMethod?.has(url) ? byMethod.get(url) : table.get('ALL')?.get(url);
}
