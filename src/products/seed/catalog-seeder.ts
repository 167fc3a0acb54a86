import { Readable } from 'node:stream';
import type { Connection } from 'mysql2/promise';
import { SEED_SKU_PREFIX, seedIndexOf, seedSku, toTsv } from './catalog-generator';

/** Rows per LOAD DATA statement, generated in slices so the event loop can stream. */
const CHUNK_ROWS = 50_000;
const SLICE_ROWS = 5_000;
/** Into an empty table, loading this many rows or more is faster with indexes built after. */
const DEFER_INDEXES_FROM_ROWS = 50_000;

/**
 * The listing indexes of `products` (migrations/1763800000000-create-products.ts, widened
 * by migrations/1763830000000-listing-covering-indexes.ts). A test checks that this list
 * matches the migrated table.
 */
export const LISTING_INDEXES: Record<string, string> = {
  ix_products_created_at: 'created_at, id, price, stock, name',
  ix_products_price: 'price, id, stock, name',
  ix_products_name: 'name, id, price, stock',
  ix_products_category: 'category, id, price, stock, name',
  ix_products_category_created_at: 'category, created_at, id, price, stock, name',
  ix_products_category_price: 'category, price, id, stock, name',
  ix_products_category_name: 'category, name, id, price, stock',
};
const PROGRESS_EVERY_ROWS = 100_000;

/** LOAD DATA LOCAL streams the file in packets; keep each well under max_allowed_packet. */
const PACKET_BYTES = 64 * 1024;

function* packets(data: Buffer): Generator<Buffer> {
  for (let offset = 0; offset < data.length; offset += PACKET_BYTES) {
    yield data.subarray(offset, offset + PACKET_BYTES);
  }
}

export interface SeedReport {
  readonly requested: number;
  readonly inserted: number;
  readonly seconds: number;
  readonly rowsPerSecond: number;
}

export type ProgressLog = (line: string) => void;

const LOAD_SQL = `LOAD DATA LOCAL INFILE 'products.tsv' IGNORE INTO TABLE products
  CHARACTER SET utf8mb4 FIELDS TERMINATED BY '\\t' ESCAPED BY '\\\\' LINES TERMINATED BY '\\n'
  (id, sku, name, description, category, price, stock, created_at, updated_at)`;

async function scalar(db: Connection, sql: string, params: unknown[] = []): Promise<unknown> {
  const [rows] = await db.query(sql, params);
  const row = (rows as Record<string, unknown>[])[0];
  return row ? Object.values(row)[0] : null;
}

/**
 * Product n gets id n when no row holds an id in from..count (always so for a fresh
 * catalog: ids 1..N without the gaps that auto-increment leaves between LOAD DATA
 * statements); otherwise the new rows take auto-increment ids.
 */
async function idsAreFree(db: Connection, from: number, count: number): Promise<boolean> {
  return (
    Number(
      await scalar(
        db,
        'SELECT EXISTS (SELECT 1 FROM products WHERE id >= ? AND id <= ?) AS taken',
        [from, count],
      ),
    ) === 0
  );
}

export async function isCatalogEmpty(db: Connection): Promise<boolean> {
  return (await scalar(db, 'SELECT EXISTS (SELECT 1 FROM products) AS present')) === 0;
}

/**
 * Where to resume: when products 1..m exist without gaps, continue at m + 1; otherwise
 * load 1..count again and let `IGNORE` skip the rows that are there (unique sku).
 */
async function firstMissing(db: Connection, count: number): Promise<number> {
  const last = seedSku(count);
  const present = Number(
    await scalar(db, 'SELECT COUNT(*) FROM products WHERE sku >= ? AND sku <= ?', [
      seedSku(1),
      last,
    ]),
  );
  if (present >= count) {
    return count + 1;
  }
  const max = (await scalar(db, 'SELECT MAX(sku) FROM products WHERE sku >= ? AND sku <= ?', [
    seedSku(1),
    last,
  ])) as string | null;
  const maxIndex = max && max.startsWith(SEED_SKU_PREFIX) ? seedIndexOf(max) : 0;
  return present === maxIndex ? maxIndex + 1 : 1;
}

