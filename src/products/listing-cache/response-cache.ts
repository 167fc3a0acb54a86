import { Inject, Injectable, Logger, OnModuleDestroy, Optional } from '@nestjs/common';
import Redis from 'ioredis';
import { InjectRedis } from '../../common/redis/redis.module';
import { redisConfig, RedisConfig } from '../../config/configuration';
import { MetricsService } from '../../metrics';
import {
  FEED_MAX_ENTRIES,
  FEED_POLL_MS,
  GENERATION_MAX_AGE_MS,
  GENERATION_REFRESH_MS,
  MEMORY_CACHE_MAX_BYTES,
  RESPONSE_CACHE_OPTIONS,
  ResponseCacheOptions,
} from './cache-options';
import { CacheStore, GenerationListener, parseStored } from './cache-store';
import type { CachedResponse, CacheEntryOptions, CacheOutcome, ComputedPage } from './cache-types';
import { ChangeFeed, ProductChange } from './change-feed';
import { strongEtag } from './etag';
import { newGenerationId } from './generation';
import { GenerationBumps } from './generation-bumps';
import { GenerationTracker } from './generation-tracker';
import { affectsOf, HeldEntry, MemoryLayer } from './memory-layer';
import { SingleFlight } from './single-flight';

const TTL_JITTER = 0.1;
const LOG_INTERVAL_MS = 10_000;

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
  private readonly flight = new SingleFlight<{ readonly response: CachedResponse }>();
  private readonly memory: MemoryLayer;
  private readonly feed: ChangeFeed;
  private readonly store: CacheStore;
  private readonly generations: GenerationTracker;
  private readonly bumps: GenerationBumps;
  private readonly listener: GenerationListener = {
    announced: (namespace, generation) => this.generations.advance(namespace, generation),
    changed: (namespace, last, changes) => this.announced(namespace, last, changes),
    connected: () => void this.generations.refresh(),
    failed: (operation, error) => this.warn(operation, error),
  };
  private lastLogged = 0;

  constructor(
    @InjectRedis() redis: Redis,
    @Inject(redisConfig.KEY) redisSettings: RedisConfig,
    @Optional() @Inject(RESPONSE_CACHE_OPTIONS) options: ResponseCacheOptions | null = null,
    @Optional() metrics: MetricsService | null = null,
  ) {
    this.store = new CacheStore(redis, redisSettings, this.logger);
    this.memory = new MemoryLayer(options?.memoryMaxBytes ?? MEMORY_CACHE_MAX_BYTES);
    this.feed = new ChangeFeed(
      (namespace, after, count) => this.store.poll(namespace, after, count),
      {
        pollMs: options?.feedPollMs ?? FEED_POLL_MS,
        maxAgeMs: options?.maxAgeMs ?? GENERATION_MAX_AGE_MS,
        maxEntries: FEED_MAX_ENTRIES,
        onChanges: (namespace, changes) => this.memory.drop(namespace, changes),
        onGap: (namespace) => this.memory.forget(namespace),
      },
    );
    this.generations = new GenerationTracker(
      (namespaces) => this.store.readGenerations(namespaces),
      {
        refreshMs: options?.refreshMs ?? GENERATION_REFRESH_MS,
        maxAgeMs: options?.maxAgeMs ?? GENERATION_MAX_AGE_MS,
        onReset: (namespace) => this.bumps.reset(namespace),
      },
    );
    this.bumps = new GenerationBumps(this.store, this.generations, this.logger, {
      connect: () => this.store.subscribe(this.listener),
      forget: (namespace) => this.memory.forget(namespace),
      failed: (operation, error) => this.warn(operation, error),
      bumped:
        metrics === null
          ? undefined
          : (namespace, reason) => metrics.cacheGenerationBumps.inc({ namespace, reason }),
    });
  }

  async getOrCompute(
    options: CacheEntryOptions,
    compute: () => Promise<string | ComputedPage>,
  ): Promise<CacheOutcome> {
    const { namespace, key } = options;
    const known = this.generations.current(namespace);
    if (known !== null && this.feed.fresh(namespace)) {
      const held = this.memory.get(namespace, known, key);
      if (held !== undefined) {
        return { result: 'hit', layer: 'memory', response: held.response };
      }
    }
    this.store.subscribe(this.listener);
    this.feed.track(namespace);
    const run = () => compute().then(toPage);
    let generation: string;
    let position: string;
    try {
      const token = this.generations.token(namespace);
      const fresh = `${this.generations.floor(namespace)}.${newGenerationId()}`;
      const [gen, stored, pttl, head] = await this.store.lookup(namespace, key, fresh);
      if (!this.generations.observe(namespace, gen, token)) {
        // A generation older than one already seen here (Redis went back, or a bump
        // overtook the read): nothing under it is served or stored.
        const page = await this.flight.run(`unsure:${namespace}:${key}`, () => run().then(entryOf));
        return { result: 'miss', layer: 'redis', response: page.response };
      }
      const found = stored === null ? null : parseStored(stored);
      if (found !== null) {
        const held: HeldEntry = {
          response: found.response,
          ids: found.ids,
          reaches: options.reaches,
        };
        if (this.feed.unchangedSince(namespace, found.position, affectsOf(held), head)) {
          this.remember(options, gen, held, pttl > 0 ? pttl : options.ttlS * 1000);
          return { result: 'hit', layer: 'redis', response: held.response };
        }
      }
      // Missing, or a change since it was computed can alter it: computed again and
      // written over it.
      generation = gen;
      position = head;
    } catch (error) {
      this.warn('lookup', error);
      const page = await this.flight.run(`uncached:${namespace}:${key}`, () => run().then(entryOf));
      return { result: 'error', layer: 'redis', response: page.response };
    }
    const held = await this.flight.run(`${namespace}:${generation}:${key}`, async () => {
      const page = await run();
      const entry = entryOf(page);
      const value: HeldEntry = {
        response: entry.response,
        ids: page.ids === null ? null : new Set(page.ids),
        reaches: options.reaches,
      };
      const ttlMs = jitteredTtlMs(options.ttlS);
      await this.store
        .store(namespace, generation, key, entry.response, { position, ids: page.ids }, ttlMs)
        .then(
          () => {
            // Changes read while it was computed may already make it stale here.
            if (this.feed.unchangedSince(namespace, position, affectsOf(value))) {
              this.remember(options, generation, value, ttlMs);
            }
          },
          (error: unknown) => this.warn('store', error),
        );
      return value;
    });
    return { result: 'miss', layer: 'redis', response: held.response };
  }

  /**
   * Publishes what writes changed in products (after their commit) on the namespace's
   * change feed; this instance has dropped the pages they affect when it resolves, the
   * others when their next read of the feed (every FEED_POLL_MS) reaches them. When the
   * feed cannot be written, the whole namespace is invalidated instead.
   */
  async publishChanges(namespace: string, changes: readonly ProductChange[]): Promise<void> {
    if (changes.length === 0) {
      return;
    }
    this.feed.track(namespace);
    try {
      await this.store.publish(namespace, changes, FEED_MAX_ENTRIES);
    } catch (error) {
      this.warn('publish', error);
      return this.bumps.bumpOrRetry(namespace, 'write');
    }
    this.memory.drop(namespace, changes);
    await this.feed.catchUp();
  }

  /**
   * Invalidates every entry of `namespace`: this instance stops serving them as soon as
   * the INCR returns, the others when the announcement or their next re-read reaches
   * them. If Redis cannot be reached, this instance drops its in-process entries of the
   * namespace and the bump is retried in the background, so that entries written before
   * the outage are not served once it is back.
   */
  invalidate(namespace: string): Promise<void> {
    return this.bumps.bumpOrRetry(namespace, 'write');
  }

  onModuleDestroy(): void {
    this.generations.stop();
    this.feed.stop();
    this.store.close();
  }

  /** Sum of the sizes of the in-process entries (for tests and diagnostics). */
  get memoryBytes(): number {
    return this.memory.calculatedSize;
  }

  /**
   * Changes announced by the instance that published them: the pages they affect are
   * dropped at once, and pages read from Redis are checked against them until this
   * instance's own read of the feed has reached them.
   */
  private announced(namespace: string, last: string, changes: readonly ProductChange[]): void {
    if (this.feed.announce(namespace, last, changes)) {
      this.memory.drop(namespace, changes);
      void this.feed.catchUp();
    }
  }

  /**
   * Keeps an entry in process, only when it belongs to the generation currently trusted:
   * entries of older generations could never be read, and while the generation is not
   * known nothing is read from L1 at all.
   */
  private remember(
    options: CacheEntryOptions,
    generation: string,
    entry: HeldEntry,
    ttlMs: number,
  ): void {
    const { namespace, key } = options;
    if (this.generations.current(namespace) !== generation) {
      return;
    }
    this.memory.set(namespace, generation, key, entry, ttlMs);
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

function toPage(computed: string | ComputedPage): ComputedPage {
  return typeof computed === 'string' ? { body: computed, ids: null } : computed;
}

function entryOf(page: ComputedPage): { response: CachedResponse } {
  return { response: { body: page.body, etag: strongEtag(page.body) } };
}
