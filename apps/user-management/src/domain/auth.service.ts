import { randomUUID } from 'node:crypto';
import { createLocalJWKSet, jwtVerify, type JWTVerifyGetKey } from 'jose';
import {
  AUTH_ERROR_CODES,
  DEFAULT_USER_PREFERENCES,
  TOKEN_AUDIENCE,
  TOKEN_ISSUER,
  USER_ERROR_CODES,
  type Principal,
  type TokenResponse,
  type User,
} from '@ai-ninja/contracts';
import { AppError, isPrivileged, signUserToken, type Logger } from '@ai-ninja/service-kit';
import type { AuthStore } from '../store/tokens.store.js';
import type { UserRecord, UserStore } from '../store/users.store.js';
import { hashPassword, passwordProblem, verifyPassword } from './passwords.js';
import type { SigningKeys } from './signing-keys.js';
import { newTotpSecret, totpStep, totpUri } from './totp.js';
import type { UsersService } from './users.service.js';

/** The settings of authentication, from the configuration. */
export interface AuthSettings {
  readonly accessTokenTtlS: number;
  readonly refreshTokenTtlS: number;
  readonly loginMaxFailures: number;
  readonly loginFailureWindowMs: number;
  readonly lockoutMs: number;
  readonly bootstrapAdminEmail?: string | undefined;
  readonly mfaIssuer: string;
}

/**
 * Registration, login (with lockout and optional TOTP), rotating refresh tokens with reuse detection, logout, MFA.
 *
 * Login never tells an unknown address from a wrong password: same error, and the same work (an argon2 verification
 * against a dummy hash), and failures are counted per address whether or not an account has it, so a lockout says
 * nothing either.
 */
export class AuthService {
  readonly #verifyKey: JWTVerifyGetKey;
  readonly #dummyHash: Promise<string>;

  constructor(
    private readonly users: UserStore,
    private readonly store: AuthStore,
    private readonly profiles: UsersService,
    private readonly keys: SigningKeys,
    private readonly settings: AuthSettings,
    private readonly clock: () => number,
    private readonly logger: Logger,
  ) {
    this.#verifyKey = createLocalJWKSet(keys.jwks);
    this.#dummyHash = hashPassword(randomUUID());
  }

  async register(input: { email: string; password: string; displayName: string }): Promise<User> {
    const problem = passwordProblem(input.password, input.email);
    if (problem) throw new AppError(400, USER_ERROR_CODES.weakPassword, problem);
    const now = this.#now();
    const admin = this.settings.bootstrapAdminEmail !== undefined && input.email === this.settings.bootstrapAdminEmail;
    const record: UserRecord = {
      id: randomUUID(),
      email: input.email,
      displayName: input.displayName,
      passwordHash: await hashPassword(input.password),
      roles: admin ? ['user', 'admin'] : ['user'],
      preferences: DEFAULT_USER_PREFERENCES,
      mfaSecret: null,
      mfaPendingSecret: null,
      mfaLastCounter: null,
      createdAt: now,
      updatedAt: now,
    };
    if (!(await this.users.insert(record))) throw new AppError(409, USER_ERROR_CODES.emailTaken, 'An account with this e-mail address exists already');
    this.logger.info({ userId: record.id, roles: record.roles }, admin ? 'user registered as admin (BOOTSTRAP_ADMIN_EMAIL)' : 'user registered');
    return this.profiles.view(record);
  }

