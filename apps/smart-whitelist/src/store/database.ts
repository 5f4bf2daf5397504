import { openDatabase, type Database } from '@ai-ninja/data';
import type { Logger } from '@ai-ninja/service-kit';
import type { Config } from '../config.js';
import { migrations } from './migrations.js';
import type { WhitelistDb } from './schema.js';

/** smart-whitelist's database: `<DATA_DIR>/smart-whitelist.sqlite`, or PostgreSQL with DATABASE_URL; migrated. */
export function openWhitelistDatabase(config: Config, logger: Logger): Promise<Database<WhitelistDb>> {
  return openDatabase<WhitelistDb>({ service: 'smart-whitelist', config, migrations, logger });
}
