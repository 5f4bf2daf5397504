import type { ConversationEndedRequest, DialogueStage, Personality, TranscriptTurn } from '@ai-ninja/contracts';
import type { Logger } from '@ai-ninja/service-kit';
import type { CallJournalEntry } from '../store/call-journal.js';
import type { RecordingMeta, RecordingSpool, SpoolRecording } from '../store/recording-spool.js';
import {
  CLIENT_MESSAGE_TYPES,
  ClientMessageSchema,
  CLOSE_CODES,
  REALTIME_ERROR_CODES,
  type CallEndReason,
  type ClientMessage,
  type ServerMessage,
} from './protocol.js';
import type { RealtimeMetrics } from './realtime.metrics.js';
import { ScriptedReplies } from './scripted-replies.js';
import { TokenBucket } from './token-bucket.js';
import type { TurnResponder } from './turn-responder.js';

/** The socket as the session sees it. */
export interface CallConnection {
  send(message: ServerMessage): void;
  close(code: number, reason: string): void;
}

/** A connection's limits, from the configuration. */
export interface SessionLimits {
  readonly maxErrors: number;
  readonly ratePerSecond: number;
  readonly rateBurst: number;
  readonly maxAudioBytes: number;
  readonly maxPendingTurns: number;
  readonly idleTimeoutMs: number;
}

/** How a call ended, for phone-gateway (its report) and for the recording. */
export interface CallSummary {
  readonly callId: string;
  readonly userId: string;
  readonly report: ConversationEndedRequest;
  readonly recording: RecordingMeta | undefined;
  readonly journal: CallJournalEntry;
  readonly durationMs: number;
}

export interface CallSessionDeps {
  readonly callId: string;
  readonly userId: string;
  /** The user's choices, from the call token, passed on to conversation-engine each turn. */
  readonly personality?: Personality | undefined;
  readonly userName?: string | undefined;
  readonly connection: CallConnection;
  readonly limits: SessionLimits;
  readonly responder: TurnResponder;
  readonly recordings: RecordingSpool;
  readonly journal: CallJournalEntry;
  readonly metrics: RealtimeMetrics;
  readonly logger: Logger;
  /** Keeps the report and hands the recording over; called once per call. */
  readonly onEnd: (summary: CallSummary) => Promise<void>;
}

type ReportReason = ConversationEndedRequest['reason'];

const MAX_REPORTED_TURNS = 500;
const MAX_TURN_TEXT = 2000;
/** A media type compared case- and space-insensitively, parameters included (`audio/L16; rate=8000` = `audio/l16;rate=8000`). */
const sameFormat = (format: string): string => format.toLowerCase().replace(/\s+/g, '');
const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

/**
 * One live call on one WebSocket: checks every frame, answers final transcripts one at a time and in order (never
 * two engine calls at once for a call), records the audio in seq order, enforces the connection's limits, and ends
 * the call exactly once, whatever ends it.
 */
