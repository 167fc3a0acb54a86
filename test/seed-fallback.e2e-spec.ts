import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { createConnection, type Connection, type RowDataPacket } from 'mysql2/promise';
import { generateProduct } from '../src/products/seed/catalog-generator';
import { LISTING_INDEXES } from '../src/products/seed/catalog-seeder';
import { producerOf } from '../src/products/seed/producer-generator';
import { startScratchMariaDb, type ScratchMariaDb } from './support/scratch-mariadb';
import { deleteRedisKeys } from './support/test-env';

/**
 * The seeder against a server that refuses LOAD DATA LOCAL INFILE, as MySQL 8 does by
 * default: a private mariadbd started with --local-infile=0. It must fall back to batched
 * INSERTs, say so, and leave exactly the catalog LOAD DATA would have left.
 */
jest.setTimeout(180_000);

const SEEDER = join(__dirname, '..', 'dist', 'src', 'cli', 'seed.js');
const FIRST = 60_000;
const SECOND = 61_500;

describe('seeding when the server refuses LOAD DATA LOCAL INFILE', () => {
  let server: ScratchMariaDb;
  let db: Connection;
  const dbName = `fl_seed_${randomBytes(4).toString('hex')}`;
  const redisPrefix = `fl_test:seed_${randomBytes(4).toString('hex')}:`;

  beforeAll(async () => {
    server = await startScratchMariaDb(['--local-infile=0']);
  });

  afterAll(async () => {
    await db?.end();
    await server?.stop();
    await deleteRedisKeys(redisPrefix);
  });

  async function seed(count: number): Promise<{ code: number | null; output: string }> {
    const child = spawn(process.execPath, [SEEDER, '--count', String(count)], {
      cwd: join(__dirname, '..'),
      env: {
        ...process.env,
        NODE_ENV: 'test',
        DB_HOST: server.host,
        DB_PORT: String(server.port),
        DB_USER: 'root',
        DB_PASSWORD: '',
        DB_NAME: dbName,
        DB_TYPE: 'mariadb',
        REDIS_KEY_PREFIX: redisPrefix,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    const [code] = (await once(child, 'exit')) as [number | null];
    return { code, output };
  }

  async function rows(sql: string, params: unknown[] = []): Promise<RowDataPacket[]> {
    const [result] = await db.query<RowDataPacket[]>(sql, params);
    return result;
  }

  it('falls back to batched INSERTs, says so, and loads every product exactly once', async () => {
    const first = await seed(FIRST);
    expect(first).toMatchObject({ code: 0 });
    expect(first.output).toContain('refuses LOAD DATA LOCAL INFILE');
    const progress = first.output.split('\n').filter((line) => /^seed: [\d,]+\/[\d,]+ /.test(line));
    expect(progress.length).toBeGreaterThan(0);
    for (const line of progress) {
      expect(line).toContain('batched INSERT');
      expect(line).not.toMatch(/rows\/s/);
    }
    // One rate, in the summary only.
    expect(first.output.match(/rows\/s/g)).toHaveLength(1);
    expect(first.output).toMatch(
      /seed: inserted 60,000 products in [\d.]+ s \([\d,]+ rows\/s\) with batched INSERT/,
    );

    db = await createConnection({
      host: server.host,
      port: server.port,
      user: 'root',
      database: dbName,
      dateStrings: true,
    });
    const [summary] = await rows(
      'SELECT COUNT(*) AS n, COUNT(DISTINCT sku) AS skus, MIN(id) AS lo, MAX(id) AS hi FROM products',
    );
    expect(summary).toEqual({ n: FIRST, skus: FIRST, lo: 1, hi: FIRST });
    for (const n of [1, 2_000, 2_001, 50_000, 50_001, FIRST]) {
      const expected = generateProduct(n);
      const [row] = await rows(
        'SELECT id, sku, name, description, category, price, stock, created_at, producer_id ' +
          'FROM products WHERE id = ?',
        [n],
      );
      expect(row).toEqual({
        id: n,
        sku: expected.sku,
        name: expected.name,
        description: expected.description,
        category: expected.category,
        price: expected.price,
        stock: expected.stock,
        created_at: expected.createdAt,
        producer_id: producerOf(n),
      });
    }
    // The listing indexes dropped for the bulk load are back.
    const indexes = new Set(
      (await rows('SHOW INDEX FROM products')).map((row) => row.Key_name as string),
    );
    expect(Object.keys(LISTING_INDEXES).filter((name) => !indexes.has(name))).toEqual([]);
  });

  it('resumes where it stopped and is idempotent for a given count', async () => {
    const second = await seed(SECOND);
    expect(second).toMatchObject({ code: 0 });
    expect(second.output).toMatch(/seed: inserted 1,500 products .* with batched INSERT/);
    const [summary] = await rows(
      'SELECT COUNT(*) AS n, COUNT(DISTINCT sku) AS skus, MAX(id) AS hi FROM products',
    );
    expect(summary).toEqual({ n: SECOND, skus: SECOND, hi: SECOND });

    const again = await seed(SECOND);
    expect(again).toMatchObject({ code: 0 });
    expect(again.output).toContain('all 61,500 products already present');
  });
});
