import { summarizeTurns, type CallSummary } from './call.summarizer.js';
import { initialDialogueState, nextState, terminateState, type DialogueLimits, type DialogueState, type EndReason } from './dialogue.state-machine.js';
import { detectEmotion } from './emotion.detector.js';
import { classifyNormalized, normalizeForModel } from './intent.classifier.js';
import { selectReply } from './reply.selector.js';
import { replyLanguageOf } from './text.normalizer.js';
import { CATEGORIES, type Category, type Emotion, type Intent, type Personality, type ReplyLanguage, type Stage, type UtteranceLanguage } from './types.js';

/** Bumped when ConversationState changes shape, so a stored state from an older version is recognised. */
export const CONVERSATION_STATE_VERSION = 1;

/** One turn of a call as kept in its history. */
export interface TurnRecord {
  readonly turn: number;
  /** ISO 8601 time the utterance was handled. */
  readonly at: string;
  readonly utterance: string;
  readonly intent: Intent;
  readonly confidence: number;
  readonly matched: readonly string[];
  readonly language: UtteranceLanguage;
  readonly topic: Category | null;
  readonly emotion: Emotion;
  readonly emotionIntensity: number;
  readonly stageBefore: Stage;
  readonly stage: Stage;
  readonly reply: { readonly id: string; readonly text: string; readonly language: ReplyLanguage };
  readonly reasons: readonly string[];
  readonly personality: Personality;
}

/** A call's whole state: plain JSON, so the route layer can store it anywhere and rebuild the call with fromJSON. */
export interface ConversationState {
  readonly version: typeof CONVERSATION_STATE_VERSION;
  readonly callId: string;
  readonly startedAt: string;
  readonly endedAt: string | null;
  /** The language of the last reply; used when an utterance has nothing to read ("…", silence). */
  readonly language: ReplyLanguage | null;
  readonly dialogue: DialogueState;
  /** Ids of every reply said in this call, so that none is said twice. */
  readonly usedReplyIds: readonly string[];
  readonly history: readonly TurnRecord[];
}

export interface ManageOptions {
  readonly personality: Personality;
  /** The user's name, for lines such as "I'm the assistant for {user}". */
  readonly userName?: string | undefined;
  /** Reply language when the first utterance has nothing to read; default zh. */
  readonly defaultLanguage?: ReplyLanguage | undefined;
}

/** The result of one turn. */
export interface ManageResult {
  readonly turn: number;
  readonly intent: Intent;
  readonly confidence: number;
  readonly matched: readonly string[];
  readonly language: UtteranceLanguage;
  readonly topic: Category | null;
  readonly emotion: { readonly emotion: Emotion; readonly intensity: number };
  readonly stage: Stage;
  readonly reply: { readonly id: string; readonly text: string; readonly language: ReplyLanguage };
  readonly shouldTerminate: boolean;
  readonly reasons: readonly string[];
}

export interface ConversationDeps {
  /** The clock; tests pass a fixed one. */
  readonly now?: () => Date;
  readonly limits?: DialogueLimits;
}

/**
 * One call's conversation: classifies each caller utterance, moves the dialogue on, picks a reply in the user's
 * personality and the caller's language that this call has not heard yet, and keeps the history.
 * Holds no resources; its state is `toJSON()` and comes back with `Conversation.fromJSON`.
 */
export class Conversation {
  private state: ConversationState;
  private readonly used: Set<string>;
  private readonly now: () => Date;
  private readonly limits: DialogueLimits | undefined;

  private constructor(state: ConversationState, deps: ConversationDeps) {
    this.state = state;
    this.used = new Set(state.usedReplyIds);
    this.now = deps.now ?? (() => new Date());
    this.limits = deps.limits;
  }

  /** A new call. */
  static start(callId: string, deps: ConversationDeps = {}): Conversation {
    const now = (deps.now ?? (() => new Date()))().toISOString();
    return new Conversation(
      { version: CONVERSATION_STATE_VERSION, callId, startedAt: now, endedAt: null, language: null, dialogue: initialDialogueState(), usedReplyIds: [], history: [] },
      deps,
    );
  }

