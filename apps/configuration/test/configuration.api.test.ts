import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { compileFlag, evaluateFlags, pickVariant } from '@ai-ninja/config-client';
import {
  ConfigEntrySchema,
  ConfigHistorySchema,
  ExperimentAssignmentSchema,
  ExperimentListSchema,
  ExperimentSchema,
  FeatureFlagListSchema,
  FeatureFlagSchema,
  FlagEvaluationSchema,
  ScopeConfigSchema,
  SetConfigResultSchema,
} from '@ai-ninja/contracts';
import { DATABASE_KINDS, testDatabase, type TestDatabase } from '@ai-ninja/data/testing';
import { createLogger, type RunningService } from '@ai-ninja/service-kit';
import { createTestAuth, describeServiceBasics, expectErrorEnvelope, testConfig, type TestAuth } from '@ai-ninja/service-kit/testing';
import { createApp } from '../src/app.js';
import { configSchema } from '../src/config.js';
import { openConfigurationDatabase } from '../src/store/database.js';
import { apiOf, startConfiguration } from './helpers.js';

const basicsDatabase = await testDatabase('sqlite');
const basicsConfig = testConfig(configSchema, basicsDatabase.env);
const database = await openConfigurationDatabase(basicsConfig, createLogger({ service: 'configuration', level: 'silent' }));
after(() => basicsDatabase.cleanup());

describeServiceBasics({
  name: 'configuration',
  configSchema,
  createApp: (config) => createApp({ config, version: 'test', database }),
  notImplemented: [],
});

