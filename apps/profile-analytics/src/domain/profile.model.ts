import { CALLER_CATEGORIES, type CallerCategory, type CallerProfile } from '@ai-ninja/contracts';
import type { ProfileRow } from '../store/schema.js';

/** What a category alone says about a caller's risk, before any report (README: Risk score). */
export const CATEGORY_PRIOR: Readonly<Record<CallerCategory, number>> = {
  unknown: 0.2,
  insurance: 0.5,
  sales: 0.55,
  loan: 0.65,
  investment: 0.65,
  scam: 0.9,
};
/** How many reports the category prior weighs as. */
const PRIOR_WEIGHT = 2;
/** How far the caller's persistence against the AI moves the score, at most (±). */
const PERSISTENCE_WEIGHT = 0.1;
/** Ties between categories go to the more harmful one. */
const SEVERITY: readonly CallerCategory[] = ['scam', 'loan', 'investment', 'insurance', 'sales'];

const round = (value: number) => Math.round(value * 1000) / 1000;
const clamp01 = (value: number) => Math.min(1, Math.max(0, value));

/** A new profile for a number seen for the first time at `now`. */
export function emptyProfile(phone: string, now: string): ProfileRow {
  return {
    phone,
    category: 'unknown',
    category_counts: '{}',
    risk_score: CATEGORY_PRIOR.unknown,
    call_count: 0,
    first_seen: now,
    last_seen: now,
    spam_reports: 0,
    wanted_reports: 0,
    analyzed_calls: 0,
    caller_turns: 0,
    early_hangups: 0,
    persistence_sum: 0,
    last_summary: null,
    updated_at: now,
  };
}

/** The category seen most often (unknown aside), the more harmful on a tie; `unknown` when none was seen. */
export function leadingCategory(counts: Partial<Record<CallerCategory, number>>): CallerCategory {
  let best: CallerCategory = 'unknown';
  let bestCount = 0;
  for (const category of SEVERITY) {
    const count = counts[category] ?? 0;
    if (count > bestCount) {
      best = category;
      bestCount = count;
    }
  }
  return best;
}

/**
 * The risk score: the share of spam reports among all reports, with the category's prior counted as two reports
 * (so one report moves a new number, and many reports outweigh the category), moved by up to ±0.1 by how
 * persistent the caller is against the AI.
 */
export function riskScore(row: Pick<ProfileRow, 'category' | 'spam_reports' | 'wanted_reports' | 'analyzed_calls' | 'persistence_sum'>): number {
  const prior = CATEGORY_PRIOR[row.category];
  const reports = (row.spam_reports + PRIOR_WEIGHT * prior) / (row.spam_reports + row.wanted_reports + PRIOR_WEIGHT);
  const behaviour = row.analyzed_calls > 0 ? PERSISTENCE_WEIGHT * (row.persistence_sum / row.analyzed_calls - 0.5) * 2 : 0;
  return round(clamp01(reports + behaviour));
}

/** Recomputes what derives from the counters: category and risk score. */
export function settle(row: ProfileRow, now: string): ProfileRow {
  const counts = JSON.parse(row.category_counts) as Partial<Record<CallerCategory, number>>;
  const category = leadingCategory(counts);
  const next = { ...row, category, updated_at: now };
  return { ...next, risk_score: riskScore(next) };
}

/** Adds one observation of `category`. */
export function countCategory(row: ProfileRow, category: CallerCategory): ProfileRow {
  if (category === 'unknown') return row;
  const counts = JSON.parse(row.category_counts) as Partial<Record<CallerCategory, number>>;
  counts[category] = (counts[category] ?? 0) + 1;
  return { ...row, category_counts: JSON.stringify(Object.fromEntries(CALLER_CATEGORIES.filter((c) => counts[c]).map((c) => [c, counts[c]]))) };
}

/** A call from the number at `at`. */
export function countCall(row: ProfileRow, at: string): ProfileRow {
  return { ...row, call_count: row.call_count + 1, first_seen: at < row.first_seen ? at : row.first_seen, last_seen: at > row.last_seen ? at : row.last_seen };
}

/** The profile as the API answers it. */
export function toCallerProfile(row: ProfileRow): CallerProfile {
  const analyzed = row.analyzed_calls;
  return {
    phone: row.phone,
    category: row.category,
    riskScore: row.risk_score,
    callCount: row.call_count,
    firstSeen: row.first_seen,
    lastSeen: row.last_seen,
    spamReports: row.spam_reports,
    wantedReports: row.wanted_reports,
    reaction: {
      analyzedCalls: analyzed,
      averageTurns: analyzed ? round(row.caller_turns / analyzed) : 0,
      earlyHangupRate: analyzed ? round(row.early_hangups / analyzed) : 0,
      persistence: analyzed ? round(row.persistence_sum / analyzed) : 0,
    },
    lastSummary: row.last_summary,
    updatedAt: row.updated_at,
  };
}
