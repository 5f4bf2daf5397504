import { AUDIO_CONTENT_TYPES, DialogueStageSchema, IntentSchema, isAudioContentType, z } from '@ai-ninja/contracts';

/**
 * The live call's WebSocket protocol: JSON text frames, one message each. The schemas here are the protocol's
 * definition; the service README shows them.
 */

/** Where the WebSocket is served (the nginx gateway maps `/api/realtime/` here). */
export const REALTIME_PATH = '/realtime/conversation';

/** The subprotocol the server selects when the client offers it (so a `bearer.<token>` protocol is never echoed). */
export const SUBPROTOCOL = 'ai-ninja.realtime.v1';

/** The prefix of a call token passed as a WebSocket subprotocol: `bearer.<token>`. */
export const BEARER_PROTOCOL_PREFIX = 'bearer.';


const Seq = z.number().int().min(0).max(Number.MAX_SAFE_INTEGER);

/** What the caller said, as the telephony provider transcribed it. Only final transcripts are answered. */
export const TranscriptMessageSchema = z.object({
  type: z.literal('transcript'),
  text: z.string().trim().min(1).max(2000),
  /** An interim (partial) transcript is accepted and ignored; absent means final. */
  final: z.boolean().default(true),
  /** When given, the seq of each final transcript must be greater than the previous one's. */
  seq: Seq.optional(),
});

/** A piece of the call's audio, base64-encoded; chunks are recorded in seq order (each seq greater than the last). */
export const AudioChunkMessageSchema = z.object({
  type: z.literal('audio_chunk'),
  seq: Seq,
  /** Base64 (RFC 4648, with padding) of the audio bytes. */
  data: z.string().min(1),
  /** The audio's media type, e.g. `audio/pcmu` or `audio/l16;rate=8000`; the same for every chunk of a call. */
  format: z
    .string()
    .max(100)
    .refine(isAudioContentType, `must be one of ${AUDIO_CONTENT_TYPES.join(', ')}`),
});

/** An application-level ping: answered with `pong` (WebSocket ping frames are answered by the protocol itself). */
export const PingMessageSchema = z.object({ type: z.literal('ping') });

/** The caller hung up: the call ends (`call_end` with `caller_hung_up`, close 1000). */
export const HangupMessageSchema = z.object({ type: z.literal('hangup') });

/** Every message a client may send. */
export const ClientMessageSchema = z.discriminatedUnion('type', [TranscriptMessageSchema, AudioChunkMessageSchema, PingMessageSchema, HangupMessageSchema]);
export type ClientMessage = z.infer<typeof ClientMessageSchema>;
export const CLIENT_MESSAGE_TYPES = ['transcript', 'audio_chunk', 'ping', 'hangup'] as const;

/** The AI's answer to one final transcript. */
export const AiResponseMessageSchema = z.object({
  type: z.literal('ai_response'),
  text: z.string(),
  /** Milliseconds from the transcript's arrival to this answer being sent (queueing included). */
  processingLatency: z.number().min(0),
  /** The AI ends the call: `call_end` follows, then close 1000. */
  shouldHangup: z.boolean(),
  intent: IntentSchema,
  stage: DialogueStageSchema,
  /** The number of this answer within the call, from 1. */
  turn: z.number().int().min(1),
  /** True when conversation-engine did not answer in time (or failed) and a scripted reply kept the call going. */
  fallback: z.boolean(),
});

/** Why a call ended, as `call_end` says it. */
export const CallEndReasonSchema = z.enum(['ai_hung_up', 'caller_hung_up', 'timeout', 'too_many_errors', 'shutdown']);
export type CallEndReason = z.infer<typeof CallEndReasonSchema>;

/** The call is over; the server closes the connection right after. */
export const CallEndMessageSchema = z.object({ type: z.literal('call_end'), reason: CallEndReasonSchema });

/** A message was refused; the connection stays open (until too many errors). */
export const ErrorMessageSchema = z.object({ type: z.literal('error'), code: z.string(), message: z.string(), details: z.unknown().optional() });

export const PongMessageSchema = z.object({ type: z.literal('pong') });

/** Every message the server sends. */
export const ServerMessageSchema = z.discriminatedUnion('type', [AiResponseMessageSchema, CallEndMessageSchema, ErrorMessageSchema, PongMessageSchema]);
export type ServerMessage = z.infer<typeof ServerMessageSchema>;
export type AiResponseMessage = z.infer<typeof AiResponseMessageSchema>;

/** The stable codes of `error` messages (and of the HTTP answers that refuse an upgrade). */
export const REALTIME_ERROR_CODES = {
  /** A text frame that is not JSON. */
  invalidJson: 'INVALID_JSON',
  /** A binary frame: the protocol is JSON text frames only (audio travels base64 in `audio_chunk`). */
  binaryFrame: 'BINARY_FRAME_NOT_SUPPORTED',
  /** JSON without a known `type`. */
  unknownType: 'UNKNOWN_MESSAGE_TYPE',
  /** A known type whose fields break its schema; `details.issues` lists them. */
  invalidMessage: 'INVALID_MESSAGE',
  /** `data` of an audio chunk is not base64. */
  invalidAudio: 'INVALID_AUDIO_DATA',
  /** An audio chunk whose format differs from the call's first chunk's. */
  audioFormatChanged: 'AUDIO_FORMAT_CHANGED',
  /** A seq equal to the last one accepted. */
  duplicateSeq: 'DUPLICATE_SEQ',
  /** A seq lower than the last one accepted. */
  outOfOrderSeq: 'OUT_OF_ORDER_SEQ',
  /** The call's audio passed REALTIME_MAX_AUDIO_BYTES_PER_CALL: the chunk is not recorded. */
  audioLimitExceeded: 'AUDIO_LIMIT_EXCEEDED',
  /** The recording cannot be written (local disk): the chunk is not recorded. */
  recordingFailed: 'RECORDING_FAILED',
  /** More than REALTIME_MAX_PENDING_TURNS final transcripts wait for their answer. */
  tooManyPendingTurns: 'TOO_MANY_PENDING_TURNS',
  /** Over the message rate (REALTIME_RATE_PER_SECOND, REALTIME_RATE_BURST): the message is dropped. */
  rateLimited: 'RATE_LIMITED',
  // Upgrade refusals (HTTP, in the error envelope):
  /** No call token, or one that is invalid or expired (401). */
  unauthenticated: 'UNAUTHENTICATED',
  /** The call already has a live connection (409). */
  callAlreadyConnected: 'CALL_ALREADY_CONNECTED',
  /** The call has already ended on this instance (409). */
  callAlreadyEnded: 'CALL_ALREADY_ENDED',
  /** A plain HTTP request to the WebSocket endpoint (426). */
  upgradeRequired: 'UPGRADE_REQUIRED',
} as const;

/** The close codes the server uses. */
export const CLOSE_CODES = {
  /** The call ended: AI or caller hung up (after `call_end`). */
  normal: 1000,
  /** The server is shutting down (after `call_end` with `shutdown`). */
  goingAway: 1001,
  /** A text frame that is not UTF-8 (closed by the WebSocket layer). */
  invalidPayload: 1007,
  /** Too many errors (REALTIME_MAX_ERRORS), sustained flooding included (after `call_end` with `too_many_errors`). */
  policyViolation: 1008,
  /** A frame larger than REALTIME_MAX_FRAME_BYTES (closed by the WebSocket layer). */
  messageTooBig: 1009,
  /** An unexpected server error. */
  internalError: 1011,
  /** No message for REALTIME_IDLE_TIMEOUT_MS (after `call_end` with `timeout`). */
  idleTimeout: 4408,
} as const;
