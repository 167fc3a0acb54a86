import { DataSource } from 'typeorm';
import { ensureDatabase, runMigrationsLocked } from '../common/database/database-setup';
import { buildDataSourceOptions, ENTITIES_GLOB } from '../common/database/typeorm-options';
import { databaseConfig } from '../config/configuration';
import { loadDotEnvFile } from '../config/env.validation';

/**
 * For command-line tools: reads `.env` and the environment, creates the database when
 * missing, applies pending migrations and returns an initialized DataSource.
 */
export async function openMigratedDataSource(): Promise<DataSource> {
  loadDotEnvFile();
  const config = databaseConfig();
  await ensureDatabase(config);
  const dataSource = await new DataSource({
    ...buildDataSourceOptions(config),
    entities: [ENTITIES_GLOB],
  }).initialize();
  await runMigrationsLocked(dataSource);
  return dataSource;
}
