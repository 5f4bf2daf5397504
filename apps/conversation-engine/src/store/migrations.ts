import type { Kysely } from 'kysely';
import type { Migrations } from '@ai-ninja/data';

/** conversation-engine's tables: one row per call, its whole dialogue state as JSON. */
export interface ConversationDb {
  conversations: {
    call_id: string;
    user_id: string;
    /** The Conversation's state (libs/dialogue), JSON. */
    state: string;
    /** Bumped on every write: two writers of one call never overwrite each other. */
    version: number;
    created_at: string;
    updated_at: string;
  };
}

export const migrations: Migrations = {
  '001_conversations': {
    async up(db: Kysely<unknown>) {
      await db.schema
        .createTable('conversations')
        .addColumn('call_id', 'text', (c) => c.primaryKey())
        .addColumn('user_id', 'text', (c) => c.notNull())
        .addColumn('state', 'text', (c) => c.notNull())
        .addColumn('version', 'integer', (c) => c.notNull())
        .addColumn('created_at', 'text', (c) => c.notNull())
        .addColumn('updated_at', 'text', (c) => c.notNull())
        .execute();
    },
  },
};
