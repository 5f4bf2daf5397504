import type { CallerCategory, CallOutcome } from '@ai-ninja/contracts';

/** The rows of profile-analytics's tables, as Kysely sees them (see migrations.ts). */
export interface AnalyticsDb {
  caller_profiles: ProfileRow;
  processed_events: { id: string; processed_at: string };
  calls: CallRow;
}

export interface ProfileRow {
  phone: string;
  category: CallerCategory;
  /** JSON: observations per category. */
  category_counts: string;
  risk_score: number;
  call_count: number;
  first_seen: string;
  last_seen: string;
  spam_reports: number;
  wanted_reports: number;
  analyzed_calls: number;
  caller_turns: number;
  early_hangups: number;
  persistence_sum: number;
  last_summary: string | null;
  updated_at: string;
}

export interface CallRow {
  call_id: string;
  user_id: string;
  caller_phone: string;
  outcome: CallOutcome;
  category: CallerCategory;
  /** UTC day the call started, YYYY-MM-DD. */
  day: string;
  /** JSON: the CallAnalysis answered. */
  analysis: string;
  analyzed_at: string;
}
