import { Inject, Injectable, Logger, OnModuleDestroy, Optional } from '@nestjs/common';
import Redis from 'ioredis';
import { LRUCache } from 'lru-cache';
import { InjectRedis } from '../../common/redis/redis.module';
import { redisConfig, RedisConfig } from '../../config/configuration';
import { MetricsService } from '../../metrics';
import { CacheStore, GenerationListener } from './cache-store';
import { strongEtag } from './etag';
import { newGenerationId } from './generation';
import { GenerationTracker } from './generation-tracker';
import { SingleFlight } from './single-flight';

/** Optional provider overriding the in-process layer's bounds (tests). */
export const RESPONSE_CACHE_OPTIONS = Symbol('RESPONSE_CACHE_OPTIONS');

/** A cached response body (serialized JSON) and its strong ETag. */
export interface CachedResponse {
  readonly etag: string;
  readonly body: string;
}

export type CacheResult = 'hit' | 'miss' | 'error';
/** `memory`: answered in process without a round trip; `redis`: Redis was asked. */
export type CacheLayer = 'memory' | 'redis';

export interface CacheOutcome {
  readonly response: CachedResponse;
  readonly result: CacheResult;
  readonly layer: CacheLayer;
}

export interface CacheEntryOptions {
  readonly namespace: string;
  /** Hash of the normalised request. */
  readonly key: string;
  readonly ttlS: number;
}

const TTL_JITTER = 0.1;
const LOG_INTERVAL_MS = 10_000;
const BUMP_RETRY_MS = 500;
const BUMP_RETRY_ATTEMPTS = 120;

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
/** Bookkeeping per in-process entry, counted against MEMORY_CACHE_MAX_BYTES. */
const ENTRY_OVERHEAD_BYTES = 160;
/** Why a generation was bumped: a write, or Redis having lost or rolled it back. */
type BumpReason = 'write' | 'reset';

export interface ResponseCacheOptions {
  readonly memoryMaxBytes?: number;
  readonly refreshMs?: number;
  readonly maxAgeMs?: number;
}

/**
 * Two-level response cache with generation-based invalidation, TTL jitter and
 * per-instance single-flight on misses.
 *
 * L1 is in process: a byte-bounded LRU keyed by (namespace, generation, key), consulted
 * only while the namespace's generation is known and was confirmed from Redis within
 * GENERATION_MAX_AGE_MS, so a hit there costs no round trip. L2 is Redis, read with one
 * script (generation + entry) when L1 cannot answer. A bump is applied locally as soon as
 * INCR returns, announced on a pub/sub channel that every instance adopts at once, and
 * picked up by every instance's periodic re-read if the announcement is lost.
 *
 * When Redis is unreachable the value is computed and served anyway (reported as
 * `error`), never turned into a failure.
 */
@Injectable()
export class ResponseCache implements OnModuleDestroy {
  private readonly logger = new Logger(ResponseCache.name);
  private readonly flight = new SingleFlight<CachedResponse>();
  private readonly memory: LRUCache<string, CachedResponse>;
  private readonly store: CacheStore;
  private readonly generations: GenerationTracker;
  private readonly listener: GenerationListener = {
    announced: (namespace, generation) => this.generations.advance(namespace, generation),
    connected: () => void this.generations.refresh(),
    failed: (operation, error) => this.warn(operation, error),
  };
  private lastLogged = 0;
  private pendingBumps = new Set<string>();
  private readonly resetting = new Set<string>();
  private readonly onBump?: (namespace: string, reason: BumpReason) => void;

  constructor(
    @InjectRedis() redis: Redis,
    @Inject(redisConfig.KEY) redisSettings: RedisConfig,
    @Optional() @Inject(RESPONSE_CACHE_OPTIONS) options: ResponseCacheOptions | null = null,
    @Optional() metrics: MetricsService | null = null,
  ) {
    if (metrics !== null) {
      this.onBump = (namespace, reason) => metrics.cacheGenerationBumps.inc({ namespace, reason });
    }
    this.store = new CacheStore(redis, redisSettings, this.logger);
    this.memory = new LRUCache<string, CachedResponse>({
      maxSize: options?.memoryMaxBytes ?? MEMORY_CACHE_MAX_BYTES,
      sizeCalculation: (entry, name) =>
        Buffer.byteLength(entry.body) + entry.etag.length + name.length + ENTRY_OVERHEAD_BYTES,
    });
    this.generations = new GenerationTracker(
      (namespaces) => this.store.readGenerations(namespaces),
      {
        refreshMs: options?.refreshMs ?? GENERATION_REFRESH_MS,
        maxAgeMs: options?.maxAgeMs ?? GENERATION_MAX_AGE_MS,
        onReset: (namespace) => this.reset(namespace),
      },
    );
  }