async function existingIndexes(db: Connection): Promise<Set<string>> {
  const [rows] = await db.query('SHOW INDEX FROM products');
  return new Set((rows as { Key_name: string }[]).map((row) => row.Key_name));
}

/** Builds every listing index that is missing (also repairs a run that died mid-load). */
export async function ensureListingIndexes(db: Connection): Promise<string[]> {
  const present = await existingIndexes(db);
  const missing = Object.keys(LISTING_INDEXES).filter((name) => !present.has(name));
  if (missing.length > 0) {
    const adds = missing.map((name) => `ADD INDEX ${name} (${LISTING_INDEXES[name]})`);
    await db.query(`ALTER TABLE products ${adds.join(', ')}`);
  }
  return missing;
}

async function dropListingIndexes(db: Connection): Promise<void> {
  const present = await existingIndexes(db);
  const drops = Object.keys(LISTING_INDEXES)
    .filter((name) => present.has(name))
    .map((name) => `DROP INDEX ${name}`);
  if (drops.length > 0) {
    await db.query(`ALTER TABLE products ${drops.join(', ')}`);
  }
}

/** Generates rows `from..to`, yielding between slices so a running LOAD keeps streaming. */
async function generate(from: number, to: number, explicitIds: boolean): Promise<Buffer> {
  const parts: Buffer[] = [];
  for (let start = from; start <= to; start += SLICE_ROWS) {
    parts.push(toTsv(start, Math.min(to, start + SLICE_ROWS - 1), explicitIds));
    await new Promise((resolve) => setImmediate(resolve));
  }
  return Buffer.concat(parts);
}

/**
 * Ensures products SEED-00000001..count exist (idempotent for a given count: reruns add
 * only what is missing and never duplicate), loading chunks with LOAD DATA LOCAL INFILE.
 */
export async function seedCatalog(
  db: Connection,
  count: number,
  log: ProgressLog,
): Promise<SeedReport> {
  const started = process.hrtime.bigint();
  await ensureListingIndexes(db);
  const from = await firstMissing(db, count);
  const deferIndexes = count - from + 1 >= DEFER_INDEXES_FROM_ROWS && (await isCatalogEmpty(db));
  if (deferIndexes) {
    await dropListingIndexes(db);
  }
  let inserted = 0;
  let loaded = 0;
  let nextReport = PROGRESS_EVERY_ROWS;
  const elapsed = (): number => Number(process.hrtime.bigint() - started) / 1e9;
  const explicitIds = from <= count && (await idsAreFree(db, from, count));
  const chunkOf = (first: number): Promise<Buffer> =>
    generate(first, Math.min(count, first + CHUNK_ROWS - 1), explicitIds);
  let tsv = from <= count ? await chunkOf(from) : null;
  for (let start = from; start <= count; start += CHUNK_ROWS) {
    const end = Math.min(count, start + CHUNK_ROWS - 1);
    const chunk = tsv as Buffer;
    const load = db.query({
      sql: LOAD_SQL,
      infileStreamFactory: () => Readable.from(packets(chunk)),
    });
    // Generate the next chunk while MySQL loads this one.
    const next = end + 1;
    tsv = next <= count ? await chunkOf(next) : null;
    const [result] = await load;
    inserted += (result as { affectedRows: number }).affectedRows;
    loaded += end - start + 1;
    if (loaded >= nextReport || end === count) {
      nextReport += PROGRESS_EVERY_ROWS;
      const s = elapsed();
      log(
        `seed: ${end.toLocaleString('en')}/${count.toLocaleString('en')} products ` +
          `(${Math.round(loaded / s).toLocaleString('en')} rows/s)`,
      );
    }
  }
  if (deferIndexes) {
    const loadedAt = elapsed();
    log('seed: building listing indexes');
    await ensureListingIndexes(db);
    log(`seed: listing indexes built in ${(elapsed() - loadedAt).toFixed(1)} s`);
  }
  if (inserted > 0) {
    await db.query('ANALYZE TABLE products');
  }
  const seconds = elapsed();
  return {
    requested: count,
    inserted,
    seconds,
    rowsPerSecond: inserted > 0 ? Math.round(inserted / seconds) : 0,
  };
}
