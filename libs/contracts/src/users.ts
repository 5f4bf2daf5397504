import { ROLES } from './auth.js';
import { CallDecisionSchema } from './calls.js';
import { PersonalitySchema } from './conversation.js';
import { defineEndpoint } from './endpoint.js';
import { PhoneNumberSchema } from './phone.js';
import { z } from './zod.js';

/**
 * user-management's API: accounts and authentication (`/api/v1/auth/...`), users' profiles, hosted numbers and
 * preferences (`/api/v1/users/...`), and the internal lookup phone-gateway makes for every incoming call.
 */

/** Error codes of user-management, beside the common and auth ones. */
export const USER_ERROR_CODES = {
  emailTaken: 'EMAIL_TAKEN',
  weakPassword: 'WEAK_PASSWORD',
  invalidCredentials: 'INVALID_CREDENTIALS',
  accountLocked: 'ACCOUNT_LOCKED',
  mfaRequired: 'MFA_REQUIRED',
  invalidMfaCode: 'INVALID_MFA_CODE',
  mfaAlreadyEnabled: 'MFA_ALREADY_ENABLED',
  mfaNotSetUp: 'MFA_NOT_SET_UP',
  invalidRefreshToken: 'INVALID_REFRESH_TOKEN',
  refreshTokenReused: 'REFRESH_TOKEN_REUSED',
  userNotFound: 'USER_NOT_FOUND',
  phoneNumberTaken: 'PHONE_NUMBER_TAKEN',
  phoneNumberNotFound: 'PHONE_NUMBER_NOT_FOUND',
  numberNotHosted: 'NUMBER_NOT_HOSTED',
} as const;

/** An e-mail address, trimmed and lower-cased: one account per address whatever its case. */
export const EmailSchema = z
  .string()
  .trim()
  .toLowerCase()
  .max(254)
  .pipe(z.email('must be an e-mail address'))
  .openapi({ example: 'ada@example.com' });

export const DisplayNameSchema = z.string().trim().min(1).max(100);

/** A time of day, `HH:MM` on a 24-hour clock. */
export const TimeOfDaySchema = z
  .string()
  .regex(/^([01]\d|2[0-3]):[0-5]\d$/, 'must be a time of day HH:MM, such as 22:00')
  .openapi({ example: '22:00' });

/** An IANA time zone name that this runtime knows, such as Europe/Berlin. */
export const TimeZoneSchema = z
  .string()
  .min(1)
  .max(64)
  .refine((zone) => {
    try {
      new Intl.DateTimeFormat('en-US', { timeZone: zone });
      return true;
    } catch {
      return false;
    }
  }, 'must be an IANA time zone, such as Europe/Berlin')
  .openapi({ example: 'Europe/Berlin' });

/**
 * Quiet hours: from `start` to `end` (crossing midnight when end < start) in `timezone`, a call that would ring
 * through to the user (a transfer) gets `action` instead.
 */
export const QuietHoursSchema = z
  .object({
    start: TimeOfDaySchema,
    end: TimeOfDaySchema,
    timezone: TimeZoneSchema,
    action: z.enum(['ai_answer', 'reject']).default('ai_answer'),
  })
  .refine((hours) => hours.start !== hours.end, { message: 'start and end must differ', path: ['end'] })
  .openapi('QuietHours');
export type QuietHours = z.infer<typeof QuietHoursSchema>;

/** How a user wants their calls handled; phone-gateway and conversation-engine read them. */
export const UserPreferencesSchema = z
  .object({
    /** How the AI speaks to callers for this user. */
    aiPersonality: PersonalitySchema.default('polite'),
    /** What to do with a caller who is neither whitelisted nor blocked. */
    unknownCallerAction: CallDecisionSchema.default('ai_answer'),
    quietHours: QuietHoursSchema.nullable().default(null),
    /** How the AI refers to the user when speaking to callers ("Mr. Chen is not available"); null: not by name. */
    userName: z.string().trim().min(1).max(100).nullable().default(null),
  })
  .openapi('UserPreferences');
export type UserPreferences = z.output<typeof UserPreferencesSchema>;

/** The preferences of a new account. */
export const DEFAULT_USER_PREFERENCES: UserPreferences = UserPreferencesSchema.parse({});

export const RoleSchema = z.enum(ROLES).openapi('Role');

/** A user as the API shows it: never the password hash or the MFA secret. */
export const UserSchema = z
  .object({
    id: z.string(),
    email: z.string(),
    displayName: z.string(),
    roles: z.array(RoleSchema),
    phoneNumbers: z.array(PhoneNumberSchema),
    preferences: UserPreferencesSchema,
    mfaEnabled: z.boolean(),
    createdAt: z.iso.datetime(),
    updatedAt: z.iso.datetime(),
  })
  .openapi('User');
