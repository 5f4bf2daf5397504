import { openDatabase, type Database } from '@ai-ninja/data';
import type { Logger } from '@ai-ninja/service-kit';
import type { Config } from '../config.js';
import { migrations, type PhoneGatewayDb } from './migrations.js';

/** phone-gateway's database: `<DATA_DIR>/phone-gateway.sqlite`, or PostgreSQL when DATABASE_URL is set; migrated. */
export function openPhoneGatewayDatabase(config: Config, logger: Logger): Promise<Database<PhoneGatewayDb>> {
  return openDatabase<PhoneGatewayDb>({ service: 'phone-gateway', config, migrations, logger });
}
