import { FieldError, ValidationProblemError } from '../common/errors/app.error';
import { CLIENT_PRICE, priceCents } from '../common/money/price';
import {
  DEFAULT_LIMIT,
  DEFAULT_ORDER,
  DEFAULT_SORT,
  MAX_CATEGORIES,
  MAX_CATEGORY_LENGTH,
  MAX_LIMIT,
  MAX_Q_LENGTH,
  SORT_KEYS,
  SORT_ORDERS,
  ListSortKey,
  MAX_RADIUS_KM_MICRO,
  MIN_RADIUS_KM_MICRO,
  NEAR_SORT,
  SortOrder,
} from './products.constants';

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

const KNOWN_PARAMS = new Set([
  'limit',
  'cursor',
  'sort',
  'order',
  'category',
  'min_price',
  'max_price',
  'in_stock',
  'q',
  'near',
  'radius_km',
]);

type RawQuery = Record<string, unknown>;

function single(raw: RawQuery, name: string, errors: FieldError[]): string | undefined {
  const value = raw[name];
  if (value === undefined) {
    return undefined;
  }
  if (typeof value !== 'string') {
    errors.push({ field: name, message: `${name} must be given once` });
    return undefined;
  }
  return value;
}

function parsePrice(raw: RawQuery, name: string, errors: FieldError[]): string | null {
  const value = single(raw, name, errors);
  if (value === undefined) {
    return null;
  }
  const price = CLIENT_PRICE.parse(value);
  if (price === null) {
    errors.push({
      field: name,
      message: `${name} must be a decimal number ≥ 0 with at most 2 decimal places`,
    });
  }
  return price;
}

function parseLimit(raw: RawQuery, errors: FieldError[]): number {
  const value = single(raw, 'limit', errors);
  if (value === undefined) {
    return DEFAULT_LIMIT;
  }
  const limit = /^[0-9]{1,4}$/.test(value) ? Number(value) : NaN;
  if (!(limit >= 1 && limit <= MAX_LIMIT)) {
    errors.push({ field: 'limit', message: `limit must be an integer from 1 to ${MAX_LIMIT}` });
    return DEFAULT_LIMIT;
  }
  return limit;
}

function parseEnum<T extends string>(
  raw: RawQuery,
  name: string,
  allowed: readonly T[],
  fallback: T,
  errors: FieldError[],
): T {
  const value = single(raw, name, errors);
  if (value === undefined) {
    return fallback;
  }
  if (!(allowed as readonly string[]).includes(value)) {
    errors.push({ field: name, message: `${name} must be one of: ${allowed.join(', ')}` });
    return fallback;
  }
  return value as T;
}

function parseCategories(raw: RawQuery, errors: FieldError[]): string[] {
  const value = single(raw, 'category', errors);
  if (value === undefined) {
    return [];
  }
  const parts = value.split(',');
  if (parts.length > MAX_CATEGORIES) {
    errors.push({
      field: 'category',
      message: `category accepts at most ${MAX_CATEGORIES} comma-separated values`,
    });
    return [];
  }
  if (parts.some((p) => p.length === 0 || [...p].length > MAX_CATEGORY_LENGTH)) {
    errors.push({
      field: 'category',
      message: `each category must be 1 to ${MAX_CATEGORY_LENGTH} characters`,
    });
    return [];
  }
  return [...new Set(parts)].sort();
}

function parseInStock(raw: RawQuery, errors: FieldError[]): boolean {
  const value = single(raw, 'in_stock', errors);
  if (value === undefined || value === 'false') {
    return false;
  }
  if (value !== 'true') {
    errors.push({ field: 'in_stock', message: 'in_stock must be true or false' });
  }
  return value === 'true';
}

function parseQ(raw: RawQuery, errors: FieldError[]): string | null {
  const value = single(raw, 'q', errors);
  if (value === undefined) {
    return null;
  }
  const length = [...value].length;
  if (length < 1 || length > MAX_Q_LENGTH) {
    errors.push({ field: 'q', message: `q must be 1 to ${MAX_Q_LENGTH} characters` });
    return null;
  }
  return value;
}

/** Decimal text with at most 6 decimals → integer millionths; null when malformed. */
function micro(text: string): { value: number; decimals: number } | null {
  const match = /^(-?)([0-9]{1,3})(?:\.([0-9]+))?$/.exec(text);
  if (match === null) {
    return null;
  }
  const fraction = match[3] ?? '';
  const magnitude = Number(match[2]) * 1_000_000 + Number(fraction.slice(0, 6).padEnd(6, '0'));
  return { value: match[1] === '-' ? -magnitude : magnitude, decimals: fraction.length };
}

