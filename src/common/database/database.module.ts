import { Logger, Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { databaseConfig, DatabaseConfig } from '../../config/configuration';
import { boundedMysql2, databaseBoundsOf } from './bounded-mysql2';
import { DatabaseEvents, DatabaseEventsModule } from './database-events';
import { ensureDatabase, runMigrationsLocked } from './database-setup';
import { buildDataSourceOptions } from './typeorm-options';
import { UnitOfWork } from './unit-of-work';

/**
 * MySQL/MariaDB through TypeORM: creates the database when missing and, with
 * DB_MIGRATE_ON_START, applies pending migrations before the app serves anything. Every
 * wait for the database is bounded (bounded-mysql2.ts); the query bound is switched on
 * after the migrations; what it observes goes out as DatabaseEvents. Exports the
 * UnitOfWork, the one way to run a transaction across repositories.
 */
@Module({
  imports: [
    DatabaseEventsModule,
    TypeOrmModule.forRootAsync({
      imports: [DatabaseEventsModule],
      inject: [databaseConfig.KEY, DatabaseEvents],
      useFactory: (config: DatabaseConfig, events: DatabaseEvents) => ({
        ...buildDataSourceOptions(config),
        // No query bound until the migrations are done (DDL on a big table takes long).
        driver: boundedMysql2(
          { acquireTimeoutMs: config.acquireTimeoutMs, queryTimeoutMs: 0 },
          events.emit,
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
  providers: [UnitOfWork],
  exports: [UnitOfWork, DatabaseEventsModule],
})
export class DatabaseModule {}
