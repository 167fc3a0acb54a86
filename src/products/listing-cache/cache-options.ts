/** Optional provider overriding the in-process layer's bounds (tests). */
export const RESPONSE_CACHE_OPTIONS = Symbol('RESPONSE_CACHE_OPTIONS');

export interface ResponseCacheOptions {
  readonly memoryMaxBytes?: number;
  readonly refreshMs?: number;
  readonly maxAgeMs?: number;
  readonly feedPollMs?: number;
}

/** Total size of the in-process layer (bodies, ETags and keys, in UTF-8 bytes). */
export const MEMORY_CACHE_MAX_BYTES = 16 * 1024 * 1024;
/** Every generation in use is re-read from Redis this often, whatever pub/sub delivers. */
export const GENERATION_REFRESH_MS = 250;
/**
 * The in-process layer serves a namespace only within this long of the send time of the
 * last read of its generation from Redis: the bound on how late an instance that missed
 * the announcement (or cannot reach Redis) sees a bump.
 */
export const GENERATION_MAX_AGE_MS = 750;
/** How often each instance reads the change feed of every namespace it serves. */
export const FEED_POLL_MS = 100;
/** Entries of the change feed kept in Redis (approximately) and in each process. */
export const FEED_MAX_ENTRIES = 20_000;
