import type { ServiceName } from './catalog.js';
import { defineEndpoint } from './endpoint.js';
import { z } from './zod.js';

/** Who signs user tokens, and whom every token is for. */
export const TOKEN_ISSUER = 'ai-ninja/user-management';
/** Who signs service credentials (each service, with the shared SERVICE_AUTH_SECRET). */
export const SERVICE_TOKEN_ISSUER = 'ai-ninja/service';
export const TOKEN_AUDIENCE = 'ai-ninja';

/** The roles a user may hold; `admin` may read and change every user's data. */
export const ROLES = ['user', 'admin'] as const;
export type Role = (typeof ROLES)[number];

/** Who is asking: a signed-in user, or another service of the system with its service credential. */
export type Principal =
  | { readonly kind: 'user'; readonly userId: string; readonly roles: readonly Role[] }
  | { readonly kind: 'service'; readonly service: ServiceName };

/** Error codes of authentication and authorisation, shared by every service. */
export const AUTH_ERROR_CODES = {
  unauthenticated: 'UNAUTHENTICATED',
  forbidden: 'FORBIDDEN',
  authUnavailable: 'AUTH_UNAVAILABLE',
} as const;

/** One public key of a JSON Web Key Set (EC P-256 for ES256). */
export const JwkSchema = z
  .object({
    kty: z.string(),
    kid: z.string(),
    alg: z.string().optional(),
    use: z.string().optional(),
    crv: z.string().optional(),
    x: z.string().optional(),
    y: z.string().optional(),
    n: z.string().optional(),
    e: z.string().optional(),
  })
  .openapi('Jwk');

export const JwksSchema = z.object({ keys: z.array(JwkSchema) }).openapi('Jwks');
export type Jwks = z.infer<typeof JwksSchema>;

/** `GET /.well-known/jwks.json` on user-management: the keys that verify user tokens, so no service calls back per request. */
export const JwksEndpoint = defineEndpoint({
  service: 'user-management',
  method: 'get',
  path: '/.well-known/jwks.json',
  summary: 'The public keys that verify user access tokens (JWKS)',
  response: JwksSchema,
});
