import type { Logger } from '@nestjs/common';
import type Redis from 'ioredis';
import { createRedisClient } from '../../common/redis/redis.module';
import type { RedisConfig } from '../../config/configuration';
import type { CachedResponse } from './cache-types';
import type { PollReply, ProductChange } from './change-feed';
import {
  changesKey,
  entryPrefix,
  GENERATION_CHANNEL,
  generationKey,
  LookupReply,
  RedisWithScripts,
  withCacheScripts,
} from './cache-layout';

/** What the subscriber connection reports to the cache. */
export interface GenerationListener {
  /** Another instance (or this one) bumped `namespace` to `generation`. */
  announced(namespace: string, generation: string): void;
  /** Changes were appended to the feed of `namespace`, up to entry `last`. */
  changed(namespace: string, last: string, changes: ProductChange[]): void;
  /** The subscriber (re)connected: announcements made while it was away are lost. */
  connected(): void;
  failed(operation: string, error: unknown): void;
}

/**
 * The Redis half of the listing cache (cache-layout.ts): entries and generations on the
 * shared client, announcements on a subscriber connection of its own.
 */
export class CacheStore {
  private readonly redis: RedisWithScripts;
  private readonly channel: string;
  private subscriber: Redis | null = null;

  constructor(
    redis: Redis,
    private readonly settings: RedisConfig,
    private readonly logger: Logger,
  ) {
    this.redis = withCacheScripts(redis);
    // ioredis applies keyPrefix to keys, not to channels.
    this.channel = `${settings.keyPrefix}${GENERATION_CHANNEL}`;
  }

  /**
   * The generation of `namespace` (stored as `freshGeneration` when Redis has none), the
   * entry of `key` under it and its remaining ms.
   */
  lookup(namespace: string, key: string, freshGeneration: string): Promise<LookupReply> {
    if (this.redis.status !== 'ready') {
      return Promise.reject(new Error(`Redis is ${this.redis.status}`));
    }
    return this.redis.responseCacheLookup(
      generationKey(namespace),
      entryPrefix(namespace),
      changesKey(namespace),
      key,
      freshGeneration,
    );
  }

  /**
   * Appends changes (as JSON) to the namespace's feed, trimmed to about `maxLength`, and
   * announces them on the channel.
   */
  publish(
    namespace: string,
    changes: readonly ProductChange[],
    maxLength: number,
  ): Promise<string> {
    return this.redis.responseCachePublish(
      changesKey(namespace),
      maxLength,
      this.channel,
      namespace,
      ...changes.map((change) => JSON.stringify(change)),
    );
  }

  /** The feed's head and up to `count` entries after `after` ('' = only the head). */
  poll(namespace: string, after: string, count: number): Promise<PollReply> {
    if (this.redis.status !== 'ready') {
      return Promise.reject(new Error(`Redis is ${this.redis.status}`));
    }
    return this.redis.responseCachePoll(changesKey(namespace), after, count);
  }

  /** Writes the entry in the format `parseStored` reads. */
  async store(
    namespace: string,
    generation: string,
    key: string,
    entry: { readonly etag: string; readonly body: string },
    footprint: { readonly position: string; readonly ids: readonly number[] | null },
    ttlMs: number,
  ): Promise<void> {
    const ids = footprint.ids === null ? '*' : footprint.ids.join(',');
    await this.redis.set(
      `${entryPrefix(namespace)}${generation}:${key}`,
      `${entry.etag}\n${footprint.position}\n${ids}\n${entry.body}`,
      'PX',
      ttlMs,
    );
  }

  /**
   * Stores a new generation of `namespace` (its `n` at least `floor`, with the never-used
   * `id`), announced to every instance; the new value.
   */
  bump(namespace: string, floor: number, id: string): Promise<string> {
    return this.redis.responseCacheBump(
      generationKey(namespace),
      this.channel,
      namespace,
      floor,
      id,
    );
  }

  async readGenerations(namespaces: readonly string[]): Promise<(string | null)[]> {
    if (this.redis.status !== 'ready') {
      throw new Error(`Redis is ${this.redis.status}`);
    }
    // One GET per namespace (not MGET: the keys need not share a cluster slot).
    return Promise.all(namespaces.map((namespace) => this.redis.get(generationKey(namespace))));
  }

  /** Opens the subscriber connection on first call; later calls do nothing. */
  subscribe(listener: GenerationListener): void {
    if (this.subscriber !== null) {
      return;
    }
    const subscriber = createRedisClient(this.settings, this.logger, { offlineQueue: true });
    this.subscriber = subscriber;
    subscriber.on('message', (channel: string, message: string) => {
      if (channel !== this.channel) {
        return;
      }
      if (message.startsWith('changes\n')) {
        const [, namespace, last, raw] = message.split('\n', 4);
        const changes = parseAnnounced(raw ?? '');
        if (changes !== null) {
          listener.changed(namespace ?? '', last ?? '', changes);
        }
        return;
      }
      const space = message.indexOf(' ');
      if (space > 0) {
        listener.announced(message.slice(space + 1), message.slice(0, space));
      }
    });
    subscriber.on('ready', () => listener.connected());
    subscriber
      .subscribe(this.channel)
      .catch((error: unknown) => listener.failed('subscribe', error));
  }

  close(): void {
    const subscriber = this.subscriber;
    this.subscriber = null;
    if (subscriber !== null) {
      subscriber.removeAllListeners('ready');
      subscriber.disconnect();
    }
  }
}

/** An entry as read back from Redis: what `CacheStore.store` was given. */
export interface StoredEntry {
  readonly response: CachedResponse;
  /** Feed position the page was computed at. */
  readonly position: string;
  /** Ids of the products the page was built from; null: unknown. */
  readonly ids: ReadonlySet<number> | null;
}

/**
 * An entry as `CacheStore.store` writes it, `<etag>\n<position>\n<ids or *>\n<body>`;
 * null for anything else.
 */
export function parseStored(stored: string): StoredEntry | null {
  const first = stored.indexOf('\n');
  const second = stored.indexOf('\n', first + 1);
  const third = stored.indexOf('\n', second + 1);
  if (first < 0 || second < 0 || third < 0) {
    return null;
  }
  const list = stored.slice(second + 1, third);
  return {
    response: { etag: stored.slice(0, first), body: stored.slice(third + 1) },
    position: stored.slice(first + 1, second),
    ids: list === '*' ? null : new Set(list === '' ? [] : list.split(',').map(Number)),
  };
}

/** The changes of an announcement (`changes\n<namespace>\n<last id>\n[…]`); null if unreadable. */
function parseAnnounced(raw: string): ProductChange[] | null {
  try {
    return (JSON.parse(raw) as ProductChange[]).filter(
      (change) => typeof change?.id === 'number' && change.before && change.after,
    );
  } catch {
    return null;
  }
}
