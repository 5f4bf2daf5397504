import {
  ErrorEnvelopeSchema,
  JwksEndpoint,
  JwksSchema,
  LoginEndpoint,
  MfaSetupResponseSchema,
  MfaVerifyRequestSchema,
  RefreshRequestSchema,
  RegisterRequestSchema,
  TokenResponseSchema,
  UserSchema,
  type Jwks,
} from '@ai-ninja/contracts';
import type { Service } from '@ai-ninja/service-kit';
import type { AuthService } from '../domain/auth.service.js';

const error = (description: string) => ({ description, schema: ErrorEnvelopeSchema });
const tags = ['auth'];

/** `/api/v1/auth/...` and the JWKS. */
export function registerAuthRoutes(service: Service, auth: AuthService, jwks: Jwks): void {
  service.route({
    method: JwksEndpoint.method,
    path: JwksEndpoint.path,
    summary: JwksEndpoint.summary,
    tags,
    auth: 'public',
    responses: { 200: { description: 'The public keys (ES256) of user tokens', schema: JwksSchema } },
    handler: () => ({ status: 200, body: jwks, headers: { 'Cache-Control': 'public, max-age=300' } }),
  });

  service.route({
    method: 'post',
    path: '/api/v1/auth/register',
    summary: 'Create an account',
    tags,
    auth: 'public',
    request: { body: RegisterRequestSchema },
    responses: {
      201: { description: 'The new user', schema: UserSchema },
      400: error('Invalid input, or a password too weak (WEAK_PASSWORD)'),
      409: error('An account with this e-mail address exists (EMAIL_TAKEN)'),
    },
    handler: async ({ body }) => ({ status: 201, body: await auth.register(body) }),
  });

  service.route({
    method: LoginEndpoint.method,
    path: LoginEndpoint.path,
    summary: LoginEndpoint.summary,
    description:
      'Answers an access token (15 minutes by default) and a single-use refresh token (30 days). An unknown address and a wrong password get the same 401 INVALID_CREDENTIALS. Too many failures lock the address (429 ACCOUNT_LOCKED, Retry-After).',
    tags,
    auth: 'public',
    request: { body: LoginEndpoint.body },
    responses: {
      200: { description: 'Signed in', schema: TokenResponseSchema },
      401: error('INVALID_CREDENTIALS, MFA_REQUIRED (send totp) or INVALID_MFA_CODE'),
      429: error('ACCOUNT_LOCKED: too many failed sign-ins; Retry-After says for how long'),
    },
    handler: async ({ body }) => ({ status: 200, body: await auth.login(body) }),
  });

  service.route({
    method: 'post',
    path: '/api/v1/auth/refresh',
    summary: 'Exchange a refresh token for new tokens (rotation: each refresh token works once)',
    tags,
    auth: 'public',
    request: { body: RefreshRequestSchema },
    responses: {
      200: { description: 'New access and refresh tokens', schema: TokenResponseSchema },
      401: error('INVALID_REFRESH_TOKEN, or REFRESH_TOKEN_REUSED (a spent token again: its whole family is revoked)'),
    },
    handler: async ({ body }) => ({ status: 200, body: await auth.refresh(body.refreshToken) }),
  });

  service.route({
    method: 'post',
    path: '/api/v1/auth/logout',
    summary: 'Sign out: revoke the refresh token and every token refreshed from the same login',
    tags,
    auth: 'user',
    request: { body: RefreshRequestSchema },
    responses: { 204: { description: 'Signed out' }, 401: error('No valid access token, or INVALID_REFRESH_TOKEN') },
    handler: async ({ body, principal }) => {
      await auth.logout(principal!, body.refreshToken);
      return { status: 204 };
    },
  });

  service.route({
    method: 'post',
    path: '/api/v1/auth/mfa/setup',
    summary: 'Start two-factor authentication: a TOTP secret for an authenticator app (on after /mfa/verify)',
    tags,
    auth: 'user',
    responses: {
      200: { description: 'The secret and its otpauth:// URI', schema: MfaSetupResponseSchema },
      409: error('MFA_ALREADY_ENABLED'),
    },
    handler: async ({ principal }) => ({ status: 200, body: await auth.setupMfa(principal!) }),
  });

  service.route({
    method: 'post',
    path: '/api/v1/auth/mfa/verify',
    summary: 'Turn two-factor authentication on with a code of the secret from /mfa/setup',
    tags,
    auth: 'user',
    request: { body: MfaVerifyRequestSchema },
    responses: {
      200: { description: 'MFA is on: login now needs totp', schema: UserSchema },
      400: error('INVALID_MFA_CODE, or invalid input'),
      409: error('MFA_NOT_SET_UP or MFA_ALREADY_ENABLED'),
    },
    handler: async ({ body, principal }) => ({ status: 200, body: await auth.verifyMfa(principal!, body.totp) }),
  });
}
