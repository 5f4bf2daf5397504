import type { CallDecision, CallerProfile, HostedNumber, QuietHours, WhitelistDecision } from '@ai-ninja/contracts';

/** What a decision is made from: each source, or why it is missing. */
export interface DecisionInput {
  /** Who hosts the dialled number; `unavailable` when user-management did not answer in time. */
  readonly owner: HostedNumber | 'unavailable';
  readonly whitelist: WhitelistDecision | 'unavailable';
  /** The caller's global profile; `unknown` for a number never seen. */
  readonly profile: CallerProfile | 'unknown' | 'unavailable';
  readonly now: Date;
  readonly spamRiskThreshold: number;
}

export interface Decision {
  readonly decision: CallDecision;
  readonly reasons: string[];
}

/**
 * transfer, ai_answer or reject, with the reasons, people-readable. Never fails: a missing source degrades to the
 * most sensible decision without it, and the reasons say which source was missing.
 */
export function decide(input: DecisionInput): Decision {
  const { owner, whitelist, profile } = input;
  if (owner === 'unavailable') {
    // Without the owner there is no preference and no whitelist to consult: ringing through never loses a call.
    return { decision: 'transfer', reasons: ['user-management did not answer in time: the call is put through rather than dropped'] };
  }
  const reasons: string[] = [];
  let decision: CallDecision;
  if (whitelist !== 'unavailable' && whitelist.decision === 'allow') {
    decision = 'transfer';
    reasons.push(...whitelist.reasons);
  } else if (whitelist !== 'unavailable' && whitelist.decision === 'block') {
    decision = 'reject';
    reasons.push(...whitelist.reasons);
  } else {
    if (whitelist === 'unavailable') reasons.push('smart-whitelist did not answer in time: decided without the whitelist');
    const spam = spamSignal(profile, whitelist, input.spamRiskThreshold);
    if (profile === 'unavailable') reasons.push('profile-analytics did not answer in time: decided without the caller profile');
    if (spam) {
      decision = 'ai_answer';
      reasons.push(spam);
    } else {
      decision = owner.preferences.unknownCallerAction;
      reasons.push(`unknown caller: the user's default for unknown callers is ${decision}`);
    }
  }
  const quiet = owner.preferences.quietHours;
  if (decision === 'transfer' && quiet && inQuietHours(quiet, input.now)) {
    decision = quiet.action;
    reasons.push(`quiet hours ${quiet.start}–${quiet.end} (${quiet.timezone}): ${quiet.action} instead of ringing through`);
  }
  return { decision, reasons };
}

function spamSignal(profile: DecisionInput['profile'], whitelist: DecisionInput['whitelist'], threshold: number): string | undefined {
  if (typeof profile === 'object') {
    if (profile.category === 'scam') return `caller profile: reported as a scam (risk ${profile.riskScore.toFixed(2)})`;
    if (profile.riskScore >= threshold) return `caller profile: ${profile.category}, risk ${profile.riskScore.toFixed(2)} ≥ ${threshold}`;
  }
  if (whitelist !== 'unavailable' && whitelist.spamScore >= threshold) return `spam score ${whitelist.spamScore.toFixed(2)} ≥ ${threshold}`;
  return undefined;
}

/** Whether `now` falls between start and end in the user's time zone (crossing midnight when end < start). */
export function inQuietHours(quiet: QuietHours, now: Date): boolean {
  const local = new Intl.DateTimeFormat('en-GB', { timeZone: quiet.timezone, hour: '2-digit', minute: '2-digit', hourCycle: 'h23' }).format(now);
  return quiet.start < quiet.end ? local >= quiet.start && local < quiet.end : local >= quiet.start || local < quiet.end;
}
