import { Logger, Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { databaseConfig, DatabaseConfig } from '../../config/configuration';
import { MetricsService } from '../../metrics/metrics.service';
import { boundedMysql2, databaseBoundsOf } from './bounded-mysql2';
import { ensureDatabase, runMigrationsLocked } from './database-setup';
import { buildDataSourceOptions } from './typeorm-options';

/**
 * MySQL/MariaDB through TypeORM: creates the database when missing and, with
 * DB_MIGRATE_ON_START, applies pending migrations before the app serves anything. Every
 * wait for the database is bounded (bounded-mysql2.ts); the query bound is switched on
 * after the migrations.
 */
@Module({
  imports: [
    TypeOrmModule.forRootAsync({
      inject: [databaseConfig.KEY, MetricsService],
      useFactory: (config: DatabaseConfig, metrics: MetricsService) => ({
        ...buildDataSourceOptions(config),
        // No query bound until the migrations are done (DDL on a big table takes long).
        driver: boundedMysql2(
          { acquireTimeoutMs: config.acquireTimeoutMs, queryTimeoutMs: 0 },
          (event, reason) => metrics.recordDatabase(event, reason),
        ),
        autoLoadEntities: true,
        entities: [],
        retryAttempts: 3,
        retryDelay: 1_000,
      }),
      dataSourceFactory: async (options) => {
        const config = databaseConfig();
        await ensureDatabase(config);
        const dataSource = await new DataSource(options!).initialize();
        if (config.migrateOnStart) {
          const applied = await runMigrationsLocked(dataSource);
          if (applied.length > 0) {
            new Logger('Database').log(`Applied migrations: ${applied.join(', ')}`);
          }
        }
        const bounds = databaseBoundsOf((options as { driver?: unknown }).driver);
        if (bounds) {
          bounds.queryTimeoutMs = config.queryTimeoutMs;
        }
        return dataSource;
      },
    }),
  ],
})
export class DatabaseModule {}
