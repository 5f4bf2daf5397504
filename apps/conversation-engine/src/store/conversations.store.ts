import type { Kysely } from 'kysely';
import { isUniqueViolation } from '@ai-ninja/data';
import type { ConversationState } from '@ai-ninja/dialogue';
import type { ConversationDb } from './migrations.js';

/** A stored conversation, with the version its next write must replace. */
export interface StoredConversation {
  readonly userId: string;
  readonly state: ConversationState;
  readonly version: number;
}

export class ConversationsStore {
  constructor(private readonly db: Kysely<ConversationDb>) {}

  async find(callId: string): Promise<StoredConversation | undefined> {
    const row = await this.db.selectFrom('conversations').select(['user_id', 'state', 'version']).where('call_id', '=', callId).executeTakeFirst();
    return row && { userId: row.user_id, state: JSON.parse(row.state) as ConversationState, version: row.version };
  }

  /**
   * Writes a call's state: inserts version 1 for a new call, else replaces `expectedVersion`. False when another
   * write got there first (the caller retries on the newer state).
   */
  async save(callId: string, userId: string, state: ConversationState, expectedVersion: number | undefined): Promise<boolean> {
    const now = new Date().toISOString();
    if (expectedVersion === undefined) {
      try {
        await this.db.insertInto('conversations').values({ call_id: callId, user_id: userId, state: JSON.stringify(state), version: 1, created_at: now, updated_at: now }).execute();
        return true;
      } catch (error) {
        if (isUniqueViolation(error)) return false;
        throw error;
      }
    }
    const result = await this.db
      .updateTable('conversations')
      .set({ state: JSON.stringify(state), version: expectedVersion + 1, updated_at: now })
      .where('call_id', '=', callId)
      .where('version', '=', expectedVersion)
      .executeTakeFirst();
    return Number(result.numUpdatedRows) === 1;
  }
}
