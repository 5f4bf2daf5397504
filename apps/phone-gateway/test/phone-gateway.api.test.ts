import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import {
  CallListSchema,
  CallStatusSchema,
  DEFAULT_USER_PREFERENCES,
  EventEnvelopeSchema,
  IncomingCallResponseSchema,
  z,
  type EventEnvelope,
  type UserPreferences,
} from '@ai-ninja/contracts';
import type { Database } from '@ai-ninja/data';
import { DATABASE_KINDS, testDatabase, type TestDatabase } from '@ai-ninja/data/testing';
import { AppError, createLogger, createService, serviceConfigSchema, type RunningService, type Service } from '@ai-ninja/service-kit';
import { createTestAuth, describeServiceBasics, expectErrorEnvelope, testConfig, type TestAuth } from '@ai-ninja/service-kit/testing';
import { createApp } from '../src/app.js';
import { configSchema } from '../src/config.js';
import { openPhoneGatewayDatabase } from '../src/store/database.js';
import type { PhoneGatewayDb } from '../src/store/migrations.js';

const silent = createLogger({ service: 'phone-gateway', level: 'silent' });

describeServiceBasics({
  name: 'phone-gateway',
  configSchema,
  env: { DATA_DIR: mkdtempSync(join(tmpdir(), 'phone-gateway-basics-')) },
  createApp: async (config) => createApp({ config, version: 'test', database: await openPhoneGatewayDatabase(config, silent) }),
});

const NUMBERS = {
  aliceLine: '+14155550001',
  bobLine: '+14155550002',
  notHosted: '+14155550999',
  contact: '+14155551111',
  blocked: '+14155556666',
  scammer: '+14155557777',
  stranger: '+14155558888',
};

/** The services phone-gateway asks, as small real HTTP services speaking their contracts; each can be slowed down. */
class Upstreams {
  readonly delays = { users: 0, whitelist: 0, profile: 0 };
  readonly deliveries: EventEnvelope[] = [];
  readonly running: Partial<Record<'users' | 'whitelist' | 'profile', RunningService>> = {};

  constructor(private readonly env: Record<string, string>) {}

  async start(): Promise<Record<string, string>> {
    const prefs = (overrides: Partial<UserPreferences>): UserPreferences => ({ ...DEFAULT_USER_PREFERENCES, ...overrides });
    const owners: Record<string, { userId: string; displayName: string; preferences: UserPreferences }> = {
      [NUMBERS.aliceLine]: { userId: 'alice', displayName: 'Alice', preferences: prefs({ aiPersonality: 'humorous', userName: 'Ms. Liddell' }) },
      [NUMBERS.bobLine]: { userId: 'bob', displayName: 'Bob', preferences: prefs({ unknownCallerAction: 'transfer' }) },
    };
    const users = this.#service('user-management');
    users.route({
      method: 'get',
      path: '/api/v1/users/lookup/by-phone/{phone}',
      summary: 'lookup',
      auth: 'service',
      request: { params: z.object({ phone: z.string() }) },
      responses: {},
      handler: async ({ params }) => {
        await sleep(this.delays.users);
        const owner = owners[params.phone];
        if (!owner) throw new AppError(404, 'NUMBER_NOT_HOSTED', 'not hosted');
        return { status: 200, body: owner };
      },
    });
    const whitelist = this.#service('smart-whitelist');
    whitelist.route({
      method: 'get',
      path: '/api/v1/whitelist/evaluate/{phone}',
      summary: 'evaluate',
      auth: 'service',
      request: { params: z.object({ phone: z.string() }) },
      responses: {},
      handler: async ({ params }) => {
        await sleep(this.delays.whitelist);
        if (params.phone === NUMBERS.contact) return { status: 200, body: { decision: 'allow', confidence: 1, reasons: ['in the user’s contacts'], spamScore: 0 } };
        if (params.phone === NUMBERS.blocked) return { status: 200, body: { decision: 'block', confidence: 1, reasons: ['blocked by the user'], spamScore: 0.5 } };
        return { status: 200, body: { decision: 'unknown', confidence: 0.5, reasons: ['not in the whitelist'], spamScore: 0.1 } };
      },
    });
    const profile = this.#service('profile-analytics');
    profile.route({
      method: 'get',
      path: '/api/v1/analytics/profile/{phone}',
      summary: 'profile',
      auth: 'service',
      request: { params: z.object({ phone: z.string() }) },
      responses: {},
      handler: async ({ params }) => {
        await sleep(this.delays.profile);
        if (params.phone !== NUMBERS.scammer) throw new AppError(404, 'PROFILE_NOT_FOUND', 'never seen');
        const now = new Date().toISOString();
        return {
          status: 200,
          body: {
            phone: params.phone,
            category: 'scam',
            riskScore: 0.93,
            callCount: 40,
            firstSeen: now,
            lastSeen: now,
            spamReports: 12,
            wantedReports: 0,
            reaction: { analyzedCalls: 3, averageTurns: 4, earlyHangupRate: 0.3, persistence: 0.6 },
            lastSummary: null,
            updatedAt: now,
          },
        };
      },
    });
    profile.route({
      method: 'post',
      path: '/internal/events',
      summary: 'events',
      auth: 'service',
      request: { body: EventEnvelopeSchema },
      responses: {},
      handler: ({ body }) => {
        this.deliveries.push(body);
        return { status: 200, body: { status: 'applied' } };
      },
    });
    this.running.users = await users.listen();
    this.running.whitelist = await whitelist.listen();
    this.running.profile = await profile.listen();
    return {
      USER_SERVICE_URL: this.running.users.url,
      WHITELIST_SERVICE_URL: this.running.whitelist.url,
      PROFILE_SERVICE_URL: this.running.profile.url,
    };
  }

