import type { Kysely } from 'kysely';
import type { CallerCategory, CallOutcome } from '@ai-ninja/contracts';
import { toNumber } from '@ai-ninja/data';
import type { AnalyticsDb, CallRow, ProfileRow } from './schema.js';

/** profile-analytics's persistence, the same on SQLite and PostgreSQL. */
export class AnalyticsStore {
  constructor(
    private readonly db: Kysely<AnalyticsDb>,
    private readonly dialect: 'sqlite' | 'postgres',
  ) {}

  /** Runs `work` in one transaction with a store bound to it (SQLite serialises transactions by itself). */
  transaction<T>(work: (store: AnalyticsStore) => Promise<T>): Promise<T> {
    return this.db.transaction().execute((trx) => work(new AnalyticsStore(trx, this.dialect)));
  }

  getProfile(phone: string): Promise<ProfileRow | undefined> {
    return this.db.selectFrom('caller_profiles').selectAll().where('phone', '=', phone).executeTakeFirst();
  }

  /**
   * The profile, locked until the transaction ends (PostgreSQL: `for update`, so two updates of one number apply one
   * after the other; SQLite has one writer at a time already). Call inside {@link transaction}.
   */
  async lockProfile(phone: string): Promise<ProfileRow | undefined> {
    const query = this.db.selectFrom('caller_profiles').selectAll().where('phone', '=', phone);
    return (this.dialect === 'postgres' ? query.forUpdate() : query).executeTakeFirst();
  }

  /** Creates the profile unless another request just did (then the caller locks and reads it). */
  async insertProfileIfMissing(row: ProfileRow): Promise<void> {
    await this.db
      .insertInto('caller_profiles')
      .values(row)
      .onConflict((oc) => oc.column('phone').doNothing())
      .execute();
  }

  async saveProfile(row: ProfileRow): Promise<void> {
    const { phone, ...fields } = row;
    await this.db.updateTable('caller_profiles').set(fields).where('phone', '=', phone).execute();
  }

  /**
   * Records that event `id` is applied; false when it was already (on PostgreSQL a concurrent twin waits for the
   * first to commit, then finds it).
   */
  async markProcessed(id: string, now: string): Promise<boolean> {
    const result = await this.db
      .insertInto('processed_events')
      .values({ id, processed_at: now })
      .onConflict((oc) => oc.column('id').doNothing())
      .executeTakeFirst();
    return Number(result.numInsertedOrUpdatedRows ?? 0n) > 0;
  }

  getCall(callId: string): Promise<CallRow | undefined> {
    return this.db.selectFrom('calls').selectAll().where('call_id', '=', callId).executeTakeFirst();
  }

  async insertCall(row: CallRow): Promise<void> {
    await this.db.insertInto('calls').values(row).execute();
  }

  /** A user's calls from day `from` to day `to`, counted by day, category and outcome. */
  async countCalls(userId: string, from: string, to: string): Promise<Array<{ day: string; category: CallerCategory; outcome: CallOutcome; n: number }>> {
    const rows = await this.db
      .selectFrom('calls')
      .select(['day', 'category', 'outcome', (eb) => eb.fn.countAll<number | string>().as('n')])
      .where('user_id', '=', userId)
      .where('day', '>=', from)
      .where('day', '<=', to)
      .groupBy(['day', 'category', 'outcome'])
      .execute();
    return rows.map((row) => ({ ...row, n: toNumber(row.n) }));
  }
}
