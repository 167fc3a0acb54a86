/** A scenario's listing cache outcomes, from the service's own counters. */
export interface CacheShare {
  readonly hits: number;
  readonly misses: number;
  readonly errors: number;
}

/** Hits ÷ all listing lookups; null when there were none. */
export function hitShare(cache: CacheShare | null): number | null {
  if (!cache) {
    return null;
  }
  const total = cache.hits + cache.misses + cache.errors;
  return total === 0 ? null : cache.hits / total;
}
