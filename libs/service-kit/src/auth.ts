import { createHmac, hkdfSync, randomBytes } from 'node:crypto';
import { createLocalJWKSet, decodeProtectedHeader, errors as joseErrors, jwtVerify, SignJWT, type JWTPayload, type JWTVerifyGetKey } from 'jose';
import {
  AUTH_ERROR_CODES,
  JwksEndpoint,
  PersonalitySchema,
  ROLES,
  SERVICE_NAMES,
  SERVICE_TOKEN_ISSUER,
  TOKEN_AUDIENCE,
  TOKEN_ISSUER,
  type Jwks,
  type Personality,
  type Principal,
  type Role,
  type ServiceName,
} from '@ai-ninja/contracts';
import type { Logger } from '@ai-ninja/observability';
import type { ServiceClient } from '@ai-ninja/service-client';
import { AppError } from './errors.js';

/** Who may call a route. */
export type RouteAuth<I = unknown> =
  /** Anyone: no token is read. */
  | 'public'
  /** Any signed-in user, or a service. */
  | 'user'
  /** Only other services of the system (internal APIs). */
  | 'service'
  /** Admins, or a service. */
  | 'admin'
  /** The user who owns the data (`owner` returns their id from the validated input), an admin, or a service. */
  | { readonly owner: (input: I) => string };

/** The secret every service shares in development when SERVICE_AUTH_SECRET is unset; refused in production. */
export const DEVELOPMENT_SERVICE_SECRET = 'ai-ninja-development-only-service-secret-do-not-deploy';

const SERVICE_TOKEN_TTL_S = 15 * 60;
const SERVICE_TOKEN_RENEW_MS = 5 * 60 * 1000;
const JWKS_MAX_AGE_MS = 10 * 60 * 1000;
const JWKS_REFETCH_AFTER_MS = 30_000;
const VERIFIED_CACHE_SIZE = 2048;

/** What {@link Authenticator} needs. */
export interface AuthenticatorOptions {
  readonly service: ServiceName;
  /** The HS256 secret of service credentials. */
  readonly serviceSecret: string;
  /** Keys of user tokens given in the configuration (AUTH_JWKS); otherwise fetched from user-management. */
  readonly jwks?: Jwks;
  readonly logger: Logger;
  /** Makes the client that fetches user-management's JWKS, on first need. */
  readonly client: () => ServiceClient;
}

/**
 * Verifies the bearer tokens of incoming requests, and holds this service's own credential for its outgoing calls.
 *
 * User tokens are ES256 JWTs signed by user-management and checked against its JWKS: fetched once through the
 * service client and cached (refetched after ten minutes, or when a token names a key not seen yet, at most every
 * 30 s), so no request calls user-management. Service credentials are short-lived HS256 JWTs made from the shared
 * SERVICE_AUTH_SECRET. Verified tokens are remembered until they expire, so a repeated token costs a map lookup.
 */
export class Authenticator {
  readonly #options: AuthenticatorOptions;
  readonly #secret: Uint8Array;
  readonly #verified = new Map<string, { principal: Principal; expiresAt: number }>();
  #keys: { getKey: JWTVerifyGetKey; fetchedAt: number } | undefined;
  #keysInFlight: Promise<JWTVerifyGetKey> | undefined;
  #localKeys: (() => Jwks) | undefined;
  #serviceToken = { value: '', renewAt: 0 };

  constructor(options: AuthenticatorOptions) {
    this.#options = options;
    this.#secret = new TextEncoder().encode(options.serviceSecret);
    if (options.jwks) this.#keys = { getKey: createLocalJWKSet(options.jwks), fetchedAt: Infinity };
  }

