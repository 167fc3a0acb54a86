import { join } from 'node:path';
import type { DataSourceOptions } from 'typeorm';
import type { DatabaseConfig } from '../../config/configuration';

const ROOT = join(__dirname, '..', '..', '..');

/** Migration files: `migrations/*.ts` from source, `dist/migrations/*.js` when built. */
export const MIGRATIONS_GLOB = join(ROOT, 'migrations', '*.{ts,js}');
export const ENTITIES_GLOB = join(ROOT, 'src', '**', '*.entity.{ts,js}');

/**
 * TypeORM options shared by the application and the CLI. `type` follows DB_TYPE because
 * TypeORM's `mysql` driver misreads MariaDB's catalog (phantom diffs that drop columns).
 */
export function buildDataSourceOptions(config: DatabaseConfig): DataSourceOptions {
  const credentials = {
    host: config.host,
    port: config.port,
    username: config.username,
    password: config.password,
    database: config.database,
  };
  const replication =
    config.readHosts.length > 0
      ? {
          replication: {
            master: credentials,
            slaves: config.readHosts.map((replica) => ({ ...credentials, ...replica })),
          },
        }
      : credentials;
  return {
    type: config.type,
    connectorPackage: 'mysql2',
    ...replication,
    charset: 'utf8mb4_unicode_ci',
    timezone: 'Z',
    synchronize: false,
    migrationsRun: false,
    migrations: [MIGRATIONS_GLOB],
    migrationsTableName: 'migrations',
    poolSize: config.poolSize,
    extra: {
      connectionLimit: config.poolSize,
      enableKeepAlive: true,
      connectTimeout: config.connectTimeoutMs,
    },
    // Failures surface as exceptions; the error filter logs the unexpected ones once.
    logging: false,
  };
}
