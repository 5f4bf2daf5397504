import { defineEndpoint } from './endpoint.js';
import { PhoneNumberSchema } from './phone.js';
import { z } from './zod.js';

/** What a caller calls about. `unknown` until the calls or reports say otherwise. */
export const CALLER_CATEGORIES = ['sales', 'loan', 'investment', 'insurance', 'scam', 'unknown'] as const;
export const CallerCategorySchema = z.enum(CALLER_CATEGORIES).describe('What the caller calls about');
export type CallerCategory = z.infer<typeof CallerCategorySchema>;

/** How a call ended for the user: put through, answered by the AI, or rejected. */
export const CallOutcomeSchema = z.enum(['transferred', 'ai_answered', 'blocked']);
export type CallOutcome = z.infer<typeof CallOutcomeSchema>;

/** A user's verdict on a call or caller. */
export const CallFeedbackSchema = z.enum(['wanted', 'spam']);
export type CallFeedback = z.infer<typeof CallFeedbackSchema>;

/** An id of an event, a call or a user, as the other APIs carry it. */
const IdSchema = z.string().min(1).max(128);

/** What is known about one caller, across every user (global data: no user's private data is in it). */
export const CallerProfileSchema = z
  .object({
    phone: PhoneNumberSchema,
    category: CallerCategorySchema,
    riskScore: z.number().min(0).max(1).describe('How likely the caller is unwanted: 0 (no sign) to 1 (certain spam)'),
    callCount: z.number().int().nonnegative().describe('Calls seen from this number'),
    firstSeen: z.iso.datetime(),
    lastSeen: z.iso.datetime(),
    spamReports: z.number().int().nonnegative().describe('Users who marked a call of this number as spam'),
    wantedReports: z.number().int().nonnegative().describe('Users who marked a call of this number as wanted'),
    reaction: z
      .object({
        analyzedCalls: z.number().int().nonnegative().describe('Calls answered by the AI and analysed'),
        averageTurns: z.number().nonnegative().describe('Caller turns per analysed call'),
        earlyHangupRate: z.number().min(0).max(1).describe('Share of analysed calls the caller left within two turns'),
        persistence: z.number().min(0).max(1).describe('Average persistence of the caller against the AI'),
      })
      .describe('How the caller reacts to the AI'),
    lastSummary: z.string().nullable().describe('Summary of the last analysed call'),
    updatedAt: z.iso.datetime(),
  })
  .openapi('CallerProfile');
export type CallerProfile = z.infer<typeof CallerProfileSchema>;

/** `GET /api/v1/analytics/profile/{phone}`: a caller's profile; 404 PROFILE_NOT_FOUND for a number never seen. */
export const GetCallerProfileEndpoint = defineEndpoint({
  service: 'profile-analytics',
  method: 'get',
  path: '/api/v1/analytics/profile/{phone}',
  summary: 'What is known about a caller: category, risk score, calls, reports, reactions to the AI',
  params: z.object({ phone: PhoneNumberSchema }),
  response: CallerProfileSchema,
});

/** `POST /api/v1/analytics/profile/update`: one event about a caller. */
export const UpdateCallerProfileBodySchema = z
  .object({
    phone: PhoneNumberSchema,
    eventId: IdSchema.optional().describe('Makes the update idempotent: an event id applied once is never applied again'),
    callId: IdSchema.optional().describe('The call this is about; without eventId, (callId, feedback, category, callOutcome) is the idempotency key'),
    userId: IdSchema.optional().describe('Who reported it (kept out of the profile; for the logs)'),
    feedback: CallFeedbackSchema.optional(),
    category: CallerCategorySchema.optional().describe('A category observed for the caller (counts as one observation)'),
    callOutcome: CallOutcomeSchema.optional().describe('A call from the number happened and ended so'),
  })
  .refine((body) => body.feedback !== undefined || body.category !== undefined || body.callOutcome !== undefined, {
    message: 'at least one of feedback, category or callOutcome is required',
  })
  .openapi('UpdateCallerProfileBody');
export type UpdateCallerProfileBody = z.input<typeof UpdateCallerProfileBodySchema>;

export const UpdateCallerProfileResultSchema = z
  .object({
    applied: z.boolean().describe('false when this event was applied before (nothing changed)'),
    profile: CallerProfileSchema,
  })
  .openapi('UpdateCallerProfileResult');
export type UpdateCallerProfileResult = z.infer<typeof UpdateCallerProfileResultSchema>;

