import Redis from 'ioredis';
import { existsSync, readFileSync } from 'node:fs';
import { BUMP_GENERATION_SCRIPT, newGenerationId } from '../src/products/listing-cache/generation';
import { GENERATION_CHANNEL, generationKey } from '../src/products/listing-cache/cache-layout';
import { PRODUCTS_CACHE_NAMESPACE } from '../src/products/products.constants';
import { Connection, createConnection, RowDataPacket } from 'mysql2/promise';
import { parseCommandStats, parseStatusRows, SQL_COUNTERS } from './counters';
import type { BenchOptions } from './options';
import type { CounterSource } from './sampler';

/** Direct access to the bench database and Redis prefix (setup and facts, never load). */
export class Stores implements CounterSource {
  private constructor(
    private readonly options: BenchOptions,
    private readonly redis: Redis,
    private db: Connection | null,
  ) {}

  static async open(options: BenchOptions): Promise<Stores> {
    const redis = new Redis(options.redisUrl, { lazyConnect: true, maxRetriesPerRequest: 2 });
    await redis.connect();
    return new Stores(options, redis, null);
  }

  private async connection(): Promise<Connection> {
    this.db ??= await createConnection({
      host: this.options.dbHost,
      port: this.options.dbPort,
      user: this.options.dbUser,
      password: this.options.dbPassword,
    });
    return this.db;
  }

  async query<T extends RowDataPacket>(sql: string, params: unknown[] = []): Promise<T[]> {
    const [rows] = await (await this.connection()).query<T[]>(sql, params);
    return rows;
  }

