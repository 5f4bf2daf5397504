import { sql, type Kysely } from 'kysely';
import { toNumber } from '@ai-ninja/data';
import type { WhitelistEntryType } from '@ai-ninja/contracts';
import type { EntryRow, OutboxRow, WhitelistDb } from './schema.js';

/** Rows are written this many at a time: well under SQLite's limit of bound variables per statement. */
const CHUNK = 500;

/** One page of a user's entries. */
export interface EntryPage {
  readonly rows: EntryRow[];
  readonly total: number;
}

/** smart-whitelist's persistence: entries, rules and the profile outbox, the same on SQLite and PostgreSQL. */
export class WhitelistStore {
  constructor(private readonly db: Kysely<WhitelistDb>) {}

  /** Runs `work` in one transaction, with a store bound to it. */
  transaction<T>(work: (store: WhitelistStore) => Promise<T>): Promise<T> {
    return this.db.transaction().execute((trx) => work(new WhitelistStore(trx)));
  }

  /** A page ordered by phone number (the primary key: stable under inserts), after `afterPhone` or at `offset`. */
  async listEntries(userId: string, options: { limit: number; afterPhone?: string; offset?: number; type?: WhitelistEntryType }): Promise<EntryPage> {
    let query = this.db.selectFrom('whitelist_entries').where('user_id', '=', userId);
    if (options.type) query = query.where('type', '=', options.type);
    const { n } = await query.select((eb) => eb.fn.countAll<number | string>().as('n')).executeTakeFirstOrThrow();
    let page = query.selectAll().orderBy('phone').limit(options.limit);
    if (options.afterPhone !== undefined) page = page.where('phone', '>', options.afterPhone);
    if (options.offset) page = page.offset(options.offset);
    return { rows: await page.execute(), total: toNumber(n) };
  }

  getEntry(userId: string, phone: string): Promise<EntryRow | undefined> {
    return this.db.selectFrom('whitelist_entries').selectAll().where('user_id', '=', userId).where('phone', '=', phone).executeTakeFirst();
  }

  /** Inserts the entry, or replaces every field but `created_at` of the one the number has. */
  async putEntry(row: EntryRow): Promise<void> {
    const { user_id: _user, phone: _phone, created_at: _created, ...changes } = row;
    await this.db
      .insertInto('whitelist_entries')
      .values(row)
      .onConflict((oc) => oc.columns(['user_id', 'phone']).doUpdateSet(changes))
      .execute();
  }

  async deleteEntry(userId: string, phone: string, type?: WhitelistEntryType): Promise<boolean> {
    let query = this.db.deleteFrom('whitelist_entries').where('user_id', '=', userId).where('phone', '=', phone);
    if (type) query = query.where('type', '=', type);
    const result = await query.executeTakeFirst();
    return Number(result.numDeletedRows) > 0;
  }

  /**
   * Saves contacts as manual entries (call it inside a transaction): new numbers are added, known ones become manual
   * and take the new name when one is given. Returns how many were new.
   */
  async importContacts(userId: string, contacts: ReadonlyArray<{ phone: string; name: string | null }>, now: string): Promise<{ added: number; updated: number }> {
    let added = 0;
    for (let i = 0; i < contacts.length; i += CHUNK) {
      const chunk = contacts.slice(i, i + CHUNK);
      const known = await this.db
        .selectFrom('whitelist_entries')
        .select('phone')
        .where('user_id', '=', userId)
        .where(
          'phone',
          'in',
          chunk.map((contact) => contact.phone),
        )
        .execute();
      added += chunk.length - known.length;
      await this.db
        .insertInto('whitelist_entries')
        .values(
          chunk.map((contact) => ({
            user_id: userId,
            phone: contact.phone,
            name: contact.name,
            type: 'manual' as const,
            confidence: 1,
            source: 'import',
            expires_at: null,
            created_at: now,
            updated_at: now,
          })),
        )
        .onConflict((oc) =>
          oc.columns(['user_id', 'phone']).doUpdateSet({
            name: sql<string | null>`coalesce(excluded.name, whitelist_entries.name)`,
            type: 'manual',
            confidence: 1,
            source: 'import',
            expires_at: null,
            updated_at: now,
          }),
        )
        .execute();
    }
    return { added, updated: contacts.length - added };
  }

  async getRules(userId: string): Promise<{ rules: string; updated_at: string } | undefined> {
    return this.db.selectFrom('whitelist_rules').select(['rules', 'updated_at']).where('user_id', '=', userId).executeTakeFirst();
  }

  async putRules(userId: string, rules: string, now: string): Promise<void> {
    await this.db
      .insertInto('whitelist_rules')
      .values({ user_id: userId, rules, updated_at: now })
      .onConflict((oc) => oc.column('user_id').doUpdateSet({ rules, updated_at: now }))
      .execute();
  }

  async addToOutbox(row: OutboxRow): Promise<void> {
    await this.db.insertInto('profile_outbox').values(row).execute();
  }

  /** Reports due for another attempt, oldest first. */
  dueOutbox(now: string, limit: number): Promise<OutboxRow[]> {
    return this.db.selectFrom('profile_outbox').selectAll().where('next_attempt_at', '<=', now).orderBy('next_attempt_at').orderBy('id').limit(limit).execute();
  }

  async countOutbox(): Promise<number> {
    const { n } = await this.db.selectFrom('profile_outbox').select((eb) => eb.fn.countAll<number | string>().as('n')).executeTakeFirstOrThrow();
    return toNumber(n);
  }

  async deleteFromOutbox(id: string): Promise<void> {
    await this.db.deleteFrom('profile_outbox').where('id', '=', id).execute();
  }

  async rescheduleOutbox(id: string, attempts: number, nextAttemptAt: string, error: string): Promise<void> {
    await this.db.updateTable('profile_outbox').set({ attempts, next_attempt_at: nextAttemptAt, last_error: error.slice(0, 500) }).where('id', '=', id).execute();
  }
}
