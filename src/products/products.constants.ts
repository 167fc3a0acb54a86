/** Listing sort keys and directions (GET /products; see openapi.json). */
export const SORT_KEYS = ['created_at', 'price', 'name', 'id'] as const;
export type SortKey = (typeof SORT_KEYS)[number];
/** `sort=distance`: only with `near`, ascending only, and its default. */
export const NEAR_SORT = 'distance';
export type ListSortKey = SortKey | typeof NEAR_SORT;
/** `radius_km` bounds in millionths of a km (0.1 to 100). */
export const MIN_RADIUS_KM_MICRO = 100_000;
export const MAX_RADIUS_KM_MICRO = 100_000_000;
const LAT = '-?(90(\\.0{1,6})?|[1-8]?[0-9](\\.[0-9]{1,6})?)';
const LNG = '-?(180(\\.0{1,6})?|(1[0-7][0-9]|[1-9]?[0-9])(\\.[0-9]{1,6})?)';
/** What `near` accepts, as documented (OpenAPI). */
export const NEAR_PATTERN = `^${LAT},${LNG}$`;
/** What `radius_km` accepts: 0.1 to 100, at most 6 decimals. */
export const RADIUS_KM_PATTERN =
  '^(100(\\.0{1,6})?|[1-9][0-9]?(\\.[0-9]{1,6})?|0\\.[1-9][0-9]{0,5})$';
export const SORT_ORDERS = ['asc', 'desc'] as const;
export type SortOrder = (typeof SORT_ORDERS)[number];

export const DEFAULT_LIMIT = 20;
export const MAX_LIMIT = 100;
export const DEFAULT_SORT: SortKey = 'created_at';
export const DEFAULT_ORDER: SortOrder = 'desc';
export const MAX_CATEGORIES = 10;
export const MAX_CATEGORY_LENGTH = 64;
export const MAX_Q_LENGTH = 100;
export const MAX_SKU_LENGTH = 64;
export const MAX_NAME_LENGTH = 200;
export const MAX_DESCRIPTION_LENGTH = 10_000;
export const MAX_STOCK = 2_147_483_647;
export const SKU_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._-]*$/;

/** Redis keys of the listing cache (REDIS_KEY_PREFIX is added by the client). */
export const PRODUCTS_CACHE_NAMESPACE = 'products:list';
/**
 * The shape of a cached listing page, part of every page's cache key. Change it whenever
 * the page JSON changes (v2: products carry `producer_id`), so pages an older build
 * cached under the current generation are never served by a newer one, or the reverse.
 */
export const LISTING_FORMAT = 'v2';

/** Response headers of the listing. */
export const X_CACHE_HEADER = 'x-cache';
export const PRODUCTS_ROUTE = '/products';
