import {
  CALLER_CATEGORIES,
  type AnalyzeCallResult,
  type CallAnalysis,
  type CallerCategory,
  type CallerProfile,
  type CallFeedback,
  type CallOutcome,
  type CallTrends,
  type UpdateCallerProfileResult,
} from '@ai-ninja/contracts';
import { AppError, type Logger } from '@ai-ninja/service-kit';
import type { AnalyticsStore } from '../store/analytics.store.js';
import type { ProfileRow } from '../store/schema.js';
import { analyzeCall, type CallInput } from './call-analysis.js';
import { countCall, countCategory, emptyProfile, settle, toCallerProfile } from './profile.model.js';

/** One event about a caller, validated. */
export interface ProfileUpdate {
  readonly phone: string;
  readonly eventId?: string | undefined;
  readonly callId?: string | undefined;
  readonly userId?: string | undefined;
  readonly feedback?: CallFeedback | undefined;
  readonly category?: CallerCategory | undefined;
  readonly callOutcome?: CallOutcome | undefined;
}

const DAY_MS = 86_400_000;

/** profile-analytics's logic: caller profiles, call analysis and trends. */
export class AnalyticsService {
  constructor(
    private readonly store: AnalyticsStore,
    private readonly logger: Logger,
  ) {}

  async getProfile(phone: string): Promise<CallerProfile> {
    const row = await this.store.getProfile(phone);
    if (!row) throw new AppError(404, 'PROFILE_NOT_FOUND', `No profile for ${phone}: no call or report about this number yet`);
    return toCallerProfile(row);
  }

  /**
   * Applies one event. With an eventId, or a callId, the event is applied at most once: its key is kept, and the
   * same key again changes nothing (`applied: false`).
   */
  async update(update: ProfileUpdate): Promise<UpdateCallerProfileResult> {
    const key = update.eventId
      ? `event:${update.eventId}`
      : update.callId
        ? `call:${update.callId}:${update.feedback ?? ''}:${update.category ?? ''}:${update.callOutcome ?? ''}`
        : undefined;
    const now = new Date().toISOString();
    const result = await this.store.transaction(async (store) => {
      if (key && !(await store.markProcessed(key, now))) {
        const row = await store.getProfile(update.phone);
        return { applied: false, row: row ?? emptyProfile(update.phone, now) };
      }
      const row = await this.#change(store, update.phone, now, (current) => {
        let next = current;
        if (update.feedback === 'spam') next = { ...next, spam_reports: next.spam_reports + 1 };
        if (update.feedback === 'wanted') next = { ...next, wanted_reports: next.wanted_reports + 1 };
        if (update.category) next = countCategory(next, update.category);
        if (update.callOutcome) next = countCall(next, now);
        return next;
      });
      return { applied: true, row };
    });
    if (result.applied) this.logger.info({ phone: update.phone, feedback: update.feedback, category: update.category, callOutcome: update.callOutcome, eventId: update.eventId, callId: update.callId, userId: update.userId }, 'caller profile updated');
    return { applied: result.applied, profile: toCallerProfile(result.row) };
  }

  /** Analyses a call, keeps it for trends and feeds the caller's profile; the same callId again changes nothing. */
  async analyze(call: CallInput): Promise<AnalyzeCallResult> {
    const now = new Date().toISOString();
    const findings = analyzeCall(call, now);
    const result = await this.store.transaction(async (store) => {
      if (!(await store.markProcessed(`analyze:${call.callId}`, now))) {
        const stored = await store.getCall(call.callId);
        const row = await store.getProfile(call.callerPhone);
        return { applied: false, analysis: stored ? (JSON.parse(stored.analysis) as CallAnalysis) : findings.analysis, row: row ?? emptyProfile(call.callerPhone, now) };
      }
      const { analysis } = findings;
      await store.insertCall({
        call_id: call.callId,
        user_id: call.userId,
        caller_phone: call.callerPhone,
        outcome: call.outcome,
        category: analysis.category,
        day: findings.startedAt.slice(0, 10),
        analysis: JSON.stringify(analysis),
        analyzed_at: now,
      });
      const row = await this.#change(store, call.callerPhone, now, (current) => {
        let next = countCategory(countCall(current, findings.startedAt), analysis.category);
        if (findings.aiAnswered && call.turns.length > 0) {
          next = {
            ...next,
            analyzed_calls: next.analyzed_calls + 1,
            caller_turns: next.caller_turns + analysis.intents.length,
            early_hangups: next.early_hangups + (findings.earlyHangup ? 1 : 0),
            persistence_sum: next.persistence_sum + analysis.persistence,
          };
        }
        return { ...next, last_summary: analysis.summary };
      });
      return { applied: true, analysis, row };
    });
    if (result.applied) this.logger.info({ callId: call.callId, phone: call.callerPhone, category: result.analysis.category, persistence: result.analysis.persistence }, 'call analysed');
    return { analysis: result.analysis, applied: result.applied, profile: toCallerProfile(result.row) };
  }

  /** A user's calls over the last `days` days (today included, UTC) by day, category and outcome. */
  async trends(userId: string, days: number): Promise<CallTrends> {
    const today = Date.parse(new Date().toISOString().slice(0, 10));
    const dates = Array.from({ length: days }, (_, i) => new Date(today - (days - 1 - i) * DAY_MS).toISOString().slice(0, 10));
    const from = dates[0]!;
    const to = dates.at(-1)!;
    const zero = () => ({ transferred: 0, ai_answered: 0, blocked: 0, total: 0 });
    const byDay = new Map(dates.map((date) => [date, zero()]));
    const byCategory = new Map(CALLER_CATEGORIES.map((category) => [category, zero()]));
    const totals = zero();
    for (const { day, category, outcome, n } of await this.store.countCalls(userId, from, to)) {
      for (const counts of [byDay.get(day), byCategory.get(category), totals]) {
        if (!counts) continue;
        counts[outcome] += n;
        counts.total += n;
      }
    }
    return {
      userId,
      days,
      from,
      to,
      totals,
      byDay: [...byDay].map(([date, counts]) => ({ date, ...counts })),
      byCategory: [...byCategory].map(([category, counts]) => ({ category, ...counts })),
    };
  }

  /** Locks (or creates) the caller's profile, applies `change`, recomputes category and risk, saves. */
  async #change(store: AnalyticsStore, phone: string, now: string, change: (row: ProfileRow) => ProfileRow): Promise<ProfileRow> {
    let current = await store.lockProfile(phone);
    if (!current) {
      await store.insertProfileIfMissing(emptyProfile(phone, now));
      current = (await store.lockProfile(phone))!;
    }
    const next = settle(change(current), now);
    await store.saveProfile(next);
    return next;
  }
}
