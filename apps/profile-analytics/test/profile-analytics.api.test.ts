import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { AnalyzeCallResultSchema, CallerProfileSchema, CallTrendsSchema, UpdateCallerProfileResultSchema, type AnalyzeCallBody } from '@ai-ninja/contracts';
import { DATABASE_KINDS, testDatabase, type TestDatabase } from '@ai-ninja/data/testing';
import { createLogger, type RunningService } from '@ai-ninja/service-kit';
import { createTestAuth, describeServiceBasics, expectErrorEnvelope, testConfig, type TestAuth } from '@ai-ninja/service-kit/testing';
import { createApp } from '../src/app.js';
import { configSchema } from '../src/config.js';
import { openAnalyticsDatabase } from '../src/store/database.js';
import { startProfileAnalytics } from './helpers.js';

const basicsDb = await testDatabase('sqlite');
const basicsDatabase = await openAnalyticsDatabase(testConfig(configSchema, basicsDb.env), createLogger({ service: 'profile-analytics', level: 'silent' }));
after(() => basicsDb.cleanup());

describeServiceBasics({
  name: 'profile-analytics',
  configSchema,
  createApp: (config) => createApp({ config, version: 'test', database: basicsDatabase }),
});

const DAY_MS = 86_400_000;
const daysAgo = (days: number, hour = 10) => new Date(Date.parse(new Date().toISOString().slice(0, 10)) - days * DAY_MS + hour * 3_600_000).toISOString();

/** A call the AI answered: a loan caller who keeps pushing for four turns after the AI spoke. */
function loanCall(callId: string, callerPhone: string, userId = 'u1', startedAt = daysAgo(0)): AnalyzeCallBody {
  const at = (s: number) => new Date(Date.parse(startedAt) + s * 1000).toISOString();
  return {
    callId,
    userId,
    callerPhone,
    startedAt,
    outcome: 'ai_answered',
    durationMs: 95_000,
    turns: [
      { speaker: 'caller', text: 'Hello, is this the owner?', at: at(0) },
      { speaker: 'ai', text: 'Who is calling, please?', at: at(3) },
      { speaker: 'caller', text: 'We have a great loan offer with low credit rates', at: at(6) },
      { speaker: 'ai', text: 'No thank you.', at: at(20) },
      { speaker: 'caller', text: 'Just one minute, listen, this loan is special', at: at(25) },
      { speaker: 'ai', text: 'I am not interested.', at: at(40) },
      { speaker: 'caller', text: 'Please hear me out about the credit', at: at(45) },
      { speaker: 'caller', text: 'You can borrow up to 50000', at: at(60) },
      { speaker: 'caller', text: 'Fine, bye', at: at(90) },
    ],
  };
}

