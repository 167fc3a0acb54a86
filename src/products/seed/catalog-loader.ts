import { Readable } from 'node:stream';
import type { Connection } from 'mysql2/promise';
import { toRows, toTsv } from './catalog-generator';

/** How rows reach the table: the fast path, or the fallback when the server refuses it. */
export type LoadMethod = 'load-data' | 'insert';

export const LOAD_METHOD_LABELS: Record<LoadMethod, string> = {
  'load-data': 'LOAD DATA LOCAL INFILE',
  insert: 'batched INSERT',
};

/** Rows per multi-row INSERT (≈ 200 bytes each: far below any max_allowed_packet). */
export const INSERT_BATCH_ROWS = 2_000;

const COLUMNS =
  '(id, sku, name, description, category, price, stock, created_at, updated_at, producer_id)';

const LOAD_SQL = `LOAD DATA LOCAL INFILE 'products.tsv' IGNORE INTO TABLE products
  CHARACTER SET utf8mb4 FIELDS TERMINATED BY '\\t' ESCAPED BY '\\\\' LINES TERMINATED BY '\\n'
  ${COLUMNS}`;

const INSERT_SQL = `INSERT IGNORE INTO products ${COLUMNS} VALUES ?`;

/**
 * Server errors that mean "LOCAL INFILE is switched off here": MySQL 8's default
 * `local_infile=OFF` (3948), MariaDB's `--local-infile=0` (4166), and the older generic
 * "command not allowed" (1148).
 */
const LOCAL_INFILE_REFUSED = new Set([1148, 3948, 4166]);

export function isLocalInfileRefused(error: unknown): boolean {
  const errno = (error as { errno?: unknown } | null)?.errno;
  return typeof errno === 'number' && LOCAL_INFILE_REFUSED.has(errno);
}

/** LOAD DATA LOCAL streams the file in packets; keep each well under max_allowed_packet. */
const PACKET_BYTES = 64 * 1024;

function* packets(data: Buffer): Generator<Buffer> {
  for (let offset = 0; offset < data.length; offset += PACKET_BYTES) {
    yield data.subarray(offset, offset + PACKET_BYTES);
  }
}

/** Loads TSV rows (from `toTsv`) with one LOAD DATA LOCAL INFILE; returns rows inserted. */
export async function loadTsv(db: Connection, tsv: Buffer): Promise<number> {
  const [result] = await db.query({
    sql: LOAD_SQL,
    infileStreamFactory: () => Readable.from(packets(tsv)),
  });
  return (result as { affectedRows: number }).affectedRows;
}

/** Inserts products `from..to` with multi-row `INSERT IGNORE`s; returns rows inserted. */
export async function insertRows(
  db: Connection,
  from: number,
  to: number,
  explicitIds: boolean,
): Promise<number> {
  let inserted = 0;
  for (let start = from; start <= to; start += INSERT_BATCH_ROWS) {
    const rows = toRows(start, Math.min(to, start + INSERT_BATCH_ROWS - 1), explicitIds);
    const [result] = await db.query(INSERT_SQL, [rows]);
    inserted += (result as { affectedRows: number }).affectedRows;
  }
  return inserted;
}

/** Slices of this many rows are generated between event-loop turns. */
const SLICE_ROWS = 5_000;

/** Generates TSV rows `from..to`, yielding between slices so a running LOAD keeps streaming. */
export async function generateTsv(from: number, to: number, explicitIds: boolean): Promise<Buffer> {
  const parts: Buffer[] = [];
  for (let start = from; start <= to; start += SLICE_ROWS) {
    parts.push(toTsv(start, Math.min(to, start + SLICE_ROWS - 1), explicitIds));
    await new Promise((resolve) => setImmediate(resolve));
  }
  return Buffer.concat(parts);
}
