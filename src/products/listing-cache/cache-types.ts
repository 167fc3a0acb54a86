import type { ChangeTest } from './change-feed';

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
