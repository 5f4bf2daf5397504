import { z } from '@ai-ninja/contracts';
import { databaseConfigShape } from '@ai-ninja/data';
import { envInt, envString, serviceConfigSchema } from '@ai-ninja/service-kit';

/** phone-gateway's environment: the kit's variables, its database, and how it decides. */
export const configSchema = serviceConfigSchema('phone-gateway').extend({
  ...databaseConfigShape,
  /** One deadline for everything a decision asks (owner lookup, whitelist, caller profile), ms. */
  DECISION_TIMEOUT_MS: envInt(50, 10_000).default(800),
  /** Where callers' audio streams reach realtime-processor: the gateway's WebSocket route. */
  REALTIME_PUBLIC_URL: z
    .string()
    .regex(/^wss?:\/\/[^\s]+$/, 'must be a ws:// or wss:// URL')
    .default('ws://localhost:8080/api/realtime/conversation'),
  /** How long a call token opens the call's WebSocket, seconds. */
  CALL_TOKEN_TTL_S: envInt(10, 3600).default(300),
  /** A caller profile at or above this risk is answered by the AI, whatever the user's default. */
  SPAM_RISK_THRESHOLD: z.coerce.number().min(0).max(1).default(0.7),
  /**
   * The token the telephony provider sends as `X-Webhook-Token` on `/webhook/*`. Unset: webhooks are accepted from
   * anyone (development only; a warning is logged at start).
   */
  PHONE_WEBHOOK_TOKEN: envString().min(16).optional(),
});

/** phone-gateway's validated configuration. */
export type Config = z.output<typeof configSchema>;
