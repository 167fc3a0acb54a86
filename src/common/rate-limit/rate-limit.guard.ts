import { Inject, Injectable } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import {
  InjectThrottlerOptions,
  InjectThrottlerStorage,
  ThrottlerGuard,
  type ThrottlerModuleOptions,
  type ThrottlerRequest,
  type ThrottlerStorage,
} from '@nestjs/throttler';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { rateLimitConfig, RateLimitConfig } from '../../config/configuration';
import { MetricsService } from '../../metrics/metrics.service';
import { AppError } from '../errors/app.error';
import {
  DEFAULT_RATE_LIMIT_GROUP,
  RATE_LIMIT_GROUP_KEY,
  RATE_LIMIT_HEADERS,
  rateLimitKey,
  RateLimitGroupName,
} from './rate-limit.constants';
import { RateLimitStorage, secondsUntil } from './rate-limit.storage';
import { RateLimitTracker } from './rate-limit.tracker';

/**
 * The global rate limiter. @nestjs/throttler decides which routes are limited
 * (`@SkipThrottle()` exempts a controller or route); this guard counts the hit per client
 * and route group in the shared sliding window, writes the RateLimit-* headers on every
 * limited response, and answers over-limit requests with a 429 problem and Retry-After.
 */
@Injectable()
export class RateLimitGuard extends ThrottlerGuard {
  constructor(
    @InjectThrottlerOptions() options: ThrottlerModuleOptions,
    @InjectThrottlerStorage() storage: ThrottlerStorage,
    reflector: Reflector,
    private readonly limiter: RateLimitStorage,
    private readonly tracker: RateLimitTracker,
    private readonly metrics: MetricsService,
    @Inject(rateLimitConfig.KEY) private readonly config: RateLimitConfig,
  ) {
    super(options, storage, reflector);
  }

  protected override async handleRequest({ context }: ThrottlerRequest): Promise<boolean> {
    const group =
      this.reflector.getAllAndOverride<RateLimitGroupName | undefined>(RATE_LIMIT_GROUP_KEY, [
        context.getHandler(),
        context.getClass(),
      ]) ?? DEFAULT_RATE_LIMIT_GROUP;
    const { limit, windowS } = this.config.groups[group];
    const http = context.switchToHttp();
    const request = http.getRequest<FastifyRequest>();
    const reply = http.getResponse<FastifyReply>();

    const tracker = await this.tracker.track(request);
    const result = await this.limiter.hit(rateLimitKey(group, tracker), limit, windowS * 1000);
    const reset = secondsUntil(result.resetMs);
    const headers: Record<string, string> = {
      [RATE_LIMIT_HEADERS.LIMIT]: String(limit),
      [RATE_LIMIT_HEADERS.REMAINING]: String(Math.max(0, limit - result.count)),
      [RATE_LIMIT_HEADERS.RESET]: String(reset),
    };
    void reply.headers(headers);
    if (!result.allowed) {
      this.metrics.rateLimitRejections.inc({ group });
      throw new AppError(
        'RATE_LIMITED',
        `Rate limit of ${limit} requests per ${windowS} s exceeded; retry in ${reset} s`,
        { headers: { ...headers, [RATE_LIMIT_HEADERS.RETRY_AFTER]: String(reset) } },
      );
    }
    return true;
  }
}
