import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import {
  CallerProfileSchema,
  ImportContactsResultSchema,
  LearningResultSchema,
  WhitelistDecisionSchema,
  WhitelistEntryResultSchema,
  WhitelistPageSchema,
  WhitelistRulesSchema,
  type WhitelistDecision,
} from '@ai-ninja/contracts';
import { DATABASE_KINDS, testDatabase, type TestDatabase } from '@ai-ninja/data/testing';
import { createLogger, type RunningService } from '@ai-ninja/service-kit';
import { createTestAuth, describeServiceBasics, expectErrorEnvelope, testConfig, type TestAuth } from '@ai-ninja/service-kit/testing';
import { createApp } from '../src/app.js';
import { configSchema } from '../src/config.js';
import { openWhitelistDatabase } from '../src/store/database.js';
import { eventually, ProfileAnalyticsProcess, startWhitelist } from './helpers.js';

const basicsDb = await testDatabase('sqlite');
const basicsDatabase = await openWhitelistDatabase(testConfig(configSchema, basicsDb.env), createLogger({ service: 'smart-whitelist', level: 'silent' }));
after(() => basicsDb.cleanup());

describeServiceBasics({
  name: 'smart-whitelist',
  configSchema,
  createApp: (config) => createApp({ config, version: 'test', database: basicsDatabase }),
});

type Headers = Record<string, string>;

