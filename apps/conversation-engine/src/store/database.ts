import { openDatabase, type Database } from '@ai-ninja/data';
import type { Logger } from '@ai-ninja/service-kit';
import type { Config } from '../config.js';
import { migrations, type ConversationDb } from './migrations.js';

/** conversation-engine's database: `<DATA_DIR>/conversation-engine.sqlite`, or PostgreSQL when DATABASE_URL is set. */
export function openConversationDatabase(config: Config, logger: Logger): Promise<Database<ConversationDb>> {
  return openDatabase<ConversationDb>({ service: 'conversation-engine', config, migrations, logger });
}
