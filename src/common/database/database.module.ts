import { Logger, Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { databaseConfig, DatabaseConfig } from '../../config/configuration';
import { ensureDatabase, runMigrationsLocked } from './database-setup';
import { buildDataSourceOptions } from './typeorm-options';
import { UnitOfWork } from './unit-of-work';

/**
 * MySQL/MariaDB through TypeORM: creates the database when missing and, with
 * DB_MIGRATE_ON_START, applies pending migrations before the app serves anything.
 * Exports the UnitOfWork, the one way to run a transaction across repositories.
 */
@Module({
  imports: [
    TypeOrmModule.forRootAsync({
      inject: [databaseConfig.KEY],
      useFactory: (config: DatabaseConfig) => ({
        ...buildDataSourceOptions(config),
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
        return dataSource;
      },
    }),
  ],
  providers: [UnitOfWork],
  exports: [UnitOfWork],
})
export class DatabaseModule {}