  private get table(): string {
    return `\`${this.options.dbName.replace(/`/g, '``')}\`.products`;
  }

  /** Rows in the bench products table, or null when the table does not exist yet. */
  async productCount(): Promise<number | null> {
    const tables = await this.query<RowDataPacket & { n: number }>(
      'SELECT COUNT(*) AS n FROM information_schema.tables WHERE table_schema = ? AND table_name = ?',
      [this.options.dbName, 'products'],
    );
    if (Number(tables[0]?.n) === 0) {
      return null;
    }
    const rows = await this.query<RowDataPacket & { n: number }>(
      `SELECT COUNT(*) AS n FROM ${this.table}`,
    );
    return Number(rows[0]?.n);
  }

  async dropDatabase(): Promise<void> {
    await this.query(`DROP DATABASE IF EXISTS \`${this.options.dbName.replace(/`/g, '``')}\``);
  }

  /** Price bounds, categories and common name prefixes: the values scenarios draw from. */
  async catalogFacts(): Promise<CatalogFacts> {
    const [bounds] = await this.query<RowDataPacket & { lo: string; hi: string; maxId: number }>(
      `SELECT MIN(price) AS lo, MAX(price) AS hi, MAX(id) AS maxId FROM ${this.table}`,
    );
    const categories = await this.query<RowDataPacket & { category: string }>(
      `SELECT DISTINCT category FROM ${this.table} ORDER BY category`,
    );
    const names = await this.query<RowDataPacket & { name: string }>(
      `SELECT name FROM ${this.table} WHERE id IN (${Array.from({ length: 200 }, (_, i) => 1 + i * 4999).join(',')})`,
    );
    const [count] = await this.query<RowDataPacket & { n: number }>(
      `SELECT COUNT(*) AS n FROM ${this.table}`,
    );
    return {
      ids: Number(count.n) === Number(bounds.maxId) ? null : await this.allIds(),
      minPriceCents: Math.round(Number(bounds.lo) * 100),
      maxPriceCents: Math.round(Number(bounds.hi) * 100),
      maxId: Number(bounds.maxId),
      categories: categories.map((r) => r.category),
      namePrefixes: [
        ...new Set(
          names.flatMap((r) => [r.name.slice(0, 1), r.name.slice(0, 3), r.name.slice(0, 5)]),
        ),
      ].filter((p) => p.trim().length > 0),
    };
  }

  /** Every product id, when ids have gaps and a random one in 1..max would often miss. */
  private async allIds(): Promise<Uint32Array> {
    const rows = await this.query<RowDataPacket & { id: number }>(
      `SELECT id FROM ${this.table} ORDER BY id`,
    );
    return Uint32Array.from(rows, (r) => Number(r.id));
  }

  /** Buffer pool size against the products table's data and index size, in MiB. */
  async innodbFit(): Promise<{ bufferPoolMb: number; productsMb: number }> {
    const [row] = await this.query<RowDataPacket & { pool: number; size: number }>(
      `SELECT @@innodb_buffer_pool_size AS pool,
         (SELECT data_length + index_length FROM information_schema.tables
           WHERE table_schema = ? AND table_name = 'products') AS size`,
      [this.options.dbName],
    );
    return {
      bufferPoolMb: Math.round(Number(row.pool) / 1048576),
      productsMb: Math.round(Number(row.size) / 1048576),
    };
  }

  /**
   * Grows the InnoDB buffer pool (never shrinks it) to hold the catalog's data and
   * indexes with room to spare, so scenarios measure the service and its plans rather
   * than disk reads. Sized before seeding from the larger of the table as it is and
   * `products` × BYTES_PER_PRODUCT; `SET GLOBAL` resizes a running MariaDB 10.11 or
   * MySQL 8 (in the background, which is waited for).
   */
  async growBufferPool(products: number): Promise<BufferPoolSizing> {
    const fit = await this.innodbFit();
    const catalogMb = Math.max(fit.productsMb, (products * BYTES_PER_PRODUCT) / 1048576);
    const wantedMb = Math.ceil((catalogMb * 1.25 + 256) / POOL_STEP_MB) * POOL_STEP_MB;
    const sizing = { fromMb: fit.bufferPoolMb, toMb: fit.bufferPoolMb, wantedMb, catalogMb };
    if (fit.bufferPoolMb >= wantedMb) {
      return sizing;
    }
    await this.query('SET GLOBAL innodb_buffer_pool_size = ?', [wantedMb * 1048576]);
    const deadline = Date.now() + 60_000;
    let nowMb = fit.bufferPoolMb;
    while (nowMb < wantedMb && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 250));
      nowMb = (await this.innodbFit()).bufferPoolMb;
    }
    return { ...sizing, toMb: nowMb };
  }

  /**
   * The database server's process id when it runs on this machine (its pid file and
   * /proc entry are readable), for its CPU time per request; null otherwise.
   */
  async localServerPid(): Promise<number | null> {
    if (!['127.0.0.1', 'localhost', '::1'].includes(this.options.dbHost)) {
      return null;
    }
    try {
      const [row] = await this.query<RowDataPacket & { file: string }>('SELECT @@pid_file AS file');
      const pid = Number(readFileSync(row.file, 'utf8').trim());
      return Number.isInteger(pid) && pid > 0 && existsSync(`/proc/${pid}/stat`) ? pid : null;
    } catch {
      return null;
    }
  }

  /** InnoDB pages read from disk so far (server-wide: buffer pool misses). */
  async innodbDiskReads(): Promise<number> {
    const [row] = await this.query<RowDataPacket & { Value: string }>(
      "SHOW GLOBAL STATUS LIKE 'Innodb_buffer_pool_reads'",
    );
    return Number(row.Value);
  }

  /** Calls per Redis command so far (server-wide: other clients of the server count too). */
  async redisCommandStats(): Promise<Record<string, number>> {
    return parseCommandStats(await this.redis.info('commandstats'));
  }

  /** SQL statement counters so far (server-wide, like the Redis ones). */
  async sqlCounters(): Promise<Record<string, number>> {
    const rows = await this.query<RowDataPacket & { Variable_name: string; Value: string }>(
      `SHOW GLOBAL STATUS WHERE Variable_name IN (${SQL_COUNTERS.map(() => '?').join(', ')})`,
      [...SQL_COUNTERS],
    );
    return parseStatusRows(rows);
  }

  /** The Redis server's process id when its /proc entry is readable here; null otherwise. */
  async redisPid(): Promise<number | null> {
    const info = await this.redis.info('server');
    const pid = Number(/process_id:(\d+)/.exec(info)?.[1]);
    return Number.isInteger(pid) && pid > 0 && existsSync(`/proc/${pid}/stat`) ? pid : null;
  }

  /** The client the bench reads Redis with (never used for load). */
  get redisClient(): Redis {
    return this.redis;
  }

  /** `count` products drawn at random (ids 1..max; gaps just yield fewer). */
  async someProducts(
    count: number,
    maxId: number,
  ): Promise<{ id: number; sku: string; stock: number; price: string }[]> {
    const ids = Array.from({ length: count }, () => 1 + Math.floor(Math.random() * maxId));
    return this.query<RowDataPacket & { id: number; sku: string; stock: number; price: string }>(
      `SELECT id, sku, stock, price FROM ${this.table} WHERE id IN (?)`,
      [ids],
    );
  }

  /**
   * Rows in webhook_events and their average size in bytes (InnoDB's estimate, after an
   * ANALYZE of the bench database's table so that it reflects the rows just added).
   */
  async webhookEvents(): Promise<{ rows: number; avgRowBytes: number }> {
    await this.query(`ANALYZE TABLE \`${this.options.dbName.replace(/`/g, '``')}\`.webhook_events`);
    const [count] = await this.query<RowDataPacket & { n: number }>(
      `SELECT COUNT(*) AS n FROM \`${this.options.dbName.replace(/`/g, '``')}\`.webhook_events`,
    );
    const [size] = await this.query<RowDataPacket & { avg: number }>(
      'SELECT avg_row_length AS avg FROM information_schema.tables WHERE table_schema = ? AND table_name = ?',
      [this.options.dbName, 'webhook_events'],
    );
    return { rows: Number(count.n), avgRowBytes: Number(size?.avg ?? 0) };
  }

  async versions(): Promise<{ mariadb: string; redis: string }> {
    const [row] = await this.query<RowDataPacket & { v: string }>('SELECT VERSION() AS v');
    const info = await this.redis.info('server');
    const redis = /redis_version:(\S+)/.exec(info)?.[1] ?? 'unknown';
    return { mariadb: row.v, redis };
  }

  /**
   * Empties the service's caches: deletes every key under the bench prefix (cached pages,
   * rate-limit state, the lot) except the listing generation, which it bumps and announces
   * as a catalog write does, so each instance also drops its in-process copies at once
   * (deleting the generation would leave them trusted until the next periodic re-read).
   */
  async flushPrefix(): Promise<number> {
    const generation = `${this.options.redisPrefix}${generationKey(PRODUCTS_CACHE_NAMESPACE)}`;
    let cursor = '0';
    let deleted = 0;
    do {
      const [next, found] = await this.redis.scan(
        cursor,
        'MATCH',
        `${this.options.redisPrefix}*`,
        'COUNT',
        1000,
      );
      cursor = next;
      const keys = found.filter((key) => key !== generation);
      if (keys.length > 0) {
        deleted += await this.redis.unlink(...keys);
      }
    } while (cursor !== '0');
    await this.redis.eval(
      BUMP_GENERATION_SCRIPT,
      1,
      generation,
      `${this.options.redisPrefix}${GENERATION_CHANNEL}`,
      PRODUCTS_CACHE_NAMESPACE,
      1,
      newGenerationId(),
    );
    return deleted;
  }

  async close(): Promise<void> {
    this.redis.disconnect();
    await this.db?.end();
  }
}

/** Data and indexes per product (1,000,000 products: 542 MiB), to size before seeding. */
const BYTES_PER_PRODUCT = 600;
/** Buffer pool sizes are whole multiples of this (the default chunk size is 128 MiB). */
const POOL_STEP_MB = 128;

export interface BufferPoolSizing {
  readonly fromMb: number;
  readonly toMb: number;
  readonly wantedMb: number;
  readonly catalogMb: number;
}

export interface CatalogFacts {
  /** Existing ids when they are not exactly 1..maxId; null when they are. */
  readonly ids: Uint32Array | null;
  readonly minPriceCents: number;
  readonly maxPriceCents: number;
  readonly maxId: number;
  readonly categories: readonly string[];
  readonly namePrefixes: readonly string[];
}
