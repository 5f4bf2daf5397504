import { EmailSchema, z } from '@ai-ninja/contracts';
import { databaseConfigShape } from '@ai-ninja/data';
import { envInt, envString, serviceConfigSchema } from '@ai-ninja/service-kit';

/** user-management's environment: the kit's variables, the database's, and its own (documented in README.md). */
export const configSchema = serviceConfigSchema('user-management').extend({
  ...databaseConfigShape,
  /** Lifetime of access tokens, seconds (default 15 minutes). */
  ACCESS_TOKEN_TTL_S: envInt(30, 24 * 3600).default(15 * 60),
  /** Lifetime of refresh tokens, seconds (default 30 days). */
  REFRESH_TOKEN_TTL_S: envInt(60, 365 * 24 * 3600).default(30 * 24 * 3600),
  /** Failed logins of one e-mail address within LOGIN_FAILURE_WINDOW_MINUTES that lock it. */
  LOGIN_MAX_FAILURES: envInt(1, 1000).default(5),
  LOGIN_FAILURE_WINDOW_MINUTES: envInt(1, 24 * 60).default(15),
  /** How long a locked address stays locked. */
  LOCKOUT_MINUTES: envInt(1, 24 * 60).default(15),
  /** The account registered with this e-mail address gets the admin role. */
  BOOTSTRAP_ADMIN_EMAIL: EmailSchema.optional(),
  /** A PEM (PKCS#8) or JWK file holding the EC P-256 private key that signs user tokens; unset: a key kept in the database. */
  AUTH_PRIVATE_KEY_FILE: envString().optional(),
  /** The issuer shown in authenticator apps for TOTP. */
  MFA_ISSUER: z.string().min(1).max(64).default('AI-Ninja'),
});

/** user-management's validated configuration. */
export type Config = z.output<typeof configSchema>;
