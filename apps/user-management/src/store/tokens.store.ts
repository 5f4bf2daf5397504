import { sql, type Kysely, type Selectable } from 'kysely';
import { isUniqueViolation } from '@ai-ninja/data';
import type { UserManagementDb } from './migrations.js';

export type RefreshTokenRow = Selectable<UserManagementDb['refresh_tokens']>;
export type LoginAttemptRow = Selectable<UserManagementDb['login_attempts']>;
export type SigningKeyRow = Selectable<UserManagementDb['signing_keys']>;

/** Refresh tokens, failed logins and signing keys: what authentication keeps. */
export class AuthStore {
  constructor(private readonly db: Kysely<UserManagementDb>) {}

  async insertRefreshToken(token: { jti: string; family: string; userId: string; createdAt: string; expiresAt: string }): Promise<void> {
    await this.db
      .insertInto('refresh_tokens')
      .values({ jti: token.jti, family: token.family, user_id: token.userId, created_at: token.createdAt, expires_at: token.expiresAt, used_at: null, revoked_at: null })
      .execute();
  }

  findRefreshToken(jti: string): Promise<RefreshTokenRow | undefined> {
    return this.db.selectFrom('refresh_tokens').selectAll().where('jti', '=', jti).executeTakeFirst();
  }

  /**
   * Marks a refresh token spent, if it is neither spent nor revoked. True for the one caller that spent it: of two
   * requests racing with the same token, exactly one wins, on any number of replicas.
   */
  async spendRefreshToken(jti: string, now: string): Promise<boolean> {
    const result = await this.db
      .updateTable('refresh_tokens')
      .set({ used_at: now })
      .where('jti', '=', jti)
      .where('used_at', 'is', null)
      .where('revoked_at', 'is', null)
      .executeTakeFirst();
    return Number(result.numUpdatedRows) === 1;
  }

  /** Revokes every token of a family (a login's chain of refresh tokens); returns how many were still live. */
  async revokeFamily(family: string, now: string): Promise<number> {
    const result = await this.db.updateTable('refresh_tokens').set({ revoked_at: now }).where('family', '=', family).where('revoked_at', 'is', null).executeTakeFirst();
    return Number(result.numUpdatedRows);
  }

  /** True when any token of the family was revoked. */
  async isFamilyRevoked(family: string): Promise<boolean> {
    const row = await this.db.selectFrom('refresh_tokens').select('jti').where('family', '=', family).where('revoked_at', 'is not', null).limit(1).executeTakeFirst();
    return row !== undefined;
  }

  findLoginAttempt(email: string): Promise<LoginAttemptRow | undefined> {
    return this.db.selectFrom('login_attempts').selectAll().where('email', '=', email).executeTakeFirst();
  }

  /**
   * Counts one failed login of `email` in one statement (so concurrent failures all count): the count restarts
   * when the window that began with the first failure has passed. Returns the count after this failure.
   */
  async recordLoginFailure(email: string, now: string, windowStartedAfter: string): Promise<number> {
    const row = await this.db
      .insertInto('login_attempts')
      .values({ email, failures: 1, window_started_at: now, locked_until: null, updated_at: now })
      .onConflict((oc) =>
        oc.column('email').doUpdateSet({
          failures: sql<number>`case when login_attempts.window_started_at < ${windowStartedAfter} then 1 else login_attempts.failures + 1 end`,
          window_started_at: sql<string>`case when login_attempts.window_started_at < ${windowStartedAfter} then ${now} else login_attempts.window_started_at end`,
          updated_at: now,
        }),
      )
      .returning('failures')
      .executeTakeFirstOrThrow();
    return Number(row.failures);
  }

  /** Locks `email` until `until`; its count of failures starts again. */
  async lockLogin(email: string, until: string, now: string): Promise<void> {
    await this.db.updateTable('login_attempts').set({ locked_until: until, failures: 0, window_started_at: now, updated_at: now }).where('email', '=', email).execute();
  }

  async clearLoginAttempts(email: string): Promise<void> {
    await this.db.deleteFrom('login_attempts').where('email', '=', email).execute();
  }

  /** Deletes what can no longer matter: expired refresh tokens, and failed logins older than `attemptsBefore` and not locked. */
  async purge(now: string, attemptsBefore: string): Promise<{ refreshTokens: number; loginAttempts: number }> {
    const tokens = await this.db.deleteFrom('refresh_tokens').where('expires_at', '<', now).executeTakeFirst();
    const attempts = await this.db
      .deleteFrom('login_attempts')
      .where('updated_at', '<', attemptsBefore)
      .where((eb) => eb.or([eb('locked_until', 'is', null), eb('locked_until', '<', now)]))
      .executeTakeFirst();
    return { refreshTokens: Number(tokens.numDeletedRows), loginAttempts: Number(attempts.numDeletedRows) };
  }

  signingKeys(): Promise<SigningKeyRow[]> {
    return this.db.selectFrom('signing_keys').selectAll().orderBy('generation').execute();
  }

  /** Inserts a signing key; false when another replica inserted that generation first. */
  async insertSigningKey(key: SigningKeyRow): Promise<boolean> {
    try {
      await this.db.insertInto('signing_keys').values(key).execute();
      return true;
    } catch (error) {
      if (isUniqueViolation(error)) return false;
      throw error;
    }
  }
}