/** Requests against one running service, with a default caller. */
function client(target: () => RunningService, defaults: () => Headers) {
  const send = (method: string, path: string, body?: unknown, headers: Headers = defaults()) =>
    fetch(target().url + path, {
      method,
      headers: { ...headers, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
  const evaluate = async (phone: string, userId?: string, headers?: Headers): Promise<WhitelistDecision> => {
    const response = await send('GET', `/api/v1/whitelist/evaluate/${encodeURIComponent(phone)}${userId ? `?userId=${userId}` : ''}`, undefined, headers);
    assert.equal(response.status, 200, await response.clone().text());
    return WhitelistDecisionSchema.parse(await response.json());
  };
  return { send, evaluate };
}

/** A user id no other test run shares (the Redis cache is shared by everything on the machine). */
const uid = (name: string) => `${name}-${randomBytes(4).toString('hex')}`;

for (const kind of DATABASE_KINDS) {
  describe(`smart-whitelist on ${kind}`, () => {
    let auth: TestAuth;
    let db: TestDatabase;
    let analytics: ProfileAnalyticsProcess;
    let running: RunningService;
    let env: Record<string, string>;
    const tokens = new Map<string, Headers>();
    let current: Headers = {};
    const as = async (userId: string) => {
      if (!tokens.has(userId)) tokens.set(userId, auth.bearer(await auth.userToken(userId)));
      return (current = tokens.get(userId)!);
    };
    const { send, evaluate } = client(
      () => running,
      () => current,
    );
    const service = () => auth.bearer(auth.serviceToken('phone-gateway'));
    /** What profile-analytics knows about a number (404 → undefined). */
    const profileOf = async (phone: string) => {
      const response = await fetch(`${analytics.url}/api/v1/analytics/profile/${encodeURIComponent(phone)}`, { headers: service() });
      if (response.status === 404) return undefined;
      return CallerProfileSchema.parse(await response.json());
    };
    const reportToProfile = (body: object) =>
      fetch(`${analytics.url}/api/v1/analytics/profile/update`, { method: 'POST', headers: { ...service(), 'content-type': 'application/json' }, body: JSON.stringify(body) });

    before(async () => {
      auth = await createTestAuth();
      db = await testDatabase(kind);
      analytics = await ProfileAnalyticsProcess.create(auth.env);
      env = { ...auth.env, PROFILE_SERVICE_URL: analytics.url, WHITELIST_OUTBOX_RETRY_MS: '200', WHITELIST_DEFAULT_REGION: 'US' };
      running = await startWhitelist(db, env);
    });
    after(async () => {
      await running.close();
      await analytics.destroy();
      await db.cleanup();
    });

    it('adds a number in national or international format as E.164, and changes it when added again', async () => {
      const user = uid('add');
      await as(user);
      const created = await send('POST', `/api/v1/whitelist/${user}`, { phone: '(415) 555-0100', name: 'Mum' });
      assert.equal(created.status, 201);
      const first = WhitelistEntryResultSchema.parse(await created.json());
      assert.equal(first.created, true);
      assert.deepEqual({ ...first.entry, createdAt: undefined, updatedAt: undefined }, {
        phone: '+14155550100',
        name: 'Mum',
        type: 'manual',
        confidence: 1,
        source: null,
        expiresAt: null,
        active: true,
        createdAt: undefined,
        updatedAt: undefined,
      });
      const again = await send('POST', `/api/v1/whitelist/${user}`, { phone: '+1 415-555-0100' });
      assert.equal(again.status, 200);
      const second = WhitelistEntryResultSchema.parse(await again.json());
      assert.equal(second.created, false);
      assert.equal(second.entry.name, 'Mum', 'a name not given is kept');
      assert.equal(second.entry.createdAt, first.entry.createdAt);
      const london = WhitelistEntryResultSchema.parse(await (await send('POST', `/api/v1/whitelist/${user}`, { phone: '+44 20 7183 8750' })).json());
      assert.equal(london.entry.phone, '+442071838750');
    });

    it('refuses invalid numbers and expiries with 400 and a stable code', async () => {
      const user = uid('bad');
      await as(user);
      await expectErrorEnvelope(await send('POST', `/api/v1/whitelist/${user}`, { phone: '12' }), 400, 'INVALID_PHONE_NUMBER');
      await expectErrorEnvelope(await send('POST', `/api/v1/whitelist/${user}`, { phone: '020 7183 8750' }), 400, 'INVALID_PHONE_NUMBER');
      await expectErrorEnvelope(await send('POST', `/api/v1/whitelist/${user}`, { phone: 'not a number at all' }), 400, 'INVALID_PHONE_NUMBER');
      await expectErrorEnvelope(await send('POST', `/api/v1/whitelist/${user}`, { phone: '+14155550100', type: 'temporary' }), 400, 'VALIDATION_FAILED');
      await expectErrorEnvelope(await send('POST', `/api/v1/whitelist/${user}`, { phone: '+14155550100', expiresAt: new Date(Date.now() + 60_000).toISOString() }), 400, 'VALIDATION_FAILED');
      await expectErrorEnvelope(
        await send('POST', `/api/v1/whitelist/${user}`, { phone: '+14155550100', type: 'temporary', expiresAt: new Date(Date.now() - 60_000).toISOString() }),
        400,
        'EXPIRY_IN_PAST',
      );
      await expectErrorEnvelope(await send('POST', `/api/v1/whitelist/${user}`, { phone: '+14155550100', type: 'vip' }), 400, 'VALIDATION_FAILED');
      await expectErrorEnvelope(await send('DELETE', `/api/v1/whitelist/${user}/abc`), 400, 'INVALID_PHONE_NUMBER');
    });

    it('lists a page at a time in a stable order, by cursor or by page number', async () => {
      const user = uid('pages');
      await as(user);
      const phones = Array.from({ length: 7 }, (_, i) => `+1415555${String(150 + i).padStart(4, '0')}`);
      for (const phone of [...phones].reverse()) assert.equal((await send('POST', `/api/v1/whitelist/${user}`, { phone })).status, 201);
      const seen: string[] = [];
      let cursor: string | null = null;
      let pages = 0;
      do {
        pages += 1;
        const page = WhitelistPageSchema.parse(await (await send('GET', `/api/v1/whitelist/${user}?limit=3${cursor ? `&cursor=${cursor}` : ''}`)).json());
        assert.equal(page.total, 7);
        seen.push(...page.entries.map((entry) => entry.phone));
        cursor = page.nextCursor;
      } while (cursor);
      assert.deepEqual(seen, phones);
      assert.equal(pages, 3, 'the last page says there is no next one');
      const exact = WhitelistPageSchema.parse(await (await send('GET', `/api/v1/whitelist/${user}?limit=7`)).json());
      assert.equal(exact.nextCursor, null, 'a page holding the last entry has no next cursor');
      const second = WhitelistPageSchema.parse(await (await send('GET', `/api/v1/whitelist/${user}?page=2&limit=3`)).json());
      assert.deepEqual(
        second.entries.map((entry) => entry.phone),
        phones.slice(3, 6),
      );
      assert.equal(second.page, 2);
      const last = WhitelistPageSchema.parse(await (await send('GET', `/api/v1/whitelist/${user}?page=3&limit=3`)).json());
      assert.equal(last.entries.length, 1);
      assert.equal(last.nextCursor, null);
      await expectErrorEnvelope(await send('GET', `/api/v1/whitelist/${user}?cursor=bm9wZQ`), 400, 'INVALID_CURSOR');
      await expectErrorEnvelope(await send('GET', `/api/v1/whitelist/${user}?cursor=a&page=1`), 400, 'VALIDATION_FAILED');
      await expectErrorEnvelope(await send('GET', `/api/v1/whitelist/${user}?limit=0`), 400, 'VALIDATION_FAILED');
      const learnedOnly = WhitelistPageSchema.parse(await (await send('GET', `/api/v1/whitelist/${user}?type=learned`)).json());
      assert.equal(learnedOnly.total, 0);
    });

    it('removes a number (204), then says it is not there (404)', async () => {
      const user = uid('del');
      await as(user);
      await send('POST', `/api/v1/whitelist/${user}`, { phone: '+14155550160' });
      assert.equal((await send('DELETE', `/api/v1/whitelist/${user}/${encodeURIComponent('+14155550160')}`)).status, 204);
      await expectErrorEnvelope(await send('DELETE', `/api/v1/whitelist/${user}/+14155550160`), 404, 'WHITELIST_ENTRY_NOT_FOUND');
    });

    it('smart-adds a learned entry whose confidence comes from the context, grows with more evidence, and never replaces a manual entry', async () => {
      const user = uid('smart');
      await as(user);
      const first = await send('POST', `/api/v1/whitelist/${user}/smart-add`, { phone: '+14155550170', context: 'called_back' });
      assert.equal(first.status, 201);
      const learned = WhitelistEntryResultSchema.parse(await first.json()).entry;
      assert.deepEqual([learned.type, learned.confidence, learned.source], ['learned', 0.85, 'called_back']);
      const more = WhitelistEntryResultSchema.parse(await (await send('POST', `/api/v1/whitelist/${user}/smart-add`, { phone: '+14155550170', context: 'answered_long_call' })).json());
      assert.equal(more.entry.confidence, 0.963); // 1 - 0.15 × 0.25
      const capped = WhitelistEntryResultSchema.parse(await (await send('POST', `/api/v1/whitelist/${user}/smart-add`, { phone: '+14155550170', context: 'outgoing_call', confidence: 1 })).json());
      assert.equal(capped.entry.confidence, 0.99);
      await send('POST', `/api/v1/whitelist/${user}`, { phone: '+14155550171' });
      const manual = await send('POST', `/api/v1/whitelist/${user}/smart-add`, { phone: '+14155550171', context: 'called_back' });
      assert.equal(manual.status, 200);
      assert.equal(WhitelistEntryResultSchema.parse(await manual.json()).entry.type, 'manual');
      await expectErrorEnvelope(await send('POST', `/api/v1/whitelist/${user}/smart-add`, { phone: '+14155550172', context: 'vibes' }), 400, 'VALIDATION_FAILED');
    });

    it('imports contacts in one request: added, updated, and each invalid one with its reason', async () => {
      const user = uid('import');
      await as(user);
      await send('POST', `/api/v1/whitelist/${user}/smart-add`, { phone: '+14155550180', context: 'called_back' });
      const response = await send('POST', `/api/v1/whitelist/${user}/import`, {
        contacts: [
          { phone: '(415) 555-0180', name: 'Ann' },
          { phone: '+14155550181', name: 'Bob' },
          { phone: '12345' },
          { phone: '415.555.0182' },
          { phone: '+1 415 555 0181', name: 'Bobby' },
          { phone: 'call me' },
        ],
      });
      assert.equal(response.status, 200);
      const result = ImportContactsResultSchema.parse(await response.json());
      assert.equal(result.added, 2);
      assert.equal(result.updated, 1);
      assert.deepEqual(
        result.invalid.map((entry) => [entry.index, entry.phone]),
        [
          [2, '12345'],
          [5, 'call me'],
        ],
      );
      assert.ok(result.invalid.every((entry) => entry.reason.length > 0));
      const page = WhitelistPageSchema.parse(await (await send('GET', `/api/v1/whitelist/${user}`)).json());
      assert.deepEqual(
        page.entries.map((entry) => [entry.phone, entry.name, entry.type]),
        [
          ['+14155550180', 'Ann', 'manual'],
          ['+14155550181', 'Bobby', 'manual'],
          ['+14155550182', null, 'manual'],
        ],
      );
    });

    it('imports 5000 contacts at once, and refuses more', async () => {
      const user = uid('bulk');
      await as(user);
      const contacts = Array.from({ length: 5000 }, (_, i) => ({ phone: `+1212555${String(i).padStart(4, '0')}`, name: `Contact ${i}` }));
      const result = ImportContactsResultSchema.parse(await (await send('POST', `/api/v1/whitelist/${user}/import`, { contacts })).json());
      assert.equal(result.added + result.invalid.length, 5000);
      assert.ok(result.added > 4000, `most of 212-555-xxxx are valid numbers, got ${result.added}`);
      const page = WhitelistPageSchema.parse(await (await send('GET', `/api/v1/whitelist/${user}?limit=1`)).json());
      assert.equal(page.total, result.added);
      await expectErrorEnvelope(await send('POST', `/api/v1/whitelist/${user}/import`, { contacts: [...contacts, { phone: '+14155550100' }] }), 400, 'VALIDATION_FAILED');
      await expectErrorEnvelope(await send('POST', `/api/v1/whitelist/${user}/import`, { contacts: [] }), 400, 'VALIDATION_FAILED');
    });

    it('keeps a user’s rules: defaults first, replaced as a whole, numbers normalised, contradictions refused', async () => {
      const user = uid('rules');
      await as(user);
      const defaults = WhitelistRulesSchema.parse(await (await send('GET', `/api/v1/whitelist/rules/${user}`)).json());
      assert.deepEqual(defaults, { userId: user, blockedPrefixes: [], blockedNumbers: [], contactsOnly: false, allowCategories: [], blockCategories: [], spamThreshold: 0.8, updatedAt: null });
      const put = await send('PUT', `/api/v1/whitelist/rules/${user}`, { blockedPrefixes: ['+1900'], blockedNumbers: ['(415) 555-0190', '+14155550190'], blockCategories: ['loan'] });
      assert.equal(put.status, 200);
      const rules = WhitelistRulesSchema.parse(await put.json());
      assert.deepEqual(rules.blockedNumbers, ['+14155550190']);
      assert.equal(rules.contactsOnly, false);
      assert.deepEqual(WhitelistRulesSchema.parse(await (await send('GET', `/api/v1/whitelist/rules/${user}`)).json()), rules);
      await expectErrorEnvelope(await send('PUT', `/api/v1/whitelist/rules/${user}`, { allowCategories: ['loan'], blockCategories: ['loan'] }), 400, 'VALIDATION_FAILED');
      await expectErrorEnvelope(await send('PUT', `/api/v1/whitelist/rules/${user}`, { blockedPrefixes: ['1900'] }), 400, 'VALIDATION_FAILED');
      await expectErrorEnvelope(await send('PUT', `/api/v1/whitelist/rules/${user}`, { blockedNumbers: ['nope'] }), 400, 'INVALID_PHONE_NUMBER');
      await expectErrorEnvelope(await send('PUT', `/api/v1/whitelist/rules/${user}`, { spamThreshold: 2 }), 400, 'VALIDATION_FAILED');
    });

    it('evaluates from the user’s entries and rules, and the caller’s profile', async () => {
      const user = uid('eval');
      await as(user);
      const scammer = '+14155550203';
      const lender = '+14155550204';
      await reportToProfile({ phone: scammer, category: 'scam', feedback: 'spam', eventId: uid('e') });
      await reportToProfile({ phone: lender, category: 'loan', eventId: uid('e') });

      const unknown = await evaluate('+14155550200', user);
      assert.equal(unknown.decision, 'unknown');
      assert.equal(unknown.spamScore, 0);
      assert.match(unknown.reasons.join(' | '), /profile-analytics has never seen this number/);

      await send('POST', `/api/v1/whitelist/${user}`, { phone: '+14155550201' });
      assert.deepEqual((await evaluate('+14155550201', user)).decision, 'allow');

      const spam = await evaluate(scammer, user);
      assert.equal(spam.decision, 'block');
      assert.ok(spam.spamScore >= 0.9);
      assert.match(spam.reasons[0]!, /^spam-score:/);
      assert.match(spam.reasons[1]!, /^profile: scam/);

      const loan = await evaluate(lender, user);
      assert.equal(loan.decision, 'unknown');
      assert.equal(loan.spamScore, 0.65);

      await send('PUT', `/api/v1/whitelist/rules/${user}`, { blockedPrefixes: ['+1900'], blockedNumbers: ['+14155550202'], blockCategories: ['loan'], allowCategories: ['scam'] });
      assert.match((await evaluate('+19005550100', user)).reasons[0]!, /^blocked-prefix: .*\+1900/);
      assert.equal((await evaluate('+14155550202', user)).decision, 'block');
      assert.match((await evaluate(lender, user)).reasons[0]!, /^blocked-category:/);
      assert.equal((await evaluate(scammer, user)).decision, 'allow', 'a category the user allows wins over the spam score');

      await send('PUT', `/api/v1/whitelist/rules/${user}`, { contactsOnly: true });
      const stranger = await evaluate('+14155550200', user);
      assert.equal(stranger.decision, 'block');
      assert.match(stranger.reasons[0]!, /^contacts-only:/);
      assert.equal((await evaluate('+14155550201', user)).decision, 'allow');
    });

    it('stops counting a temporary entry once it expires', async () => {
      const user = uid('temp');
      await as(user);
      const expiresAt = new Date(Date.now() + 1500).toISOString();
      await send('POST', `/api/v1/whitelist/${user}`, { phone: '+14155550210', type: 'temporary', expiresAt });
      const allowed = await evaluate('+14155550210', user);
      assert.equal(allowed.decision, 'allow');
      assert.match(allowed.reasons[0]!, /temporary entry until/);
      await sleep(Date.parse(expiresAt) - Date.now() + 100);
      assert.equal((await evaluate('+14155550210', user)).decision, 'unknown');
      const page = WhitelistPageSchema.parse(await (await send('GET', `/api/v1/whitelist/${user}`)).json());
      assert.equal(page.entries[0]!.active, false);
    });

    it('lets a user evaluate for themselves only; services and admins for anyone; a service without userId gets the profile alone', async () => {
      const user = uid('who');
      const other = uid('other');
      await as(user);
      assert.equal((await evaluate('+14155550220')).decision, 'unknown', 'userId defaults to the signed-in user');
      await expectErrorEnvelope(await send('GET', `/api/v1/whitelist/evaluate/+14155550220?userId=${other}`), 403, 'FORBIDDEN');
      await expectErrorEnvelope(await send('GET', `/api/v1/whitelist/evaluate/+14155550220?userId=${user}`, undefined, {}), 401, 'UNAUTHENTICATED');
      await expectErrorEnvelope(await send('GET', `/api/v1/whitelist/evaluate/4155550220?userId=${user}`), 400, 'VALIDATION_FAILED');
      assert.equal((await evaluate('+14155550220', other, service())).decision, 'unknown');
      assert.equal((await evaluate('+14155550220', other, auth.bearer(await auth.userToken('root', ['admin'])))).decision, 'unknown');
      const global = await evaluate('+14155550220', undefined, service());
      assert.match(global.reasons[0]!, /^no-user:/);
    });

    it('keeps every user’s whitelist private: another user’s token → 403, no token → 401, on every user-scoped route', async () => {
      const owner = uid('owner');
      const intruder = await as(uid('intruder'));
      const routes: Array<[string, string, unknown?]> = [
        ['GET', `/api/v1/whitelist/${owner}`],
        ['POST', `/api/v1/whitelist/${owner}`, { phone: '+14155550230' }],
        ['DELETE', `/api/v1/whitelist/${owner}/+14155550230`],
        ['POST', `/api/v1/whitelist/${owner}/smart-add`, { phone: '+14155550230', context: 'called_back' }],
        ['POST', `/api/v1/whitelist/${owner}/import`, { contacts: [{ phone: '+14155550230' }] }],
        ['GET', `/api/v1/whitelist/rules/${owner}`],
        ['PUT', `/api/v1/whitelist/rules/${owner}`, { contactsOnly: true }],
        ['POST', '/api/v1/whitelist/learning', { userId: owner, phone: '+14155550230', feedback: 'spam' }],
        ['GET', `/api/v1/whitelist/evaluate/+14155550230?userId=${owner}`],
      ];
      for (const [method, path, body] of routes) {
        await expectErrorEnvelope(await send(method, path, body, intruder), 403, 'FORBIDDEN');
        await expectErrorEnvelope(await send(method, path, body, {}), 401, 'UNAUTHENTICATED');
      }
      // Nothing was written by the refused requests.
      const page = WhitelistPageSchema.parse(await (await send('GET', `/api/v1/whitelist/${owner}`, undefined, await as(owner))).json());
      assert.equal(page.total, 0);
      assert.equal(WhitelistRulesSchema.parse(await (await send('GET', `/api/v1/whitelist/rules/${owner}`)).json()).updatedAt, null);
    });

    it('invalidates a user’s cached evaluations on every change of entries, rules or learning; profile changes wait for the TTL', async () => {
      const user = uid('cache');
      await as(user);
      const phone = '+14155550240';
      assert.equal((await evaluate(phone, user)).decision, 'unknown');
      // A profile change is global and not pushed to smart-whitelist: the cached evaluation stands until its TTL.
      await reportToProfile({ phone, category: 'scam', eventId: uid('e') });
      assert.equal((await evaluate(phone, user)).spamScore, 0, 'served from the cache');

      await send('POST', `/api/v1/whitelist/${user}`, { phone });
      assert.equal((await evaluate(phone, user)).decision, 'allow', 'add invalidates');
      await send('DELETE', `/api/v1/whitelist/${user}/${phone}`);
      const deleted = await evaluate(phone, user);
      assert.equal(deleted.decision, 'unknown', 'delete invalidates');
      assert.equal(deleted.spamScore, 0, 'the caller’s profile is cached on its own TTL too');
      await send('PUT', `/api/v1/whitelist/rules/${user}`, { contactsOnly: true });
      assert.equal((await evaluate(phone, user)).decision, 'block', 'rules invalidate');
      await send('PUT', `/api/v1/whitelist/rules/${user}`, { blockedNumbers: [phone] });
      assert.equal((await evaluate(phone, user)).decision, 'block');
      await send('POST', '/api/v1/whitelist/learning', { userId: user, phone, feedback: 'wanted' });
      assert.equal((await evaluate(phone, user)).decision, 'allow', 'learning invalidates');
      await send('POST', '/api/v1/whitelist/learning', { userId: user, phone, feedback: 'spam' });
      const learned = await evaluate(phone, user);
      assert.equal(learned.decision, 'block');
      assert.ok(learned.spamScore > 0, 'learning about a caller forgets its cached profile: read anew (a scam with one report each way now)');
      await send('PUT', `/api/v1/whitelist/rules/${user}`, {});
      await send('POST', `/api/v1/whitelist/${user}/smart-add`, { phone, context: 'outgoing_call' });
      assert.equal((await evaluate(phone, user)).decision, 'allow', 'smart-add invalidates');
      await send('DELETE', `/api/v1/whitelist/${user}/${phone}`);
      await send('PUT', `/api/v1/whitelist/rules/${user}`, { contactsOnly: true });
      assert.equal((await evaluate(phone, user)).decision, 'block');
      await send('POST', `/api/v1/whitelist/${user}/import`, { contacts: [{ phone }] });
      assert.equal((await evaluate(phone, user)).decision, 'allow', 'import invalidates');
    });

    it('learns from a verdict: wanted makes a learned entry and unblocks; spam removes it, blocks, and reaches the caller’s global profile', async () => {
      const user = uid('learn');
      await as(user);
      const phone = '+14155550250';
      const wanted = LearningResultSchema.parse(await (await send('POST', '/api/v1/whitelist/learning', { userId: user, phone: '(415) 555-0250', feedback: 'wanted', callId: 'c-1' })).json());
      assert.equal(wanted.phone, phone);
      assert.deepEqual([wanted.entry?.type, wanted.entry?.confidence, wanted.blocked], ['learned', 0.6, false]);
      assert.deepEqual(wanted.profile, { delivered: true, queued: false });
      const again = LearningResultSchema.parse(await (await send('POST', '/api/v1/whitelist/learning', { userId: user, phone, feedback: 'wanted' })).json());
      assert.equal(again.entry?.confidence, 0.84);
      assert.equal((await profileOf(phone))?.wantedReports, 2);

      const spam = LearningResultSchema.parse(await (await send('POST', '/api/v1/whitelist/learning', { userId: user, phone, feedback: 'spam', callId: 'c-2' })).json());
      assert.equal(spam.entry, null);
      assert.equal(spam.blocked, true);
      assert.deepEqual(spam.changes, ['learned entry removed', 'added to the blocked numbers']);
      assert.deepEqual(spam.profile, { delivered: true, queued: false });
      const profile = await profileOf(phone);
      assert.equal(profile?.spamReports, 1);
      assert.ok(WhitelistRulesSchema.parse(await (await send('GET', `/api/v1/whitelist/rules/${user}`)).json()).blockedNumbers.includes(phone));
      const decision = await evaluate(phone, user);
      assert.equal(decision.decision, 'block');
      assert.equal(decision.spamScore, profile?.riskScore, 'the evaluation reads the profile anew after learning');

      const back = LearningResultSchema.parse(await (await send('POST', '/api/v1/whitelist/learning', { userId: user, phone, feedback: 'wanted' })).json());
      assert.equal(back.blocked, false);
      assert.ok(back.changes.includes('removed from the blocked numbers'));

      // A manual entry is the user's own: spam does not remove it.
      await send('POST', `/api/v1/whitelist/${user}`, { phone: '+14155550251' });
      const kept = LearningResultSchema.parse(await (await send('POST', '/api/v1/whitelist/learning', { userId: user, phone: '+14155550251', feedback: 'spam' })).json());
      assert.equal(kept.entry?.type, 'manual');
      assert.equal(kept.blocked, false);
    });

    it('still answers while profile-analytics is down, keeps reports in the outbox, and delivers them when it is back', async () => {
      const user = uid('down');
      await as(user);
      const phone = '+14155550260';
      await send('POST', `/api/v1/whitelist/${user}`, { phone: '+14155550261' });
      await analytics.stop();
      try {
        const decision = await evaluate(phone, user);
        assert.equal(decision.decision, 'unknown');
        assert.match(decision.reasons.join(' | '), /profile-unavailable: decided without the caller’s profile \(profile-analytics: UPSTREAM_UNAVAILABLE/);
        assert.equal((await evaluate('+14155550261', user)).decision, 'allow', 'entries still count');
        const learned = LearningResultSchema.parse(await (await send('POST', '/api/v1/whitelist/learning', { userId: user, phone, feedback: 'spam' })).json());
        assert.equal(learned.blocked, true, 'the user’s own change is made');
        assert.equal(learned.profile.delivered, false);
        assert.equal(learned.profile.queued, true);
        assert.ok(learned.profile.reason);
        const ready = (await (await fetch(`${running.url}/health/ready`)).json()) as { status: string; checks: Record<string, Array<{ status: string }>> };
        assert.equal(ready.status, 'warn');
        assert.equal(ready.checks['profile-outbox']?.[0]?.status, 'fail');
        // Not cached while degraded: the next evaluation asks profile-analytics again.
      } finally {
        await analytics.start();
      }
      const profile = await eventually(async () => {
        const found = await profileOf(phone);
        assert.equal(found?.spamReports, 1);
        return found;
      });
      assert.equal(profile?.spamReports, 1);
      await eventually(async () => {
        const ready = (await (await fetch(`${running.url}/health/ready`)).json()) as { status: string };
        assert.equal(ready.status, 'pass');
      });
      assert.equal((await profileOf(phone))?.spamReports, 1, 'delivered once');
    });

    it('loses nothing across a restart: entries, rules, and reports still in the outbox', async () => {
      const user = uid('restart');
      await as(user);
      await send('POST', `/api/v1/whitelist/${user}`, { phone: '+14155550270', name: 'Kept' });
      await send('PUT', `/api/v1/whitelist/rules/${user}`, { blockedPrefixes: ['+1900'], contactsOnly: true });
      await analytics.stop();
      try {
        const queued = LearningResultSchema.parse(await (await send('POST', '/api/v1/whitelist/learning', { userId: user, phone: '+14155550271', feedback: 'spam' })).json());
        assert.equal(queued.profile.queued, true);
        const entriesBefore = await (await send('GET', `/api/v1/whitelist/${user}`)).json();
        const rulesBefore = await (await send('GET', `/api/v1/whitelist/rules/${user}`)).json();
        await running.close();
        running = await startWhitelist(db, env);
        assert.deepEqual(await (await send('GET', `/api/v1/whitelist/${user}`)).json(), entriesBefore);
        assert.deepEqual(await (await send('GET', `/api/v1/whitelist/rules/${user}`)).json(), rulesBefore);
        assert.equal((await evaluate('+14155550270', user)).decision, 'allow');
        assert.equal((await evaluate('+14155550272', user)).decision, 'block');
      } finally {
        await analytics.start();
      }
      // The report made before the restart reaches profile-analytics from the new process.
      await eventually(async () => assert.equal((await profileOf('+14155550271'))?.spamReports, 1));
    });
  });
}

describe('smart-whitelist replicas sharing Redis (REDIS_URL) and one database', () => {
  let auth: TestAuth;
  let db: TestDatabase;
  let analytics: ProfileAnalyticsProcess;
  const replicas: RunningService[] = [];
  let headers: Headers = {};
  const a = client(
    () => replicas[0]!,
    () => headers,
  );
  const b = client(
    () => replicas[1]!,
    () => headers,
  );

  before(async () => {
    auth = await createTestAuth();
    db = await testDatabase('sqlite');
    analytics = await ProfileAnalyticsProcess.create(auth.env);
    const env = { ...auth.env, PROFILE_SERVICE_URL: analytics.url, REDIS_URL: 'redis://127.0.0.1:6379' };
    replicas.push(await startWhitelist(db, env), await startWhitelist(db, env));
  });
  after(async () => {
    await Promise.all(replicas.map((replica) => replica.close()));
    await analytics.destroy();
    await db.cleanup();
  });

  it('reports the cache in readiness (optional)', async () => {
    const ready = (await (await fetch(`${replicas[0]!.url}/health/ready`)).json()) as { status: string; checks: Record<string, Array<{ status: string }>> };
    assert.equal(ready.checks['cache']?.[0]?.status, 'pass');
  });

  it('a change made on one replica voids the evaluation another replica cached', async () => {
    const user = uid('redis');
    headers = auth.bearer(await auth.userToken(user));
    const phone = '+14155550280';
    assert.equal((await a.evaluate(phone, user)).decision, 'unknown');
    // Served from the shared cache by the other replica too: a profile change is not seen until the TTL.
    const caller = auth.bearer(auth.serviceToken('phone-gateway'));
    await fetch(`${analytics.url}/api/v1/analytics/profile/update`, { method: 'POST', headers: { ...caller, 'content-type': 'application/json' }, body: JSON.stringify({ phone, category: 'scam' }) });
    assert.equal((await b.evaluate(phone, user)).spamScore, 0);
    assert.equal((await b.send('POST', `/api/v1/whitelist/${user}`, { phone })).status, 201);
    assert.equal((await a.evaluate(phone, user)).decision, 'allow');
    await a.send('PUT', `/api/v1/whitelist/rules/${user}`, { blockedNumbers: [phone] });
    assert.equal((await b.evaluate(phone, user)).decision, 'block');
  });
});
