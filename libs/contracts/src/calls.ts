import type { ServiceName } from './catalog.js';
import { PersonalitySchema } from './conversation.js';
import { defineEndpoint } from './endpoint.js';
import { PhoneNumberSchema } from './phone.js';
import { z } from './zod.js';

/** What phone-gateway decides for an incoming call. */
export const CallDecisionSchema = z.enum(['transfer', 'ai_answer', 'reject']).openapi('CallDecision');
export type CallDecision = z.infer<typeof CallDecisionSchema>;

/** A call's states; `POST /api/v1/calls/{callId}/<action>` moves it only along allowed transitions. */
export const CallStateSchema = z.enum(['incoming', 'transferring', 'transferred', 'ai_answering', 'filtered', 'rejected', 'completed']).openapi('CallState');
export type CallState = z.infer<typeof CallStateSchema>;

/** One turn of a call's conversation, as realtime-processor records it. */
export const TranscriptTurnSchema = z
  .object({ speaker: z.enum(['caller', 'ai']), text: z.string().max(2000), at: z.iso.datetime() })
  .openapi('TranscriptTurn');
export type TranscriptTurn = z.infer<typeof TranscriptTurnSchema>;

/** The events of a call, published by phone-gateway; consumers apply each at least once, idempotently by `id`. */
export const CallIncomingEventSchema = z.object({
  callId: z.string(),
  userId: z.string().optional(),
  from: PhoneNumberSchema,
  to: PhoneNumberSchema,
  decision: CallDecisionSchema,
  reasons: z.array(z.string()),
  at: z.iso.datetime(),
});
export type CallIncomingEvent = z.infer<typeof CallIncomingEventSchema>;

export const CallCompletedEventSchema = z.object({
  callId: z.string(),
  userId: z.string(),
  from: PhoneNumberSchema,
  to: PhoneNumberSchema,
  decision: CallDecisionSchema,
  outcome: z.enum(['transferred', 'ai_answered', 'blocked']),
  personality: PersonalitySchema.optional(),
  turns: z.array(TranscriptTurnSchema),
  durationMs: z.number().int().min(0),
  recordingId: z.string().optional(),
  at: z.iso.datetime(),
});
export type CallCompletedEvent = z.infer<typeof CallCompletedEventSchema>;

/** Every event type, with its payload schema. */
export const EVENT_SCHEMAS = {
  'call.incoming': CallIncomingEventSchema,
  'call.completed': CallCompletedEventSchema,
} as const;
export type EventType = keyof typeof EVENT_SCHEMAS;
export type EventPayload<T extends EventType> = z.infer<(typeof EVENT_SCHEMAS)[T]>;

/** Which services consume each event (each as one consumer group, whatever its replica count). */
export const EVENT_SUBSCRIPTIONS: Readonly<Record<EventType, readonly ServiceName[]>> = {
  'call.incoming': [],
  'call.completed': ['profile-analytics', 'smart-whitelist'],
};

/** An event as it travels: its id (idempotency key of consumers), type, payload, when and by whom it was published. */
export const EventEnvelopeSchema = z
  .object({
    id: z.string().min(1).max(128),
    type: z.enum(Object.keys(EVENT_SCHEMAS) as [EventType, ...EventType[]]),
    payload: z.unknown(),
    publishedAt: z.iso.datetime(),
    source: z.string(),
  })
  .openapi('EventEnvelope');
export type EventEnvelope = z.infer<typeof EventEnvelopeSchema>;

/** realtime-processor's report that a call's AI conversation is over: phone-gateway completes the call with it. */
export const ConversationEndedRequestSchema = z
  .object({
    reason: z.enum(['ai_hung_up', 'caller_hung_up', 'connection_lost', 'timeout']),
    turns: z.array(TranscriptTurnSchema).max(500),
    /** Audio chunks received; the recording reaches storage on its own (later, when storage is away). */
    audioChunks: z.number().int().min(0),
  })
  .openapi('ConversationEndedRequest');
export type ConversationEndedRequest = z.infer<typeof ConversationEndedRequestSchema>;

export const CallStatusSchema = z
  .object({
    callId: z.string(),
    userId: z.string().optional(),
    from: PhoneNumberSchema,
    to: PhoneNumberSchema,
    state: CallStateSchema,
    decision: CallDecisionSchema,
    reasons: z.array(z.string()),
    createdAt: z.iso.datetime(),
    updatedAt: z.iso.datetime(),
  })
  .openapi('CallStatus');
export type CallStatus = z.infer<typeof CallStatusSchema>;

/** `POST /api/v1/calls/{callId}/conversation-ended` on phone-gateway (services only), idempotent. */
export const ConversationEndedEndpoint = defineEndpoint({
  service: 'phone-gateway',
  method: 'post',
  path: '/api/v1/calls/{callId}/conversation-ended',
  summary: 'realtime-processor reports the end of a call’s AI conversation, with its transcript',
  params: z.object({ callId: z.string().min(1).max(128) }),
  body: ConversationEndedRequestSchema,
  response: CallStatusSchema,
});

/** What the telephony provider posts for a new call (`POST /webhook/incoming-call`); idempotent on `callId`. */
export const IncomingCallRequestSchema = z
  .object({
    callId: z.string().min(1).max(128).regex(/^[\w.:-]+$/, 'letters, digits and . _ : - only'),
    from: PhoneNumberSchema,
    to: PhoneNumberSchema,
    provider: z.string().max(64).optional(),
    providerData: z.record(z.string(), z.unknown()).optional(),
  })
  .openapi('IncomingCallRequest');
export type IncomingCallRequest = z.infer<typeof IncomingCallRequestSchema>;

export const IncomingCallResponseSchema = z
  .object({
    callId: z.string(),
    decision: CallDecisionSchema,
    reasons: z.array(z.string()),
    state: CallStateSchema,
    userId: z.string().optional(),
    /** For `ai_answer`: where the provider streams the call, and the token that opens it for this call only. */
    realtime: z.object({ url: z.string(), token: z.string(), expiresAt: z.iso.datetime() }).optional(),
    /** How long the decision took, ms (the first time it was made). */
    decisionMs: z.number().min(0),
    /** True when this callId was decided before: the same decision is answered again. */
    replayed: z.boolean(),
  })
  .openapi('IncomingCallResponse');
export type IncomingCallResponse = z.infer<typeof IncomingCallResponseSchema>;

export const CallListSchema = z
  .object({ calls: z.array(CallStatusSchema), nextCursor: z.string().optional() })
  .openapi('CallList');
