import type { ListSortKey, SortOrder } from './products.constants';

/**
 * The buyer's point of `near`: integer micro-degrees, their canonical 6-decimal text
 * (`1.5,2` → `1.500000,2.000000`) and the doubles of that text, which the SQL receives.
 */
export interface NearQueryPoint {
  readonly text: string;
  readonly lat: number;
  readonly lng: number;
}

/** A validated, normalised GET /products query. */
export interface ListProductsQuery {
  readonly limit: number;
  readonly cursor: string | null;
  readonly sort: ListSortKey;
  readonly order: SortOrder;
  /** Sorted, without duplicates; empty = every category. */
  readonly categories: readonly string[];
  /** Two-decimal strings, e.g. "5.00". */
  readonly minPrice: string | null;
  readonly maxPrice: string | null;
  readonly inStock: boolean;
  readonly q: string | null;
  /** `near`, canonical; null = the whole catalog. */
  readonly near: NearQueryPoint | null;
  /** `radius_km` as canonical 6-decimal text (only with `near`). */
  readonly radiusKm: string | null;
}

/**
 * Sort, order and filters as one stable string: what a cursor is bound to. With `near`,
 * the canonical point and radius are part of it (without, the string is as before `near`
 * existed, so cursors and cache keys of catalog-wide listings are unchanged).
 */
export function canonicalFilters(query: ListProductsQuery): string {
  const filters: unknown[] = [
    query.sort,
    query.order,
    query.categories,
    query.minPrice,
    query.maxPrice,
    query.inStock,
    query.q,
  ];
  if (query.near !== null) {
    filters.push(query.near.text, query.radiusKm);
  }
  return JSON.stringify(filters);
}

/** The whole normalised query (limit and cursor included): what a cached page is keyed by. */
export function canonicalQuery(query: ListProductsQuery): string {
  return JSON.stringify([query.limit, query.cursor, canonicalFilters(query)]);
}