for (const kind of DATABASE_KINDS) {
  describe(`profile-analytics on ${kind}`, () => {
    let auth: TestAuth;
    let db: TestDatabase;
    let running: RunningService;
    let service: Record<string, string>;
    let user: Record<string, string>;
    const send = (method: string, path: string, body?: unknown, headers: Record<string, string> = service) =>
      fetch(running.url + path, { method, headers: { ...headers, ...(body === undefined ? {} : { 'content-type': 'application/json' }) }, ...(body === undefined ? {} : { body: JSON.stringify(body) }) });
    const profile = async (phone: string) => CallerProfileSchema.parse(await (await send('GET', `/api/v1/analytics/profile/${encodeURIComponent(phone)}`, undefined, user)).json());

    before(async () => {
      auth = await createTestAuth();
      db = await testDatabase(kind);
      running = await startProfileAnalytics(db, auth.env);
      service = auth.bearer(auth.serviceToken('smart-whitelist'));
      user = auth.bearer(await auth.userToken('u1'));
    });
    after(async () => {
      await running.close();
      await db.cleanup();
    });

    it('answers 404 PROFILE_NOT_FOUND for a number never seen, and 400 for one that is not E.164', async () => {
      await expectErrorEnvelope(await send('GET', '/api/v1/analytics/profile/+14155550100', undefined, user), 404, 'PROFILE_NOT_FOUND');
      await expectErrorEnvelope(await send('GET', '/api/v1/analytics/profile/4155550100', undefined, user), 400, 'VALIDATION_FAILED');
    });

    it('keeps who may call what: profiles for any signed-in caller, updates for services and admins, analysis for services, trends for the owner', async () => {
      await expectErrorEnvelope(await send('GET', '/api/v1/analytics/profile/+14155550100', undefined, {}), 401, 'UNAUTHENTICATED');
      const update = { phone: '+14155550199', feedback: 'spam' };
      await expectErrorEnvelope(await send('POST', '/api/v1/analytics/profile/update', update, {}), 401, 'UNAUTHENTICATED');
      await expectErrorEnvelope(await send('POST', '/api/v1/analytics/profile/update', update, user), 403, 'FORBIDDEN');
      const admin = auth.bearer(await auth.userToken('root', ['admin']));
      assert.equal((await send('POST', '/api/v1/analytics/profile/update', update, admin)).status, 200);
      await expectErrorEnvelope(await send('POST', '/api/v1/analytics/call/analyze', loanCall('c-auth', '+14155550199'), {}), 401, 'UNAUTHENTICATED');
      await expectErrorEnvelope(await send('POST', '/api/v1/analytics/call/analyze', loanCall('c-auth', '+14155550199'), user), 403, 'FORBIDDEN');
      await expectErrorEnvelope(await send('POST', '/api/v1/analytics/call/analyze', loanCall('c-auth', '+14155550199'), admin), 403, 'FORBIDDEN');
      await expectErrorEnvelope(await send('GET', '/api/v1/analytics/trends/u1', undefined, {}), 401, 'UNAUTHENTICATED');
      await expectErrorEnvelope(await send('GET', '/api/v1/analytics/trends/u1', undefined, auth.bearer(await auth.userToken('u2'))), 403, 'FORBIDDEN');
      assert.equal((await send('GET', '/api/v1/analytics/trends/u1', undefined, user)).status, 200);
      assert.equal((await send('GET', '/api/v1/analytics/trends/u1', undefined, admin)).status, 200);
      assert.equal((await send('GET', '/api/v1/analytics/trends/u1', undefined, service)).status, 200);
    });

    it('applies a report once per eventId: the same event again changes nothing', async () => {
      const phone = '+14155550101';
      const first = UpdateCallerProfileResultSchema.parse(await (await send('POST', '/api/v1/analytics/profile/update', { phone, feedback: 'spam', eventId: 'e-1' })).json());
      assert.equal(first.applied, true);
      assert.equal(first.profile.spamReports, 1);
      assert.ok(first.profile.riskScore > 0.2, `one spam report raises the risk above the unknown prior, got ${first.profile.riskScore}`);
      const again = UpdateCallerProfileResultSchema.parse(await (await send('POST', '/api/v1/analytics/profile/update', { phone, feedback: 'spam', eventId: 'e-1' })).json());
      assert.equal(again.applied, false);
      assert.deepEqual(again.profile, first.profile);
      const wanted = UpdateCallerProfileResultSchema.parse(await (await send('POST', '/api/v1/analytics/profile/update', { phone, feedback: 'wanted', eventId: 'e-2' })).json());
      assert.equal(wanted.profile.wantedReports, 1);
      assert.ok(wanted.profile.riskScore < first.profile.riskScore);
    });

    it('is idempotent on callId without an eventId, and counts calls and categories', async () => {
      const phone = '+14155550102';
      const body = { phone, callId: 'call-9', callOutcome: 'blocked', category: 'scam' };
      const first = UpdateCallerProfileResultSchema.parse(await (await send('POST', '/api/v1/analytics/profile/update', body)).json());
      assert.equal(first.profile.callCount, 1);
      assert.equal(first.profile.category, 'scam');
      assert.ok(first.profile.riskScore >= 0.9 - 1e-9, `a scam starts at its prior, got ${first.profile.riskScore}`);
      const again = UpdateCallerProfileResultSchema.parse(await (await send('POST', '/api/v1/analytics/profile/update', body)).json());
      assert.equal(again.applied, false);
      assert.equal(again.profile.callCount, 1);
      // Another verdict on the same call is another event.
      const feedback = UpdateCallerProfileResultSchema.parse(await (await send('POST', '/api/v1/analytics/profile/update', { phone, callId: 'call-9', feedback: 'wanted' })).json());
      assert.equal(feedback.applied, true);
      assert.equal(feedback.profile.wantedReports, 1);
    });

    it('refuses an update that says nothing, and unknown categories', async () => {
      await expectErrorEnvelope(await send('POST', '/api/v1/analytics/profile/update', { phone: '+14155550103' }), 400, 'VALIDATION_FAILED');
      await expectErrorEnvelope(await send('POST', '/api/v1/analytics/profile/update', { phone: '+14155550103', category: 'pizza' }), 400, 'VALIDATION_FAILED');
      await expectErrorEnvelope(await send('POST', '/api/v1/analytics/profile/update', { phone: '+14155550103', feedback: 'spam', extra: 1, eventId: '' }), 400, 'VALIDATION_FAILED');
    });

    it('applies concurrent reports on one number one after the other, losing none', async () => {
      const phone = '+14155550104';
      const results = await Promise.all(Array.from({ length: 20 }, (_, i) => send('POST', '/api/v1/analytics/profile/update', { phone, feedback: 'spam', eventId: `burst-${i}` })));
      assert.deepEqual(
        results.map((r) => r.status),
        Array(20).fill(200),
      );
      assert.equal((await profile(phone)).spamReports, 20);
    });

    it('analyses a call: category, intent trail, persistence, summary; feeds the profile; once per callId', async () => {
      const phone = '+14155550105';
      const response = await send('POST', '/api/v1/analytics/call/analyze', loanCall('call-loan-1', phone));
      assert.equal(response.status, 200);
      const result = AnalyzeCallResultSchema.parse(await response.json());
      assert.equal(result.applied, true);
      assert.equal(result.analysis.category, 'loan');
      assert.deepEqual(
        result.analysis.intents.map((step) => [step.turn, step.intent]),
        [
          [0, 'question'],
          [2, 'loan'],
          [4, 'persistence'],
          [6, 'persistence'],
          [7, 'loan'],
          [8, 'goodbye'],
        ],
      );
      // Five caller turns after the AI spoke, four of them still pushing: 0.6 × 5/6 + 0.4 × 4/5.
      assert.equal(result.analysis.persistence, 0.82);
      assert.match(result.analysis.summary, /^A loan caller spoke 6 times in 95 s against the AI and kept pushing/);
      assert.equal(result.profile.category, 'loan');
      assert.equal(result.profile.callCount, 1);
      assert.deepEqual(result.profile.reaction, { analyzedCalls: 1, averageTurns: 6, earlyHangupRate: 0, persistence: 0.82 });
      assert.equal(result.profile.lastSummary, result.analysis.summary);

      const again = AnalyzeCallResultSchema.parse(await (await send('POST', '/api/v1/analytics/call/analyze', loanCall('call-loan-1', phone))).json());
      assert.equal(again.applied, false);
      assert.deepEqual(again.analysis, result.analysis);
      assert.deepEqual(again.profile, result.profile);
    });

    it('reads Chinese calls too: a scam caller is a scam, and the profile says so', async () => {
      const phone = '+8613800138000';
      const at = daysAgo(0);
      const result = AnalyzeCallResultSchema.parse(
        await (
          await send('POST', '/api/v1/analytics/call/analyze', {
            callId: 'call-zh-scam',
            userId: 'u1',
            callerPhone: phone,
            outcome: 'ai_answered',
            durationMs: 60_000,
            turns: [
              { speaker: 'caller', text: '您好，这里是公安局', at },
              { speaker: 'ai', text: '请问有什么事？', at },
              { speaker: 'caller', text: '你的银行卡涉嫌洗钱，请配合公安调查', at },
              { speaker: 'ai', text: '我会自己打110核实。', at },
              { speaker: 'caller', text: '就耽误您一分钟，先把钱转到安全账户', at },
            ],
          })
        ).json(),
      );
      assert.equal(result.analysis.category, 'scam');
      assert.equal(result.profile.category, 'scam');
      assert.ok(result.profile.riskScore >= 0.9, `a scam caller starts at the scam prior, got ${result.profile.riskScore}`);
    });

    it('counts an AI-answered caller who leaves at once as an early hang-up', async () => {
      const phone = '+14155550106';
      const at = daysAgo(0);
      const result = AnalyzeCallResultSchema.parse(
        await (
          await send('POST', '/api/v1/analytics/call/analyze', {
            callId: 'call-short',
            userId: 'u1',
            callerPhone: phone,
            outcome: 'ai_answered',
            durationMs: 8000,
            turns: [
              { speaker: 'caller', text: 'We have an insurance policy for you', at },
              { speaker: 'ai', text: 'Not interested', at },
              { speaker: 'caller', text: 'ok bye', at },
            ],
          })
        ).json(),
      );
      assert.equal(result.analysis.category, 'insurance');
      assert.equal(result.profile.reaction.earlyHangupRate, 1);
      assert.match(result.analysis.summary, /gave up early/);
    });

    it('answers trends per day and per category over the asked range, zeros included', async () => {
      const user = 'trend-user';
      const calls: AnalyzeCallBody[] = [
        loanCall('t-1', '+14155550110', user, daysAgo(0)),
        loanCall('t-2', '+14155550110', user, daysAgo(0)),
        { ...loanCall('t-3', '+14155550111', user, daysAgo(2)), outcome: 'transferred' },
        { callId: 't-4', userId: user, callerPhone: '+14155550112', startedAt: daysAgo(2), outcome: 'blocked', durationMs: 0, turns: [] },
        loanCall('t-5', '+14155550110', user, daysAgo(40)),
        loanCall('t-6', '+14155550110', 'someone-else', daysAgo(0)),
      ];
      for (const call of calls) assert.equal((await send('POST', '/api/v1/analytics/call/analyze', call)).status, 200);
      const trends = CallTrendsSchema.parse(await (await send('GET', `/api/v1/analytics/trends/${user}?days=7`)).json());
      assert.equal(trends.days, 7);
      assert.equal(trends.byDay.length, 7);
      assert.equal(trends.to, new Date().toISOString().slice(0, 10));
      assert.deepEqual(trends.totals, { transferred: 1, ai_answered: 2, blocked: 1, total: 4 });
      assert.deepEqual(trends.byDay.at(-1), { date: trends.to, transferred: 0, ai_answered: 2, blocked: 0, total: 2 });
      assert.deepEqual(trends.byDay.at(-3), { date: daysAgo(2).slice(0, 10), transferred: 1, ai_answered: 0, blocked: 1, total: 2 });
      assert.equal(trends.byDay.slice(0, 4).reduce((sum, day) => sum + day.total, 0), 0);
      assert.deepEqual(trends.byCategory.find((c) => c.category === 'loan'), { category: 'loan', transferred: 1, ai_answered: 2, blocked: 0, total: 3 });
      assert.deepEqual(trends.byCategory.find((c) => c.category === 'unknown'), { category: 'unknown', transferred: 0, ai_answered: 0, blocked: 1, total: 1 });
      const month = CallTrendsSchema.parse(await (await send('GET', `/api/v1/analytics/trends/${user}`)).json());
      assert.equal(month.days, 30);
      assert.equal(month.totals.total, 4);
      await expectErrorEnvelope(await send('GET', `/api/v1/analytics/trends/${user}?days=0`), 400, 'VALIDATION_FAILED');
      await expectErrorEnvelope(await send('GET', `/api/v1/analytics/trends/${user}?days=abc`), 400, 'VALIDATION_FAILED');
    });

    it('loses nothing across a restart: profiles, processed events and calls', async () => {
      const phone = '+14155550120';
      await send('POST', '/api/v1/analytics/profile/update', { phone, feedback: 'spam', eventId: 'restart-1' });
      await send('POST', '/api/v1/analytics/call/analyze', loanCall('restart-call', phone, 'restart-user'));
      const before = await profile(phone);
      await running.close();
      running = await startProfileAnalytics(db, auth.env);
      assert.deepEqual(await profile(phone), before);
      const replay = UpdateCallerProfileResultSchema.parse(await (await send('POST', '/api/v1/analytics/profile/update', { phone, feedback: 'spam', eventId: 'restart-1' })).json());
      assert.equal(replay.applied, false);
      const trends = CallTrendsSchema.parse(await (await send('GET', '/api/v1/analytics/trends/restart-user?days=1')).json());
      assert.equal(trends.totals.ai_answered, 1);
    });
  });
}
