import { openDatabase, type Database } from '@ai-ninja/data';
import type { Logger } from '@ai-ninja/service-kit';
import type { Config } from '../config.js';
import { migrations, type ConfigurationDb } from './schema.js';

/** configuration's database: `<DATA_DIR>/configuration.sqlite`, or PostgreSQL when DATABASE_URL is set; migrated. */
export function openConfigurationDatabase(config: Config, logger: Logger): Promise<Database<ConfigurationDb>> {
  return openDatabase<ConfigurationDb>({ service: 'configuration', config, migrations, logger });
}