for (const kind of DATABASE_KINDS) {
  describe(`configuration API on ${kind}`, () => {
    let auth: TestAuth;
    let db: TestDatabase;
    let running: RunningService;
    let admin: string;
    let alice: string;
    let bob: string;
    const service = () => auth.serviceToken('phone-gateway');
    const api = apiOf(() => running);
    const json = async <T>(response: Response, status: number, schema: { parse(value: unknown): T }): Promise<T> => {
      const body: unknown = await response.json();
      assert.equal(response.status, status, JSON.stringify(body));
      return schema.parse(body);
    };
    const setValues = (scope: string, values: unknown[], token: string, comment?: string) =>
      api('POST', `/api/v1/config/${scope}`, { token, body: { values, ...(comment ? { comment } : {}) } });

    before(async () => {
      auth = await createTestAuth();
      db = await testDatabase(kind);
      running = await startConfiguration({ ...auth.env, ...db.env });
      admin = await auth.userToken('admin-1', ['user', 'admin']);
      alice = await auth.userToken('alice');
      bob = await auth.userToken('bob');
    });
    after(async () => {
      await running.close();
      await db.cleanup();
    });

    describe('values', () => {
      it('answers an empty set for a service without keys, and 404 CONFIG_KEY_NOT_FOUND for an unknown key', async () => {
        const empty = await json(await api('GET', '/api/v1/config/storage', { token: admin }), 200, ScopeConfigSchema);
        assert.deepEqual(empty, { service: 'storage', values: {} });
        await expectErrorEnvelope(await api('GET', '/api/v1/config/storage/no.such.key', { token: admin }), 404, 'CONFIG_KEY_NOT_FOUND');
        await expectErrorEnvelope(await api('GET', '/api/v1/config/storage/no.such.key/history', { token: admin }), 404, 'CONFIG_KEY_NOT_FOUND');
      });

      it('keeps every change as a new version with its author, time and comment, newest first in the history', async () => {
        const first = await json(await setValues('phone-gateway', [{ key: 'decision.timeoutMs', value: 800 }, { key: 'greeting', value: { text: 'hi', voices: ['a'] } }], admin, 'first values'), 200, SetConfigResultSchema);
        assert.deepEqual(first.updated.map((e) => [e.key, e.version, e.author, e.comment]), [
          ['decision.timeoutMs', 1, 'user:admin-1', 'first values'],
          ['greeting', 1, 'user:admin-1', 'first values'],
        ]);
        await json(await setValues('phone-gateway', [{ key: 'decision.timeoutMs', value: 900 }], service()), 200, SetConfigResultSchema);

        const current = await json(await api('GET', '/api/v1/config/phone-gateway/decision.timeoutMs', { token: admin }), 200, ConfigEntrySchema);
        assert.equal(current.value, 900);
        assert.equal(current.version, 2);
        assert.equal(current.author, 'service:phone-gateway');
        assert.ok(Date.now() - Date.parse(current.updatedAt) < 600_000);

        const all = await json(await api('GET', '/api/v1/config/phone-gateway', { token: service() }), 200, ScopeConfigSchema);
        assert.deepEqual(Object.keys(all.values), ['decision.timeoutMs', 'greeting']);
        assert.deepEqual(all.values['greeting']?.value, { text: 'hi', voices: ['a'] });

        const history = await json(await api('GET', '/api/v1/config/phone-gateway/decision.timeoutMs/history', { token: admin }), 200, ConfigHistorySchema);
        assert.deepEqual(history.versions.map((v) => [v.version, v.value, v.author, v.comment]), [
          [2, 900, 'service:phone-gateway', undefined],
          [1, 800, 'user:admin-1', 'first values'],
        ]);
        const latest = await json(await api('GET', '/api/v1/config/phone-gateway/decision.timeoutMs/history?limit=1', { token: admin }), 200, ConfigHistorySchema);
        assert.equal(latest.versions.length, 1);
      });

      it('takes any JSON value (null, false, 0, arrays) for a key without a registered schema, and `global` keys', async () => {
        const values = [null, false, 0, '', [1, 'two'], { nested: { deep: true } }];
        for (const [i, value] of values.entries()) await json(await setValues('global', [{ key: `k${i}`, value }], admin), 200, SetConfigResultSchema);
        const all = await json(await api('GET', '/api/v1/config/global', { token: admin }), 200, ScopeConfigSchema);
        assert.deepEqual(values.map((_, i) => all.values[`k${i}`]?.value), values);
      });

      it('refuses a value that does not fit its key’s registered schema with 422 CONFIG_VALUE_INVALID, writing nothing', async () => {
        for (const value of [-1, 3_600_001, 1.5, '60000', null]) {
          const response = await setValues('smart-whitelist', [{ key: 'other', value: 1 }, { key: 'evaluation.cacheTtlMs', value }], admin);
          const envelope = await expectErrorEnvelope(response, 422, 'CONFIG_VALUE_INVALID');
          const issues = (envelope.error.details as { issues: { path: string; key: string }[] }).issues;
          assert.equal(issues[0]?.path, 'body.values.1.value');
          assert.equal(issues[0]?.key, 'evaluation.cacheTtlMs');
        }
        await expectErrorEnvelope(await api('GET', '/api/v1/config/smart-whitelist/other', { token: admin }), 404, 'CONFIG_KEY_NOT_FOUND');
        const ok = await json(await setValues('smart-whitelist', [{ key: 'evaluation.cacheTtlMs', value: 60_000 }], admin), 200, SetConfigResultSchema);
        assert.equal(ok.updated[0]?.value, 60_000);
      });

      it('answers 400 VALIDATION_FAILED for an unknown service, a bad key, a missing value or a repeated key', async () => {
        await expectErrorEnvelope(await api('GET', '/api/v1/config/no-such-service', { token: admin }), 400, 'VALIDATION_FAILED');
        await expectErrorEnvelope(await api('GET', '/api/v1/config/no-such-service/key', { token: admin }), 400, 'VALIDATION_FAILED');
        await expectErrorEnvelope(await api('GET', '/api/v1/config/storage/bad%20key', { token: admin }), 400, 'VALIDATION_FAILED');
        await expectErrorEnvelope(await api('GET', '/api/v1/config/storage/key/history?limit=0', { token: admin }), 400, 'VALIDATION_FAILED');
        await expectErrorEnvelope(await setValues('no-such-service', [{ key: 'a', value: 1 }], admin), 400, 'VALIDATION_FAILED');
        await expectErrorEnvelope(await setValues('storage', [{ key: 'a' }], admin), 400, 'VALIDATION_FAILED');
        await expectErrorEnvelope(await setValues('storage', [], admin), 400, 'VALIDATION_FAILED');
        await expectErrorEnvelope(await setValues('storage', [{ key: 'a', value: 1 }, { key: 'a', value: 2 }], admin), 400, 'VALIDATION_FAILED');
        await expectErrorEnvelope(await setValues('storage', [{ key: '../etc', value: 1 }], admin), 400, 'VALIDATION_FAILED');
        await expectErrorEnvelope(await api('POST', '/api/v1/config/storage', { token: admin, body: [1] }), 400, 'VALIDATION_FAILED');
      });

      it('writes only at the expected version: 409 VERSION_CONFLICT otherwise, and nothing of the request is written', async () => {
        await json(await setValues('storage', [{ key: 'retention.days', value: 30, expectedVersion: 0 }], admin), 200, SetConfigResultSchema);
        const conflict = await expectErrorEnvelope(await setValues('storage', [{ key: 'new.key', value: 1 }, { key: 'retention.days', value: 31, expectedVersion: 0 }], admin), 409, 'VERSION_CONFLICT');
        assert.deepEqual(conflict.error.details, { subject: 'storage/retention.days', expectedVersion: 0, actualVersion: 1 });
        await expectErrorEnvelope(await api('GET', '/api/v1/config/storage/new.key', { token: admin }), 404, 'CONFIG_KEY_NOT_FOUND');
        const written = await json(await setValues('storage', [{ key: 'retention.days', value: 31, expectedVersion: 1 }], admin), 200, SetConfigResultSchema);
        assert.equal(written.updated[0]?.version, 2);
        await expectErrorEnvelope(await setValues('storage', [{ key: 'retention.days', value: 32, expectedVersion: 1 }], admin), 409, 'VERSION_CONFLICT');
      });

      it('gives concurrent writers of one key distinct versions, none lost', async () => {
        const writers = Array.from({ length: 5 }, (_, i) => setValues('monitoring', [{ key: 'race', value: i }], admin));
        const results = await Promise.all(writers.map(async (w) => json(await w, 200, SetConfigResultSchema)));
        assert.deepEqual(results.map((r) => r.updated[0]!.version).sort(), [1, 2, 3, 4, 5]);
        const history = await json(await api('GET', '/api/v1/config/monitoring/race/history', { token: admin }), 200, ConfigHistorySchema);
        assert.equal(history.versions.length, 5);
      });

      it('lets admins and services read and write, not other users (403) nor anonymous callers (401)', async () => {
        await expectErrorEnvelope(await api('GET', '/api/v1/config/phone-gateway'), 401, 'UNAUTHENTICATED');
        await expectErrorEnvelope(await api('GET', '/api/v1/config/phone-gateway/decision.timeoutMs'), 401, 'UNAUTHENTICATED');
        await expectErrorEnvelope(await setValues('phone-gateway', [{ key: 'x', value: 1 }], ''), 401, 'UNAUTHENTICATED');
        await expectErrorEnvelope(await api('GET', '/api/v1/config/phone-gateway', { token: alice }), 403, 'FORBIDDEN');
        await expectErrorEnvelope(await api('GET', '/api/v1/config/phone-gateway/decision.timeoutMs/history', { token: alice }), 403, 'FORBIDDEN');
        await expectErrorEnvelope(await setValues('phone-gateway', [{ key: 'x', value: 1 }], alice), 403, 'FORBIDDEN');
        assert.equal((await api('GET', '/api/v1/config/phone-gateway', { token: service() })).status, 200);
      });
    });

    describe('feature flags', () => {
      const define = (name: string, body: object, token = admin) => api('PUT', `/api/v1/config/features/${name}`, { token, body });

      it('defines a flag (201), replaces it as a new version (200), and lists every flag', async () => {
        const created = await json(await define('ai-answer.v2', { description: 'New AI answer', enabled: true, rolloutPercentage: 10 }), 201, FeatureFlagSchema);
        assert.deepEqual([created.version, created.author, created.allowUsers, created.denyUsers], [1, 'user:admin-1', [], []]);
        const replaced = await json(await define('ai-answer.v2', { description: 'New AI answer', enabled: true, rolloutPercentage: 20, expectedVersion: 1 }), 200, FeatureFlagSchema);
        assert.equal(replaced.version, 2);
        await expectErrorEnvelope(await define('ai-answer.v2', { enabled: true, rolloutPercentage: 30, expectedVersion: 1 }), 409, 'VERSION_CONFLICT');
        await expectErrorEnvelope(await define('brand-new', { enabled: true, rolloutPercentage: 30, expectedVersion: 3 }), 409, 'VERSION_CONFLICT');
        const list = await json(await api('GET', '/api/v1/config/features', { token: service() }), 200, FeatureFlagListSchema);
        assert.deepEqual(list.flags.map((f) => [f.name, f.rolloutPercentage, f.version]), [['ai-answer.v2', 20, 2]]);
      });

      it('answers 400 for a percentage outside 0..100, a missing kill switch or a bad name', async () => {
        await expectErrorEnvelope(await define('f', { enabled: true, rolloutPercentage: 101 }), 400, 'VALIDATION_FAILED');
        await expectErrorEnvelope(await define('f', { enabled: true, rolloutPercentage: -1 }), 400, 'VALIDATION_FAILED');
        await expectErrorEnvelope(await define('f', { rolloutPercentage: 5 }), 400, 'VALIDATION_FAILED');
        await expectErrorEnvelope(await define('-f', { enabled: true, rolloutPercentage: 5 }), 400, 'VALIDATION_FAILED');
        await expectErrorEnvelope(await define('f', { enabled: true, rolloutPercentage: 5, allowUsers: [''] }), 400, 'VALIDATION_FAILED');
      });

      it('evaluates every flag for a user: deny list, then allow list, then kill switch, then rollout, with reasons', async () => {
        await json(await define('lists', { enabled: true, rolloutPercentage: 100, allowUsers: ['alice', 'bob'], denyUsers: ['bob'] }), 201, FeatureFlagSchema);
        await json(await define('killed', { enabled: false, rolloutPercentage: 100, allowUsers: ['alice'] }), 201, FeatureFlagSchema);
        const forAlice = await json(await api('GET', '/api/v1/config/features/alice', { token: alice }), 200, FlagEvaluationSchema);
        const forBob = await json(await api('GET', '/api/v1/config/features/bob', { token: bob }), 200, FlagEvaluationSchema);
        assert.deepEqual([forAlice.flags['lists'], forAlice.reasons['lists']?.reason], [true, 'ALLOW_LIST']);
        assert.deepEqual([forAlice.flags['killed'], forAlice.reasons['killed']?.reason], [true, 'ALLOW_LIST']);
        assert.deepEqual([forBob.flags['lists'], forBob.reasons['lists']?.reason], [false, 'DENY_LIST']);
        assert.deepEqual([forBob.flags['killed'], forBob.reasons['killed']?.reason], [false, 'KILL_SWITCH']);
        assert.match(forBob.reasons['ai-answer.v2']?.reason ?? '', /^ROLLOUT_(IN|OUT)$/);
        assert.equal(typeof forBob.reasons['ai-answer.v2']?.bucket, 'number');
      });

      it('answers as the config client evaluates, the same every time, and a grown rollout keeps its users (100 users)', async () => {
        await json(await define('grow', { enabled: true, rolloutPercentage: 10 }), 201, FeatureFlagSchema);
        const users = Array.from({ length: 100 }, (_, i) => `user-${i}`);
        const read = async () =>
          Promise.all(users.map(async (user) => (await json(await api('GET', `/api/v1/config/features/${user}`, { token: service() }), 200, FlagEvaluationSchema)).flags['grow']));
        const at10 = await read();
        assert.deepEqual(await read(), at10);
        const definition = compileFlag({ name: 'grow', enabled: true, rolloutPercentage: 10, allowUsers: [], denyUsers: [] });
        assert.deepEqual(at10, users.map((user) => evaluateFlags([definition], user).flags['grow']));
        await json(await define('grow', { enabled: true, rolloutPercentage: 20 }), 200, FeatureFlagSchema);
        const at20 = await read();
        assert.ok(at10.every((on, i) => !on || at20[i]), 'a user with the flag at 10 % lost it at 20 %');
        assert.ok(at20.filter(Boolean).length >= at10.filter(Boolean).length);
      });

      it('lets a user evaluate only their own flags (403 for another user’s, 401 without a token); admins and services any', async () => {
        await expectErrorEnvelope(await api('GET', '/api/v1/config/features/bob', { token: alice }), 403, 'FORBIDDEN');
        await expectErrorEnvelope(await api('GET', '/api/v1/config/features/bob'), 401, 'UNAUTHENTICATED');
        assert.equal((await api('GET', '/api/v1/config/features/bob', { token: admin })).status, 200);
        assert.equal((await api('GET', '/api/v1/config/features/bob', { token: service() })).status, 200);
      });

      it('lets only admins and services define and list flags', async () => {
        await expectErrorEnvelope(await define('f', { enabled: true, rolloutPercentage: 5 }, alice), 403, 'FORBIDDEN');
        await expectErrorEnvelope(await api('GET', '/api/v1/config/features', { token: alice }), 403, 'FORBIDDEN');
        await expectErrorEnvelope(await api('GET', '/api/v1/config/features'), 401, 'UNAUTHENTICATED');
      });
    });

    describe('experiments', () => {
      const defineExperiment = (body: object, token = admin) => api('POST', '/api/v1/config/experiments', { token, body });
      const assignment = async (name: string, user: string) =>
        json(await api('GET', `/api/v1/config/experiments/${name}/assignment/${user}`, { token: service() }), 200, ExperimentAssignmentSchema);
      const users = Array.from({ length: 200 }, (_, i) => `user-${i}`);

      it('defines an experiment (201) and changes it as a new version (200); lists them', async () => {
        const created = await json(await defineExperiment({ name: 'greeting', variants: [{ name: 'control', weight: 50 }, { name: 'warm', weight: 50 }] }), 201, ExperimentSchema);
        assert.equal(created.version, 1);
        const list = await json(await api('GET', '/api/v1/config/experiments', { token: admin }), 200, ExperimentListSchema);
        assert.deepEqual(list.experiments.map((e) => e.name), ['greeting']);
      });

      it('assigns by the stable hash, then keeps each user’s variant when the weights change (200 users)', async () => {
        const before = await Promise.all(users.map((user) => assignment('greeting', user)));
        assert.ok(before.every((a) => a.newlyAssigned));
        assert.deepEqual(before.map((a) => a.variant), users.map((user) => pickVariant('greeting', [{ name: 'control', weight: 50 }, { name: 'warm', weight: 50 }], user)));
        assert.ok(new Set(before.map((a) => a.variant)).size === 2);

        await json(await defineExperiment({ name: 'greeting', variants: [{ name: 'control', weight: 0 }, { name: 'warm', weight: 100 }], expectedVersion: 1 }), 200, ExperimentSchema);
        const afterChange = await Promise.all(users.map((user) => assignment('greeting', user)));
        assert.deepEqual(afterChange.map((a) => a.variant), before.map((a) => a.variant), 'a weight change reshuffled assigned users');
        assert.deepEqual(afterChange.map((a) => a.assignedAt), before.map((a) => a.assignedAt));
        assert.ok(afterChange.every((a) => !a.newlyAssigned));
        // New users follow the new weights.
        const newcomers = await Promise.all(['new-1', 'new-2', 'new-3', 'new-4'].map((user) => assignment('greeting', user)));
        assert.ok(newcomers.every((a) => a.variant === 'warm' && a.newlyAssigned));
      });

      it('gives the users of a removed variant a new one, once', async () => {
        const inControl = (await Promise.all(users.map((user) => assignment('greeting', user)))).filter((a) => a.variant === 'control');
        assert.ok(inControl.length > 0);
        await json(await defineExperiment({ name: 'greeting', variants: [{ name: 'warm', weight: 1 }, { name: 'brief', weight: 1 }] }), 200, ExperimentSchema);
        const moved = await Promise.all(inControl.map((a) => assignment('greeting', a.userId)));
        assert.ok(moved.every((a) => a.variant !== 'control' && a.newlyAssigned));
        const again = await Promise.all(inControl.map((a) => assignment('greeting', a.userId)));
        assert.deepEqual(again.map((a) => a.variant), moved.map((a) => a.variant));
        assert.ok(again.every((a) => !a.newlyAssigned));
      });

      it('answers 404 EXPERIMENT_NOT_FOUND for an unknown experiment and 400 for bad variants', async () => {
        await expectErrorEnvelope(await api('GET', '/api/v1/config/experiments/nope/assignment/alice', { token: alice }), 404, 'EXPERIMENT_NOT_FOUND');
        await expectErrorEnvelope(await defineExperiment({ name: 'x', variants: [{ name: 'a', weight: 0 }] }), 400, 'VALIDATION_FAILED');
        await expectErrorEnvelope(await defineExperiment({ name: 'x', variants: [{ name: 'a', weight: 1 }, { name: 'a', weight: 1 }] }), 400, 'VALIDATION_FAILED');
        await expectErrorEnvelope(await defineExperiment({ name: 'x', variants: [] }), 400, 'VALIDATION_FAILED');
        await expectErrorEnvelope(await defineExperiment({ name: 'x', variants: [{ name: 'a', weight: -1 }] }), 400, 'VALIDATION_FAILED');
        await expectErrorEnvelope(await defineExperiment({ name: 'greeting', variants: [{ name: 'a', weight: 1 }], expectedVersion: 1 }), 409, 'VERSION_CONFLICT');
      });

      it('lets a user read only their own assignment; only admins and services define experiments', async () => {
        assert.equal((await api('GET', '/api/v1/config/experiments/greeting/assignment/alice', { token: alice })).status, 200);
        await expectErrorEnvelope(await api('GET', '/api/v1/config/experiments/greeting/assignment/bob', { token: alice }), 403, 'FORBIDDEN');
        await expectErrorEnvelope(await api('GET', '/api/v1/config/experiments/greeting/assignment/bob'), 401, 'UNAUTHENTICATED');
        await expectErrorEnvelope(await defineExperiment({ name: 'mine', variants: [{ name: 'a', weight: 1 }] }, alice), 403, 'FORBIDDEN');
        await expectErrorEnvelope(await api('GET', '/api/v1/config/experiments', { token: alice }), 403, 'FORBIDDEN');
      });
    });

    describe('restart', () => {
      it('keeps values, history, flags, experiments and assignments across a restart on the same database', async () => {
        const snapshot = async () => ({
          values: await (await api('GET', '/api/v1/config/phone-gateway', { token: admin })).json(),
          history: await (await api('GET', '/api/v1/config/phone-gateway/decision.timeoutMs/history', { token: admin })).json(),
          flags: await (await api('GET', '/api/v1/config/features', { token: admin })).json(),
          experiments: await (await api('GET', '/api/v1/config/experiments', { token: admin })).json(),
          assignment: ((await (await api('GET', '/api/v1/config/experiments/greeting/assignment/user-1', { token: admin })).json()) as { variant: string }).variant,
        });
        const before = await snapshot();
        assert.equal((before.history as { versions: unknown[] }).versions.length, 2);
        await running.close();
        running = await startConfiguration({ ...auth.env, ...db.env });
        assert.deepEqual(await snapshot(), before);
      });
    });

    it('documents its API in /openapi.json', async () => {
      const document = (await (await fetch(`${running.url}/openapi.json`)).json()) as { paths: Record<string, Record<string, unknown>> };
      for (const path of [
        '/api/v1/config/{service}',
        '/api/v1/config/{service}/{key}',
        '/api/v1/config/{service}/{key}/history',
        '/api/v1/config/features',
        '/api/v1/config/features/{flag}',
        '/api/v1/config/features/{userId}',
        '/api/v1/config/experiments',
        '/api/v1/config/experiments/{name}/assignment/{userId}',
      ]) {
        assert.ok(document.paths[path], `${path} is not documented`);
      }
    });
  });
}