  /** A token for one call's WebSocket (phone-gateway signs, realtime-processor verifies). */
  signCallToken(claims: CallTokenClaims, ttlSeconds?: number): string {
    return signCallToken(this.#options.serviceSecret, claims, ttlSeconds);
  }

  verifyCallToken(token: string): Promise<CallTokenClaims> {
    return verifyCallToken(this.#options.serviceSecret, token);
  }

  /** user-management verifies with the keys it holds, instead of fetching them from itself. */
  useLocalKeys(keys: () => Jwks): void {
    this.#localKeys = keys;
  }

  /** This service's credential, as an Authorization header value; renewed well before it expires. */
  get authorization(): string {
    if (Date.now() >= this.#serviceToken.renewAt) {
      this.#serviceToken = { value: signServiceToken(this.#secret, this.#options.service), renewAt: Date.now() + SERVICE_TOKEN_RENEW_MS };
    }
    return `Bearer ${this.#serviceToken.value}`;
  }

  /**
   * The principal of a request from its Authorization header: undefined without one; 401 for a header that is not
   * a valid, unexpired token of ours; 503 when user-management's keys cannot be fetched.
   */
  async authenticate(authorization: string | undefined): Promise<Principal | undefined> {
    if (authorization === undefined) return undefined;
    const match = /^Bearer ([A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+)$/.exec(authorization);
    if (!match) throw unauthenticated('The Authorization header must be "Bearer <token>"');
    const token = match[1]!;
    const known = this.#verified.get(token);
    if (known && known.expiresAt > Date.now()) return known.principal;

    let alg: string | undefined;
    try {
      alg = decodeProtectedHeader(token).alg;
    } catch {
      throw unauthenticated('The bearer token is not a JWT');
    }
    const { principal, expiresAt } = alg === 'HS256' ? await this.#verifyService(token) : await this.#verifyUser(token);
    this.#remember(token, principal, expiresAt);
    return principal;
  }

  async #verifyService(token: string): Promise<{ principal: Principal; expiresAt: number }> {
    const payload = await verifying(() => jwtVerify(token, this.#secret, { issuer: SERVICE_TOKEN_ISSUER, audience: TOKEN_AUDIENCE, algorithms: ['HS256'] }));
    const service = payload.sub?.startsWith('service:') ? payload.sub.slice('service:'.length) : undefined;
    if (!(SERVICE_NAMES as readonly string[]).includes(service ?? '')) throw unauthenticated('The service credential names no service of the catalog');
    return { principal: { kind: 'service', service: service as ServiceName }, expiresAt: payload.exp! * 1000 };
  }

  async #verifyUser(token: string): Promise<{ principal: Principal; expiresAt: number }> {
    const options = { issuer: TOKEN_ISSUER, audience: TOKEN_AUDIENCE, algorithms: ['ES256'] };
    let payload: JWTPayload;
    try {
      payload = await verifying(async () => jwtVerify(token, await this.#getKey(false), options));
    } catch (error) {
      // A key not seen yet: user-management may have rotated its keys since they were fetched.
      if (!(error instanceof AppError && error.details === 'no-matching-key') || this.#localKeys) throw error;
      payload = await verifying(async () => jwtVerify(token, await this.#getKey(true), options));
    }
    if (payload.typ !== 'access') throw unauthenticated('Only an access token opens the API (this is a refresh token)');
    const roles = Array.isArray(payload.roles) ? payload.roles.filter((role): role is Role => (ROLES as readonly unknown[]).includes(role)) : [];
    if (!payload.sub) throw unauthenticated('The token names no user');
    return { principal: { kind: 'user', userId: payload.sub, roles }, expiresAt: payload.exp! * 1000 };
  }

  async #getKey(unknownKey: boolean): Promise<JWTVerifyGetKey> {
    if (this.#localKeys) return createLocalJWKSet(this.#localKeys());
    const age = Date.now() - (this.#keys?.fetchedAt ?? -Infinity);
    const fresh = this.#keys && (unknownKey ? age < JWKS_REFETCH_AFTER_MS : age < JWKS_MAX_AGE_MS);
    if (fresh) return this.#keys!.getKey;
    this.#keysInFlight ??= this.#fetchKeys().finally(() => (this.#keysInFlight = undefined));
    return this.#keysInFlight;
  }

  async #fetchKeys(): Promise<JWTVerifyGetKey> {
    try {
      const jwks = await this.#options.client().call(JwksEndpoint, {}, { timeout: 2000 });
      this.#keys = { getKey: createLocalJWKSet(jwks), fetchedAt: Date.now() };
      this.#options.logger.info({ keys: jwks.keys.map((key) => key.kid) }, 'fetched the user token keys from user-management');
      return this.#keys.getKey;
    } catch (error) {
      // Keys fetched earlier stay in use while user-management is away.
      if (this.#keys) return this.#keys.getKey;
      this.#options.logger.warn({ err: error }, 'cannot fetch the user token keys from user-management');
      throw new AppError(503, AUTH_ERROR_CODES.authUnavailable, 'User tokens cannot be verified right now: user-management does not answer', undefined, { 'Retry-After': '2' });
    }
  }

  #remember(token: string, principal: Principal, expiresAt: number): void {
    if (this.#verified.size >= VERIFIED_CACHE_SIZE) this.#verified.delete(this.#verified.keys().next().value!);
    this.#verified.set(token, { principal, expiresAt });
  }
}

/**
 * Signs a service credential with the shared secret: an HS256 JWT, made with node:crypto so that it is ready
 * synchronously when a call goes out (jose verifies it on the other side).
 */
export function signServiceToken(secret: Uint8Array | string, service: ServiceName, ttlSeconds = SERVICE_TOKEN_TTL_S): string {
  return signHs256(secret, { sub: `service:${service}`, iss: SERVICE_TOKEN_ISSUER, aud: TOKEN_AUDIENCE, jti: randomBytes(8).toString('hex') }, ttlSeconds);
}

/**
 * An HS256 JWT made with node:crypto: synchronous, and far cheaper than WebCrypto's HMAC (a thread-pool job per
 * token) on a hot path such as a call decision. jose verifies it.
 */
function signHs256(secret: Uint8Array | string, claims: Record<string, unknown>, ttlSeconds: number): string {
  const now = Math.floor(Date.now() / 1000);
  const part = (value: object) => Buffer.from(JSON.stringify(value)).toString('base64url');
  const unsigned = `${part({ alg: 'HS256', typ: 'JWT' })}.${part({ ...claims, iat: now, exp: now + ttlSeconds })}`;
  return `${unsigned}.${createHmac('sha256', secret).update(unsigned).digest('base64url')}`;
}

/** What a call token grants: joining the conversation of one call, for a short while. */
export interface CallTokenClaims {
  readonly callId: string;
  readonly userId: string;
  /** How the user wants the AI to speak, and the name it may use for them: the conversation needs both each turn. */
  readonly personality?: Personality | undefined;
  readonly userName?: string | undefined;
}

const CALL_TOKEN_ISSUER = 'ai-ninja/phone-gateway';
const CALL_TOKEN_AUDIENCE = 'realtime-processor';

const callTokenKeys = new Map<string, Uint8Array>();

/** The key of call tokens: derived from the service secret (once), so a call token is never a service credential. */
function callTokenKey(serviceSecret: string): Uint8Array {
  let key = callTokenKeys.get(serviceSecret);
  if (!key) {
    key = new Uint8Array(hkdfSync('sha256', serviceSecret, 'ai-ninja', 'call-token', 32));
    callTokenKeys.set(serviceSecret, key);
  }
  return key;
}

/** phone-gateway's token for one call's WebSocket (HS256), bound to the call and short-lived. */
export function signCallToken(serviceSecret: string, claims: CallTokenClaims, ttlSeconds = 300): string {
  const { callId, userId, personality, userName } = claims;
  return signHs256(
    callTokenKey(serviceSecret),
    { sub: userId, iss: CALL_TOKEN_ISSUER, aud: CALL_TOKEN_AUDIENCE, callId, ...(personality ? { personality } : {}), ...(userName ? { userName } : {}) },
    ttlSeconds,
  );
}

/** realtime-processor's check of a call token: the claims, or 401 `UNAUTHENTICATED`. */
export async function verifyCallToken(serviceSecret: string, token: string): Promise<CallTokenClaims> {
  const payload = await verifying(() => jwtVerify(token, callTokenKey(serviceSecret), { issuer: CALL_TOKEN_ISSUER, audience: CALL_TOKEN_AUDIENCE, algorithms: ['HS256'] }));
  if (typeof payload.callId !== 'string' || !payload.sub) throw unauthenticated('The call token names no call');
  const personality = PersonalitySchema.safeParse(payload.personality);
  return {
    callId: payload.callId,
    userId: payload.sub,
    ...(personality.success ? { personality: personality.data } : {}),
    ...(typeof payload.userName === 'string' ? { userName: payload.userName } : {}),
  };
}

/** What user-management puts in an access token, and what {@link Authenticator} reads back. */
export interface UserTokenClaims {
  readonly userId: string;
  readonly roles: readonly Role[];
  /** `access` opens the APIs; user-management also signs `refresh` tokens, which only it accepts. */
  readonly typ: 'access' | 'refresh';
  readonly ttlSeconds: number;
  /** Refresh tokens carry their id and family, for rotation and reuse detection. */
  readonly jti?: string;
  readonly family?: string;
}

/** Signs a user token (ES256) with user-management's private key; `kid` names the key in the JWKS. */
export async function signUserToken(privateKey: Parameters<SignJWT['sign']>[0], kid: string, claims: UserTokenClaims): Promise<string> {
  const jwt = new SignJWT({ roles: [...claims.roles], typ: claims.typ, ...(claims.family ? { family: claims.family } : {}) })
    .setProtectedHeader({ alg: 'ES256', kid })
    .setSubject(claims.userId)
    .setIssuer(TOKEN_ISSUER)
    .setAudience(TOKEN_AUDIENCE)
    .setIssuedAt()
    .setExpirationTime(`${claims.ttlSeconds}s`);
  if (claims.jti) jwt.setJti(claims.jti);
  return jwt.sign(privateKey);
}

async function verifying(verify: () => Promise<{ payload: JWTPayload }>): Promise<JWTPayload> {
  try {
    return (await verify()).payload;
  } catch (error) {
    if (error instanceof AppError) throw error;
    if (error instanceof joseErrors.JWTExpired) throw unauthenticated('The token has expired');
    if (error instanceof joseErrors.JWKSNoMatchingKey) throw new AppError(401, AUTH_ERROR_CODES.unauthenticated, 'The token is signed with an unknown key', 'no-matching-key');
    if (error instanceof joseErrors.JOSEError) throw unauthenticated(`The token is not valid (${error.code})`);
    throw error;
  }
}

function unauthenticated(message: string): AppError {
  return new AppError(401, AUTH_ERROR_CODES.unauthenticated, message, undefined, { 'WWW-Authenticate': 'Bearer' });
}

/** True for a principal that may act on every user's data: an admin, or a service of the system. */
export function isPrivileged(principal: Principal): boolean {
  return principal.kind === 'service' || principal.roles.includes('admin');
}

/**
 * Throws unless `principal` may read or change the data of user `ownerId`: that user, an admin, or a service.
 * 401 without a principal, 403 for anyone else.
 */
export function assertCanAccess(principal: Principal | undefined, ownerId: string): asserts principal is Principal {
  if (!principal) throw unauthenticated('This API needs a bearer token');
  if (isPrivileged(principal) || (principal.kind === 'user' && principal.userId === ownerId)) return;
  throw new AppError(403, AUTH_ERROR_CODES.forbidden, 'This data belongs to another user');
}

/**
 * Checks what can be checked before the input is read: a token where one is needed (401), and the kind of caller
 * (403). An owner rule is checked afterwards, on the validated input, with {@link assertCanAccess}.
 */
export function authorize(auth: RouteAuth<never>, principal: Principal | undefined): void {
  if (auth === 'public') return;
  if (!principal) throw unauthenticated('This API needs a bearer token');
  if (auth === 'service' && principal.kind !== 'service') throw new AppError(403, AUTH_ERROR_CODES.forbidden, 'This API is for the services of the system only');
  if (auth === 'admin' && !isPrivileged(principal)) throw new AppError(403, AUTH_ERROR_CODES.forbidden, 'This API is for admins only');
}

declare module 'express-serve-static-core' {
  interface Request {
    /** Who sent the request, when it carried a valid token. */
    principal?: Principal;
  }
}
