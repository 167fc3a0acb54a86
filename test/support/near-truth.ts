import type { Connection } from 'mysql2/promise';
import { boxToWkt, capBox } from '../../src/common/geo/sphere';
import type { NearFilters, NearSortKey, NearSortOrder } from '../../src/products/near/near.sql';
import type { ProductSeed } from '../factories/product.factory';

export interface ProducerSeed {
  readonly name: string;
  /** DECIMAL(9,6) text. */
  readonly lat: string;
  readonly lng: string;
  /** DECIMAL(5,1) text. */
  readonly radiusKm: string;
}

/** Inserts a producer the way the API stores one (delivery box included); returns its id. */
export async function insertProducer(db: Connection, p: ProducerSeed): Promise<number> {
  const box = boxToWkt(capBox(Number(p.lat), Number(p.lng), Number(p.radiusKm) * 1000));
  const [result] = await db.query(
    'INSERT INTO producers (name, lat, lng, delivery_radius_km, delivery_box) ' +
      'VALUES (?, ?, ?, ?, ST_GeomFromText(?, 0))',
    [p.name, p.lat, p.lng, p.radiusKm, box],
  );
  return Number((result as { insertId: number }).insertId);
}

/** Moves a producer or changes its radius, box included (as PATCH /producers does). */
export async function updateProducer(db: Connection, id: number, p: ProducerSeed): Promise<void> {
  const box = boxToWkt(capBox(Number(p.lat), Number(p.lng), Number(p.radiusKm) * 1000));
  await db.query(
    'UPDATE producers SET lat = ?, lng = ?, delivery_radius_km = ?, ' +
      'delivery_box = ST_GeomFromText(?, 0) WHERE id = ?',
    [p.lat, p.lng, p.radiusKm, box, id],
  );
}

const COLUMNS = [
  'sku',
  'name',
  'description',
  'category',
  'price',
  'stock',
  'created_at',
  'updated_at',
] as const;

/** Inserts products one statement each, in order, for `producerIds[i]`; returns the ids. */
export async function insertOwnedProducts(
  db: Connection,
  rows: readonly { product: ProductSeed; producerId: number | null }[],
): Promise<number[]> {
  const ids: number[] = [];
  for (let start = 0; start < rows.length; start += 500) {
    const batch = rows.slice(start, start + 500);
    const [result] = await db.query(
      `INSERT INTO products (${COLUMNS.join(', ')}, producer_id) VALUES ?`,
      [batch.map(({ product, producerId }) => [...COLUMNS.map((c) => product[c]), producerId])],
    );
    const first = Number((result as { insertId: number }).insertId);
    ids.push(...batch.map((_, i) => first + i));
  }
  return ids;
}

export interface TruthSpec {
  readonly lat: number;
  readonly lng: number;
  readonly radiusKm: string | null;
  readonly filters: NearFilters;
  readonly sort: 'distance' | NearSortKey;
  readonly order: NearSortOrder;
}

export interface TruthRow {
  readonly id: number;
  readonly distanceM: number;
}

/**
 * The brute-force answer: every product whose producer delivers to the point, computed
 * over all producers without any index (`ST_Distance_Sphere` of the producers' own
 * columns), in `ORDER BY distance, id` or `ORDER BY <sort> <order>, id <order>`. Read as a
 * prepared statement, so the distances are the exact doubles.
 */
export async function bruteForce(db: Connection, spec: TruthSpec): Promise<TruthRow[]> {
  const distance = 'ST_Distance_Sphere(POINT(pr.lng, pr.lat), POINT(?, ?))';
  const params: unknown[] = [spec.lng, spec.lat, spec.lng, spec.lat];
  const where = [`${distance} <= pr.delivery_radius_km * 1000`];
  if (spec.radiusKm !== null) {
    where.push(`${distance} <= CAST(? AS DECIMAL(9,6)) * 1000`);
    params.push(spec.lng, spec.lat, spec.radiusKm);
  }
  const f = spec.filters;
  if (f.categories.length > 0) {
    where.push(`p.category IN (${f.categories.map(() => '?').join(', ')})`);
    params.push(...f.categories);
  }
  if (f.minPrice !== null) {
    where.push('p.price >= CAST(? AS DECIMAL(10,2))');
    params.push(f.minPrice);
  }
  if (f.maxPrice !== null) {
    where.push('p.price <= CAST(? AS DECIMAL(10,2))');
    params.push(f.maxPrice);
  }
  if (f.inStock) {
    where.push('p.stock > 0');
  }
  if (f.q !== null) {
    where.push("p.name LIKE ? ESCAPE '!'");
    params.push(`${f.q.replace(/[!%_]/g, (c) => `!${c}`)}%`);
  }
  const dir = spec.order === 'desc' ? 'DESC' : 'ASC';
  const order =
    spec.sort === 'distance'
      ? 'distance_m, p.id'
      : spec.sort === 'id'
        ? `p.id ${dir}`
        : `p.${spec.sort} ${dir}, p.id ${dir}`;
  const [rows] = await db.execute(
    `SELECT p.id, ${distance} AS distance_m FROM products p IGNORE INDEX ` +
      '(ix_products_producer, ix_products_producer_price, ix_products_producer_name, ' +
      'ix_products_producer_created_at) JOIN producers pr IGNORE INDEX (sx_producers_delivery_box) ' +
      `ON pr.id = p.producer_id WHERE ${where.join(' AND ')} ORDER BY ${order}`,
    params as never,
  );
  return (rows as { id: number | string; distance_m: number }[]).map((row) => ({
    id: Number(row.id),
    distanceM: row.distance_m,
  }));
}
