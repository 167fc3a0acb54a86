import { DataSource } from 'typeorm';
import { buildDataSourceOptions, ENTITIES_GLOB } from '../common/database/typeorm-options';
import { databaseConfig } from '../config/configuration';
import { loadDotEnvFile } from '../config/env.validation';

loadDotEnvFile();

/** The DataSource the TypeORM CLI uses (`npm run migration:generate -- migrations/Name`). */
export default new DataSource({
  ...buildDataSourceOptions(databaseConfig()),
  entities: [ENTITIES_GLOB],
});
