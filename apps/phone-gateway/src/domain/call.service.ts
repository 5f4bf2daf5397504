import {
  GetCallerProfileEndpoint,
  HostedNumberLookupEndpoint,
  type CallerProfile,
  type CallStatus,
  type ConversationEndedRequest,
  type HostedNumber,
  type IncomingCallRequest,
  type IncomingCallResponse,
  type Personality,
  type Principal,
  type WhitelistDecision,
} from '@ai-ninja/contracts';
import type { Database } from '@ai-ninja/data';
import type { EventBus } from '@ai-ninja/events';
import { AppError, assertCanAccess, type Service } from '@ai-ninja/service-kit';
import { UpstreamHttpError, type ServiceClient } from '@ai-ninja/service-client';
import type { Config } from '../config.js';
import { CallsStore, toCallStatus, type CallRow } from '../store/calls.store.js';
import type { PhoneGatewayDb } from '../store/migrations.js';
import { INITIAL_STATE, outcomeOf, transition, type CallAction } from './call-state.js';
import { decide } from './decide.js';

/**
 * Incoming calls: who owns the number, what the whitelist and the caller's profile say, under one deadline; the
 * decision kept with the call, and the call's events published with each change, in the same transaction.
 */
export class CallService {
  readonly #calls: CallsStore;

  constructor(
    private readonly service: Service,
    private readonly config: Config,
    private readonly database: Database<PhoneGatewayDb>,
    private readonly client: ServiceClient,
    private readonly events: EventBus,
  ) {
    this.#calls = new CallsStore(database.db);
  }

  /** Decides a new call, or answers the decision already made for its callId. */
  async incoming(request: IncomingCallRequest): Promise<IncomingCallResponse> {
    const existing = await this.#calls.find(request.callId);
    if (existing) {
      if (existing.from_phone !== request.from || existing.to_phone !== request.to) {
        throw new AppError(409, 'CALL_ID_REUSED', `Call ${request.callId} was already received with other numbers`);
      }
      return this.#response(existing, true);
    }

    const started = performance.now();
    const deadline = Date.now() + this.config.DECISION_TIMEOUT_MS;
    // The caller's profile does not depend on the owner: it is asked at once, beside the owner lookup.
    const profile = this.#profile(request.from, deadline);
    const owner = await this.#owner(request.to, deadline);
    if (owner === 'not_hosted') throw new AppError(404, 'NUMBER_NOT_HOSTED', `Nobody hosts ${request.to} with us`);
    const whitelist = owner === 'unavailable' ? ('unavailable' as const) : await this.#whitelist(request.from, owner.userId, deadline);
    const { decision, reasons } = decide({ owner, whitelist, profile: await profile, now: new Date(), spamRiskThreshold: this.config.SPAM_RISK_THRESHOLD });
    const decisionMs = performance.now() - started;

    const now = new Date().toISOString();
    const row: CallRow = {
      call_id: request.callId,
      user_id: owner === 'unavailable' ? null : owner.userId,
      from_phone: request.from,
      to_phone: request.to,
      state: INITIAL_STATE[decision],
      decision,
      reasons: JSON.stringify(reasons),
      personality: owner === 'unavailable' ? null : owner.preferences.aiPersonality,
      user_name: owner === 'unavailable' ? null : owner.preferences.userName,
      provider: request.provider ?? null,
      decision_ms: decisionMs,
      turns: null,
      created_at: now,
      updated_at: now,
      completed_at: null,
    };
    try {
      await this.database.db.transaction().execute(async (trx) => {
        await this.#calls.insert(row, trx);
        await this.events.publish(
          'call.incoming',
          { callId: row.call_id, ...(row.user_id ? { userId: row.user_id } : {}), from: row.from_phone, to: row.to_phone, decision, reasons, at: now },
          { id: `call.incoming:${row.call_id}`, db: trx },
        );
      });
    } catch (error) {
      // The same callId decided at the same moment by another request (a provider retry): answer that decision.
      const raced = await this.#calls.find(request.callId);
      if (raced) return this.#response(raced, true);
      throw error;
    }
    this.service.logger.info({ callId: row.call_id, decision, reasons, decisionMs: Math.round(decisionMs * 10) / 10 }, 'call decided');
    return this.#response(row, false);
  }

