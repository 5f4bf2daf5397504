import type { Kysely } from 'kysely';
import type { Migrations } from '@ai-ninja/data';

/** phone-gateway's tables. */
export interface PhoneGatewayDb {
  calls: {
    call_id: string;
    user_id: string | null;
    from_phone: string;
    to_phone: string;
    state: string;
    decision: string;
    /** JSON array of strings. */
    reasons: string;
    personality: string | null;
    /** The name the AI may use for the user (their preference), passed on in the call token. */
    user_name: string | null;
    provider: string | null;
    decision_ms: number;
    /** JSON array of transcript turns, once the AI conversation ended. */
    turns: string | null;
    created_at: string;
    updated_at: string;
    completed_at: string | null;
  };
}

export const migrations: Migrations = {
  '001_calls': {
    async up(db: Kysely<unknown>) {
      await db.schema
        .createTable('calls')
        .addColumn('call_id', 'text', (c) => c.primaryKey())
        .addColumn('user_id', 'text')
        .addColumn('from_phone', 'text', (c) => c.notNull())
        .addColumn('to_phone', 'text', (c) => c.notNull())
        .addColumn('state', 'text', (c) => c.notNull())
        .addColumn('decision', 'text', (c) => c.notNull())
        .addColumn('reasons', 'text', (c) => c.notNull())
        .addColumn('personality', 'text')
        .addColumn('provider', 'text')
        .addColumn('decision_ms', 'double precision', (c) => c.notNull())
        .addColumn('turns', 'text')
        .addColumn('created_at', 'text', (c) => c.notNull())
        .addColumn('updated_at', 'text', (c) => c.notNull())
        .addColumn('completed_at', 'text')
        .execute();
      await db.schema.createIndex('calls_by_user').on('calls').columns(['user_id', 'created_at']).execute();
    },
  },
  '002_calls_user_name': {
    async up(db: Kysely<unknown>) {
      await db.schema.alterTable('calls').addColumn('user_name', 'text').execute();
    },
  },
};
