import type { Connection } from 'mysql2/promise';
import { SEED_SKU_PREFIX, seedIndexOf, seedSku } from './catalog-generator';
import {
  generateTsv,
  insertRows,
  isLocalInfileRefused,
  LOAD_METHOD_LABELS,
  LoadMethod,
  loadTsv,
} from './catalog-loader';
import { backfillProducers, countUnowned, seedProducers } from './producer-seeder';

/** Rows per LOAD DATA statement (or per run of batched INSERTs). */
const CHUNK_ROWS = 50_000;
/** Into an empty table, loading this many rows or more is faster with indexes built after. */
const DEFER_INDEXES_FROM_ROWS = 50_000;

/**
 * The listing indexes of `products` (migrations/1763800000000-create-products.ts, widened
 * by migrations/1763830000000-listing-covering-indexes.ts; the producer ones from
 * migrations/1763850000000-create-producers.ts). A test checks that this list matches the
 * migrated table.
 */
export const LISTING_INDEXES: Record<string, string> = {
  ix_products_created_at: 'created_at, id, price, stock, name',
  ix_products_price: 'price, id, stock, name',
  ix_products_name: 'name, id, price, stock',
  ix_products_category: 'category, id, price, stock, name',
  ix_products_category_created_at: 'category, created_at, id, price, stock, name',
  ix_products_category_price: 'category, price, id, stock, name',
  ix_products_category_name: 'category, name, id, price, stock',
  ix_products_producer: 'producer_id, id, category, price, stock, name',
  ix_products_producer_price: 'producer_id, price, id, category, stock, name',
  ix_products_producer_name: 'producer_id, name, id, category, price, stock',
  ix_products_producer_created_at: 'producer_id, created_at, id, category, price, stock, name',
};
/** The foreign key's index: it cannot be dropped while the foreign key exists. */
const FOREIGN_KEY_INDEX = 'ix_products_producer';
/** The indexes a large producer backfill rebuilds instead of maintaining row by row. */
const PRODUCER_SORT_INDEXES = [
  'ix_products_producer_price',
  'ix_products_producer_name',
  'ix_products_producer_created_at',
];
const PROGRESS_EVERY_ROWS = 100_000;

export interface SeedReport {
  readonly requested: number;
  readonly inserted: number;
  /** Demo producers inserted (producer-generator.ts). */
  readonly producers: number;
  /** Demo products that had no producer and were given theirs. */
  readonly backfilled: number;
  readonly seconds: number;
  /** Rows inserted per second over the whole run (indexes and ANALYZE included). */
  readonly rowsPerSecond: number;
  /** How the rows went in: LOAD DATA LOCAL INFILE, or batched INSERTs when it is refused. */
  readonly method: LoadMethod;
}

export type ProgressLog = (line: string) => void;

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

async function dropListingIndexes(
  db: Connection,
  names: readonly string[] = Object.keys(LISTING_INDEXES),
): Promise<void> {
  const present = await existingIndexes(db);
  const drops = names
    .filter((name) => present.has(name) && name !== FOREIGN_KEY_INDEX)
    .map((name) => `DROP INDEX ${name}`);
  if (drops.length > 0) {
    await db.query(`ALTER TABLE products ${drops.join(', ')}`);
  }
}

/**
 * Gives demo products without a producer theirs (a catalog seeded before producers
 * existed). Many at once go faster with the producer sort indexes rebuilt afterwards.
 */
async function giveProducers(db: Connection, count: number, log: ProgressLog): Promise<number> {
  const unowned = await countUnowned(db);
  if (unowned === 0) {
    return 0;
  }
  const rebuild = unowned >= DEFER_INDEXES_FROM_ROWS;
  if (rebuild) {
    await dropListingIndexes(db, PRODUCER_SORT_INDEXES);
  }
  const updated = await backfillProducers(db, count);
  if (rebuild) {
    await ensureListingIndexes(db);
  }
  if (updated > 0) {
    log(`seed: gave ${updated.toLocaleString('en')} existing products their producer`);
  }
  return updated;
}

