import { openDatabase, type Database } from '@ai-ninja/data';
import type { Logger } from '@ai-ninja/service-kit';
import type { Config } from '../config.js';
import { migrations } from './migrations.js';
import type { AnalyticsDb } from './schema.js';

/** profile-analytics's database: `<DATA_DIR>/profile-analytics.sqlite`, or PostgreSQL with DATABASE_URL; migrated. */
export function openAnalyticsDatabase(config: Config, logger: Logger): Promise<Database<AnalyticsDb>> {
  return openDatabase<AnalyticsDb>({ service: 'profile-analytics', config, migrations, logger });
}
