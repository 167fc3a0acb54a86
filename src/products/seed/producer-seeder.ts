import type { Connection } from 'mysql2/promise';
import { seedSku } from './catalog-generator';
import { generateProducer, productRangeOf, seedProducerCount } from './producer-generator';

/** Producers per multi-row INSERT. */
const PRODUCER_BATCH = 500;
/** Backfill: about this many products change per transaction. */
const BACKFILL_ROWS_PER_COMMIT = 20_000;

const PRODUCER_COLUMNS =
  '(id, name, lat, lng, delivery_radius_km, delivery_box, created_at, updated_at)';
const PRODUCER_ROW = '(?, ?, ?, ?, ?, ST_GeomFromText(?, 0), ?, ?)';

async function count(db: Connection, sql: string, params: unknown[]): Promise<number> {
  const [rows] = await db.query(sql, params);
  const row = (rows as Record<string, unknown>[])[0];
  return Number(row ? Object.values(row)[0] : 0);
}

/**
 * Ensures demo producers 1..P exist for a catalog of `count` products, producer k with id
 * k (`INSERT IGNORE` keeps whatever row holds an id already). Returns how many were
 * inserted.
 */
export async function seedProducers(db: Connection, catalogCount: number): Promise<number> {
  const total = seedProducerCount(catalogCount);
  const present = await count(db, 'SELECT COUNT(*) FROM producers WHERE id BETWEEN 1 AND ?', [
    total,
  ]);
  if (present >= total) {
    return 0;
  }
  let inserted = 0;
  for (let first = 1; first <= total; first += PRODUCER_BATCH) {
    const last = Math.min(total, first + PRODUCER_BATCH - 1);
    const values: unknown[] = [];
    for (let k = first; k <= last; k += 1) {
      const p = generateProducer(k);
      values.push(p.id, p.name, p.lat, p.lng, p.radiusKm, p.box, p.createdAt, p.createdAt);
    }
    const rows = Array.from({ length: last - first + 1 }, () => PRODUCER_ROW).join(', ');
    const [result] = await db.query(
      `INSERT IGNORE INTO producers ${PRODUCER_COLUMNS} VALUES ${rows}`,
      values,
    );
    inserted += (result as { affectedRows: number }).affectedRows;
  }
  return inserted;
}

/** How many products have no producer (counted on the foreign key's index alone). */
export function countUnowned(db: Connection): Promise<number> {
  return count(
    db,
    'SELECT COUNT(*) FROM products FORCE INDEX (ix_products_producer) WHERE producer_id IS NULL',
    [],
  );
}

/**
 * Gives demo products 1..count that have no producer theirs (a catalog seeded before
 * producers existed): each producer's products are one sku range, so it is one UPDATE
 * per producer, grouped into transactions of about BACKFILL_ROWS_PER_COMMIT rows.
 * Products that have a producer are left alone. Returns how many were updated.
 */
export async function backfillProducers(db: Connection, catalogCount: number): Promise<number> {
  // Served by ix_products_producer (NULL first): instant when every product has one.
  const missing = await count(
    db,
    'SELECT EXISTS (SELECT 1 FROM products FORCE INDEX (ix_products_producer) ' +
      'WHERE producer_id IS NULL AND sku BETWEEN ? AND ?)',
    [seedSku(1), seedSku(catalogCount)],
  );
  if (missing === 0) {
    return 0;
  }
  const producers = seedProducerCount(catalogCount);
  let updated = 0;
  let pending = 0;
  await db.beginTransaction();
  try {
    for (let k = 1; k <= producers; k += 1) {
      const { first, last } = productRangeOf(k);
      const [result] = await db.query(
        'UPDATE products SET producer_id = ? WHERE sku BETWEEN ? AND ? AND producer_id IS NULL',
        [k, seedSku(first), seedSku(Math.min(last, catalogCount))],
      );
      const changed = (result as { affectedRows: number }).affectedRows;
      updated += changed;
      pending += changed;
      if (pending >= BACKFILL_ROWS_PER_COMMIT) {
        await db.commit();
        await db.beginTransaction();
        pending = 0;
      }
    }
    await db.commit();
  } catch (error) {
    await db.rollback();
    throw error;
  }
  return updated;
}