  async status(callId: string, principal: Principal | undefined): Promise<CallStatus> {
    return toCallStatus(await this.#readable(callId, principal));
  }

  /** Moves a call along an allowed transition (409 otherwise); completing it publishes `call.completed`. */
  async act(callId: string, action: CallAction, principal: Principal | undefined): Promise<CallStatus> {
    const row = await this.#readable(callId, principal);
    const from = row.state as CallStatus['state'];
    const to = transition(from, action);
    if (!to) throw new AppError(409, 'INVALID_CALL_TRANSITION', `A call that is ${from} cannot ${action}`, { state: from, action });
    await this.database.db.transaction().execute(async (trx) => {
      if (!(await this.#calls.move(callId, from, to, {}, trx))) {
        throw new AppError(409, 'CALL_CHANGED', `Call ${callId} changed meanwhile; read its status and try again`);
      }
      // An AI conversation's transcript arrives from realtime-processor: the call's analysis waits for it.
      if (to === 'completed' && from !== 'ai_answering') await this.#publishCompleted({ ...row, state: from }, [], trx);
    });
    this.service.logger.info({ callId, action, from, to }, 'call moved');
    return toCallStatus((await this.#calls.find(callId))!);
  }

  /** realtime-processor's report: the conversation is over. Completes the call and publishes it with its transcript. */
  async conversationEnded(callId: string, report: ConversationEndedRequest): Promise<CallStatus> {
    await this.database.db.transaction().execute(async (trx) => {
      const row = await this.#calls.find(callId, trx);
      if (!row) throw new AppError(404, 'CALL_NOT_FOUND', `No call ${callId}`);
      if (row.turns !== null) return; // reported before: nothing changes
      if (row.state === 'completed') {
        await this.#calls.setTurns(callId, report.turns, trx);
      } else if (!(await this.#calls.move(callId, row.state as CallStatus['state'], 'completed', { turns: report.turns }, trx))) {
        throw new AppError(409, 'CALL_CHANGED', `Call ${callId} changed meanwhile; report again`);
      }
      // The AI talked with the caller, whatever ended the call first.
      await this.#publishCompleted({ ...row, state: 'ai_answering' }, report.turns, trx);
    });
    this.service.logger.info({ callId, reason: report.reason, turns: report.turns.length }, 'AI conversation ended');
    return toCallStatus((await this.#calls.find(callId))!);
  }

  async list(userId: string, limit: number, cursor?: string): Promise<{ calls: CallStatus[]; nextCursor?: string }> {
    const { rows, nextCursor } = await this.#calls.listByUser(userId, limit, cursor);
    return { calls: rows.map(toCallStatus), ...(nextCursor ? { nextCursor } : {}) };
  }

  async #publishCompleted(row: CallRow, turns: ConversationEndedRequest['turns'], trx: Parameters<CallsStore['insert']>[1]): Promise<void> {
    if (!row.user_id) return; // a call nobody could be found for is nobody's history
    const state = row.state as CallStatus['state'];
    await this.events.publish(
      'call.completed',
      {
        callId: row.call_id,
        userId: row.user_id,
        from: row.from_phone,
        to: row.to_phone,
        decision: row.decision as CallStatus['decision'],
        outcome: outcomeOf(state),
        ...(row.personality ? { personality: row.personality as Personality } : {}),
        turns,
        durationMs: Math.max(0, Date.now() - Date.parse(row.created_at)),
        at: new Date().toISOString(),
      },
      { id: `call.completed:${row.call_id}`, db: trx },
    );
  }

  async #readable(callId: string, principal: Principal | undefined): Promise<CallRow> {
    const row = await this.#calls.find(callId);
    if (!row) throw new AppError(404, 'CALL_NOT_FOUND', `No call ${callId}`);
    // A call nobody could be found for (user-management was away) is for services and admins only.
    assertCanAccess(principal, row.user_id ?? '');
    return row;
  }

  async #response(row: CallRow, replayed: boolean): Promise<IncomingCallResponse> {
    const response: IncomingCallResponse = {
      callId: row.call_id,
      decision: row.decision as IncomingCallResponse['decision'],
      reasons: JSON.parse(row.reasons) as string[],
      state: row.state as IncomingCallResponse['state'],
      ...(row.user_id ? { userId: row.user_id } : {}),
      decisionMs: row.decision_ms,
      replayed,
    };
    if (row.state !== 'ai_answering' || !row.user_id) return response;
    const ttl = this.config.CALL_TOKEN_TTL_S;
    const token = this.service.auth.signCallToken(
      { callId: row.call_id, userId: row.user_id, personality: (row.personality ?? undefined) as Personality | undefined, userName: row.user_name ?? undefined },
      ttl,
    );
    return { ...response, realtime: { url: this.config.REALTIME_PUBLIC_URL, token, expiresAt: new Date(Date.now() + ttl * 1000).toISOString() } };
  }

  async #owner(to: string, deadline: number): Promise<HostedNumber | 'not_hosted' | 'unavailable'> {
    try {
      return await this.client.call(HostedNumberLookupEndpoint, { params: { phone: to } }, { timeout: remaining(deadline) });
    } catch (error) {
      if (error instanceof UpstreamHttpError && error.upstreamStatus === 404) return 'not_hosted';
      this.#degraded('user-management', error);
      return 'unavailable';
    }
  }

  async #whitelist(from: string, userId: string, deadline: number): Promise<WhitelistDecision | 'unavailable'> {
    try {
      return await this.client.evaluatePhone(from, { userId }, { timeout: remaining(deadline) });
    } catch (error) {
      this.#degraded('smart-whitelist', error);
      return 'unavailable';
    }
  }

  async #profile(from: string, deadline: number): Promise<CallerProfile | 'unknown' | 'unavailable'> {
    try {
      return await this.client.call(GetCallerProfileEndpoint, { params: { phone: from } }, { timeout: remaining(deadline) });
    } catch (error) {
      if (error instanceof UpstreamHttpError && error.upstreamStatus === 404) return 'unknown';
      this.#degraded('profile-analytics', error);
      return 'unavailable';
    }
  }

  #degraded(upstream: string, error: unknown): void {
    this.service.logger.warn({ upstream, err: error }, `${upstream} did not answer for a call decision: deciding without it`);
  }
}

function remaining(deadline: number): number {
  return Math.max(1, deadline - Date.now());
}
