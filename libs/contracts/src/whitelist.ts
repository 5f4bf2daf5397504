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

/** An id of a user as the other APIs carry it. */
const UserIdSchema = z.string().min(1).max(128);

/** How an entry got on a whitelist: added by the user, learned from their behaviour, or added for a while. */
export const WhitelistEntryTypeSchema = z.enum(['manual', 'learned', 'temporary']);
export type WhitelistEntryType = z.infer<typeof WhitelistEntryTypeSchema>;

/**
 * A phone number as people type it: E.164 (`+14155550100`) or a national format (`(415) 555-0100`), read in the
 * service's default region. smart-whitelist normalises it to E.164, and answers 400 INVALID_PHONE_NUMBER otherwise.
 */
export const PhoneInputSchema = z.string().trim().min(2).max(32).openapi({ example: '(415) 555-0100' });

/** One number on a user's whitelist. */
export const WhitelistEntrySchema = z
  .object({
    phone: PhoneNumberSchema,
    name: z.string().nullable(),
    type: WhitelistEntryTypeSchema,
    confidence: z.number().min(0).max(1).describe('1 for manual and temporary entries; the learned confidence otherwise'),
    source: z.string().nullable().describe('Why a learned entry was learned (its smart-add context or `feedback`)'),
    expiresAt: z.iso.datetime().nullable().describe('Temporary entries only: when it stops counting'),
    active: z.boolean().describe('false once a temporary entry has expired (it no longer counts in evaluations)'),
    createdAt: z.iso.datetime(),
    updatedAt: z.iso.datetime(),
  })
  .openapi('WhitelistEntry');
export type WhitelistEntry = z.infer<typeof WhitelistEntrySchema>;

/** `GET /api/v1/whitelist/{userId}`: by cursor (`cursor` from the last page) or by `page`; ordered by phone number. */
export const WhitelistListQuerySchema = z
  .object({
    limit: z.coerce.number().int().min(1).max(500).default(50),
    cursor: z.string().max(64).optional().describe('`nextCursor` of the previous page'),
    page: z.coerce.number().int().min(1).max(1_000_000).optional().describe('1-based page number, instead of a cursor'),
    type: WhitelistEntryTypeSchema.optional(),
  })
  .refine((query) => !(query.cursor !== undefined && query.page !== undefined), { message: 'give either cursor or page, not both' });

export const WhitelistPageSchema = z
  .object({
    entries: z.array(WhitelistEntrySchema),
    total: z.number().int().nonnegative().describe('Entries matching the filter'),
    limit: z.number().int(),
    page: z.number().int().optional(),
    nextCursor: z.string().nullable().describe('Pass it as `cursor` for the next page; null on the last page'),
  })
  .openapi('WhitelistPage');
export type WhitelistPage = z.infer<typeof WhitelistPageSchema>;

/** `POST /api/v1/whitelist/{userId}`: add a number, or change the entry it has. */
export const AddWhitelistEntryBodySchema = z
  .object({
    phone: PhoneInputSchema,
    name: z.string().trim().min(1).max(200).optional(),
    type: WhitelistEntryTypeSchema.default('manual'),
    expiresAt: z.iso.datetime().optional().describe('Required for, and only for, temporary entries; in the future'),
  })
  .refine((body) => (body.type === 'temporary') === (body.expiresAt !== undefined), {
    message: 'expiresAt is required for a temporary entry and only for one',
    path: ['expiresAt'],
  })
  .openapi('AddWhitelistEntryBody');
export type AddWhitelistEntryBody = z.input<typeof AddWhitelistEntryBodySchema>;

/** What made smart-whitelist think the user wants a caller; each gives the learned entry a confidence (README). */
export const SmartAddContextSchema = z.enum(['outgoing_call', 'called_back', 'answered_long_call', 'repeated_answered', 'message_exchange']);
export type SmartAddContext = z.infer<typeof SmartAddContextSchema>;

/** `POST /api/v1/whitelist/{userId}/smart-add`. */
export const SmartAddBodySchema = z
  .object({
    phone: PhoneInputSchema,
    name: z.string().trim().min(1).max(200).optional(),
    context: SmartAddContextSchema,
    confidence: z.number().min(0).max(1).optional().describe('Overrides the confidence the context gives'),
  })
  .openapi('SmartAddBody');

