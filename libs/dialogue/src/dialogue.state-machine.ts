import type { IntentClassification } from './intent.classifier.js';
import type { Category, Stage } from './types.js';

/** Why a call reached hang_up (or `null` while it goes on). */
export type EndReason = 'caller_goodbye' | 'caller_insisted' | 'scam' | 'turn_limit' | 'terminated';

/** The dialogue's state between turns: plain JSON. */
export interface DialogueState {
  readonly stage: Stage;
  /** Turns spent in the current stage (the turn that entered it counts as 1). */
  readonly stageTurns: number;
  /** Pushes (persistence turns) since the call began. */
  readonly pressure: number;
  /** How many turns pitched each category. */
  readonly topics: Readonly<Partial<Record<Category, number>>>;
  /** True once the caller was warned that this looks like fraud. */
  readonly scamWarned: boolean;
  readonly endReason: EndReason | null;
}

/** The thresholds that move a call on. */
export interface DialogueLimits {
  /** Greeting/question/other turns the call may stay in `initial` before handling it anyway. */
  readonly openingTurns: number;
  /** Pushes that turn handling into firm rejection. */
  readonly pushesToFirm: number;
  /** Turns in `handling` before a firm rejection, whatever the caller does. */
  readonly handlingTurns: number;
  /** Turns in `firm_rejection` before hanging up, whatever the caller does. */
  readonly firmTurns: number;
  /** Turns after which any call hangs up. */
  readonly maxTurns: number;
}

export const DEFAULT_LIMITS: DialogueLimits = { openingTurns: 2, pushesToFirm: 2, handlingTurns: 5, firmTurns: 3, maxTurns: 12 };

/** One step of the state machine: the new state and why. */
export interface Transition {
  readonly state: DialogueState;
  /** Human-readable reasons, first the one that decided the stage. */
  readonly reasons: readonly string[];
}

/** The state of a call before the caller says anything. */
export function initialDialogueState(): DialogueState {
  return { stage: 'initial', stageTurns: 0, pressure: 0, topics: {}, scamWarned: false, endReason: null };
}

/**
 * Moves a call's dialogue one turn on (pure). `turn` is the 1-based number of the caller's utterance in the call.
 *
 * - goodbye → hang_up, politely, from any stage.
 * - scam → firm_rejection at once, with a warning; scam again in firm_rejection → hang_up.
 * - initial → handling once the caller names a product or pushes, or after `openingTurns` turns of small talk.
 * - handling → firm_rejection when the caller pitches the same category again, after `pushesToFirm` pushes, or after
 *   `handlingTurns` turns.
 * - firm_rejection → hang_up when the caller insists again (a push or any pitch), or after `firmTurns` turns.
 * - any stage → hang_up at `maxTurns`.
 * - hang_up stays hang_up.
 */
export function nextState(state: DialogueState, classification: IntentClassification, turn: number, limits: DialogueLimits = DEFAULT_LIMITS): Transition {
  const { intent } = classification;
  const topic = classification.topic;
  if (state.stage === 'hang_up') return stay(state, ['the call has ended; the caller is still talking']);

  const repeatedPitch = topic !== null && topic !== 'scam' && (state.topics[topic] ?? 0) > 0;
  const topics = topic === null ? state.topics : { ...state.topics, [topic]: (state.topics[topic] ?? 0) + 1 };
  const pushed = intent === 'persistence';
  const pressure = state.pressure + (pushed ? 1 : 0);
  const base: DialogueState = { ...state, topics, pressure };

  if (intent === 'goodbye') return move(base, 'hang_up', 'caller_goodbye', ['the caller said goodbye: hang up politely']);

  if (intent === 'scam') {
    const cues = classification.matched.filter((cue) => !cue.includes(':')).join(', ');
    if (state.stage === 'firm_rejection' && state.scamWarned) return move(base, 'hang_up', 'scam', [`scam cues again (${cues}) after the warning: hang up`]);
    return move({ ...base, scamWarned: true }, 'firm_rejection', null, [`scam cues (${cues}): firm rejection with a warning`]);
  }

  if (turn >= limits.maxTurns) return move(base, 'hang_up', 'turn_limit', [`turn ${turn} reached the limit of ${limits.maxTurns}: hang up`]);

  switch (state.stage) {
    case 'initial': {
      if (topic !== null) return move(base, 'handling', null, [`the caller stated their business (${topic})`]);
      if (pushed) return move(base, 'handling', null, ['the caller pushes before saying what it is about']);
      if (state.stageTurns + 1 >= limits.openingTurns) return move(base, 'handling', null, [`no business stated after ${limits.openingTurns} turns`]);
      return stay(base, [`opening (${intent}): find out who is calling`]);
    }
    case 'handling': {
      if (repeatedPitch) return move(base, 'firm_rejection', null, [`the same ${topic} pitch again: firm rejection`]);
      if (pushed && pressure >= limits.pushesToFirm) return move(base, 'firm_rejection', null, [`the caller pushed ${pressure} times: firm rejection`]);
      if (state.stageTurns + 1 >= limits.handlingTurns) return move(base, 'firm_rejection', null, [`${limits.handlingTurns} turns in handling: firm rejection`]);
      const why = pushed ? `the caller pushed (${pressure} of ${limits.pushesToFirm})` : topic !== null ? `first ${topic} pitch: decline` : `${intent}: answer and decline`;
      return stay(base, [why]);
    }
    case 'firm_rejection': {
      if (pushed || topic !== null) return move(base, 'hang_up', state.scamWarned ? 'scam' : 'caller_insisted', [`the caller insists after the firm rejection (${pushed ? 'persistence' : `${topic} pitch`}): hang up`]);
      if (state.stageTurns + 1 >= limits.firmTurns) return move(base, 'hang_up', 'turn_limit', [`${limits.firmTurns} turns in firm rejection: hang up`]);
      return stay(base, [`${intent} after the firm rejection: restate it`]);
    }
  }
}

/** Ends a call from outside (the user or the gateway hung up): hang_up with endReason `terminated`. */
export function terminateState(state: DialogueState): Transition {
  if (state.stage === 'hang_up') return stay(state, ['the call had already ended']);
  return move(state, 'hang_up', 'terminated', ['terminated from outside']);
}

function stay(state: DialogueState, reasons: string[]): Transition {
  return { state: { ...state, stageTurns: state.stageTurns + 1 }, reasons };
}

function move(state: DialogueState, stage: Stage, endReason: EndReason | null, reasons: string[]): Transition {
  if (stage === state.stage) return stay({ ...state, endReason: endReason ?? state.endReason }, reasons);
  return { state: { ...state, stage, stageTurns: 1, endReason: endReason ?? state.endReason }, reasons };
}