/** The outcome of a LOAD DATA that was started before the next chunk was generated. */
type Loaded = { readonly rows: number } | { readonly error: unknown };

/**
 * Ensures products SEED-00000001..count and their producers exist (idempotent for a given
 * count: reruns add only what is missing and never duplicate), loading chunks with LOAD
 * DATA LOCAL INFILE. Demo products that exist without a producer (seeded before producers
 * existed) are given theirs.
 * When the server refuses LOCAL INFILE (`local_infile=OFF`, MySQL 8's default), the rest
 * goes in with batched multi-row INSERTs, and the progress lines say so.
 */
export async function seedCatalog(
  db: Connection,
  count: number,
  log: ProgressLog,
): Promise<SeedReport> {
  const started = process.hrtime.bigint();
  await ensureListingIndexes(db);
  const producers = await seedProducers(db, count);
  const from = await firstMissing(db, count);
  const deferIndexes = count - from + 1 >= DEFER_INDEXES_FROM_ROWS && (await isCatalogEmpty(db));
  if (deferIndexes) {
    await dropListingIndexes(db);
  }
  let method: LoadMethod = 'load-data';
  let inserted = 0;
  let loaded = 0;
  let nextReport = PROGRESS_EVERY_ROWS;
  const elapsed = (): number => Number(process.hrtime.bigint() - started) / 1e9;
  const explicitIds = from <= count && (await idsAreFree(db, from, count));
  const endOf = (first: number): number => Math.min(count, first + CHUNK_ROWS - 1);
  const tsvOf = (first: number): Promise<Buffer> => generateTsv(first, endOf(first), explicitIds);
  let tsv = from <= count ? await tsvOf(from) : null;
  for (let start = from; start <= count; start += CHUNK_ROWS) {
    const end = endOf(start);
    if (method === 'load-data') {
      const loading: Promise<Loaded> = loadTsv(db, tsv as Buffer).then(
        (rows) => ({ rows }),
        (error: unknown) => ({ error }),
      );
      // Generate the next chunk while MySQL loads this one.
      tsv = end < count ? await tsvOf(end + 1) : null;
      const outcome = await loading;
      if ('rows' in outcome) {
        inserted += outcome.rows;
      } else if (isLocalInfileRefused(outcome.error)) {
        method = 'insert';
        tsv = null;
        log(
          'seed: the server refuses LOAD DATA LOCAL INFILE (local_infile is off); ' +
            'inserting with batched INSERTs instead',
        );
      } else {
        throw outcome.error;
      }
    }
    if (method === 'insert') {
      inserted += await insertRows(db, start, end, explicitIds);
    }
    loaded += end - start + 1;
    if (loaded >= nextReport || end === count) {
      nextReport += PROGRESS_EVERY_ROWS;
      log(
        `seed: ${end.toLocaleString('en')}/${count.toLocaleString('en')} products ` +
          `(${LOAD_METHOD_LABELS[method]}, ${elapsed().toFixed(1)} s)`,
      );
    }
  }
  if (deferIndexes) {
    const loadedAt = elapsed();
    log('seed: building listing indexes');
    await ensureListingIndexes(db);
    log(`seed: listing indexes built in ${(elapsed() - loadedAt).toFixed(1)} s`);
  }
  const backfilled = await giveProducers(db, count, log);
  if (producers > 0) {
    await db.query('ANALYZE TABLE producers');
  }
  if (inserted > 0 || backfilled > 0) {
    await db.query('ANALYZE TABLE products');
  }
  const seconds = elapsed();
  return {
    requested: count,
    inserted,
    producers,
    backfilled,
    seconds,
    rowsPerSecond: inserted > 0 ? Math.round(inserted / seconds) : 0,
    method,
  };
}
