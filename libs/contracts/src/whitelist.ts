import { defineEndpoint } from './endpoint.js';
import { PhoneNumberSchema } from './phone.js';
import { z } from './zod.js';

/** smart-whitelist's verdict on a caller. */
export const WhitelistDecisionSchema = z
  .object({
    decision: z.enum(['allow', 'block', 'unknown']),
    confidence: z.number().min(0).max(1),
    reasons: z.array(z.string()),
    spamScore: z.number().min(0).max(1),
  })
  .openapi('WhitelistDecision');
export type WhitelistDecision = z.infer<typeof WhitelistDecisionSchema>;

/** `GET /api/v1/whitelist/evaluate/{phone}?userId=…`: should this caller reach this user? */
export const EvaluatePhoneEndpoint = defineEndpoint({
  service: 'smart-whitelist',
  method: 'get',
  path: '/api/v1/whitelist/evaluate/{phone}',
  summary: 'Evaluate a caller for a user: allow, block or unknown, with the reasons',
  params: z.object({ phone: PhoneNumberSchema }),
  query: z.object({ userId: z.string().min(1).max(128).optional() }),
  response: WhitelistDecisionSchema,
});
