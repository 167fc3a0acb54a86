import { Injectable, Logger } from '@nestjs/common';
import { createHash } from 'node:crypto';
import Redis from 'ioredis';
import { InjectRedis } from '../redis/redis.module';
import { SingleFlight } from './single-flight';

/** A cached response body (serialized JSON) and its strong ETag. */
export interface CachedResponse {
  readonly etag: string;
  readonly body: string;
}

export type CacheResult = 'hit' | 'miss' | 'error';

export interface CacheOutcome {
  readonly response: CachedResponse;
  readonly result: CacheResult;
}

export interface CacheEntryOptions {
  readonly namespace: string;
  /** Hash of the normalised request. */
  readonly key: string;
  readonly ttlS: number;
}

/**
 * One round trip per lookup: reads the namespace's generation and the entry stored under
 * it. Bumping the generation (INCR) orphans every entry of the namespace at once.
 */
const LOOKUP_SCRIPT = `
local gen = redis.call('GET', KEYS[1]) or '0'
return { gen, redis.call('GET', KEYS[2] .. gen .. ':' .. ARGV[1]) }
`;

const TTL_JITTER = 0.1;
const LOG_INTERVAL_MS = 10_000;
const BUMP_RETRY_MS = 500;
const BUMP_RETRY_ATTEMPTS = 120;

type LookupReply = [string, string | null];
type RedisWithLookup = Redis & {
  responseCacheLookup(genKey: string, entryPrefix: string, key: string): Promise<LookupReply>;
};

export function strongEtag(body: string): string {
  return `"${createHash('sha1').update(body).digest('base64url')}"`;
}

/** True when an If-None-Match header matches `etag` (weak comparison, RFC 9110 §13.1.2). */
export function etagMatches(ifNoneMatch: string | undefined, etag: string): boolean {
  if (!ifNoneMatch) {
    return false;
  }
  if (ifNoneMatch.trim() === '*') {
    return true;
  }
  return ifNoneMatch.split(',').some((tag) => tag.trim().replace(/^W\//, '') === etag);
}

/**
 * Redis response cache with generation-based invalidation, TTL jitter and per-instance
 * single-flight on misses. When Redis is unreachable the value is computed and served
 * anyway (reported as `error`), never turned into a failure.
 */
@Injectable()
export class ResponseCache {
  private readonly logger = new Logger(ResponseCache.name);
  private readonly flight = new SingleFlight<CachedResponse>();
  private lastLogged = 0;
  private pendingBumps = new Set<string>();

  constructor(@InjectRedis() private readonly redis: Redis) {
    if (!('responseCacheLookup' in redis)) {
      redis.defineCommand('responseCacheLookup', { numberOfKeys: 2, lua: LOOKUP_SCRIPT });
    }
  }

  async getOrCompute(
    options: CacheEntryOptions,
    compute: () => Promise<string>,
  ): Promise<CacheOutcome> {
    let generation: string;
    try {
      const [gen, stored] = await this.lookup(options);
      if (stored !== null) {
        const newline = stored.indexOf('\n');
        return {
          result: 'hit',
          response: { etag: stored.slice(0, newline), body: stored.slice(newline + 1) },
        };
      }
      generation = gen;
    } catch (error) {
      this.warn('lookup', error);
      const response = await this.flight.run(`uncached:${options.namespace}:${options.key}`, () =>
        compute().then((body) => ({ body, etag: strongEtag(body) })),
      );
      return { result: 'error', response };
    }
    const response = await this.flight.run(
      `${options.namespace}:${generation}:${options.key}`,
      async () => {
        const body = await compute();
        const entry = { body, etag: strongEtag(body) };
        await this.store(options, generation, entry).catch((error: unknown) =>
          this.warn('store', error),
        );
        return entry;
      },
    );
    return { result: 'miss', response };
  }

  /**
   * Invalidates every entry of `namespace`. If Redis cannot be reached, retries in the
   * background so that entries written before the outage are not served once it is back.
   */
  async invalidate(namespace: string): Promise<void> {
    try {
      await this.redis.incr(generationKey(namespace));
    } catch (error) {
      this.warn('invalidate', error);
      this.retryBump(namespace);
    }
  }

  private lookup(options: CacheEntryOptions): Promise<LookupReply> {
    if (this.redis.status !== 'ready') {
      return Promise.reject(new Error(`Redis is ${this.redis.status}`));
    }
    return (this.redis as RedisWithLookup).responseCacheLookup(
      generationKey(options.namespace),
      entryPrefix(options.namespace),
      options.key,
    );
  }

  private async store(
    options: CacheEntryOptions,
    generation: string,
    entry: CachedResponse,
  ): Promise<void> {
    const jitter = 1 - TTL_JITTER + Math.random() * 2 * TTL_JITTER;
    const ttlMs = Math.max(1, Math.round(options.ttlS * 1000 * jitter));
    await this.redis.set(
      `${entryPrefix(options.namespace)}${generation}:${options.key}`,
      `${entry.etag}\n${entry.body}`,
      'PX',
      ttlMs,
    );
  }

  private retryBump(namespace: string, attempt = 1): void {
    if (attempt === 1 && this.pendingBumps.has(namespace)) {
      return;
    }
    this.pendingBumps.add(namespace);
    const timer = setTimeout(() => {
      this.redis.incr(generationKey(namespace)).then(
        () => this.pendingBumps.delete(namespace),
        () => {
          if (attempt < BUMP_RETRY_ATTEMPTS) {
            this.retryBump(namespace, attempt + 1);
          } else {
            this.pendingBumps.delete(namespace);
          }
        },
      );
    }, BUMP_RETRY_MS);
    timer.unref();
  }

  private warn(operation: string, error: unknown): void {
    const now = Date.now();
    if (now - this.lastLogged > LOG_INTERVAL_MS) {
      this.lastLogged = now;
      this.logger.warn(
        `Response cache ${operation} failed, serving without the cache: ${(error as Error).message}`,
      );
    }
  }
}

function generationKey(namespace: string): string {
  return `${namespace}:gen`;
}

function entryPrefix(namespace: string): string {
  return `${namespace}:page:`;
}