/** Integer millionths → canonical text with 6 decimals (no "-0"). */
function microText(value: number): string {
  const magnitude = Math.abs(value);
  const sign = value < 0 ? '-' : '';
  const whole = Math.floor(magnitude / 1_000_000);
  return `${sign}${whole}.${String(magnitude % 1_000_000).padStart(6, '0')}`;
}

const NEAR_FORMAT = 'near must be "lat,lng" in decimal degrees with at most 6 decimal places';

function parseNear(raw: RawQuery, errors: FieldError[]): NearQueryPoint | null {
  const value = single(raw, 'near', errors);
  if (value === undefined) {
    return null;
  }
  const parts = value.split(',');
  const lat = parts.length === 2 ? micro(parts[0]) : null;
  const lng = parts.length === 2 ? micro(parts[1]) : null;
  if (lat === null || lng === null) {
    errors.push({ field: 'near', message: NEAR_FORMAT });
    return null;
  }
  if (lat.decimals > 6 || lng.decimals > 6) {
    errors.push({ field: 'near', message: 'near accepts at most 6 decimal places' });
    return null;
  }
  if (Math.abs(lat.value) > 90_000_000 || Math.abs(lng.value) > 180_000_000) {
    errors.push({
      field: 'near',
      message: 'near latitude must be from -90 to 90 and longitude from -180 to 180',
    });
    return null;
  }
  const latText = microText(lat.value);
  const lngText = microText(lng.value);
  return { text: `${latText},${lngText}`, lat: Number(latText), lng: Number(lngText) };
}

function parseRadius(raw: RawQuery, errors: FieldError[]): string | null {
  const value = single(raw, 'radius_km', errors);
  if (value === undefined) {
    return null;
  }
  const radius = value.startsWith('-') ? null : micro(value);
  if (
    radius === null ||
    radius.decimals > 6 ||
    radius.value < MIN_RADIUS_KM_MICRO ||
    radius.value > MAX_RADIUS_KM_MICRO
  ) {
    errors.push({
      field: 'radius_km',
      message: 'radius_km must be a decimal number from 0.1 to 100 with at most 6 decimal places',
    });
    return null;
  }
  return microText(radius.value);
}

function parseCursor(raw: RawQuery, errors: FieldError[]): string | null {
  const value = single(raw, 'cursor', errors);
  return value === undefined ? null : value;
}

/**
 * Validates and normalises the raw query string of GET /products. Every problem is
 * reported at once as a 400 `errors: [{ field, message }]`; nothing is clamped silently.
 */
export function parseListProductsQuery(raw: RawQuery): ListProductsQuery {
  const errors: FieldError[] = [];
  for (const name of Object.keys(raw)) {
    if (!KNOWN_PARAMS.has(name)) {
      errors.push({ field: name, message: `property ${name} should not exist` });
    }
  }
  const near = parseNear(raw, errors);
  const nearGiven = raw.near !== undefined;
  const sort = parseEnum<ListSortKey>(
    raw,
    'sort',
    [...SORT_KEYS, NEAR_SORT],
    nearGiven ? NEAR_SORT : DEFAULT_SORT,
    errors,
  );
  const order = parseEnum(
    raw,
    'order',
    SORT_ORDERS,
    sort === NEAR_SORT ? 'asc' : DEFAULT_ORDER,
    errors,
  );
  const query: ListProductsQuery = {
    limit: parseLimit(raw, errors),
    cursor: parseCursor(raw, errors),
    sort,
    order,
    categories: parseCategories(raw, errors),
    minPrice: parsePrice(raw, 'min_price', errors),
    maxPrice: parsePrice(raw, 'max_price', errors),
    inStock: parseInStock(raw, errors),
    q: parseQ(raw, errors),
    near,
    radiusKm: parseRadius(raw, errors),
  };
  if (!nearGiven) {
    if (raw.radius_km !== undefined) {
      errors.push({ field: 'radius_km', message: 'radius_km is accepted only with near' });
    }
    if (raw.sort === NEAR_SORT) {
      errors.push({ field: 'sort', message: 'sort=distance needs near' });
    }
  }
  if (sort === NEAR_SORT && order !== 'asc') {
    errors.push({ field: 'order', message: 'sort=distance is ascending only (order=asc)' });
  }
  if (query.minPrice !== null && query.maxPrice !== null) {
    if (priceCents(query.minPrice) > priceCents(query.maxPrice)) {
      errors.push({ field: 'min_price', message: 'min_price must not be greater than max_price' });
    }
  }
  if (errors.length > 0) {
    throw new ValidationProblemError(errors);
  }
  return query;
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
