import { FieldError, ValidationProblemError } from '../common/errors/app.error';
import { CLIENT_PRICE, priceCents } from '../common/money/price';
import type { ListProductsQuery } from './list-products.query';
import { parseNear, parseRadius } from './near-params';
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
  NEAR_SORT,
} from './products.constants';

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
  const near = parseNear(single(raw, 'near', errors), errors);
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
    radiusKm: parseRadius(single(raw, 'radius_km', errors), errors),
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
