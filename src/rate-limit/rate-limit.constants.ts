/** Metadata key under which `RateLimitGroup` stores a route's group. */
export const RATE_LIMIT_GROUP_KEY = 'rate-limit:group';

/**
 * Metadata key of @nestjs/throttler's `@SkipThrottle()` for its `default` throttler
 * (`THROTTLER:SKIP` + name): the decorator that exempts /health/* and /metrics.
 */
export const THROTTLER_SKIP_KEY = 'THROTTLER:SKIPdefault';

/** Route groups with their own limits (RATE_LIMIT_<GROUP>_LIMIT / _WINDOW_S). */
export const RATE_LIMIT_GROUPS = ['default', 'webhooks'] as const;
export type RateLimitGroupName = (typeof RATE_LIMIT_GROUPS)[number];

/** Group of every route that does not name one. */
export const DEFAULT_RATE_LIMIT_GROUP: RateLimitGroupName = 'default';

/** Redis key of one client's hits in one group (REDIS_KEY_PREFIX is added by ioredis). */
export const rateLimitKey = (group: RateLimitGroupName, tracker: string): string =>
  `rl:${group}:${tracker}`;

/** Response headers (draft-ietf-httpapi-ratelimit-headers, independent-field form). */
export const RATE_LIMIT_HEADERS = {
  LIMIT: 'RateLimit-Limit',
  REMAINING: 'RateLimit-Remaining',
  RESET: 'RateLimit-Reset',
} as const;

/** IPv6 clients are tracked per /56, as one subscriber usually owns the whole prefix. */
export const IPV6_SUBNET_PREFIX = 56;

/** How often the in-memory fallback drops windows nobody has touched lately. */
export const MEMORY_SWEEP_INTERVAL_MS = 30_000;
