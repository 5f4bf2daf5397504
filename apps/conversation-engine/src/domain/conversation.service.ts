import type { ManageTurnRequest, ManageTurnResponse, Principal } from '@ai-ninja/contracts';
import { Conversation, type ConversationState, type Personality } from '@ai-ninja/dialogue';
import { AppError, assertCanAccess, type Logger } from '@ai-ninja/service-kit';
import type { ConversationsStore, StoredConversation } from '../store/conversations.store.js';
import type { LlmProvider } from './llm.provider.js';

const SAVE_ATTEMPTS = 3;

/**
 * Calls' conversations: each turn reads the call's state, lets the embedded model answer, has the provider (when one
 * is configured and answers) write the reply's words, and stores the state again, guarded by its version.
 */
export class ConversationService {
  constructor(
    private readonly store: ConversationsStore,
    private readonly defaultPersonality: Personality,
    private readonly llm: LlmProvider | undefined,
    private readonly logger: Logger,
  ) {}

  async manage(request: ManageTurnRequest): Promise<ManageTurnResponse> {
    for (let attempt = 1; attempt <= SAVE_ATTEMPTS; attempt += 1) {
      const started = performance.now();
      const stored = await this.store.find(request.callId);
      if (stored && stored.userId !== request.userId) {
        throw new AppError(409, 'CALL_USER_MISMATCH', `Call ${request.callId} belongs to another user`);
      }
      const conversation = stored ? this.#restore(stored) : Conversation.start(request.callId);
      const turn = conversation.manage(request.utterance, { personality: request.personality ?? this.defaultPersonality, userName: request.userName });
      let reply = { text: turn.reply.text, id: turn.reply.id };
      let model: ManageTurnResponse['model'] = 'embedded';
      let state = conversation.toJSON();
      if (this.llm) {
        const written = await this.#llmReply(conversation, request, turn);
        if (written) {
          reply = { text: written, id: `llm.${request.callId}.${turn.turn}` };
          model = 'llm';
          // The history keeps the words the caller heard.
          const history = state.history.map((record, i) => (i === state.history.length - 1 ? { ...record, reply: { ...record.reply, text: written, id: reply.id } } : record));
          state = { ...state, history };
        }
      }
      if (await this.store.save(request.callId, request.userId, state, stored?.version)) {
        return {
          callId: request.callId,
          turn: turn.turn,
          intent: turn.intent,
          confidence: turn.confidence,
          emotion: turn.emotion,
          stage: turn.stage,
          reply,
          shouldTerminate: turn.shouldTerminate,
          reasons: [...turn.reasons],
          model,
          processingMs: Math.round((performance.now() - started) * 100) / 100,
        };
      }
      this.logger.debug({ callId: request.callId, attempt }, 'conversation changed meanwhile: answering on the newer state');
    }
    throw new AppError(409, 'CONVERSATION_BUSY', `Call ${request.callId} is being answered by another request; send turns one at a time`);
  }

  /** Ends a call's conversation from outside (the caller or the user hung up). */
  async terminate(callId: string, principal: Principal | undefined) {
    for (let attempt = 1; attempt <= SAVE_ATTEMPTS; attempt += 1) {
      const stored = await this.#load(callId, principal);
      const conversation = this.#restore(stored);
      const ended = conversation.terminate();
      if (await this.store.save(callId, stored.userId, conversation.toJSON(), stored.version)) {
        return { callId, stage: ended.stage, endReason: ended.endReason, reasons: [...ended.reasons], summary: conversation.summary() };
      }
    }
    throw new AppError(409, 'CONVERSATION_BUSY', `Call ${callId} changed meanwhile; try again`);
  }

  async history(callId: string, principal: Principal | undefined) {
    const stored = await this.#load(callId, principal);
    const conversation = this.#restore(stored);
    return { callId, userId: stored.userId, stage: conversation.stage, turns: conversation.history, summary: conversation.summary() };
  }

  async #load(callId: string, principal: Principal | undefined): Promise<StoredConversation> {
    const stored = await this.store.find(callId);
    if (!stored) throw new AppError(404, 'CONVERSATION_NOT_FOUND', `No conversation for call ${callId}`);
    assertCanAccess(principal, stored.userId);
    return stored;
  }

  #restore(stored: StoredConversation): Conversation {
    try {
      return Conversation.fromJSON(stored.state as ConversationState);
    } catch (error) {
      throw new AppError(409, 'CONVERSATION_STATE_UNREADABLE', `The stored conversation of this call cannot be read: ${(error as Error).message}`);
    }
  }

  async #llmReply(conversation: Conversation, request: ManageTurnRequest, turn: ReturnType<Conversation['manage']>): Promise<string | undefined> {
    try {
      const history = conversation.history.slice(0, -1);
      const text = await this.llm!.reply({
        personality: request.personality ?? this.defaultPersonality,
        language: turn.reply.language,
        stage: turn.stage,
        intent: turn.intent,
        userName: request.userName,
        history,
        utterance: request.utterance,
      });
      // Never the same words twice in one call: a repeated line falls back to the embedded reply.
      return history.some((record) => record.reply.text === text) ? undefined : text;
    } catch (error) {
      // Breaker changes are logged loudly by the app; each fallen-back turn only quietly.
      this.logger.debug({ err: error, callId: request.callId }, 'the chat-completions provider did not answer: the embedded reply is used');
      return undefined;
    }
  }
}