  #service(name: 'user-management' | 'smart-whitelist' | 'profile-analytics'): Service {
    return createService({ name, version: 'test', config: testConfig(serviceConfigSchema(name), this.env) });
  }

  async close(): Promise<void> {
    await Promise.all(Object.values(this.running).map((running) => running.close()));
  }
}

for (const kind of DATABASE_KINDS) {
  describe(`phone-gateway on ${kind}`, () => {
    let auth: TestAuth;
    let db: TestDatabase;
    let upstreams: Upstreams;
    let database: Database<PhoneGatewayDb>;
    let running: RunningService;
    let service: Service;
    let callNo = 0;
    const nextCallId = () => `${kind}-call-${(callNo += 1)}`;

    const incoming = async (from: string, to: string, callId = nextCallId()) => {
      const response = await fetch(`${running.url}/webhook/incoming-call`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-webhook-token': 'provider-secret-token-123' },
        body: JSON.stringify({ callId, from, to, provider: 'test' }),
      });
      return response;
    };
    const decided = async (from: string, to: string) => {
      const response = await incoming(from, to);
      assert.equal(response.status, 200);
      return IncomingCallResponseSchema.parse(await response.json());
    };

    before(async () => {
      auth = await createTestAuth();
      db = await testDatabase(kind);
      upstreams = new Upstreams(auth.env);
      const discovery = await upstreams.start();
      const config = testConfig(configSchema, { ...auth.env, ...db.env, ...discovery, DECISION_TIMEOUT_MS: '300', PHONE_WEBHOOK_TOKEN: 'provider-secret-token-123' });
      database = await openPhoneGatewayDatabase(config, silent);
      service = await createApp({ config, version: 'test', database });
      running = await service.listen();
    });
    after(async () => {
      await running.close();
      await upstreams.close();
      await db.cleanup();
    });

    it('puts a contact through', async () => {
      const call = await decided(NUMBERS.contact, NUMBERS.aliceLine);
      assert.equal(call.decision, 'transfer');
      assert.equal(call.state, 'transferring');
      assert.equal(call.userId, 'alice');
      assert.deepEqual(call.reasons, ['in the user’s contacts']);
      assert.equal(call.realtime, undefined);
    });

    it('has the AI answer an unknown caller with the user’s default, with a WebSocket token bound to the call', async () => {
      const call = await decided(NUMBERS.stranger, NUMBERS.aliceLine);
      assert.equal(call.decision, 'ai_answer');
      assert.match(call.reasons.join(' '), /default for unknown callers is ai_answer/);
      assert.ok(call.realtime);
      assert.equal(call.realtime.url, 'ws://localhost:8080/api/realtime/conversation');
      assert.deepEqual(await service.auth.verifyCallToken(call.realtime.token), { callId: call.callId, userId: 'alice', personality: 'humorous', userName: 'Ms. Liddell' });
    });

    it('follows the user’s default when it is to put unknown callers through, but not for a known scammer', async () => {
      assert.equal((await decided(NUMBERS.stranger, NUMBERS.bobLine)).decision, 'transfer');
      const scam = await decided(NUMBERS.scammer, NUMBERS.bobLine);
      assert.equal(scam.decision, 'ai_answer');
      assert.match(scam.reasons.join(' '), /reported as a scam \(risk 0\.93\)/);
    });

    it('rejects a caller the user blocked, and answers 404 for a number nobody hosts', async () => {
      assert.equal((await decided(NUMBERS.blocked, NUMBERS.aliceLine)).decision, 'reject');
      await expectErrorEnvelope(await incoming(NUMBERS.stranger, NUMBERS.notHosted), 404, 'NUMBER_NOT_HOSTED');
    });

    it('answers a provider’s retry with the same decision, and refuses a callId reused for other numbers', async () => {
      const first = await decided(NUMBERS.contact, NUMBERS.aliceLine);
      const again = IncomingCallResponseSchema.parse(await (await incoming(NUMBERS.contact, NUMBERS.aliceLine, first.callId)).json());
      assert.equal(again.replayed, true);
      assert.equal(again.decision, first.decision);
      assert.deepEqual(again.reasons, first.reasons);
      await expectErrorEnvelope(await incoming(NUMBERS.stranger, NUMBERS.aliceLine, first.callId), 409, 'CALL_ID_REUSED');
    });

    it('refuses a webhook without the provider’s token, and bad input with a 400', async () => {
      const response = await fetch(`${running.url}/webhook/incoming-call`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ callId: 'x1', from: NUMBERS.stranger, to: NUMBERS.aliceLine }),
      });
      await expectErrorEnvelope(response, 401, 'UNAUTHENTICATED');
      const bad = await fetch(`${running.url}/webhook/incoming-call`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-webhook-token': 'provider-secret-token-123' },
        body: JSON.stringify({ callId: 'x 1', from: '555-1234', to: NUMBERS.aliceLine }),
      });
      const envelope = await expectErrorEnvelope(bad, 400, 'VALIDATION_FAILED');
      assert.match(JSON.stringify(envelope.error.details), /body\.from/);
    });

    it('never drops a call when a dependency is slow or down: it decides without it and says so', async () => {
      upstreams.delays.whitelist = 1000;
      try {
        const contact = await decided(NUMBERS.contact, NUMBERS.aliceLine);
        assert.equal(contact.decision, 'ai_answer', 'without the whitelist, the user’s default for unknown callers');
        assert.match(contact.reasons.join(' '), /smart-whitelist did not answer in time/);
      } finally {
        upstreams.delays.whitelist = 0;
      }
      upstreams.delays.profile = 1000;
      try {
        const call = await decided(NUMBERS.stranger, NUMBERS.bobLine);
        assert.equal(call.decision, 'transfer');
        assert.match(call.reasons.join(' '), /profile-analytics did not answer in time/);
      } finally {
        upstreams.delays.profile = 0;
      }
      upstreams.delays.users = 1000;
      try {
        const call = await decided(NUMBERS.stranger, NUMBERS.aliceLine);
        assert.equal(call.decision, 'transfer');
        assert.equal(call.userId, undefined);
        assert.match(call.reasons.join(' '), /user-management did not answer in time/);
      } finally {
        upstreams.delays.users = 0;
      }
    });

    it('moves a call only along allowed transitions, for its owner, and lists a user’s calls to that user only', async () => {
      const call = await decided(NUMBERS.contact, NUMBERS.aliceLine);
      const alice = auth.bearer(await auth.userToken('alice'));
      const bob = auth.bearer(await auth.userToken('bob'));
      const act = (action: string, headers: Record<string, string>) => fetch(`${running.url}/api/v1/calls/${call.callId}/${action}`, { method: 'POST', headers });

      await expectErrorEnvelope(await fetch(`${running.url}/api/v1/calls/${call.callId}/status`), 401, 'UNAUTHENTICATED');
      await expectErrorEnvelope(await fetch(`${running.url}/api/v1/calls/${call.callId}/status`, { headers: bob }), 403, 'FORBIDDEN');
      await expectErrorEnvelope(await act('hangup', bob), 403, 'FORBIDDEN');
      await expectErrorEnvelope(await fetch(`${running.url}/api/v1/calls/nope/status`, { headers: alice }), 404, 'CALL_NOT_FOUND');
      await expectErrorEnvelope(await act('dance', alice), 400, 'VALIDATION_FAILED');

      const transferred = CallStatusSchema.parse(await (await act('transfer', alice)).json());
      assert.equal(transferred.state, 'transferred');
      await expectErrorEnvelope(await act('answer', alice), 409, 'INVALID_CALL_TRANSITION');
      const completed = CallStatusSchema.parse(await (await act('hangup', alice)).json());
      assert.equal(completed.state, 'completed');
      await expectErrorEnvelope(await act('hangup', alice), 409, 'INVALID_CALL_TRANSITION');
      const status = CallStatusSchema.parse(await (await fetch(`${running.url}/api/v1/calls/${call.callId}/status`, { headers: alice })).json());
      assert.equal(status.state, 'completed');

      const list = CallListSchema.parse(await (await fetch(`${running.url}/api/v1/calls?userId=alice&limit=2`, { headers: alice })).json());
      assert.equal(list.calls.length, 2);
      assert.ok(list.calls.every((c) => c.userId === 'alice'));
      assert.ok(list.nextCursor);
      const next = CallListSchema.parse(await (await fetch(`${running.url}/api/v1/calls?userId=alice&limit=100&cursor=${encodeURIComponent(list.nextCursor)}`, { headers: alice })).json());
      assert.ok(next.calls.every((c) => !list.calls.some((seen) => seen.callId === c.callId)), 'pages do not overlap');
      await expectErrorEnvelope(await fetch(`${running.url}/api/v1/calls?userId=alice`, { headers: bob }), 403, 'FORBIDDEN');
    });

    it('completes an AI call on realtime-processor’s report and publishes call.completed with the transcript, once', async () => {
      const call = await decided(NUMBERS.stranger, NUMBERS.aliceLine);
      const at = new Date().toISOString();
      const report = {
        reason: 'ai_hung_up',
        audioChunks: 3,
        turns: [
          { speaker: 'caller', text: 'I have a great investment for you', at },
          { speaker: 'ai', text: 'Thank you, not interested.', at },
        ],
      };
      const post = (headers: Record<string, string>) =>
        fetch(`${running.url}/api/v1/calls/${call.callId}/conversation-ended`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(report) });
      await expectErrorEnvelope(await post(auth.bearer(await auth.userToken('alice'))), 403, 'FORBIDDEN');
      const realtime = auth.bearer(auth.serviceToken('realtime-processor'));
      assert.equal(CallStatusSchema.parse(await (await post(realtime)).json()).state, 'completed');
      assert.equal((await post(realtime)).status, 200, 'a repeated report changes nothing');

      const deadline = Date.now() + 10_000;
      while (!upstreams.deliveries.some((e) => e.type === 'call.completed' && (e.payload as { callId: string }).callId === call.callId)) {
        assert.ok(Date.now() < deadline, 'call.completed reaches profile-analytics');
        await sleep(50);
      }
      const delivered = upstreams.deliveries.filter((e) => e.type === 'call.completed' && (e.payload as { callId: string }).callId === call.callId);
      assert.equal(delivered.length, 1);
      const payload = delivered[0]!.payload as { outcome: string; turns: unknown[]; personality: string; userId: string };
      assert.equal(payload.outcome, 'ai_answered');
      assert.equal(payload.turns.length, 2);
      assert.equal(payload.personality, 'humorous');
      assert.equal(payload.userId, 'alice');
    });

    it('keeps every decision across a restart', async () => {
      const call = await decided(NUMBERS.scammer, NUMBERS.aliceLine);
      await running.close();
      const config = testConfig(configSchema, { ...auth.env, ...db.env, USER_SERVICE_URL: upstreams.running.users!.url });
      database = await openPhoneGatewayDatabase(config, silent);
      service = await createApp({ config, version: 'test', database });
      running = await service.listen();
      const status = CallStatusSchema.parse(await (await fetch(`${running.url}/api/v1/calls/${call.callId}/status`, { headers: auth.bearer(await auth.userToken('alice')) })).json());
      assert.equal(status.decision, 'ai_answer');
      assert.equal(status.state, 'ai_answering');
    });
  });
}
