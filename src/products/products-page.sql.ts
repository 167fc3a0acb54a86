import type { SortKey, SortOrder } from './products.constants';

/** What one page read needs: filters, order, the position after the previous page. */
export interface PageSpec {
  readonly sort: SortKey;
  readonly order: SortOrder;
  readonly categories: readonly string[];
  readonly minPrice: string | null;
  readonly maxPrice: string | null;
  readonly inStock: boolean;
  readonly q: string | null;
  /** Sort key (DB form) and id of the last row already returned; null = first page. */
  readonly after: { readonly key: string | number; readonly id: number } | null;
  /** Rows to fetch (page size + 1, to learn whether there is more). */
  readonly fetch: number;
}

export interface SqlStatement {
  readonly sql: string;
  readonly params: unknown[];
}

export const PRODUCT_COLUMNS =
  'id, sku, name, description, category, price, stock, created_at, updated_at';

const LIKE_ESCAPE = '!';

/** Escapes LIKE wildcards so `q` is matched literally as a prefix. */
export function likePrefix(q: string): string {
  return `${q.replace(/[!%_]/g, (c) => LIKE_ESCAPE + c)}%`;
}

function keyValue(sort: SortKey): string {
  return sort === 'price' ? 'CAST(? AS DECIMAL(10,2))' : '?';
}

/**
 * The seek predicate spelled out (`k < ? OR (k = ? AND id < ?)`): MariaDB uses no index
 * for row-constructor comparisons such as `(k, id) < (?, ?)`.
 */
function seek(spec: PageSpec, params: unknown[]): string | null {
  if (!spec.after) {
    return null;
  }
  const op = spec.order === 'desc' ? '<' : '>';
  if (spec.sort === 'id') {
    params.push(spec.after.id);
    return `id ${op} ?`;
  }
  const col = spec.sort;
  const v = keyValue(spec.sort);
  params.push(spec.after.key, spec.after.key, spec.after.id);
  return `(${col} ${op} ${v} OR (${col} = ${v} AND id ${op} ?))`;
}

function filters(spec: PageSpec, params: unknown[]): string[] {
  const where: string[] = [];
  if (spec.minPrice !== null) {
    where.push('price >= CAST(? AS DECIMAL(10,2))');
    params.push(spec.minPrice);
  }
  if (spec.maxPrice !== null) {
    where.push('price <= CAST(? AS DECIMAL(10,2))');
    params.push(spec.maxPrice);
  }
  if (spec.inStock) {
    where.push('stock > 0');
  }
  if (spec.q !== null) {
    where.push(`name LIKE ? ESCAPE '${LIKE_ESCAPE}'`);
    params.push(likePrefix(spec.q));
  }
  return where;
}

function orderBy(spec: PageSpec): string {
  const dir = spec.order === 'desc' ? 'DESC' : 'ASC';
  return spec.sort === 'id' ? `ORDER BY id ${dir}` : `ORDER BY ${spec.sort} ${dir}, id ${dir}`;
}

function select(spec: PageSpec, category: string | null): SqlStatement {
  const params: unknown[] = [];
  const where: string[] = [];
  if (category !== null) {
    where.push('category = ?');
    params.push(category);
  }
  where.push(...filters(spec, params));
  const seekSql = seek(spec, params);
  if (seekSql) {
    where.push(seekSql);
  }
  const whereSql = where.length > 0 ? ` WHERE ${where.join(' AND ')}` : '';
  params.push(spec.fetch);
  return {
    sql: `SELECT ${PRODUCT_COLUMNS} FROM products${whereSql} ${orderBy(spec)} LIMIT ?`,
    params,
  };
}

/**
 * One page in `ORDER BY <sort> <order>, id <order>`. Several categories are read as a
 * merge: each category's page is an index range on (category, sort, id), and only those
 * few rows are sorted together, instead of sorting every row of every category. UNION
 * (not UNION ALL) because two spellings that the collation treats as equal ("Fruits",
 * "fruits") select the same rows.
 */
export function buildPageQuery(spec: PageSpec): SqlStatement {
  if (spec.categories.length <= 1) {
    return select(spec, spec.categories[0] ?? null);
  }
  const parts = spec.categories.map((category) => select(spec, category));
  return {
    sql: `${parts.map((p) => `(${p.sql})`).join(' UNION ')} ${orderBy(spec)} LIMIT ?`,
    params: [...parts.flatMap((p) => p.params), spec.fetch],
  };
}
