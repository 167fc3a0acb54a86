/**
 * SQL of the near-me reads (docs/near-me.md): which producers deliver to a point, and
 * pages of their products. Builders only; NearRepository runs them.
 */

/** The buyer's point: the doubles of its canonical 6-decimal text. */
export interface NearPoint {
  readonly lat: number;
  readonly lng: number;
}

/** The listing filters that combine with `near` (all optional). */
export interface NearFilters {
  /** Sorted, without duplicates; empty = every category. */
  readonly categories: readonly string[];
  /** Two-decimal strings ("5.00"). */
  readonly minPrice: string | null;
  readonly maxPrice: string | null;
  readonly inStock: boolean;
  /** Case-insensitive prefix of the name. */
  readonly q: string | null;
}

/** The sorts other than distance, with `near` as a filter. */
export type NearSortKey = 'created_at' | 'price' | 'name' | 'id';
export type NearSortOrder = 'asc' | 'desc';

export interface SqlStatement {
  readonly sql: string;
  readonly params: unknown[];
}

/** Columns of a product row, as the listing reads them (plus its producer). */
export const NEAR_PRODUCT_COLUMNS =
  'id, sku, name, description, category, price, stock, created_at, updated_at, producer_id';

const JOINED_COLUMNS = NEAR_PRODUCT_COLUMNS.split(', ')
  .map((column) => `p.${column}`)
  .join(', ');

/** Index names (migrations/1763850000000-create-producers.ts), so hints and DDL agree. */
export const PRODUCER_BOX_INDEX = 'sx_producers_delivery_box';
const PRODUCT_INDEX: Record<NearSortKey, string> = {
  id: 'ix_products_producer',
  price: 'ix_products_producer_price',
  name: 'ix_products_producer_name',
  created_at: 'ix_products_producer_created_at',
};

const LIKE_ESCAPE = '!';

function likePrefix(q: string): string {
  return `${q.replace(/[!%_]/g, (c) => LIKE_ESCAPE + c)}%`;
}

/**
 * The producers that deliver to `point`, nearest first: `(id, distance_m)` ordered by
 * `(distance_m, id)`. The SPATIAL index finds the producers whose delivery box holds the
 * point; the exact sphere distance, computed from the DECIMAL columns, then decides:
 * `distance_m ≤ delivery_radius_km × 1000` and, with `radiusKm` (canonical decimal text),
 * `≤ radiusKm × 1000`, both multiplied as DECIMAL, so "8.5 km" is exactly 8500 m. With
 * `fromDistanceM` only producers at least that far are returned (a later page of the
 * distance sort).
 *
 * Run it as a prepared statement: the binary protocol carries each distance as its 8
 * bytes, and `fromDistanceM` goes back the same way as a DOUBLE parameter.
 */
export function buildReachQuery(
  point: NearPoint,
  radiusKm: string | null,
  fromDistanceM: number | null,
): SqlStatement {
  const params: unknown[] = [point.lng, point.lat, point.lng, point.lat];
  const where = ['reach.distance_m <= reach.delivery_radius_km * 1000'];
  if (radiusKm !== null) {
    where.push('reach.distance_m <= CAST(? AS DECIMAL(9,6)) * 1000');
    params.push(radiusKm);
  }
  if (fromDistanceM !== null) {
    where.push('reach.distance_m >= ?');
    params.push(fromDistanceM);
  }
  return {
    sql:
      'SELECT reach.id, reach.distance_m FROM (' +
      'SELECT id, delivery_radius_km, ' +
      'ST_Distance_Sphere(POINT(lng, lat), POINT(?, ?)) AS distance_m ' +
      `FROM producers FORCE INDEX (${PRODUCER_BOX_INDEX}) ` +
      'WHERE MBRIntersects(delivery_box, POINT(?, ?))' +
      `) AS reach WHERE ${where.join(' AND ')} ORDER BY reach.distance_m, reach.id`,
    params,
  };
}

/** The filters, tested on the producer indexes' own columns. */
function filterSql(filters: NearFilters, params: unknown[]): string {
  const where: string[] = [];
  if (filters.categories.length === 1) {
    where.push('category = ?');
    params.push(filters.categories[0]);
  } else if (filters.categories.length > 1) {
    where.push(`category IN (${filters.categories.map(() => '?').join(', ')})`);
    params.push(...filters.categories);
  }
  if (filters.minPrice !== null) {
    where.push('price >= CAST(? AS DECIMAL(10,2))');
    params.push(filters.minPrice);
  }
  if (filters.maxPrice !== null) {
    where.push('price <= CAST(? AS DECIMAL(10,2))');
    params.push(filters.maxPrice);
  }
  if (filters.inStock) {
    where.push('stock > 0');
  }
  if (filters.q !== null) {
    where.push(`name LIKE ? ESCAPE '${LIKE_ESCAPE}'`);
    params.push(likePrefix(filters.q));
  }
  return where.map((condition) => ` AND ${condition}`).join('');
}

