import { ManageTurnEndpoint, type DialogueStage, type Intent, type ManageTurnResponse, type Personality } from '@ai-ninja/contracts';
import { UpstreamHttpError, type ServiceClient } from '@ai-ninja/service-client';
import type { Logger } from '@ai-ninja/service-kit';
import type { ScriptedReplies } from './scripted-replies.js';

/** The answer to one caller utterance. */
export interface TurnReply {
  readonly text: string;
  readonly shouldHangup: boolean;
  readonly intent: Intent;
  readonly stage: DialogueStage;
  /** A scripted reply answered: conversation-engine was slow, away, or refused the turn. */
  readonly fallback: boolean;
  /** Why the scripted reply answered (the client error's code), for the log. */
  readonly fallbackReason?: string;
}

/** What a turn is about: the call, and the call's own scripted replies and last known stage. */
export interface TurnContext {
  readonly callId: string;
  readonly userId: string;
  /** From the call token: the user's choices at the time of the call. */
  readonly personality?: Personality | undefined;
  readonly userName?: string | undefined;
  readonly scripted: ScriptedReplies;
  readonly stage: DialogueStage;
}

/**
 * Asks conversation-engine for the reply to each final transcript, under the turn deadline. When the engine is slow
 * or down (or the breaker is open), the call's scripted replies answer instead, so the caller never waits on silence.
 */
export class TurnResponder {
  constructor(
    private readonly client: ServiceClient,
    private readonly options: { readonly deadlineMs: number; readonly retries: number },
    private readonly logger: Logger,
  ) {}

  async reply(context: TurnContext, utterance: string): Promise<TurnReply> {
    let fallbackReason: string | undefined;
    let answer: ManageTurnResponse | undefined;
    try {
      answer = await this.client.call(
        ManageTurnEndpoint,
        { body: { callId: context.callId, userId: context.userId, utterance, ...(context.personality ? { personality: context.personality } : {}), ...(context.userName ? { userName: context.userName } : {}) } },
        {
          timeout: this.options.deadlineMs,
          retries: this.options.retries,
          // The client counts the fallback and skips the error; the scripted reply itself is chosen below.
          fallback: (error) => {
            fallbackReason = error.code;
            return undefined as unknown as ManageTurnResponse;
          },
        },
      );
    } catch (error) {
      const envelopeCode = error instanceof UpstreamHttpError ? error.envelope?.error.code : undefined;
      fallbackReason = envelopeCode ?? (error as { code?: string }).code ?? 'ERROR';
      if (error instanceof UpstreamHttpError && error.upstreamStatus === 409) {
        // The engine still works on a turn this call gave up waiting for (CONVERSATION_BUSY): expected after a timeout.
        this.logger.info({ callId: context.callId, code: envelopeCode }, 'conversation-engine is still busy with an earlier turn of this call');
      } else {
        // Any other refusal of the turn itself (a 4xx) is a programming or configuration problem: logged loudly; the
        // caller still hears a reply.
        this.logger.error({ err: error, callId: context.callId }, 'conversation-engine refused a turn: answering with a scripted reply');
      }
    }
    if (answer && fallbackReason === undefined) {
      return { text: answer.reply.text, shouldHangup: answer.shouldTerminate, intent: answer.intent, stage: answer.stage, fallback: false };
    }
    const scripted = context.scripted.next(utterance);
    this.logger.info({ callId: context.callId, reason: fallbackReason, hangup: scripted.hangup }, 'conversation-engine did not answer in time: scripted reply');
    return {
      text: scripted.text,
      shouldHangup: scripted.hangup,
      intent: 'other',
      stage: scripted.hangup ? 'hang_up' : context.stage,
      fallback: true,
      fallbackReason: fallbackReason ?? 'UNKNOWN',
    };
  }
}
