import { DataSource } from 'typeorm';
import { ensureDatabase, runMigrationsLocked } from '../common/database/database-setup';
import { buildDataSourceOptions } from '../common/database/typeorm-options';
import { databaseConfig } from '../config/configuration';
import { EnvValidationError, loadDotEnvFile } from '../config/env.validation';

/** `npm run migration:run` (apply pending) and `npm run migration:revert` (undo the last). */
async function main(): Promise<void> {
  loadDotEnvFile();
  const config = databaseConfig();
  await ensureDatabase(config);
  const dataSource = await new DataSource(buildDataSourceOptions(config)).initialize();
  try {
    if (process.argv.includes('--revert')) {
      await dataSource.undoLastMigration({ transaction: 'each' });
      console.log('Reverted the last migration');
      return;
    }
    const applied = await runMigrationsLocked(dataSource);
    console.log(applied.length > 0 ? `Applied: ${applied.join(', ')}` : 'No pending migrations');
  } finally {
    await dataSource.destroy();
  }
}

main().catch((error: unknown) => {
  const message = error instanceof EnvValidationError ? error.message : String(error);
  console.error(`Migration failed: ${message}`);
  process.exit(1);
});
