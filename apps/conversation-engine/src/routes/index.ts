import { DialogueStageSchema, EmotionSchema, IntentSchema, ManageTurnEndpoint, PersonalitySchema, z } from '@ai-ninja/contracts';
import { CATEGORIES, detectEmotion, selectReply } from '@ai-ninja/dialogue';
import type { Service } from '@ai-ninja/service-kit';
import type { ConversationService } from '../domain/conversation.service.js';

const CallParams = z.object({ callId: z.string().min(1).max(128) });
const LanguageSchema = z.enum(['zh', 'en']);
const Utterance = z.object({ utterance: z.string().min(1).max(2000) });

const SummarySchema = z
  .object({
    callId: z.string(),
    startedAt: z.string(),
    endedAt: z.string().nullable(),
    category: z.enum([...CATEGORIES, 'unknown']),
    scamDetected: z.boolean(),
    persistenceScore: z.number().min(0).max(1),
    turns: z.number().int().min(0),
    ended: z.string(),
    finalStage: DialogueStageSchema,
    intents: z.record(z.string(), z.number()),
    emotions: z.record(z.string(), z.number()),
  })
  .openapi('ConversationSummary');

const TurnRecordSchema = z.object({
  turn: z.number().int(),
  at: z.string(),
  utterance: z.string(),
  intent: IntentSchema,
  confidence: z.number(),
  matched: z.array(z.string()),
  language: z.enum(['zh', 'en', 'mixed']),
  topic: z.string().nullable(),
  emotion: z.string(),
  emotionIntensity: z.number(),
  stageBefore: DialogueStageSchema,
  stage: DialogueStageSchema,
  reply: z.object({ id: z.string(), text: z.string(), language: LanguageSchema }),
  reasons: z.array(z.string()),
  personality: PersonalitySchema,
});

/** conversation-engine's routes: turns for realtime-processor, a call's history for its user, and the model's parts. */
export function registerRoutes(service: Service, conversations: ConversationService): void {
  service.route({
    method: 'post',
    path: ManageTurnEndpoint.path,
    summary: ManageTurnEndpoint.summary,
    description:
      'The embedded model classifies the utterance (zh/en), moves the dialogue (initial → handling → firm_rejection → hang_up) and picks a reply in the personality that this call has not heard; with LLM_BASE_URL set, the provider writes the words. Send one call’s turns one at a time: concurrent turns of one call answer 409 CONVERSATION_BUSY.',
    tags: ['conversation'],
    auth: 'service',
    request: { body: ManageTurnEndpoint.body },
    responses: {
      200: { description: 'The reply and the new dialogue state', schema: ManageTurnEndpoint.response },
      409: { description: 'The call belongs to another user (CALL_USER_MISMATCH), or is being answered meanwhile (CONVERSATION_BUSY)' },
    },
    handler: async ({ body }) => ({ status: 200, body: await conversations.manage(body) }),
  });

  service.route({
    method: 'post',
    path: '/api/v1/conversation/terminate',
    summary: 'End a call’s conversation from outside (the caller or the user hung up), with its summary',
    tags: ['conversation'],
    auth: 'service',
    request: { body: CallParams },
    responses: {
      200: {
        description: 'The final stage and the call’s summary',
        schema: z.object({ callId: z.string(), stage: DialogueStageSchema, endReason: z.string().nullable(), reasons: z.array(z.string()), summary: SummarySchema }),
      },
      404: { description: 'No conversation for this call (CONVERSATION_NOT_FOUND)' },
    },
    handler: async ({ body, principal }) => ({ status: 200, body: await conversations.terminate(body.callId, principal) }),
  });

  service.route({
    method: 'get',
    path: '/api/v1/conversation/history/{callId}',
    summary: 'A call’s turns (what the caller said, how it was read, what the AI answered) and its summary',
    tags: ['conversation'],
    auth: 'user',
    request: { params: CallParams },
    responses: {
      200: {
        description: 'The history, for the call’s user, an admin or a service',
        schema: z.object({ callId: z.string(), userId: z.string(), stage: DialogueStageSchema, turns: z.array(TurnRecordSchema), summary: SummarySchema }),
      },
      404: { description: 'No conversation for this call (CONVERSATION_NOT_FOUND)' },
    },
    handler: async ({ params, principal }) => ({ status: 200, body: await conversations.history(params.callId, principal) }),
  });

  service.route({
    method: 'post',
    path: '/api/v1/conversation/emotion',
    summary: 'The emotion in one utterance, with the cues found',
    tags: ['model'],
    auth: 'user',
    request: { body: Utterance },
    responses: { 200: { description: 'The emotion', schema: EmotionSchema.extend({ cues: z.array(z.string()) }) } },
    handler: ({ body }) => {
      const reading = detectEmotion(body.utterance);
      return { status: 200, body: { emotion: reading.emotion, intensity: reading.intensity, cues: [...reading.cues] } };
    },
  });

  service.route({
    method: 'post',
    path: '/api/v1/conversation/personalize',
    summary: 'How the AI would answer in a personality: a reply for a stage and an intent (to preview a style)',
    tags: ['model'],
    auth: 'user',
    request: {
      body: z.object({
        personality: PersonalitySchema,
        stage: DialogueStageSchema.default('handling'),
        intent: IntentSchema.default('sales'),
        language: LanguageSchema.default('en'),
        userName: z.string().min(1).max(100).optional(),
      }),
    },
    responses: { 200: { description: 'The reply', schema: z.object({ id: z.string(), text: z.string(), personality: PersonalitySchema }) } },
    handler: ({ body }) => {
      const category = (CATEGORIES as readonly string[]).includes(body.intent) ? (body.intent as (typeof CATEGORIES)[number]) : 'unknown';
      const reply = selectReply({ ...body, endReason: null, category, used: new Set(), seed: 'preview', turn: 1 });
      return { status: 200, body: { id: reply.id, text: reply.text, personality: body.personality } };
    },
  });
}
