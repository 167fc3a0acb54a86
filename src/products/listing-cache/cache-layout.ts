import type Redis from 'ioredis';

/**
 * How the listing cache lays out its data in Redis; the service, the seed command and the
 * benchmark all follow it. A namespace's generation and its entries share one
 * `{namespace}` hash tag: the lookup script reads both, so on a Redis Cluster they must
 * live in one slot. Entries are `<etag>\n<body>` under `{ns}:page:<generation>:<key>`.
 */
export function generationKey(namespace: string): string {
  return `{${namespace}}:gen`;
}

export function entryPrefix(namespace: string): string {
  return `{${namespace}}:page:`;
}

/** Channel suffix (after REDIS_KEY_PREFIX) on which bumps are announced as `<gen> <ns>`. */
export const GENERATION_CHANNEL = 'cache:generations';

/**
 * One round trip per Redis lookup: reads the namespace's generation, the entry stored
 * under it and its remaining TTL. Bumping the generation (INCR) orphans every entry of the
 * namespace at once.
 */
const LOOKUP_SCRIPT = `
local gen = redis.call('GET', KEYS[1]) or '0'
local key = KEYS[2] .. gen .. ':' .. ARGV[1]
local value = redis.call('GET', key)
if value then
  return { gen, value, redis.call('PTTL', key) }
end
return { gen, false, 0 }
`;

/** Bumps a generation and announces the new value to every instance, in one round trip. */
const BUMP_SCRIPT = `
local gen = redis.call('INCR', KEYS[1])
redis.call('PUBLISH', ARGV[1], gen .. ' ' .. ARGV[2])
return gen
`;

/** `[generation, entry or null, entry's remaining ms]`. */
export type LookupReply = [string, string | null, number];

/** The shared client with the cache's two scripts defined on it. */
export type RedisWithScripts = Redis & {
  responseCacheLookup(genKey: string, entryPrefix: string, key: string): Promise<LookupReply>;
  responseCacheBump(genKey: string, channel: string, namespace: string): Promise<number>;
};

/** Defines the lookup and bump scripts on the client (once per client). */
export function withCacheScripts(redis: Redis): RedisWithScripts {
  if (!('responseCacheLookup' in redis)) {
    redis.defineCommand('responseCacheLookup', { numberOfKeys: 2, lua: LOOKUP_SCRIPT });
    redis.defineCommand('responseCacheBump', { numberOfKeys: 1, lua: BUMP_SCRIPT });
  }
  return redis as RedisWithScripts;
}
