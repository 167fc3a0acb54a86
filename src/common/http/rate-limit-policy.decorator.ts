import { RouteConfig } from '@nestjs/platform-fastify';

/** Route groups with budgets of their own (RATE_LIMIT_<GROUP>_LIMIT / _WINDOW_S). */
export const RATE_LIMIT_GROUPS = ['default', 'webhooks'] as const;
export type RateLimitGroupName = (typeof RATE_LIMIT_GROUPS)[number];

/** Group of every route that does not name one. */
export const DEFAULT_RATE_LIMIT_GROUP: RateLimitGroupName = 'default';

/** A route's rate-limit policy: the group whose budget it spends, or `false` (not limited). */
export type RateLimitPolicy = RateLimitGroupName | false;

declare module 'fastify' {
  interface FastifyContextConfig {
    /** Set by `@RateLimitGroup` / `@SkipRateLimit`; absent means the default group. */
    rateLimit?: RateLimitPolicy;
  }
}

/** Marks the handlers that carry a policy of their own (a method's overrides its class's). */
const POLICY_METADATA = 'rate-limit:policy';

type Handler = (...args: unknown[]) => unknown;

function applyPolicy(
  prototype: object,
  name: string | symbol,
  descriptor: PropertyDescriptor,
  policy: RateLimitPolicy,
): void {
  Reflect.defineMetadata(POLICY_METADATA, policy, descriptor.value as Handler);
  RouteConfig({ rateLimit: policy })(prototype, name, descriptor);
}

/**
 * Puts the policy into the Fastify config of each route it decorates (Nest's
 * `@RouteConfig`), where the rate limiter's `onRequest` hook reads it as
 * `request.routeOptions.config.rateLimit`: no start-up discovery, no lookup table. On a
 * controller it applies to every handler that has no policy of its own.
 */
function rateLimitPolicy(policy: RateLimitPolicy): MethodDecorator & ClassDecorator {
  return (target: object, name?: string | symbol, descriptor?: PropertyDescriptor) => {
    if (name !== undefined && descriptor !== undefined) {
      applyPolicy(target, name, descriptor, policy);
      return;
    }
    const prototype = (target as { prototype: object }).prototype;
    for (const method of Object.getOwnPropertyNames(prototype)) {
      const handler = Object.getOwnPropertyDescriptor(prototype, method);
      if (
        method !== 'constructor' &&
        typeof handler?.value === 'function' &&
        !Reflect.hasOwnMetadata(POLICY_METADATA, handler.value as Handler)
      ) {
        applyPolicy(prototype, method, handler, policy);
      }
    }
  };
}

/**
 * Puts a controller or route in a rate-limit group: its own budget per client, sized by
 * RATE_LIMIT_<GROUP>_LIMIT and RATE_LIMIT_<GROUP>_WINDOW_S. Routes without it use `default`.
 */
export const RateLimitGroup = (group: RateLimitGroupName): MethodDecorator & ClassDecorator =>
  rateLimitPolicy(group);

/** Exempts a controller or route from rate limiting (probes and metrics scrapes). */
export const SkipRateLimit = (): MethodDecorator & ClassDecorator => rateLimitPolicy(false);
