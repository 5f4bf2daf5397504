import { initialDialogueState, nextState, type EndReason } from './dialogue.state-machine.js';
import { classifyIntent } from './intent.classifier.js';
import { EMOTIONS, INTENTS, type Category, type Emotion, type Intent, type Stage } from './types.js';

/** What a summary needs from each turn. */
export interface SummaryTurn {
  readonly intent: Intent;
  /** The category the turn named (IntentClassification.topic); null when none. */
  readonly topic: Category | null;
  readonly emotion?: Emotion;
}

/** What a call was and how it went: the figures profile-analytics keeps about a caller. */
export interface CallSummary {
  /** The category most turns named (scam wins ties, then the one named first); `unknown` when none. */
  readonly category: Category | 'unknown';
  /** True when any turn carried scam cues, even if another category dominated. */
  readonly scamDetected: boolean;
  /** Share of the caller's turns that pushed (persistence), 0..1. */
  readonly persistenceScore: number;
  readonly turns: number;
  /** How it ended; `ongoing` while it has not. */
  readonly ended: EndReason | 'ongoing';
  readonly finalStage: Stage;
  readonly intents: Readonly<Record<Intent, number>>;
  readonly emotions: Readonly<Record<Emotion, number>>;
}

/** Summarises a call from its turns and its final dialogue stage (pure). */
export function summarizeTurns(turns: readonly SummaryTurn[], final: { readonly stage: Stage; readonly endReason: EndReason | null }): CallSummary {
  const intents = Object.fromEntries(INTENTS.map((intent) => [intent, 0])) as Record<Intent, number>;
  const emotions = Object.fromEntries(EMOTIONS.map((emotion) => [emotion, 0])) as Record<Emotion, number>;
  const topicCounts = new Map<Category, number>();
  let scamDetected = false;
  for (const turn of turns) {
    intents[turn.intent] += 1;
    if (turn.emotion) emotions[turn.emotion] += 1;
    const topic = turn.intent === 'scam' ? 'scam' : turn.topic;
    if (topic !== null) topicCounts.set(topic, (topicCounts.get(topic) ?? 0) + 1);
    if (topic === 'scam') scamDetected = true;
  }
  let category: Category | 'unknown' = 'unknown';
  let best = 0;
  // Map order is first-named order; scam is looked at first so that it wins a tie.
  for (const candidate of ['scam', ...topicCounts.keys()] as Category[]) {
    const count = topicCounts.get(candidate) ?? 0;
    if (count > best) {
      category = candidate;
      best = count;
    }
  }
  return {
    category,
    scamDetected,
    persistenceScore: turns.length === 0 ? 0 : Math.round((intents.persistence / turns.length) * 1000) / 1000,
    turns: turns.length,
    ended: final.stage === 'hang_up' ? (final.endReason ?? 'terminated') : 'ongoing',
    finalStage: final.stage,
    intents,
    emotions,
  };
}

/**
 * Summarises a transcript (the caller's utterances in order) with the embedded classifier and the dialogue state
 * machine, as if the embedded model had answered the call. For services that receive a transcript after the call
 * (profile-analytics); the dialogue part reflects the embedded model's stages, not what a different answerer did.
 */
export function summarizeTranscript(utterances: readonly string[]): CallSummary {
  let state = initialDialogueState();
  const turns: SummaryTurn[] = [];
  utterances.forEach((utterance, index) => {
    const classification = classifyIntent(utterance);
    turns.push({ intent: classification.intent, topic: classification.topic });
    state = nextState(state, classification, index + 1).state;
  });
  return summarizeTurns(turns, state);
}
