import type { Kysely, Selectable } from 'kysely';
import { ROLES, UserPreferencesSchema, type Role, type UserPreferences } from '@ai-ninja/contracts';
import { isUniqueViolation } from '@ai-ninja/data';
import type { UserManagementDb } from './migrations.js';

/** A user as stored, without their phone numbers. */
export interface UserRecord {
  readonly id: string;
  readonly email: string;
  readonly displayName: string;
  readonly passwordHash: string;
  readonly roles: readonly Role[];
  readonly preferences: UserPreferences;
  readonly mfaSecret: string | null;
  readonly mfaPendingSecret: string | null;
  readonly mfaLastCounter: number | null;
  readonly createdAt: string;
  readonly updatedAt: string;
}

/** What adding a phone number did. */
export type AddPhoneResult = 'added' | 'already-yours' | 'taken';

/** Users, their hosted numbers, preferences, roles and MFA secrets. */
export class UserStore {
  constructor(private readonly db: Kysely<UserManagementDb>) {}

  /** Inserts a new user; false when the e-mail address is taken (the unique index decides, even under a race). */
  async insert(user: UserRecord): Promise<boolean> {
    try {
      await this.db
        .insertInto('users')
        .values({
          id: user.id,
          email: user.email,
          display_name: user.displayName,
          password_hash: user.passwordHash,
          roles_json: JSON.stringify(user.roles),
          preferences_json: JSON.stringify(user.preferences),
          mfa_secret: user.mfaSecret,
          mfa_pending_secret: user.mfaPendingSecret,
          mfa_last_counter: user.mfaLastCounter,
          created_at: user.createdAt,
          updated_at: user.updatedAt,
        })
        .execute();
      return true;
    } catch (error) {
      if (isUniqueViolation(error)) return false;
      throw error;
    }
  }

  async findById(id: string): Promise<UserRecord | undefined> {
    const row = await this.db.selectFrom('users').selectAll().where('id', '=', id).executeTakeFirst();
    return row && toRecord(row);
  }

  async findByEmail(email: string): Promise<UserRecord | undefined> {
    const row = await this.db.selectFrom('users').selectAll().where('email', '=', email).executeTakeFirst();
    return row && toRecord(row);
  }

  /** Updates the given fields; false when there is no such user. */
  async update(
    id: string,
    now: string,
    changes: { displayName?: string; preferences?: UserPreferences; roles?: readonly Role[]; mfaPendingSecret?: string | null },
  ): Promise<boolean> {
    const result = await this.db
      .updateTable('users')
      .set({
        updated_at: now,
        ...(changes.displayName !== undefined ? { display_name: changes.displayName } : {}),
        ...(changes.preferences !== undefined ? { preferences_json: JSON.stringify(changes.preferences) } : {}),
        ...(changes.roles !== undefined ? { roles_json: JSON.stringify(changes.roles) } : {}),
        ...(changes.mfaPendingSecret !== undefined ? { mfa_pending_secret: changes.mfaPendingSecret } : {}),
      })
      .where('id', '=', id)
      .executeTakeFirst();
    return Number(result.numUpdatedRows) === 1;
  }

  /** Turns MFA on with the pending secret, if it is still the one verified; false otherwise. */
  async enableMfa(id: string, pendingSecret: string, counter: number, now: string): Promise<boolean> {
    const result = await this.db
      .updateTable('users')
      .set({ mfa_secret: pendingSecret, mfa_pending_secret: null, mfa_last_counter: counter, updated_at: now })
      .where('id', '=', id)
      .where('mfa_pending_secret', '=', pendingSecret)
      .executeTakeFirst();
    return Number(result.numUpdatedRows) === 1;
  }

  /**
   * Records the TOTP time step of an accepted code, if it is later than the last one: false when that code (or a
   * later one) was already used, so that a code seen once cannot sign in again. Atomic, whatever the replicas.
   */
  async useMfaCounter(id: string, counter: number): Promise<boolean> {
    const result = await this.db
      .updateTable('users')
      .set({ mfa_last_counter: counter })
      .where('id', '=', id)
      .where((eb) => eb.or([eb('mfa_last_counter', 'is', null), eb('mfa_last_counter', '<', counter)]))
      .executeTakeFirst();
    return Number(result.numUpdatedRows) === 1;
  }

  async phoneNumbers(userId: string): Promise<string[]> {
    const rows = await this.db.selectFrom('phone_numbers').select('phone').where('user_id', '=', userId).orderBy('created_at').orderBy('phone').execute();
    return rows.map((row) => row.phone);
  }

  /** Adds a hosted number; the primary key on the number keeps it with one user only, even under a race. */
  async addPhone(userId: string, phone: string, now: string): Promise<AddPhoneResult> {
    try {
      await this.db.insertInto('phone_numbers').values({ phone, user_id: userId, created_at: now }).execute();
      return 'added';
    } catch (error) {
      if (!isUniqueViolation(error)) throw error;
      const owner = await this.db.selectFrom('phone_numbers').select('user_id').where('phone', '=', phone).executeTakeFirst();
      return owner?.user_id === userId ? 'already-yours' : 'taken';
    }
  }

  /** Removes one of the user's numbers; false when the user does not host it. */
  async removePhone(userId: string, phone: string): Promise<boolean> {
    const result = await this.db.deleteFrom('phone_numbers').where('phone', '=', phone).where('user_id', '=', userId).executeTakeFirst();
    return Number(result.numDeletedRows) === 1;
  }

  /** The user who hosts `phone`, if anyone does. */
  async findByPhone(phone: string): Promise<UserRecord | undefined> {
    const row = await this.db
      .selectFrom('phone_numbers')
      .innerJoin('users', 'users.id', 'phone_numbers.user_id')
      .selectAll('users')
      .where('phone_numbers.phone', '=', phone)
      .executeTakeFirst();
    return row && toRecord(row);
  }
}

function toRecord(row: Selectable<UserManagementDb['users']>): UserRecord {
  const roles = (JSON.parse(row.roles_json) as unknown[]).filter((role): role is Role => (ROLES as readonly unknown[]).includes(role));
  return {
    id: row.id,
    email: row.email,
    displayName: row.display_name,
    passwordHash: row.password_hash,
    roles,
    // Parsed with the schema, so that a field added later gets its default for users saved before.
    preferences: UserPreferencesSchema.parse(JSON.parse(row.preferences_json)),
    mfaSecret: row.mfa_secret,
    mfaPendingSecret: row.mfa_pending_secret,
    mfaLastCounter: row.mfa_last_counter,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}
