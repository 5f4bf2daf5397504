import type { CallerCategory, CallerProfile, WhitelistDecision } from '@ai-ninja/contracts';
import type { EntryRow } from '../store/schema.js';

/** A user's rules as evaluation reads them (README: Rules). */
export interface Rules {
  readonly blockedPrefixes: readonly string[];
  readonly blockedNumbers: readonly string[];
  readonly contactsOnly: boolean;
  readonly allowCategories: readonly CallerCategory[];
  readonly blockCategories: readonly CallerCategory[];
  readonly spamThreshold: number;
}

/** The rules of a user who has not set any. */
export const DEFAULT_RULES: Rules = { blockedPrefixes: [], blockedNumbers: [], contactsOnly: false, allowCategories: [], blockCategories: [], spamThreshold: 0.8 };

/** What profile-analytics said about the caller, or why it said nothing. */
export type ProfileLookup =
  | { readonly status: 'found'; readonly profile: CallerProfile }
  | { readonly status: 'not_found' }
  | { readonly status: 'unavailable'; readonly reason: string };

/** Everything one evaluation decides from. */
export interface EvaluationInput {
  readonly phone: string;
  /** The user's entry for the number, if it has one that has not expired. */
  readonly entry: EntryRow | undefined;
  readonly rules: Rules;
  readonly profile: ProfileLookup;
  /** False when no user was named (a service asking about the caller only). */
  readonly forUser: boolean;
}

const round = (value: number) => Math.round(value * 1000) / 1000;

/**
 * The decision, by the first rule that applies (README: How a caller is evaluated): the user's blocked numbers, the
 * user's whitelist, blocked prefixes, blocked and allowed categories, the spam threshold, contacts-only mode;
 * otherwise `unknown`. Each reason starts with a stable token (`blocked-number:`, `whitelist:`…) and says why in words.
 */
export function decide(input: EvaluationInput): WhitelistDecision {
  const { phone, entry, rules, profile } = input;
  const spamScore = profile.status === 'found' ? round(profile.profile.riskScore) : 0;
  const profileReason = describeProfile(profile);
  const result = (decision: WhitelistDecision['decision'], confidence: number, reason: string): WhitelistDecision => ({
    decision,
    confidence: round(confidence),
    reasons: [reason, profileReason],
    spamScore,
  });

  if (rules.blockedNumbers.includes(phone)) return result('block', 1, 'blocked-number: the number is on the user’s blocked numbers');
  if (entry) {
    if (entry.type === 'learned') {
      return result('allow', entry.confidence, `whitelist: learned entry (${entry.source ?? 'feedback'}), confidence ${round(entry.confidence)}`);
    }
    const until = entry.type === 'temporary' && entry.expires_at ? ` until ${entry.expires_at}` : '';
    return result('allow', 1, `whitelist: ${entry.type} entry${until}`);
  }
  const prefix = rules.blockedPrefixes.find((blocked) => phone.startsWith(blocked));
  if (prefix) return result('block', 0.95, `blocked-prefix: the number starts with the blocked prefix ${prefix}`);
  if (profile.status === 'found') {
    const { category, riskScore } = profile.profile;
    if (rules.blockCategories.includes(category)) return result('block', Math.max(0.9, riskScore), `blocked-category: the caller’s category ${category} is blocked by the user’s rules`);
    if (rules.allowCategories.includes(category)) return result('allow', 0.7, `allowed-category: the user wants calls of category ${category}`);
    if (riskScore >= rules.spamThreshold) return result('block', riskScore, `spam-score: ${round(riskScore)} is at or above the user’s threshold ${rules.spamThreshold}`);
  }
  if (rules.contactsOnly) return result('block', 0.9, 'contacts-only: the number is not on the whitelist and contacts-only mode is on');
  if (!input.forUser) return result('unknown', profile.status === 'found' ? 0.5 : 0.2, 'no-user: no user given, decided from the caller’s profile only');
  if (profile.status === 'found') {
    return result('unknown', 0.5, `no-rule: not on the whitelist; spam score ${spamScore} is below the user’s threshold ${rules.spamThreshold}`);
  }
  return result('unknown', profile.status === 'not_found' ? 0.3 : 0.2, 'no-rule: not on the whitelist and nothing else is known');
}

function describeProfile(profile: ProfileLookup): string {
  switch (profile.status) {
    case 'found': {
      const { category, riskScore, callCount, spamReports } = profile.profile;
      return `profile: ${category}, risk ${round(riskScore)}, ${callCount} calls, ${spamReports} spam reports`;
    }
    case 'not_found':
      return 'profile: profile-analytics has never seen this number';
    case 'unavailable':
      return `profile-unavailable: decided without the caller’s profile (${profile.reason})`;
  }
}