  async getOrCompute(
    options: CacheEntryOptions,
    compute: () => Promise<string>,
  ): Promise<CacheOutcome> {
    const { namespace, key } = options;
    const known = this.generations.current(namespace);
    if (known !== null) {
      const held = this.memory.get(memoryKey(namespace, known, key));
      if (held !== undefined) {
        return { result: 'hit', layer: 'memory', response: held };
      }
    }
    this.store.subscribe(this.listener);
    let generation: string;
    try {
      const token = this.generations.token(namespace);
      const fresh = `${this.generations.floor(namespace)}.${newGenerationId()}`;
      const [gen, stored, pttl] = await this.store.lookup(namespace, key, fresh);
      if (!this.generations.observe(namespace, gen, token)) {
        // A generation older than one already seen here (Redis went back, or a bump
        // overtook the read): nothing under it is served or stored.
        const response = await this.flight.run(`unsure:${namespace}:${key}`, () =>
          compute().then((body) => ({ body, etag: strongEtag(body) })),
        );
        return { result: 'miss', layer: 'redis', response };
      }
      if (stored !== null) {
        const newline = stored.indexOf('\n');
        const response = { etag: stored.slice(0, newline), body: stored.slice(newline + 1) };
        this.remember(options, gen, response, pttl > 0 ? pttl : options.ttlS * 1000);
        return { result: 'hit', layer: 'redis', response };
      }
      generation = gen;
    } catch (error) {
      this.warn('lookup', error);
      const response = await this.flight.run(`uncached:${namespace}:${key}`, () =>
        compute().then((body) => ({ body, etag: strongEtag(body) })),
      );
      return { result: 'error', layer: 'redis', response };
    }
    const response = await this.flight.run(`${namespace}:${generation}:${key}`, async () => {
      const body = await compute();
      const entry = { body, etag: strongEtag(body) };
      const ttlMs = jitteredTtlMs(options.ttlS);
      await this.store.store(namespace, generation, key, entry, ttlMs).then(
        () => this.remember(options, generation, entry, ttlMs),
        (error: unknown) => this.warn('store', error),
      );
      return entry;
    });
    return { result: 'miss', layer: 'redis', response };
  }

  /**
   * Invalidates every entry of `namespace`: this instance stops serving them as soon as
   * the INCR returns, the others when the announcement or their next re-read reaches
   * them. If Redis cannot be reached, this instance drops its in-process entries of the
   * namespace and the bump is retried in the background, so that entries written before
   * the outage are not served once it is back.
   */
  invalidate(namespace: string): Promise<void> {
    return this.bumpOrRetry(namespace, 'write');
  }

  onModuleDestroy(): void {
    this.generations.stop();
    this.store.close();
  }

  /** Sum of the sizes of the in-process entries (for tests and diagnostics). */
  get memoryBytes(): number {
    return this.memory.calculatedSize;
  }

  /** Drops the in-process entries of `namespace`. */
  private forget(namespace: string): void {
    const prefix = `${namespace}\u0000`;
    const names = [...this.memory.keys()].filter((name) => name.startsWith(prefix));
    names.forEach((name) => this.memory.delete(name));
  }

  private async bumpOrRetry(namespace: string, reason: BumpReason): Promise<void> {
    this.store.subscribe(this.listener);
    try {
      await this.bump(namespace, reason);
    } catch (error) {
      this.forget(namespace);
      this.warn('invalidate', error);
      this.retryBump(namespace, reason);
    }
  }

  private async bump(namespace: string, reason: BumpReason): Promise<void> {
    const generation = await this.store.bump(
      namespace,
      this.generations.floor(namespace),
      newGenerationId(),
    );
    this.generations.advance(namespace, generation);
    this.onBump?.(namespace, reason);
  }

  /**
   * Redis lost or rolled back the namespace's generation: entries held here are dropped
   * and a generation above every one seen is stored, so that pages cached before the loss
   * can never be served again (one re-bump at a time per namespace).
   */
  private reset(namespace: string): void {
    this.forget(namespace);
    if (this.resetting.has(namespace)) {
      return;
    }
    this.logger.warn(`Cache generation of "${namespace}" lost or rolled back in Redis; bumping it`);
    this.resetting.add(namespace);
    void this.bumpOrRetry(namespace, 'reset').finally(() => this.resetting.delete(namespace));
  }

  /**
   * Keeps an entry in process, only when it belongs to the generation currently trusted:
   * entries of older generations could never be read, and while the generation is not
   * known nothing is read from L1 at all.
   */
  private remember(
    options: CacheEntryOptions,
    generation: string,
    entry: CachedResponse,
    ttlMs: number,
  ): void {
    const { namespace, key } = options;
    if (this.generations.current(namespace) !== generation) {
      return;
    }
    this.memory.set(memoryKey(namespace, generation, key), entry, { ttl: ttlMs });
  }

  private retryBump(namespace: string, reason: BumpReason, attempt = 1): void {
    if (attempt === 1 && this.pendingBumps.has(namespace)) {
      return;
    }
    this.pendingBumps.add(namespace);
    const timer = setTimeout(() => {
      this.bump(namespace, reason).then(
        () => this.pendingBumps.delete(namespace),
        () => {
          if (attempt < BUMP_RETRY_ATTEMPTS) {
            this.retryBump(namespace, reason, attempt + 1);
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

function jitteredTtlMs(ttlS: number): number {
  const jitter = 1 - TTL_JITTER + Math.random() * 2 * TTL_JITTER;
  return Math.max(1, Math.round(ttlS * 1000 * jitter));
}

function memoryKey(namespace: string, generation: string, key: string): string {
  return `${namespace}\u0000${generation}\u0000${key}`;
}