/** A run of producers at exactly the same distance (ties are ordered by product id). */
export interface DistanceGroup {
  readonly producerIds: readonly number[];
  /** Only products with a larger id (the cursor's group); null = from the start. */
  readonly afterId: number | null;
}

/**
 * The next `need` products of `groups` (consecutive distance groups, nearest first) in
 * (group, id) order, with their rows. Each producer is one index range on
 * (producer_id, id, …filter columns) that stops after `need` matches; the matches are
 * merged by (group, id) and cut to `need`, then only those rows are read by primary key.
 * Column `g` is the group's position in `groups`.
 */
export function buildDistanceBatchQuery(
  groups: readonly DistanceGroup[],
  filters: NearFilters,
  need: number,
): SqlStatement {
  const params: unknown[] = [];
  const parts: string[] = [];
  groups.forEach((group, g) => {
    for (const producerId of group.producerIds) {
      const after = group.afterId === null ? '' : ' AND id > ?';
      params.push(producerId);
      if (group.afterId !== null) {
        params.push(group.afterId);
      }
      const filter = filterSql(filters, params);
      params.push(need);
      parts.push(
        `SELECT ${g} AS g, id FROM products FORCE INDEX (${PRODUCT_INDEX.id}) ` +
          `WHERE producer_id = ?${after}${filter} ORDER BY id LIMIT ?`,
      );
    }
  });
  params.push(need);
  return {
    sql:
      `SELECT page.g, ${JOINED_COLUMNS} FROM (` +
      `SELECT g, id FROM (${union(parts)}) AS candidates ORDER BY g, id LIMIT ?` +
      ') AS page STRAIGHT_JOIN products p ON p.id = page.id ORDER BY page.g, page.id',
    params,
  };
}

/** The position after the previous page of a sorted near-me listing. */
export interface SortedAfter {
  /** The sort key in its stored form (DATETIME text, decimal text, name, id). */
  readonly key: string | number;
  readonly id: number;
}

export interface SortedPageSpec {
  readonly sort: NearSortKey;
  readonly order: NearSortOrder;
  readonly filters: NearFilters;
  readonly after: SortedAfter | null;
  /** Rows to fetch (page size + 1). */
  readonly fetch: number;
}

function keyValue(sort: NearSortKey): string {
  return sort === 'price' ? 'CAST(? AS DECIMAL(10,2))' : '?';
}

/** `(k > ? OR (k = ? AND id > ?))` (flipped for desc): a range on (producer_id, k, id). */
function seekSql(spec: SortedPageSpec, params: unknown[]): string {
  if (spec.after === null) {
    return '';
  }
  const op = spec.order === 'desc' ? '<' : '>';
  if (spec.sort === 'id') {
    params.push(spec.after.id);
    return ` AND id ${op} ?`;
  }
  const v = keyValue(spec.sort);
  params.push(spec.after.key, spec.after.key, spec.after.id);
  return ` AND (${spec.sort} ${op} ${v} OR (${spec.sort} = ${v} AND id ${op} ?))`;
}

function orderBySql(spec: SortedPageSpec, table = ''): string {
  const dir = spec.order === 'desc' ? 'DESC' : 'ASC';
  return spec.sort === 'id'
    ? `ORDER BY ${table}id ${dir}`
    : `ORDER BY ${table}${spec.sort} ${dir}, ${table}id ${dir}`;
}

/**
 * One page of the products of `producerIds` in `ORDER BY <sort> <order>, id <order>`:
 * per producer, an index range on (producer_id, <sort>, id, …filter columns) from the
 * cursor on, stopped after `fetch` matches; the at most producers × fetch candidates are
 * merged and cut to `fetch`, then only those rows are read by primary key.
 */
export function buildSortedPageQuery(
  producerIds: readonly number[],
  spec: SortedPageSpec,
): SqlStatement {
  const params: unknown[] = [];
  const keys = spec.sort === 'id' ? 'id' : `${spec.sort}, id`;
  const parts = producerIds.map((producerId) => {
    params.push(producerId);
    const seek = seekSql(spec, params);
    const filter = filterSql(spec.filters, params);
    params.push(spec.fetch);
    return (
      `SELECT ${keys} FROM products FORCE INDEX (${PRODUCT_INDEX[spec.sort]}) ` +
      `WHERE producer_id = ?${seek}${filter} ${orderBySql(spec)} LIMIT ?`
    );
  });
  params.push(spec.fetch);
  return {
    sql:
      `SELECT ${JOINED_COLUMNS} FROM (` +
      `SELECT ${keys} FROM (${union(parts)}) AS candidates ${orderBySql(spec)} LIMIT ?` +
      `) AS page STRAIGHT_JOIN products p ON p.id = page.id ${orderBySql(spec, 'page.')}`,
    params,
  };
}

function union(parts: readonly string[]): string {
  return parts.length === 1 ? parts[0] : parts.map((part) => `(${part})`).join(' UNION ALL ');
}