export const UpdateCallerProfileEndpoint = defineEndpoint({
  service: 'profile-analytics',
  method: 'post',
  path: '/api/v1/analytics/profile/update',
  summary: 'Apply one event (feedback, category, call outcome) to a caller’s profile, idempotently',
  body: UpdateCallerProfileBodySchema,
  response: UpdateCallerProfileResultSchema,
});

/** One turn of a call's transcript. */
export const CallTurnSchema = z.object({
  speaker: z.enum(['caller', 'ai']),
  text: z.string().max(4000),
  at: z.iso.datetime().describe('When the turn started'),
});
export type CallTurn = z.infer<typeof CallTurnSchema>;

/** `POST /api/v1/analytics/call/analyze`: a finished call. */
export const AnalyzeCallBodySchema = z
  .object({
    callId: IdSchema,
    userId: IdSchema.describe('The user who was called'),
    callerPhone: PhoneNumberSchema,
    startedAt: z.iso.datetime().optional().describe('Default: the first turn, or now'),
    turns: z.array(CallTurnSchema).max(500),
    outcome: CallOutcomeSchema,
    durationMs: z.number().int().nonnegative().max(86_400_000),
  })
  .openapi('AnalyzeCallBody');
export type AnalyzeCallBody = z.input<typeof AnalyzeCallBodySchema>;

/** The intent found in one caller turn. */
export const IntentStepSchema = z.object({
  turn: z.number().int().nonnegative().describe('Index of the turn in `turns`'),
  at: z.iso.datetime(),
  intent: z.string(),
  confidence: z.number().min(0).max(1),
});

export const CallAnalysisSchema = z
  .object({
    callId: IdSchema,
    userId: IdSchema,
    callerPhone: PhoneNumberSchema,
    outcome: CallOutcomeSchema,
    category: CallerCategorySchema,
    intents: z.array(IntentStepSchema).describe('The intent trail: one step per caller turn'),
    persistence: z.number().min(0).max(1).describe('How hard the caller kept pushing against the AI'),
    summary: z.string(),
    analyzedAt: z.iso.datetime(),
  })
  .openapi('CallAnalysis');
export type CallAnalysis = z.infer<typeof CallAnalysisSchema>;

export const AnalyzeCallResultSchema = z
  .object({
    analysis: CallAnalysisSchema,
    applied: z.boolean().describe('false when this call was analysed before: the stored analysis, nothing changed'),
    profile: CallerProfileSchema,
  })
  .openapi('AnalyzeCallResult');
export type AnalyzeCallResult = z.infer<typeof AnalyzeCallResultSchema>;

export const AnalyzeCallEndpoint = defineEndpoint({
  service: 'profile-analytics',
  method: 'post',
  path: '/api/v1/analytics/call/analyze',
  summary: 'Analyse a finished call (category, intent trail, persistence, summary), update the caller’s profile and keep it for trends',
  body: AnalyzeCallBodySchema,
  response: AnalyzeCallResultSchema,
});

/** Calls of one kind, by outcome. */
const OutcomeCountsSchema = z.object({
  transferred: z.number().int().nonnegative(),
  ai_answered: z.number().int().nonnegative(),
  blocked: z.number().int().nonnegative(),
  total: z.number().int().nonnegative(),
});

export const TrendsQuerySchema = z.object({
  days: z.coerce.number().int().min(1).max(365).default(30).describe('How many days back, today included (UTC)'),
});

export const CallTrendsSchema = z
  .object({
    userId: IdSchema,
    days: z.number().int(),
    from: z.iso.date().describe('First day, UTC'),
    to: z.iso.date().describe('Last day (today), UTC'),
    totals: OutcomeCountsSchema,
    byDay: z.array(OutcomeCountsSchema.extend({ date: z.iso.date() })).describe('Every day of the range, oldest first'),
    byCategory: z.array(OutcomeCountsSchema.extend({ category: CallerCategorySchema })).describe('Every category, in catalog order'),
  })
  .openapi('CallTrends');
export type CallTrends = z.infer<typeof CallTrendsSchema>;

export const CallTrendsEndpoint = defineEndpoint({
  service: 'profile-analytics',
  method: 'get',
  path: '/api/v1/analytics/trends/{userId}',
  summary: 'A user’s calls transferred, answered by the AI and blocked, per day and per category',
  params: z.object({ userId: IdSchema }),
  query: TrendsQuerySchema,
  response: CallTrendsSchema,
});
