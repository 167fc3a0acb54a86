import { randomBytes } from 'node:crypto';
import Redis from 'ioredis';
import { createConnection } from 'mysql2/promise';

/** Settings every test app and spawned service shares, before per-test overrides. */
export interface TestEnv {
  readonly dbName: string;
  readonly redisPrefix: string;
  /** Environment for the app under test (also applied to process.env by createTestEnv). */
  readonly vars: Record<string, string>;
  /** Drops the database and deletes every Redis key under the prefix. */
  cleanup(): Promise<void>;
}

const DB_HOST = process.env.TEST_DB_HOST ?? '127.0.0.1';
const DB_PORT = Number(process.env.TEST_DB_PORT ?? 3306);
const DB_USER = process.env.TEST_DB_USER ?? 'root';
const DB_PASSWORD = process.env.TEST_DB_PASSWORD ?? '';
const REDIS_URL = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379/0';

/**
 * Gives the calling test file its own database and Redis key prefix, and points
 * process.env at them. The database is created (and migrated) by the app itself on
 * start, exactly as in production; `cleanup()` removes both.
 */
export function createTestEnv(overrides: Record<string, string> = {}): TestEnv {
  const id = `${process.pid}_${randomBytes(4).toString('hex')}`;
  const dbName = `fl_test_${id}`;
  const redisPrefix = `fl_test:${id}:`;
  const vars: Record<string, string> = {
    NODE_ENV: 'test',
    LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? 'silent',
    DB_HOST,
    DB_PORT: String(DB_PORT),
    DB_USER,
    DB_PASSWORD,
    DB_NAME: dbName,
    DB_TYPE: process.env.TEST_DB_TYPE ?? 'mariadb',
    DB_MIGRATE_ON_START: 'true',
    REDIS_URL,
    REDIS_KEY_PREFIX: redisPrefix,
    ...overrides,
  };
  Object.assign(process.env, vars);
  return {
    dbName,
    redisPrefix,
    vars,
    cleanup: async () => {
      await dropDatabase(dbName);
      await deleteRedisKeys(redisPrefix);
    },
  };
}

export async function dropDatabase(dbName: string): Promise<void> {
  const connection = await createConnection({
    host: DB_HOST,
    port: DB_PORT,
    user: DB_USER,
    password: DB_PASSWORD,
  });
  try {
    await connection.query(`DROP DATABASE IF EXISTS \`${dbName}\``);
  } finally {
    await connection.end();
  }
}

export async function deleteRedisKeys(prefix: string): Promise<void> {
  const redis = new Redis(REDIS_URL, { lazyConnect: true, maxRetriesPerRequest: 1 });
  try {
    await redis.connect();
    let cursor = '0';
    do {
      const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 1000);
      cursor = next;
      if (keys.length > 0) {
        await redis.unlink(...keys);
      }
    } while (cursor !== '0');
  } finally {
    redis.disconnect();
  }
}

/** A raw Redis client without key prefix, for assertions on what the service stored. */
export function rawRedis(): Redis {
  return new Redis(REDIS_URL, { maxRetriesPerRequest: 1 });
}

/** A mysql2 connection to the test database, for assertions and fixtures. */
export function connectTestDb(dbName: string) {
  return createConnection({
    host: DB_HOST,
    port: DB_PORT,
    user: DB_USER,
    password: DB_PASSWORD,
    database: dbName,
    supportBigNumbers: true,
    bigNumberStrings: false,
    multipleStatements: true,
  });
}