export const WhitelistEntryResultSchema = z
  .object({
    entry: WhitelistEntrySchema,
    created: z.boolean(),
  })
  .openapi('WhitelistEntryResult');

/** `POST /api/v1/whitelist/{userId}/import`: contacts, each validated on its own; all saved in one transaction. */
export const ImportContactsBodySchema = z
  .object({
    contacts: z
      .array(z.object({ phone: z.string().max(64), name: z.string().trim().max(200).optional() }))
      .min(1)
      .max(5000),
  })
  .openapi('ImportContactsBody');

export const ImportContactsResultSchema = z
  .object({
    added: z.number().int().nonnegative(),
    updated: z.number().int().nonnegative().describe('Numbers already on the list (a learned entry becomes manual; the name is refreshed)'),
    invalid: z.array(z.object({ index: z.number().int(), phone: z.string(), reason: z.string() })),
  })
  .openapi('ImportContactsResult');
export type ImportContactsResult = z.infer<typeof ImportContactsResultSchema>;

/** A number prefix in international form: `+1900`, `+44870`. */
export const PhonePrefixSchema = z.string().regex(/^\+[1-9]\d{0,14}$/, 'must be a + followed by up to 15 digits, such as +1900');

/** The categories a rule can name (profile-analytics' categories). */
const RuleCategorySchema = z.enum(['sales', 'loan', 'investment', 'insurance', 'scam', 'unknown']);

/** `PUT /api/v1/whitelist/rules/{userId}`: a user's rules, replaced as a whole. */
export const WhitelistRulesBodySchema = z
  .object({
    blockedPrefixes: z.array(PhonePrefixSchema).max(1000).default([]),
    blockedNumbers: z.array(PhoneInputSchema).max(10_000).default([]).describe('Normalised to E.164'),
    contactsOnly: z.boolean().default(false).describe('Block every caller who is not on the whitelist'),
    allowCategories: z.array(RuleCategorySchema).default([]).describe('Categories the user wants to hear from (e.g. insurance while shopping for it)'),
    blockCategories: z.array(RuleCategorySchema).default([]),
    spamThreshold: z.number().min(0).max(1).default(0.8).describe('Block callers whose spam score is at least this'),
  })
  .refine((rules) => !rules.allowCategories.some((category) => rules.blockCategories.includes(category)), {
    message: 'a category cannot be both allowed and blocked',
    path: ['blockCategories'],
  })
  .openapi('WhitelistRulesBody');
export type WhitelistRulesBody = z.input<typeof WhitelistRulesBodySchema>;

export const WhitelistRulesSchema = z
  .object({
    userId: UserIdSchema,
    blockedPrefixes: z.array(z.string()),
    blockedNumbers: z.array(PhoneNumberSchema),
    contactsOnly: z.boolean(),
    allowCategories: z.array(RuleCategorySchema),
    blockCategories: z.array(RuleCategorySchema),
    spamThreshold: z.number().min(0).max(1),
    updatedAt: z.iso.datetime().nullable().describe('null while the user has the default rules'),
  })
  .openapi('WhitelistRules');
export type WhitelistRules = z.infer<typeof WhitelistRulesSchema>;

/** `POST /api/v1/whitelist/learning`: a user's verdict on a call. */
export const LearningBodySchema = z
  .object({
    userId: UserIdSchema,
    phone: PhoneInputSchema,
    feedback: z.enum(['wanted', 'spam']),
    callId: z.string().min(1).max(128).optional(),
  })
  .openapi('LearningBody');
export type LearningBody = z.input<typeof LearningBodySchema>;

export const LearningResultSchema = z
  .object({
    userId: UserIdSchema,
    phone: PhoneNumberSchema,
    feedback: z.enum(['wanted', 'spam']),
    entry: WhitelistEntrySchema.nullable().describe('The entry the number has now, if any'),
    blocked: z.boolean().describe('The number is on the user’s blocked numbers now'),
    changes: z.array(z.string()).describe('What changed for the user, in words'),
    profile: z
      .object({
        delivered: z.boolean().describe('profile-analytics took the report'),
        queued: z.boolean().describe('Kept in the outbox, retried in the background until profile-analytics takes it'),
        reason: z.string().optional(),
      })
      .describe('The caller’s global profile'),
  })
  .openapi('LearningResult');
export type LearningResult = z.infer<typeof LearningResultSchema>;
