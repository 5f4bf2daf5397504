import type { TestDatabase } from '@ai-ninja/data/testing';
import { createLogger, type RunningService } from '@ai-ninja/service-kit';
import { testConfig } from '@ai-ninja/service-kit/testing';
import { createApp } from '../src/app.js';
import { configSchema } from '../src/config.js';
import { openAnalyticsDatabase } from '../src/store/database.js';

/** Starts profile-analytics on port 0 over `db`, the way main.ts does. */
export async function startProfileAnalytics(db: TestDatabase, env: Record<string, string>): Promise<RunningService> {
  const config = testConfig(configSchema, { ...env, ...db.env });
  const logger = createLogger({ service: 'profile-analytics', level: 'silent' });
  const database = await openAnalyticsDatabase(config, logger);
  return createApp({ config, version: 'test', database, logger }).listen();
}
