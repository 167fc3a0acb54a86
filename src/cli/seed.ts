import Redis from 'ioredis';
import { createConnection } from 'mysql2/promise';
import { parseArgs } from 'node:util';
import { databaseConfig, redisConfig } from '../config/configuration';
import { EnvValidationError } from '../config/env.validation';
import { GENERATION_CHANNEL, generationKey } from '../products/listing-cache/cache-layout';
import { BUMP_GENERATION_SCRIPT, newGenerationId } from '../products/listing-cache/generation';
import { PRODUCTS_CACHE_NAMESPACE } from '../products/products.constants';
import { LOAD_METHOD_LABELS } from '../products/seed/catalog-loader';
import { isCatalogEmpty, seedCatalog } from '../products/seed/catalog-seeder';
import { openMigratedDataSource } from './cli-database';

const USAGE = 'usage: npm run seed -- --count N [--if-empty]';
const MAX_COUNT = 50_000_000;

function parseCount(): { count: number; ifEmpty: boolean } {
  const { values } = parseArgs({
    options: { count: { type: 'string', default: '100000' }, 'if-empty': { type: 'boolean' } },
  });
  const count = Number(values.count);
  if (!Number.isInteger(count) || count < 1 || count > MAX_COUNT) {
    throw new Error(`--count must be an integer from 1 to ${MAX_COUNT}\n${USAGE}`);
  }
  return { count, ifEmpty: values['if-empty'] === true };
}

/** Makes running services drop cached listings (best effort: the seed stands without it). */
async function invalidateListings(): Promise<void> {
  const config = redisConfig();
  const redis = new Redis(config.url, {
    keyPrefix: config.keyPrefix,
    lazyConnect: true,
    maxRetriesPerRequest: 0,
    connectTimeout: 2_000,
    retryStrategy: () => null,
  });
  try {
    await redis.connect();
    // As a catalog write does (ResponseCache): bump and announce in one script, so
    // instances drop their in-process pages at once.
    await redis.eval(
      BUMP_GENERATION_SCRIPT,
      1,
      generationKey(PRODUCTS_CACHE_NAMESPACE),
      `${config.keyPrefix}${GENERATION_CHANNEL}`,
      PRODUCTS_CACHE_NAMESPACE,
      1,
      newGenerationId(),
    );
  } catch (error) {
    console.warn(`seed: could not invalidate cached listings: ${(error as Error).message}`);
  } finally {
    redis.disconnect();
  }
}

/** `npm run seed -- --count N [--if-empty]`: the demo catalog, idempotent for a given N. */
async function main(): Promise<void> {
  const { count, ifEmpty } = parseCount();
  const dataSource = await openMigratedDataSource();
  await dataSource.destroy();
  const config = databaseConfig();
  const db = await createConnection({
    host: config.host,
    port: config.port,
    user: config.username,
    password: config.password,
    database: config.database,
    charset: 'utf8mb4_unicode_ci',
    timezone: 'Z',
  });
  try {
    if (ifEmpty && !(await isCatalogEmpty(db))) {
      console.log('seed: products already present, nothing to do (--if-empty)');
      return;
    }
    const report = await seedCatalog(db, count, (line) => console.log(line));
    if (report.inserted > 0 || report.producers > 0 || report.backfilled > 0) {
      await invalidateListings();
    }
    if (report.producers > 0) {
      console.log(`seed: inserted ${report.producers.toLocaleString('en')} producers`);
    }
    console.log(
      report.inserted === 0
        ? `seed: all ${count.toLocaleString('en')} products already present`
        : `seed: inserted ${report.inserted.toLocaleString('en')} products in ` +
            `${report.seconds.toFixed(1)} s (${report.rowsPerSecond.toLocaleString('en')} rows/s) ` +
            `with ${LOAD_METHOD_LABELS[report.method]}`,
    );
  } finally {
    await db.end();
  }
}

main().catch((error: unknown) => {
  const message = error instanceof EnvValidationError ? error.message : (error as Error).message;
  console.error(`seed failed: ${message}`);
  process.exit(1);
});