export type User = z.infer<typeof UserSchema>;

/** A new password: 10 to 128 characters; user-management also refuses trivial ones (WEAK_PASSWORD). */
export const NewPasswordSchema = z.string().min(10, 'must be at least 10 characters').max(128, 'must be at most 128 characters');

export const RegisterRequestSchema = z
  .object({ email: EmailSchema, password: NewPasswordSchema, displayName: DisplayNameSchema })
  .openapi('RegisterRequest');

export const LoginRequestSchema = z
  .object({
    email: EmailSchema,
    password: z.string().min(1).max(1024),
    /** The current code of the user's authenticator app, when MFA is on. */
    totp: z.string().regex(/^\d{6}$/, 'must be 6 digits').optional(),
  })
  .openapi('LoginRequest');

export const RefreshRequestSchema = z.object({ refreshToken: z.string().min(1).max(4096) }).openapi('RefreshRequest');

/** What login and refresh answer. The refresh token is single-use: each refresh answers a new one. */
export const TokenResponseSchema = z
  .object({
    accessToken: z.string(),
    refreshToken: z.string(),
    /** Lifetime of the access token, in seconds. */
    expiresIn: z.number().int().positive(),
    tokenType: z.literal('Bearer'),
    user: UserSchema,
  })
  .openapi('TokenResponse');
export type TokenResponse = z.infer<typeof TokenResponseSchema>;

export const MfaSetupResponseSchema = z
  .object({
    /** The TOTP secret in base32, for typing into an authenticator app. */
    secret: z.string(),
    /** `otpauth://totp/...`, for a QR code. */
    otpauthUri: z.string(),
  })
  .openapi('MfaSetupResponse');

export const MfaVerifyRequestSchema = z.object({ totp: z.string().regex(/^\d{6}$/, 'must be 6 digits') }).openapi('MfaVerifyRequest');

export const UpdateUserRequestSchema = z
  .object({ displayName: DisplayNameSchema.optional() })
  .strict()
  .refine((body) => Object.keys(body).length > 0, 'nothing to change: give displayName')
  .openapi('UpdateUserRequest');

export const AddPhoneNumberRequestSchema = z.object({ phone: PhoneNumberSchema }).openapi('AddPhoneNumberRequest');

export const UserPermissionsSchema = z
  .object({ userId: z.string(), roles: z.array(RoleSchema), permissions: z.array(z.string()) })
  .openapi('UserPermissions');
export type UserPermissions = z.infer<typeof UserPermissionsSchema>;

export const SetRolesRequestSchema = z
  .object({ roles: z.array(RoleSchema).min(1).max(ROLES.length) })
  .openapi('SetRolesRequest');

/** Who hosts a dialled number with us, and how they want calls handled. */
export const HostedNumberSchema = z
  .object({ userId: z.string(), displayName: z.string(), preferences: UserPreferencesSchema })
  .openapi('HostedNumber');
export type HostedNumber = z.infer<typeof HostedNumberSchema>;

/** A user id in a path. */
export const UserIdParamsSchema = z.object({ id: z.string().min(1).max(64) });

/**
 * `GET /api/v1/users/lookup/by-phone/{phone}` on user-management (services only): the owner of a dialled number and
 * their preferences; 404 NUMBER_NOT_HOSTED when nobody hosts it.
 */
export const HostedNumberLookupEndpoint = defineEndpoint({
  service: 'user-management',
  method: 'get',
  path: '/api/v1/users/lookup/by-phone/{phone}',
  summary: 'Who hosts a dialled number, with their call preferences (services only)',
  params: z.object({ phone: PhoneNumberSchema }),
  response: HostedNumberSchema,
});

/** `GET /api/v1/users/{id}`: a user's profile (the user, an admin, or a service). */
export const GetUserEndpoint = defineEndpoint({
  service: 'user-management',
  method: 'get',
  path: '/api/v1/users/{id}',
  summary: 'A user’s profile, hosted numbers and preferences',
  params: UserIdParamsSchema,
  response: UserSchema,
});

/** `GET /api/v1/users/{id}/permissions`: a user's roles and what they allow. */
export const UserPermissionsEndpoint = defineEndpoint({
  service: 'user-management',
  method: 'get',
  path: '/api/v1/users/{id}/permissions',
  summary: 'A user’s roles and the permissions they grant',
  params: UserIdParamsSchema,
  response: UserPermissionsSchema,
});

/** `POST /api/v1/auth/login`. */
export const LoginEndpoint = defineEndpoint({
  service: 'user-management',
  method: 'post',
  path: '/api/v1/auth/login',
  summary: 'Sign in with e-mail and password (and a TOTP code when MFA is on)',
  body: LoginRequestSchema,
  response: TokenResponseSchema,
});
