import type { RateLimitGroupName } from '../common/http/rate-limit-policy.decorator';

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
