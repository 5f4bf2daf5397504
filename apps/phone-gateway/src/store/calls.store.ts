import type { Kysely, Selectable } from 'kysely';
import type { CallDecision, CallState, CallStatus, TranscriptTurn } from '@ai-ninja/contracts';
import type { PhoneGatewayDb } from './migrations.js';

export type CallRow = Selectable<PhoneGatewayDb['calls']>;

/** The calls phone-gateway has decided, and their states. */
export class CallsStore {
  constructor(private readonly db: Kysely<PhoneGatewayDb>) {}

  find(callId: string, db: Kysely<PhoneGatewayDb> = this.db): Promise<CallRow | undefined> {
    return db.selectFrom('calls').selectAll().where('call_id', '=', callId).executeTakeFirst();
  }

  async insert(row: CallRow, db: Kysely<PhoneGatewayDb> = this.db): Promise<void> {
    await db.insertInto('calls').values(row).execute();
  }

  /** Moves a call from `from` to `to`; false when another request moved it first. */
  async move(callId: string, from: CallState, to: CallState, changes: { turns?: TranscriptTurn[] } = {}, db: Kysely<PhoneGatewayDb> = this.db): Promise<boolean> {
    const now = new Date().toISOString();
    const result = await db
      .updateTable('calls')
      .set({
        state: to,
        updated_at: now,
        ...(to === 'completed' ? { completed_at: now } : {}),
        ...(changes.turns ? { turns: JSON.stringify(changes.turns) } : {}),
      })
      .where('call_id', '=', callId)
      .where('state', '=', from)
      .executeTakeFirst();
    return Number(result.numUpdatedRows) === 1;
  }

  async setTurns(callId: string, turns: TranscriptTurn[], db: Kysely<PhoneGatewayDb> = this.db): Promise<void> {
    await db.updateTable('calls').set({ turns: JSON.stringify(turns), updated_at: new Date().toISOString() }).where('call_id', '=', callId).execute();
  }

  /** A user's calls, newest first; the cursor is the last call's `created_at|call_id`. */
  async listByUser(userId: string, limit: number, cursor?: string): Promise<{ rows: CallRow[]; nextCursor?: string }> {
    let query = this.db.selectFrom('calls').selectAll().where('user_id', '=', userId);
    if (cursor) {
      const [createdAt, callId] = cursor.split('|') as [string, string];
      query = query.where((eb) => eb.or([eb('created_at', '<', createdAt), eb.and([eb('created_at', '=', createdAt), eb('call_id', '<', callId)])]));
    }
    const rows = await query.orderBy('created_at', 'desc').orderBy('call_id', 'desc').limit(limit + 1).execute();
    const page = rows.slice(0, limit);
    const last = page.at(-1);
    return rows.length > limit && last ? { rows: page, nextCursor: `${last.created_at}|${last.call_id}` } : { rows: page };
  }
}

/** A call as the API shows it. */
export function toCallStatus(row: CallRow): CallStatus {
  return {
    callId: row.call_id,
    ...(row.user_id ? { userId: row.user_id } : {}),
    from: row.from_phone,
    to: row.to_phone,
    state: row.state as CallState,
    decision: row.decision as CallDecision,
    reasons: JSON.parse(row.reasons) as string[],
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}
