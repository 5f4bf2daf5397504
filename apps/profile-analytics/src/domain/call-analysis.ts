import type { CallAnalysis, CallerCategory, CallOutcome, CallTurn } from '@ai-ninja/contracts';
import { classifyIntent, isCategory, summarizeTurns, type SummaryTurn } from '@ai-ninja/dialogue';

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

/**
 * Reads a call with the shared zh/en intent classifier of libs/dialogue: the intent of every caller turn (the
 * trail), the call's category as the dialogue model's call summary counts it (the category most turns named, scam
 * first on a tie), the caller's persistence against the AI, and one summary sentence.
 */
export function analyzeCall(call: CallInput, now: string): CallFindings {
  const intents: CallAnalysis['intents'] = [];
  const read: SummaryTurn[] = [];
  let firstAiTurn = call.turns.findIndex((turn) => turn.speaker === 'ai');
  if (firstAiTurn < 0) firstAiTurn = Number.POSITIVE_INFINITY;
  let againstAi = 0;
  let pushing = 0;
  call.turns.forEach((turn, index) => {
    if (turn.speaker !== 'caller') return;
    const verdict = classifyIntent(turn.text);
    intents.push({ turn: index, at: turn.at, intent: verdict.intent, confidence: round(verdict.confidence) });
    read.push({ intent: verdict.intent, topic: verdict.topic });
    if (index > firstAiTurn) {
      againstAi += 1;
      if (verdict.intent === 'persistence' || isCategory(verdict.intent)) pushing += 1;
    }
  });

  const category: CallerCategory = summarizeTurns(read, { stage: 'hang_up', endReason: null }).category;
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
  const who = category === 'unknown' ? 'A caller of unknown purpose' : `${/^[aeiou]/.test(category) ? 'An' : 'A'} ${category} caller`;
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
