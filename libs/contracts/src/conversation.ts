import { defineEndpoint } from './endpoint.js';
import { z } from './zod.js';

/** How the AI speaks for a user. */
export const PersonalitySchema = z.enum(['polite', 'direct', 'humorous', 'professional']).openapi('Personality');
export type Personality = z.infer<typeof PersonalitySchema>;

/** What a caller wants, as the embedded model classifies one utterance. */
export const IntentSchema = z
  .enum(['sales', 'loan', 'investment', 'insurance', 'scam', 'question', 'persistence', 'goodbye', 'greeting', 'other'])
  .openapi('Intent');
export type Intent = z.infer<typeof IntentSchema>;

/** Where a call's dialogue is: it only moves forward. */
export const DialogueStageSchema = z.enum(['initial', 'handling', 'firm_rejection', 'hang_up']).openapi('DialogueStage');
export type DialogueStage = z.infer<typeof DialogueStageSchema>;

export const EmotionSchema = z
  .object({ emotion: z.enum(['neutral', 'frustrated', 'angry', 'confused', 'pleased']), intensity: z.number().min(0).max(1) })
  .openapi('Emotion');

/** One caller utterance of a call, for conversation-engine to answer. */
export const ManageTurnRequestSchema = z
  .object({
    callId: z.string().min(1).max(128),
    userId: z.string().min(1).max(128),
    utterance: z.string().min(1).max(2000),
    personality: PersonalitySchema.optional(),
    /** How the AI may address the user, e.g. in "Mr. Chen is not available". */
    userName: z.string().max(100).optional(),
  })
  .openapi('ManageTurnRequest');
export type ManageTurnRequest = z.infer<typeof ManageTurnRequestSchema>;

export const ManageTurnResponseSchema = z
  .object({
    callId: z.string(),
    turn: z.number().int().min(1),
    intent: IntentSchema,
    confidence: z.number().min(0).max(1),
    emotion: EmotionSchema,
    stage: DialogueStageSchema,
    reply: z.object({ text: z.string(), id: z.string() }),
    shouldTerminate: z.boolean(),
    reasons: z.array(z.string()),
    /** Which model wrote the reply: the embedded one, or the configured chat-completions provider. */
    model: z.enum(['embedded', 'llm']),
    processingMs: z.number().min(0),
  })
  .openapi('ManageTurnResponse');
export type ManageTurnResponse = z.infer<typeof ManageTurnResponseSchema>;

/** `POST /api/v1/conversation/manage`: one caller utterance → intent, next stage, the reply, whether to hang up. */
export const ManageTurnEndpoint = defineEndpoint({
  service: 'conversation-engine',
  method: 'post',
  path: '/api/v1/conversation/manage',
  summary: 'Answer one caller utterance: intent, dialogue stage, reply, whether to hang up',
  body: ManageTurnRequestSchema,
  response: ManageTurnResponseSchema,
});