  /** A call rebuilt from its stored state. Throws on a state from another version (the route layer validates shape). */
  static fromJSON(state: ConversationState, deps: ConversationDeps = {}): Conversation {
    if (state.version !== CONVERSATION_STATE_VERSION) throw new Error(`conversation state version ${String(state.version)} is not ${CONVERSATION_STATE_VERSION}`);
    return new Conversation(state, deps);
  }

  get callId(): string {
    return this.state.callId;
  }
  get stage(): Stage {
    return this.state.dialogue.stage;
  }
  get ended(): boolean {
    return this.state.dialogue.stage === 'hang_up';
  }
  get history(): readonly TurnRecord[] {
    return this.state.history;
  }

  /** Handles one caller utterance: intent, emotion, the new stage, the reply, and whether to hang up. */
  manage(utterance: string, options: ManageOptions): ManageResult {
    const text = normalizeForModel(utterance);
    const classification = classifyNormalized(text);
    const emotion = detectEmotion(text);
    const turn = this.state.history.length + 1;
    const before = this.state.dialogue;
    const transition = nextState(before, classification, turn, this.limits);
    const dialogue = transition.state;
    const language: ReplyLanguage = classification.hasLetters ? replyLanguageOf(classification.language) : (this.state.language ?? options.defaultLanguage ?? 'zh');
    const reply = selectReply({
      personality: options.personality,
      language,
      stage: dialogue.stage,
      intent: classification.intent,
      endReason: dialogue.endReason,
      category: dominantCategory(dialogue.topics),
      used: this.used,
      seed: this.state.callId,
      turn,
      userName: options.userName,
    });
    this.used.add(reply.id);
    const at = this.now().toISOString();
    const record: TurnRecord = {
      turn,
      at,
      utterance: text.raw,
      intent: classification.intent,
      confidence: classification.confidence,
      matched: classification.matched,
      language: classification.language,
      topic: classification.topic,
      emotion: emotion.emotion,
      emotionIntensity: emotion.intensity,
      stageBefore: before.stage,
      stage: dialogue.stage,
      reply: { id: reply.id, text: reply.text, language },
      reasons: transition.reasons,
      personality: options.personality,
    };
    this.state = {
      ...this.state,
      language,
      dialogue,
      endedAt: this.state.endedAt ?? (dialogue.stage === 'hang_up' ? at : null),
      usedReplyIds: [...this.state.usedReplyIds, reply.id],
      history: [...this.state.history, record],
    };
    return {
      turn,
      intent: classification.intent,
      confidence: classification.confidence,
      matched: classification.matched,
      language: classification.language,
      topic: classification.topic,
      emotion: { emotion: emotion.emotion, intensity: emotion.intensity },
      stage: dialogue.stage,
      reply: record.reply,
      shouldTerminate: dialogue.stage === 'hang_up',
      reasons: transition.reasons,
    };
  }

  /** Ends the call from outside (the caller or the user hung up): stage hang_up, ended `terminated`. */
  terminate(): { readonly stage: Stage; readonly endReason: EndReason | null; readonly reasons: readonly string[] } {
    const transition = terminateState(this.state.dialogue);
    this.state = { ...this.state, dialogue: transition.state, endedAt: this.state.endedAt ?? this.now().toISOString() };
    return { stage: transition.state.stage, endReason: transition.state.endReason, reasons: transition.reasons };
  }

  /** What the call was about and how it went (see CallSummary), plus its id and times. */
  summary(): CallSummary & { readonly callId: string; readonly startedAt: string; readonly endedAt: string | null } {
    const turns = this.state.history.map((record) => ({ intent: record.intent, topic: record.topic, emotion: record.emotion }));
    return { callId: this.state.callId, startedAt: this.state.startedAt, endedAt: this.state.endedAt, ...summarizeTurns(turns, this.state.dialogue) };
  }

  /** The whole state as plain JSON. */
  toJSON(): ConversationState {
    return this.state;
  }
}

/** The category named most so far (for `{category}` in replies); ties go to the one first in CATEGORIES order. */
function dominantCategory(topics: Readonly<Partial<Record<Category, number>>>): Category | 'unknown' {
  let best: Category | 'unknown' = 'unknown';
  let count = 0;
  for (const category of CATEGORIES) {
    const n = topics[category] ?? 0;
    if (n > count) {
      best = category;
      count = n;
    }
  }
  return best;
}