  async login(input: { email: string; password: string; totp?: string | undefined }): Promise<TokenResponse> {
    await this.#assertNotLocked(input.email);
    const user = await this.users.findByEmail(input.email);
    let passwordOk = false;
    if (user) passwordOk = await verifyPassword(user.passwordHash, input.password);
    // Unknown address: the same argon2 work as a wrong password, so that timing tells nothing.
    else await verifyPassword(await this.#dummyHash, input.password);
    if (!user || !passwordOk) {
      await this.#failed(input.email, user?.id);
      throw new AppError(401, USER_ERROR_CODES.invalidCredentials, 'The e-mail address or the password is wrong');
    }
    if (user.mfaSecret !== null) {
      if (input.totp === undefined) throw new AppError(401, USER_ERROR_CODES.mfaRequired, 'This account uses two-factor authentication: send the code of your authenticator app as "totp"');
      const step = totpStep(user.mfaSecret, input.totp, this.clock());
      if (step === undefined || !(await this.users.useMfaCounter(user.id, step))) {
        await this.#failed(input.email, user.id);
        throw new AppError(401, USER_ERROR_CODES.invalidMfaCode, 'The two-factor code is wrong, expired or already used');
      }
    }
    await this.store.clearLoginAttempts(input.email);
    this.logger.info({ userId: user.id }, 'user signed in');
    return this.#issue(user, randomUUID());
  }

  /** Exchanges a refresh token for new tokens. Each works once: a spent one presented again revokes its whole family. */
  async refresh(refreshToken: string): Promise<TokenResponse> {
    const claims = await this.#verifyRefresh(refreshToken);
    const row = await this.store.findRefreshToken(claims.jti);
    if (!row || row.family !== claims.family || row.user_id !== claims.userId) throw invalidRefresh('The refresh token is not known');
    if (row.revoked_at !== null) throw invalidRefresh('The refresh token was revoked (signed out, or its family was revoked after a reuse)');
    if (!(await this.store.spendRefreshToken(claims.jti, this.#now()))) {
      // Spent already (or just now by a concurrent request): a stolen copy is in use. End the whole session.
      const revoked = await this.store.revokeFamily(claims.family, this.#now());
      this.logger.warn({ userId: claims.userId, family: claims.family, revoked }, 'refresh token reused: revoked its family');
      throw new AppError(401, USER_ERROR_CODES.refreshTokenReused, 'This refresh token was already used; the session is revoked, sign in again');
    }
    const user = await this.users.findById(claims.userId);
    if (!user) throw invalidRefresh('The account of this refresh token no longer exists');
    const tokens = await this.#issue(user, claims.family);
    // A reuse or a logout that revoked the family while this refresh ran would have missed the token just issued.
    if (await this.store.isFamilyRevoked(claims.family)) {
      await this.store.revokeFamily(claims.family, this.#now());
      throw invalidRefresh('The session was revoked while refreshing (signed out, or its refresh token reused)');
    }
    return tokens;
  }

  /** Revokes the refresh token's family: that login's session ends everywhere it was refreshed. */
  async logout(principal: Principal, refreshToken: string): Promise<void> {
    const claims = await this.#verifyRefresh(refreshToken);
    if (!isPrivileged(principal) && !(principal.kind === 'user' && principal.userId === claims.userId)) {
      throw new AppError(403, AUTH_ERROR_CODES.forbidden, 'This refresh token belongs to another user');
    }
    const revoked = await this.store.revokeFamily(claims.family, this.#now());
    this.logger.info({ userId: claims.userId, family: claims.family, revoked }, 'signed out');
  }

  /** Starts MFA: a new secret, pending until a code of it is verified. */
  async setupMfa(principal: Principal): Promise<{ secret: string; otpauthUri: string }> {
    const user = await this.#self(principal);
    if (user.mfaSecret !== null) throw new AppError(409, USER_ERROR_CODES.mfaAlreadyEnabled, 'Two-factor authentication is already on for this account');
    const secret = newTotpSecret();
    await this.users.update(user.id, this.#now(), { mfaPendingSecret: secret });
    return { secret, otpauthUri: totpUri(secret, this.settings.mfaIssuer, user.email) };
  }

  /** Turns MFA on once the user proves their authenticator app has the pending secret. */
  async verifyMfa(principal: Principal, code: string): Promise<User> {
    const user = await this.#self(principal);
    if (user.mfaSecret !== null) throw new AppError(409, USER_ERROR_CODES.mfaAlreadyEnabled, 'Two-factor authentication is already on for this account');
    if (user.mfaPendingSecret === null) throw new AppError(409, USER_ERROR_CODES.mfaNotSetUp, 'Call POST /api/v1/auth/mfa/setup first');
    const step = totpStep(user.mfaPendingSecret, code, this.clock());
    if (step === undefined) throw new AppError(400, USER_ERROR_CODES.invalidMfaCode, 'The code does not match the secret of the setup');
    if (!(await this.users.enableMfa(user.id, user.mfaPendingSecret, step, this.#now()))) {
      throw new AppError(409, USER_ERROR_CODES.mfaNotSetUp, 'The setup changed meanwhile: set up again');
    }
    this.logger.info({ userId: user.id }, 'two-factor authentication enabled');
    return this.profiles.get(user.id);
  }

  async #self(principal: Principal): Promise<UserRecord> {
    if (principal.kind !== 'user') throw new AppError(403, AUTH_ERROR_CODES.forbidden, 'Only a signed-in user sets up their own two-factor authentication');
    const user = await this.users.findById(principal.userId);
    if (!user) throw new AppError(404, USER_ERROR_CODES.userNotFound, `No user ${principal.userId}`);
    return user;
  }

  async #assertNotLocked(email: string): Promise<void> {
    const attempt = await this.store.findLoginAttempt(email);
    const lockedFor = attempt?.locked_until ? Date.parse(attempt.locked_until) - this.clock() : 0;
    if (lockedFor > 0) throw locked(lockedFor);
  }

  /** Counts a failed login; the failure that reaches the limit locks the address and answers 429 at once. */
  async #failed(email: string, userId: string | undefined): Promise<void> {
    const now = this.clock();
    const failures = await this.store.recordLoginFailure(email, iso(now), iso(now - this.settings.loginFailureWindowMs));
    if (failures < this.settings.loginMaxFailures) return;
    await this.store.lockLogin(email, iso(now + this.settings.lockoutMs), iso(now));
    this.logger.warn({ userId: userId ?? null, failures, lockedForMs: this.settings.lockoutMs }, userId ? 'account locked after failed logins' : 'unknown address locked after failed logins');
    throw locked(this.settings.lockoutMs);
  }

  async #verifyRefresh(token: string): Promise<{ jti: string; family: string; userId: string }> {
    try {
      const { payload } = await jwtVerify(token, this.#verifyKey, { issuer: TOKEN_ISSUER, audience: TOKEN_AUDIENCE, algorithms: ['ES256'] });
      if (payload.typ === 'refresh' && typeof payload.jti === 'string' && typeof payload.family === 'string' && payload.sub) {
        return { jti: payload.jti, family: payload.family, userId: payload.sub };
      }
    } catch (error) {
      throw invalidRefresh(`The refresh token is not valid (${(error as { code?: string }).code ?? 'unreadable'})`);
    }
    throw invalidRefresh('This is not a refresh token');
  }

  async #issue(user: UserRecord, family: string): Promise<TokenResponse> {
    const jti = randomUUID();
    const { kid, privateKey } = this.keys;
    const now = this.clock();
    const [accessToken, refreshToken] = await Promise.all([
      signUserToken(privateKey, kid, { userId: user.id, roles: user.roles, typ: 'access', ttlSeconds: this.settings.accessTokenTtlS }),
      signUserToken(privateKey, kid, { userId: user.id, roles: user.roles, typ: 'refresh', ttlSeconds: this.settings.refreshTokenTtlS, jti, family }),
    ]);
    await this.store.insertRefreshToken({ jti, family, userId: user.id, createdAt: iso(now), expiresAt: iso(now + this.settings.refreshTokenTtlS * 1000) });
    return { accessToken, refreshToken, expiresIn: this.settings.accessTokenTtlS, tokenType: 'Bearer', user: await this.profiles.view(user) };
  }

  #now(): string {
    return iso(this.clock());
  }
}

const iso = (ms: number) => new Date(ms).toISOString();

function invalidRefresh(message: string): AppError {
  return new AppError(401, USER_ERROR_CODES.invalidRefreshToken, message);
}

function locked(forMs: number): AppError {
  const seconds = Math.max(1, Math.ceil(forMs / 1000));
  return new AppError(429, USER_ERROR_CODES.accountLocked, `Too many failed sign-ins: try again in ${Math.ceil(seconds / 60)} minute(s)`, { retryAfterSeconds: seconds }, { 'Retry-After': String(seconds) });
}
