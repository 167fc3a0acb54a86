import type Redis from 'ioredis';
import { generationKey } from '../src/products/listing-cache/cache-layout';
import { PRODUCTS_CACHE_NAMESPACE } from '../src/products/products.constants';

/**
 * What the listing cache and the webhook fast path leave in Redis, counted with SCAN and
 * sized with MEMORY USAGE on a sample. The key layout is the service's (under its
 * REDIS_KEY_PREFIX): `{products:list}:gen` holds the listing generation and
 * `{products:list}:page:<generation>:<hash>` the pages; a page of another generation than
 * the current one can never be read again (a "dead" page, waiting for its TTL). When the
 * cache's key layout changes, `classifyPageKey` has to follow it.
 */
export const LISTING_GENERATION_KEY = generationKey(PRODUCTS_CACHE_NAMESPACE);
export const LISTING_PAGE_PREFIX = `{${PRODUCTS_CACHE_NAMESPACE}}:page:`;
export const WEBHOOK_DONE_PREFIX = 'webhooks:done:';

const SAMPLE = 200;

/** `live` when the page belongs to `generation`, `dead` for any other, null if not a page. */
export function classifyPageKey(
  key: string,
  prefix: string,
  generation: string,
): 'live' | 'dead' | null {
  const head = `${prefix}${LISTING_PAGE_PREFIX}`;
  if (!key.startsWith(head)) {
    return null;
  }
  const rest = key.slice(head.length);
  const colon = rest.indexOf(':');
  if (colon <= 0) {
    return null;
  }
  return rest.slice(0, colon) === generation ? 'live' : 'dead';
}

export interface KeyGroup {
  readonly count: number;
  /** MEMORY USAGE of a sample of at most 200 keys, extrapolated to `count`. */
  readonly bytes: number;
}

export interface PageCensus {
  readonly generation: string;
  readonly live: KeyGroup;
  readonly dead: KeyGroup;
}

async function scanAll(redis: Redis, match: string): Promise<string[]> {
  const keys: string[] = [];
  let cursor = '0';
  do {
    const [next, found] = await redis.scan(cursor, 'MATCH', match, 'COUNT', 1000);
    cursor = next;
    keys.push(...found);
  } while (cursor !== '0');
  return keys;
}

async function sized(redis: Redis, keys: readonly string[]): Promise<KeyGroup> {
  if (keys.length === 0) {
    return { count: 0, bytes: 0 };
  }
  const step = Math.max(1, Math.floor(keys.length / SAMPLE));
  const sample = keys.filter((_, i) => i % step === 0).slice(0, SAMPLE);
  const usage = await Promise.all(
    sample.map((key) => redis.call('MEMORY', 'USAGE', key) as Promise<number | null>),
  );
  const present = usage.filter((u): u is number => typeof u === 'number');
  const mean = present.length === 0 ? 0 : present.reduce((a, b) => a + b, 0) / present.length;
  return { count: keys.length, bytes: Math.round(mean * keys.length) };
}

/**
 * The listing pages under `prefix`: live ones (current generation) and dead ones. The
 * client must not have a keyPrefix of its own.
 */
export async function censusPages(redis: Redis, prefix: string): Promise<PageCensus> {
  const generation = (await redis.get(`${prefix}${LISTING_GENERATION_KEY}`)) ?? '0';
  const keys = await scanAll(redis, `${prefix}${LISTING_PAGE_PREFIX}*`);
  const live: string[] = [];
  const dead: string[] = [];
  for (const key of keys) {
    const kind = classifyPageKey(key, prefix, generation);
    if (kind === 'live') {
      live.push(key);
    } else if (kind === 'dead') {
      dead.push(key);
    }
  }
  return { generation, live: await sized(redis, live), dead: await sized(redis, dead) };
}

/** Keys starting with `prefix + keyPrefix`, their size and the TTL one of them has left. */
export async function censusKeys(
  redis: Redis,
  prefix: string,
  keyPrefix: string,
): Promise<KeyGroup & { ttlS: number | null }> {
  const keys = await scanAll(redis, `${prefix}${keyPrefix}*`);
  const group = await sized(redis, keys);
  const ttl = keys.length > 0 ? await redis.ttl(keys[keys.length - 1]) : null;
  return { ...group, ttlS: ttl !== null && ttl >= 0 ? ttl : null };
}
