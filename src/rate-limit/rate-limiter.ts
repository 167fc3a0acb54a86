import { Inject, Injectable, Logger } from '@nestjs/common';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { problemOf } from '../common/errors/problem-mapping';
import { writeProblem } from '../common/errors/problem-response';
import { RETRY_AFTER } from '../common/http/http-headers';
import {
  DEFAULT_RATE_LIMIT_GROUP,
  RATE_LIMIT_GROUPS,
  RateLimitGroupName,
} from '../common/http/rate-limit-policy.decorator';
import { rateLimitConfig, RateLimitConfig } from '../config/configuration';
import { MetricsService } from '../metrics';
import { RATE_LIMIT_HEADERS, rateLimitKey } from './rate-limit.constants';
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
 * routes (Swagger's /docs). A route's group is in its Fastify config
 * (`@RateLimitGroup` / `@SkipRateLimit`); each request costs that property read, the
 * tracker (cached JWT verification) and one atomic script call in Redis.
 */
@Injectable()
export class RateLimiter {
  private readonly logger = new Logger(RateLimiter.name);
  private readonly budgets: Record<RateLimitGroupName, GroupBudget>;
  private readonly enabled: boolean;

  constructor(
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
   * Installs the limiter on the root Fastify instance, as an `onRequest` hook after the
   * one that sets the request id, and the counter of requests Fastify answers before
   * routing.
   */
  register(fastify: FastifyInstance): void {
    if (!this.enabled) {
      this.logger.warn('Rate limiting is off (RATE_LIMIT_ENABLED=false)');
      return;
    }
    const fallback = this.budgets[DEFAULT_RATE_LIMIT_GROUP];
    fastify.addHook('onRequest', (request, reply, done) => {
      const policy = request.routeOptions.config.rateLimit;
      if (policy === false) {
        done();
        return;
      }
      const budget = policy === undefined ? fallback : this.budgets[policy];
      this.admit(budget, request, reply).then((admitted) => {
        if (admitted) {
          done();
        }
      }, done);
    });
    fastify.decorate('rateLimitUnrouted', (request: FastifyRequest, reply: FastifyReply) =>
      this.admit(fallback, request, reply),
    );
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
}
