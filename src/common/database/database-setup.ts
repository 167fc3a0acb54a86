import { createConnection } from 'mysql2/promise';
import type { DataSource } from 'typeorm';
import type { DatabaseConfig } from '../../config/configuration';
import { withNamedLock } from './named-lock';

const MIGRATION_LOCK = 'farmlokal_migrations';
const MIGRATION_LOCK_TIMEOUT_S = 60;

/** Creates the configured database when it does not exist yet. */
export async function ensureDatabase(config: DatabaseConfig): Promise<void> {
  const connection = await createConnection({
    host: config.host,
    port: config.port,
    user: config.username,
    password: config.password,
    connectTimeout: 5_000,
  });
  try {
    const name = config.database.replaceAll('`', '``');
    await connection.query(
      `CREATE DATABASE IF NOT EXISTS \`${name}\` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci`,
    );
  } finally {
    await connection.end();
  }
}

/**
 * Runs pending migrations under a MySQL named lock, so several instances starting at once
 * migrate one after another instead of racing on the same DDL.
 */
export async function runMigrationsLocked(dataSource: DataSource): Promise<string[]> {
  return withNamedLock(dataSource, MIGRATION_LOCK, MIGRATION_LOCK_TIMEOUT_S, async () => {
    const applied = await dataSource.runMigrations({ transaction: 'each' });
    return applied.map((m) => m.name);
  });
}