export class CallSession {
  readonly callId: string;
  readonly userId: string;
  readonly #deps: CallSessionDeps;
  readonly #bucket: TokenBucket;
  readonly #scripted = new ScriptedReplies();
  readonly #startedAt = Date.now();
  readonly #turns: TranscriptTurn[] = [];
  #stage: DialogueStage = 'initial';
  #errors = 0;
  #answered = 0;
  #pendingTurns = 0;
  #queue: Promise<void> = Promise.resolve();
  #lastTranscriptSeq = -1;
  #lastAudioSeq = -1;
  #audioFormat: string | undefined;
  #audioChunks = 0;
  #audioBytes = 0;
  #recording: SpoolRecording | undefined;
  #recordingFailed = false;
  #idleTimer: NodeJS.Timeout | undefined;
  #ended: Promise<void> | undefined;
  #markDone!: () => void;
  /** Resolves once the call has ended and what it leaves (report, recording) is kept. */
  readonly done = new Promise<void>((resolve) => (this.#markDone = resolve));

  constructor(deps: CallSessionDeps) {
    this.#deps = deps;
    this.callId = deps.callId;
    this.userId = deps.userId;
    this.#bucket = new TokenBucket(deps.limits.ratePerSecond, deps.limits.rateBurst);
    this.#armIdleTimer();
  }

  /** One frame from the client. */
  receive(data: Buffer, isBinary: boolean): void {
    if (this.#ended) return;
    this.#armIdleTimer();
    if (!this.#bucket.take()) return this.#refuse(REALTIME_ERROR_CODES.rateLimited, 'Too many messages: slow down (the message was dropped)');
    if (isBinary) return this.#refuse(REALTIME_ERROR_CODES.binaryFrame, 'Binary frames are not part of the protocol: send JSON text frames (audio goes base64 in audio_chunk)');
    let json: unknown;
    try {
      json = JSON.parse(data.toString('utf8'));
    } catch {
      return this.#refuse(REALTIME_ERROR_CODES.invalidJson, 'The frame is not JSON');
    }
    const type = (json as { type?: unknown } | null)?.type;
    if (typeof type !== 'string' || !(CLIENT_MESSAGE_TYPES as readonly string[]).includes(type)) {
      return this.#refuse(REALTIME_ERROR_CODES.unknownType, `Unknown message type ${JSON.stringify(type ?? null)}: expected one of ${CLIENT_MESSAGE_TYPES.join(', ')}`, {
        type: type ?? null,
      });
    }
    const parsed = ClientMessageSchema.safeParse(json);
    if (!parsed.success) {
      const issues = parsed.error.issues.map((issue) => ({ path: issue.path.join('.'), message: issue.message, code: issue.code }));
      const first = issues[0]!;
      return this.#refuse(REALTIME_ERROR_CODES.invalidMessage, `Invalid ${type} message: ${first.path || '(message)'}: ${first.message}`, { issues });
    }
    this.#handle(parsed.data);
  }

  /** The socket closed without the call having ended (network, client gone, heartbeat missed). */
  connectionLost(): Promise<void> {
    return this.#end('connection_lost');
  }

  /** The server is shutting down: the call ends now. */
  shutdown(): Promise<void> {
    return this.#end('connection_lost', { reason: 'shutdown', code: CLOSE_CODES.goingAway, text: 'server shutting down' });
  }

  #handle(message: ClientMessage): void {
    switch (message.type) {
      case 'ping':
        return this.#deps.connection.send({ type: 'pong' });
      case 'hangup':
        void this.#end('caller_hung_up', { reason: 'caller_hung_up', code: CLOSE_CODES.normal, text: 'caller hung up' });
        return;
      case 'transcript':
        return this.#transcript(message);
      case 'audio_chunk':
        return this.#audio(message);
    }
  }

  #transcript(message: Extract<ClientMessage, { type: 'transcript' }>): void {
    if (!message.final) return; // interim results change until the final one, which is the one answered
    if (message.seq !== undefined) {
      if (!this.#seqInOrder(message.seq, this.#lastTranscriptSeq, 'transcript')) return;
      this.#lastTranscriptSeq = message.seq;
    }
    if (this.#pendingTurns >= this.#deps.limits.maxPendingTurns) {
      return this.#refuse(REALTIME_ERROR_CODES.tooManyPendingTurns, `${this.#pendingTurns} transcripts are already waiting for their answer: this one is not answered`, {
        limit: this.#deps.limits.maxPendingTurns,
      });
    }
    const receivedAt = performance.now();
    this.#addTurn({ speaker: 'caller', text: message.text, at: new Date().toISOString() });
    this.#pendingTurns += 1;
    this.#queue = this.#queue.then(() => this.#answer(message.text, receivedAt)).finally(() => (this.#pendingTurns -= 1));
  }

  async #answer(utterance: string, receivedAt: number): Promise<void> {
    if (this.#ended) return;
    try {
      const reply = await this.#deps.responder.reply(
        { callId: this.callId, userId: this.userId, personality: this.#deps.personality, userName: this.#deps.userName, scripted: this.#scripted, stage: this.#stage },
        utterance,
      );
      if (this.#ended) return; // the caller hung up meanwhile: nobody hears it
      this.#stage = reply.stage;
      this.#answered += 1;
      this.#addTurn({ speaker: 'ai', text: reply.text.slice(0, MAX_TURN_TEXT), at: new Date().toISOString() });
      const processingLatency = Math.round((performance.now() - receivedAt) * 100) / 100;
      const source = reply.fallback ? 'fallback' : 'engine';
      this.#deps.metrics.turns.labels(source).inc();
      this.#deps.metrics.turnLatency.labels(source).observe(processingLatency / 1000);
      this.#deps.connection.send({
        type: 'ai_response',
        text: reply.text,
        processingLatency,
        shouldHangup: reply.shouldHangup,
        intent: reply.intent,
        stage: reply.stage,
        turn: this.#answered,
        fallback: reply.fallback,
      });
      if (reply.shouldHangup) await this.#end('ai_hung_up', { reason: 'ai_hung_up', code: CLOSE_CODES.normal, text: 'call ended' });
    } catch (error) {
      this.#deps.logger.error({ err: error, callId: this.callId }, 'a turn failed');
    }
  }

  #audio(message: Extract<ClientMessage, { type: 'audio_chunk' }>): void {
    if (this.#audioFormat !== undefined && sameFormat(message.format) !== sameFormat(this.#audioFormat)) {
      return this.#refuse(REALTIME_ERROR_CODES.audioFormatChanged, `This call's audio is ${this.#audioFormat}; a chunk in ${message.format} cannot join its recording`, {
        format: this.#audioFormat,
      });
    }
    if (message.data.length % 4 !== 0 || !BASE64.test(message.data)) {
      return this.#refuse(REALTIME_ERROR_CODES.invalidAudio, 'data is not base64 (RFC 4648 alphabet, padded to a multiple of 4 characters)', { seq: message.seq });
    }
    if (!this.#seqInOrder(message.seq, this.#lastAudioSeq, 'audio_chunk')) return;
    const bytes = Buffer.from(message.data, 'base64');
    if (this.#audioBytes + bytes.length > this.#deps.limits.maxAudioBytes) {
      return this.#refuse(REALTIME_ERROR_CODES.audioLimitExceeded, `The call's audio would pass ${this.#deps.limits.maxAudioBytes} bytes: this chunk is not recorded`, {
        seq: message.seq,
        limit: this.#deps.limits.maxAudioBytes,
      });
    }
    this.#lastAudioSeq = message.seq;
    this.#audioChunks += 1;
    this.#audioBytes += bytes.length;
    this.#audioFormat ??= message.format;
    this.#recording ??= this.#deps.recordings.start(this.callId, this.userId, message.format);
    const seq = message.seq;
    this.#recording.append(bytes).catch((error: unknown) => {
      if (!this.#recordingFailed) this.#deps.logger.error({ err: error, callId: this.callId, seq }, 'cannot write the call recording');
      this.#recordingFailed = true;
      if (!this.#ended) this.#refuse(REALTIME_ERROR_CODES.recordingFailed, 'The chunk could not be written to the recording', { seq });
    });
  }

  /** True when `seq` follows `last`; otherwise answers DUPLICATE_SEQ or OUT_OF_ORDER_SEQ. */
  #seqInOrder(seq: number, last: number, type: string): boolean {
    if (seq > last) return true;
    if (seq === last) this.#refuse(REALTIME_ERROR_CODES.duplicateSeq, `${type} seq ${seq} was already received: ignored`, { seq, lastSeq: last });
    else this.#refuse(REALTIME_ERROR_CODES.outOfOrderSeq, `${type} seq ${seq} arrived after seq ${last}: ignored (seq must increase)`, { seq, lastSeq: last });
    return false;
  }

  #addTurn(turn: TranscriptTurn): void {
    this.#turns.push(turn);
    // The report carries at most 500 turns: the latest are kept.
    if (this.#turns.length > MAX_REPORTED_TURNS) this.#turns.shift();
    this.#deps.journal.turn(turn, this.#audioChunks);
  }

  #refuse(code: string, message: string, details?: unknown): void {
    this.#errors += 1;
    this.#deps.metrics.rejected.labels(code).inc();
    this.#deps.connection.send({ type: 'error', code, message, ...(details === undefined ? {} : { details }) });
    if (this.#errors >= this.#deps.limits.maxErrors) {
      this.#deps.logger.warn({ callId: this.callId, errors: this.#errors, lastCode: code }, 'too many bad messages: closing the call');
      void this.#end('connection_lost', { reason: 'too_many_errors', code: CLOSE_CODES.policyViolation, text: 'too many errors' });
    }
  }

  #armIdleTimer(): void {
    clearTimeout(this.#idleTimer);
    this.#idleTimer = setTimeout(() => void this.#end('timeout', { reason: 'timeout', code: CLOSE_CODES.idleTimeout, text: 'idle timeout' }), this.#deps.limits.idleTimeoutMs);
    this.#idleTimer.unref();
  }

  /** Ends the call once: tells the client (when it is still there), then keeps the report and the recording. */
  #end(reason: ReportReason, notice?: { reason: CallEndReason; code: number; text: string }): Promise<void> {
    this.#ended ??= (async () => {
      clearTimeout(this.#idleTimer);
      if (notice) {
        this.#deps.connection.send({ type: 'call_end', reason: notice.reason });
        this.#deps.connection.close(notice.code, notice.text);
      }
      this.#deps.metrics.callsEnded.labels(reason).inc();
      let recording: RecordingMeta | undefined;
      if (this.#recording) {
        try {
          recording = await this.#recording.finish();
        } catch (error) {
          this.#deps.logger.error({ err: error, callId: this.callId }, 'cannot finish the call recording');
        }
      }
      const durationMs = Date.now() - this.#startedAt;
      this.#deps.logger.info(
        { callId: this.callId, reason, notice: notice?.reason, durationMs, turns: this.#turns.length, audioChunks: this.#audioChunks, audioBytes: this.#audioBytes, errors: this.#errors },
        'call ended',
      );
      try {
        await this.#deps.onEnd({
          callId: this.callId,
          userId: this.userId,
          report: { reason, turns: [...this.#turns], audioChunks: this.#audioChunks },
          recording,
          journal: this.#deps.journal,
          durationMs,
        });
      } catch (error) {
        // Its journal stays: the report is made from it at the next start.
        this.#deps.logger.error({ err: error, callId: this.callId }, 'cannot keep the report of an ended call');
      }
      this.#markDone();
    })();
    return this.#ended;
  }
}
