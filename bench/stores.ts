import Redis from 'ioredis';
import { Connection, createConnection, RowDataPacket } from 'mysql2/promise';
import type { BenchOptions } from './options';

/** Direct access to the bench database and Redis prefix (setup and facts, never load). */
export class Stores {
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

  /** InnoDB pages read from disk so far (server-wide: buffer pool misses). */
  async innodbDiskReads(): Promise<number> {
    const [row] = await this.query<RowDataPacket & { Value: string }>(
      "SHOW GLOBAL STATUS LIKE 'Innodb_buffer_pool_reads'",
    );
    return Number(row.Value);
  }

  async versions(): Promise<{ mariadb: string; redis: string }> {
    const [row] = await this.query<RowDataPacket & { v: string }>('SELECT VERSION() AS v');
    const info = await this.redis.info('server');
    const redis = /redis_version:(\S+)/.exec(info)?.[1] ?? 'unknown';
    return { mariadb: row.v, redis };
  }

  /** Deletes every key under the bench prefix: listing cache, rate-limit logs, the lot. */
  async flushPrefix(): Promise<number> {
    let cursor = '0';
    let deleted = 0;
    do {
      const [next, keys] = await this.redis.scan(
        cursor,
        'MATCH',
        `${this.options.redisPrefix}*`,
        'COUNT',
        1000,
      );
      cursor = next;
      if (keys.length > 0) {
        deleted += await this.redis.unlink(...keys);
      }
    } while (cursor !== '0');
    return deleted;
  }

  async close(): Promise<void> {
    this.redis.disconnect();
    await this.db?.end();
  }
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
