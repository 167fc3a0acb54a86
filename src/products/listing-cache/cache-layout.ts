import type Redis from 'ioredis';
import type { PollReply } from './change-feed';
import {
  BUMP_GENERATION_SCRIPT,
  LOOKUP_SCRIPT,
  POLL_CHANGES_SCRIPT,
  PUBLISH_CHANGES_SCRIPT,
} from './generation';

/**
 * How the listing cache lays out its data in Redis; the service, the seed command and the
 * benchmark all follow it. A namespace's generation and its entries share one
 * `{namespace}` hash tag: the lookup script reads both, so on a Redis Cluster they must
 * live in one slot. Generations are `<n>.<id>` values that are never reused (generation.ts).
 * Entries are `<etag>\n<feed position>\n<product ids>\n<body>` under
 * `{ns}:page:<generation>:<key>`; the change feed is the stream `{ns}:changes`
 * (change-feed.ts).
 */
export function generationKey(namespace: string): string {
  return `{${namespace}}:gen`;
}

export function changesKey(namespace: string): string {
  return `{${namespace}}:changes`;
}

export function entryPrefix(namespace: string): string {
  return `{${namespace}}:page:`;
}

/** Channel suffix (after REDIS_KEY_PREFIX) on which bumps are announced as `<gen> <ns>`. */
export const GENERATION_CHANNEL = 'cache:generations';

/** `[generation, entry or null, entry's remaining ms, head of the change feed]`. */
export type LookupReply = [string, string | null, number, string];

/** The shared client with the cache's scripts defined on it. */
export type RedisWithScripts = Redis & {
  responseCacheLookup(
    genKey: string,
    entryPrefix: string,
    changesKey: string,
    key: string,
    freshGeneration: string,
  ): Promise<LookupReply>;
  responseCachePublish(
    changesKey: string,
    maxLength: number,
    channel: string,
    namespace: string,
    ...changes: string[]
  ): Promise<string>;
  responseCachePoll(changesKey: string, after: string, count: number): Promise<PollReply>;
  responseCacheBump(
    genKey: string,
    channel: string,
    namespace: string,
    floor: number,
    id: string,
  ): Promise<string>;
};

/** Defines the cache's scripts on the client (once per client). */
export function withCacheScripts(redis: Redis): RedisWithScripts {
  if (!('responseCacheLookup' in redis)) {
    redis.defineCommand('responseCacheLookup', { numberOfKeys: 3, lua: LOOKUP_SCRIPT });
    redis.defineCommand('responseCachePublish', { numberOfKeys: 1, lua: PUBLISH_CHANGES_SCRIPT });
    redis.defineCommand('responseCachePoll', { numberOfKeys: 1, lua: POLL_CHANGES_SCRIPT });
    redis.defineCommand('responseCacheBump', { numberOfKeys: 1, lua: BUMP_GENERATION_SCRIPT });
  }
  return redis as RedisWithScripts;
}
