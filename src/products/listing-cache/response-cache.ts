import { Inject, Injectable, Logger, OnModuleDestroy, Optional } from '@nestjs/common';
import Redis from 'ioredis';
import { LRUCache } from 'lru-cache';
import { InjectRedis } from '../../common/redis/redis.module';
import { redisConfig, RedisConfig } from '../../config/configuration';
import { MetricsService } from '../../metrics';
import { CacheStore, GenerationListener } from './cache-store';
import { ChangeFeed, ChangeTest, ProductChange } from './change-feed';
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
  /**
   * Whether a change of a product the page does not hold can alter the page (the product
   * can enter its filters, or move within its order). Absent: every change can.
   */
  readonly reaches?: ChangeTest;
}

/** What `compute` returns: the body, and the ids of the products it was built from. */
export interface ComputedPage {
  readonly body: string;
  /** Null: unknown, every change affects the page. */
  readonly ids: readonly number[] | null;
}

/** An in-process entry with what it was built from. */
interface HeldEntry {
  readonly response: CachedResponse;
  readonly ids: ReadonlySet<number> | null;
  readonly reaches: ChangeTest | undefined;
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
/** How often each instance reads the change feed of every namespace it serves. */
export const FEED_POLL_MS = 100;
/** Entries of the change feed kept in Redis (approximately) and in each process. */
export const FEED_MAX_ENTRIES = 20_000;
/** Bookkeeping per in-process entry, counted against MEMORY_CACHE_MAX_BYTES. */
const ENTRY_OVERHEAD_BYTES = 160;
/** Why a generation was bumped: a write, or Redis having lost or rolled it back. */
type BumpReason = 'write' | 'reset';

export interface ResponseCacheOptions {
  readonly memoryMaxBytes?: number;
  readonly refreshMs?: number;
  readonly maxAgeMs?: number;
  readonly feedPollMs?: number;
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
  private readonly flight = new SingleFlight<{ readonly response: CachedResponse }>();
  private readonly memory: LRUCache<string, HeldEntry>;
  private readonly feed: ChangeFeed;
  private readonly store: CacheStore;
  private readonly generations: GenerationTracker;
  private readonly listener: GenerationListener = {
    announced: (namespace, generation) => this.generations.advance(namespace, generation),
    changed: (namespace, last, changes) => this.announced(namespace, last, changes),
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
    this.memory = new LRUCache<string, HeldEntry>({
      maxSize: options?.memoryMaxBytes ?? MEMORY_CACHE_MAX_BYTES,
      sizeCalculation: (entry, name) =>
        Buffer.byteLength(entry.response.body) +
        entry.response.etag.length +
        name.length +
        (entry.ids?.size ?? 0) * 16 +
        ENTRY_OVERHEAD_BYTES,
    });
    this.feed = new ChangeFeed(
      (namespace, after, count) => this.store.poll(namespace, after, count),
      {
        pollMs: options?.feedPollMs ?? FEED_POLL_MS,
        maxAgeMs: options?.maxAgeMs ?? GENERATION_MAX_AGE_MS,
        maxEntries: FEED_MAX_ENTRIES,
        onChanges: (namespace, changes) => this.drop(namespace, changes),
        onGap: (namespace) => this.forget(namespace),
      },
    );
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
    compute: () => Promise<string | ComputedPage>,
  ): Promise<CacheOutcome> {
    const { namespace, key } = options;
    const known = this.generations.current(namespace);
    if (known !== null && this.feed.fresh(namespace)) {
      const held = this.memory.get(memoryKey(namespace, known, key));
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
      const found = stored === null ? null : parseStored(stored, options.reaches);
      if (
        found !== null &&
        this.feed.unchangedSince(namespace, found.position, affectsOf(found.held), head)
      ) {
        this.remember(options, gen, found.held, pttl > 0 ? pttl : options.ttlS * 1000);
        return { result: 'hit', layer: 'redis', response: found.held.response };
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
      await this.store.publish(
        namespace,
        changes.map((change) => JSON.stringify(change)),
        FEED_MAX_ENTRIES,
      );
    } catch (error) {
      this.warn('publish', error);
      return this.bumpOrRetry(namespace, 'write');
    }
    this.drop(namespace, changes);
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
    return this.bumpOrRetry(namespace, 'write');
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
  private announced(namespace: string, last: string, raw: string): void {
    let changes: ProductChange[];
    try {
      changes = (JSON.parse(raw) as ProductChange[]).filter(
        (change) => typeof change?.id === 'number' && change.before && change.after,
      );
    } catch {
      return;
    }
    if (this.feed.announce(namespace, last, changes)) {
      this.drop(namespace, changes);
      void this.feed.catchUp();
    }
  }

  /** Drops the in-process entries of `namespace` that any of `changes` affects. */
  private drop(namespace: string, changes: readonly ProductChange[]): void {
    const prefix = `${namespace}\u0000`;
    const names: string[] = [];
    for (const [name, held] of this.memory.entries()) {
      if (name.startsWith(prefix) && changes.some(affectsOf(held))) {
        names.push(name);
      }
    }
    names.forEach((name) => this.memory.delete(name));
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
    entry: HeldEntry,
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

function toPage(computed: string | ComputedPage): ComputedPage {
  return typeof computed === 'string' ? { body: computed, ids: null } : computed;
}

function entryOf(page: ComputedPage): { response: CachedResponse } {
  return { response: { body: page.body, etag: strongEtag(page.body) } };
}

/** A change affects a page when the page holds the product or the product can reach it. */
function affectsOf(held: HeldEntry): ChangeTest {
  const { ids, reaches } = held;
  if (ids === null || reaches === undefined) {
    return () => true;
  }
  return (change) => ids.has(change.id) || reaches(change);
}

/** `<etag>\n<position>\n<ids or *>\n<body>`; null for anything else. */
function parseStored(
  stored: string,
  reaches: ChangeTest | undefined,
): { position: string; held: HeldEntry } | null {
  const first = stored.indexOf('\n');
  const second = stored.indexOf('\n', first + 1);
  const third = stored.indexOf('\n', second + 1);
  if (first < 0 || second < 0 || third < 0) {
    return null;
  }
  const list = stored.slice(second + 1, third);
  return {
    position: stored.slice(first + 1, second),
    held: {
      response: { etag: stored.slice(0, first), body: stored.slice(third + 1) },
      ids: list === '*' ? null : new Set(list === '' ? [] : list.split(',').map(Number)),
      reaches,
    },
  };
}
