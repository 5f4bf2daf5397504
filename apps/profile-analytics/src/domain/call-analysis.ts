import { CALLER_CATEGORIES, type CallAnalysis, type CallerCategory, type CallOutcome, type CallTurn } from '@ai-ninja/contracts';

/** What call analysis needs from an intent classifier: one caller utterance → its intent (README: Call analysis). */
export interface IntentClassifier {
  classify(text: string): {
    /** sales, loan, investment, insurance, scam, question, persistence, goodbye, greeting, other… */
    readonly intent: string;
    readonly confidence: number;
    /** The call category the utterance names even when its intent is another (persistence about a loan). */
    readonly topic: CallerCategory | null;
  };
}

/** A call to analyse, validated. */
export interface CallInput {
  readonly callId: string;
  readonly userId: string;
  readonly callerPhone: string;
  readonly startedAt?: string | undefined;
  readonly turns: readonly CallTurn[];
  readonly outcome: CallOutcome;
  readonly durationMs: number;
}

/** The analysis and what the caller's profile learns from it. */
export interface CallFindings {
  readonly analysis: CallAnalysis;
  readonly startedAt: string;
  /** Caller turns once the AI had spoken (how long the caller stayed against it). */
  readonly callerTurnsAgainstAi: number;
  /** Answered by the AI and left within one caller turn, or within 15 s. */
  readonly earlyHangup: boolean;
  /** Only calls the AI answered tell how callers react to it. */
  readonly aiAnswered: boolean;
}

const EARLY_HANGUP_MS = 15_000;
/** Caller turns against the AI that count as fully persistent. */
const PERSISTENT_TURNS = 6;
const round = (value: number) => Math.round(value * 1000) / 1000;
const isCategory = (value: string): value is CallerCategory => (CALLER_CATEGORIES as readonly string[]).includes(value) && value !== 'unknown';

/**
 * Reads a call: the intent of every caller turn (the trail), the call's category by a confidence-weighted vote of
 * the turns (their intent when it is a category, otherwise the topic they name), the caller's persistence against
 * the AI, and one summary sentence.
 */
export function analyzeCall(call: CallInput, classifier: IntentClassifier, now: string): CallFindings {
  const intents: CallAnalysis['intents'] = [];
  const votes = new Map<CallerCategory, number>();
  let firstAiTurn = call.turns.findIndex((turn) => turn.speaker === 'ai');
  if (firstAiTurn < 0) firstAiTurn = Number.POSITIVE_INFINITY;
  let againstAi = 0;
  let pushing = 0;
  call.turns.forEach((turn, index) => {
    if (turn.speaker !== 'caller') return;
    const verdict = classifier.classify(turn.text);
    intents.push({ turn: index, at: turn.at, intent: verdict.intent, confidence: round(Math.min(1, Math.max(0, verdict.confidence))) });
    const category = isCategory(verdict.intent) ? verdict.intent : verdict.topic;
    if (category && isCategory(category)) votes.set(category, (votes.get(category) ?? 0) + verdict.confidence);
    if (index > firstAiTurn) {
      againstAi += 1;
      if (verdict.intent === 'persistence' || isCategory(verdict.intent)) pushing += 1;
    }
  });

  let category: CallerCategory = 'unknown';
  let best = 0;
  for (const [candidate, weight] of votes) {
    if (weight > best) [category, best] = [candidate, weight];
  }
  // Persistence: how long the caller stayed against the AI, and how much of it was still pushing their offer.
  const persistence = againstAi === 0 ? 0 : round(0.6 * Math.min(1, againstAi / PERSISTENT_TURNS) + 0.4 * (pushing / againstAi));
  const startedAt = call.startedAt ?? call.turns[0]?.at ?? now;
  const aiAnswered = call.outcome === 'ai_answered';
  const earlyHangup = aiAnswered && (againstAi <= 1 || call.durationMs < EARLY_HANGUP_MS);
  const analysis: CallAnalysis = {
    callId: call.callId,
    userId: call.userId,
    callerPhone: call.callerPhone,
    outcome: call.outcome,
    category,
    intents,
    persistence,
    summary: summarize(call, category, intents.length, persistence, earlyHangup),
    analyzedAt: now,
  };
  return { analysis, startedAt, callerTurnsAgainstAi: againstAi, earlyHangup, aiAnswered };
}

function summarize(call: CallInput, category: CallerCategory, callerTurns: number, persistence: number, earlyHangup: boolean): string {
  const who = category === 'unknown' ? 'A caller of unknown purpose' : `A ${category} caller`;
  const seconds = Math.round(call.durationMs / 1000);
  const spoke = `spoke ${callerTurns} time${callerTurns === 1 ? '' : 's'} in ${seconds} s`;
  switch (call.outcome) {
    case 'transferred':
      return `${who} ${spoke} and was put through to the user.`;
    case 'blocked':
      return `${who} was blocked before reaching the user.`;
    case 'ai_answered': {
      const reaction = earlyHangup ? 'gave up early' : persistence >= 0.6 ? `kept pushing (persistence ${persistence})` : `gave up after a while (persistence ${persistence})`;
      return `${who} ${spoke} against the AI and ${reaction}.`;
    }
  }
}
