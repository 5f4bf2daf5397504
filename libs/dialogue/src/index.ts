/**
 * conversation-engine's embedded model: intent classification, emotion, the dialogue state machine, replies in the
 * user's personality, the per-call Conversation aggregate and the call summary. Pure TypeScript with no service
 * imports, so another service (profile-analytics, realtime-processor) can reuse the classifier, summariser and
 * fallback script once they move to a lib.
 */
export * from './types.js';
export { classifyIntent, classifyNormalized, normalizeForModel, OTHER_PRIOR, type IntentClassification } from './intent.classifier.js';
export { detectEmotion, type EmotionReading } from './emotion.detector.js';
export { MAX_UTTERANCE_CHARS, replyLanguageOf, type NormalizedText } from './text.normalizer.js';
export {
  DEFAULT_LIMITS,
  initialDialogueState,
  nextState,
  terminateState,
  type DialogueLimits,
  type DialogueState,
  type EndReason,
  type Transition,
} from './dialogue.state-machine.js';
export { REPLY_CELLS, type ReplyCell } from './reply.bank.js';
export { replyCellFor, selectReply, type Reply, type ReplyRequest } from './reply.selector.js';
export { summarizeTranscript, summarizeTurns, type CallSummary, type SummaryTurn } from './call.summarizer.js';
export {
  Conversation,
  CONVERSATION_STATE_VERSION,
  type ConversationDeps,
  type ConversationState,
  type ManageOptions,
  type ManageResult,
  type TurnRecord,
} from './conversation.aggregate.js';
