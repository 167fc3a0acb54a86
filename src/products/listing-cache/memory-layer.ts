import { LRUCache } from 'lru-cache';
import type { CachedResponse } from './cache-types';
import type { ChangeTest, ProductChange } from './change-feed';

/** An in-process entry with what it was built from. */
export interface HeldEntry {
  readonly response: CachedResponse;
  readonly ids: ReadonlySet<number> | null;
  readonly reaches: ChangeTest | undefined;
}

/** Bookkeeping per in-process entry, counted against the layer's byte bound. */
const ENTRY_OVERHEAD_BYTES = 160;

/**
 * The in-process layer of the response cache: an LRU of held pages keyed by (namespace,
 * generation, key), bounded by the total size of their bodies, ETags and keys in UTF-8
 * bytes (`maxBytes`; MEMORY_CACHE_MAX_BYTES in the service). Whether a namespace's
 * generation is trusted is the caller's concern: this layer holds, finds and drops pages.
 */
export class MemoryLayer {
  private readonly pages: LRUCache<string, HeldEntry>;

  constructor(maxBytes: number) {
    this.pages = new LRUCache<string, HeldEntry>({
      maxSize: maxBytes,
      sizeCalculation: (entry, name) =>
        Buffer.byteLength(entry.response.body) +
        entry.response.etag.length +
        name.length +
        (entry.ids?.size ?? 0) * 16 +
        ENTRY_OVERHEAD_BYTES,
    });
  }

  get(namespace: string, generation: string, key: string): HeldEntry | undefined {
    return this.pages.get(memoryKey(namespace, generation, key));
  }

  /** Holds `entry` for at most `ttlMs` (the LRU may evict it sooner). */
  set(namespace: string, generation: string, key: string, entry: HeldEntry, ttlMs: number): void {
    this.pages.set(memoryKey(namespace, generation, key), entry, { ttl: ttlMs });
  }

  /** Drops the in-process entries of `namespace` that any of `changes` affects. */
  drop(namespace: string, changes: readonly ProductChange[]): void {
    this.deleteWhere(namespace, (held) => changes.some(affectsOf(held)));
  }

  /** Drops the in-process entries of `namespace`. */
  forget(namespace: string): void {
    this.deleteWhere(namespace, () => true);
  }

  /** Sum of the sizes of the entries held. */
  get calculatedSize(): number {
    return this.pages.calculatedSize;
  }

  private deleteWhere(namespace: string, test: (held: HeldEntry) => boolean): void {
    const prefix = `${namespace}\u0000`;
    const names: string[] = [];
    for (const [name, held] of this.pages.entries()) {
      if (name.startsWith(prefix) && test(held)) {
        names.push(name);
      }
    }
    names.forEach((name) => this.pages.delete(name));
  }
}

/** A change affects a page when the page holds the product or the product can reach it. */
export function affectsOf(held: HeldEntry): ChangeTest {
  const { ids, reaches } = held;
  if (ids === null || reaches === undefined) {
    return () => true;
  }
  return (change) => ids.has(change.id) || reaches(change);
}

function memoryKey(namespace: string, generation: string, key: string): string {
  return `${namespace}\u0000${generation}\u0000${key}`;
}
