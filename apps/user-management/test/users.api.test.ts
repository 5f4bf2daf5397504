import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import {
  HostedNumberLookupEndpoint,
  HostedNumberSchema,
  TokenResponseSchema,
  UserPermissionsSchema,
  UserPreferencesSchema,
  UserSchema,
} from '@ai-ninja/contracts';
import { DATABASE_KINDS, testDatabase, type TestDatabase } from '@ai-ninja/data/testing';
import { createService, serviceConfigSchema, type RunningService } from '@ai-ninja/service-kit';
import { createTestAuth, expectErrorEnvelope, testConfig, type TestAuth } from '@ai-ninja/service-kit/testing';
import { apiOf, json, signUp, startUserManagement, uniqueEmail, type TestUser } from './helpers.js';

const PREFERENCES = {
  aiPersonality: 'humorous',
  unknownCallerAction: 'reject',
  quietHours: { start: '22:00', end: '07:00', timezone: 'Europe/Berlin', action: 'ai_answer' },
  userName: 'Ms. Lovelace',
} as const;

/** Every user-scoped route, with a valid body, on the user `id`; `phone` is a number the user hosts. */
function userScopedRoutes(id: string, phone: string) {
  return [
    { method: 'GET', path: `/api/v1/users/${id}`, ok: 200 },
    { method: 'PATCH', path: `/api/v1/users/${id}`, body: { displayName: 'Renamed' }, ok: 200 },
    { method: 'POST', path: `/api/v1/users/${id}/phones`, body: { phone: '+4930123456' }, ok: [200, 201] },
    { method: 'GET', path: `/api/v1/users/${id}/preferences`, ok: 200 },
    { method: 'PUT', path: `/api/v1/users/${id}/preferences`, body: PREFERENCES, ok: 200 },
    { method: 'GET', path: `/api/v1/users/${id}/permissions`, ok: 200 },
    { method: 'DELETE', path: `/api/v1/users/${id}/phones/${encodeURIComponent(phone)}`, ok: 204 },
  ] as const;
}

for (const kind of DATABASE_KINDS) {
  describe(`user-management users on ${kind}`, () => {
    let auth: TestAuth;
    let db: TestDatabase;
    let running: RunningService;
    const api = apiOf(() => running);
    const adminEmail = uniqueEmail('root');
    let admin: TestUser;
    let alice: TestUser;
    let bob: TestUser;

    before(async () => {
      auth = await createTestAuth();
      db = await testDatabase(kind);
      running = await startUserManagement({ SERVICE_AUTH_SECRET: auth.env.SERVICE_AUTH_SECRET!, ...db.env, BOOTSTRAP_ADMIN_EMAIL: adminEmail });
      alice = await signUp(api, 'alice');
      bob = await signUp(api, 'bob');
      admin = await signUp(api, 'root', adminEmail);
    });
    after(async () => {
      await running?.close();
      await db?.cleanup();
    });

    it('makes the BOOTSTRAP_ADMIN_EMAIL account an admin, and nobody else', () => {
      assert.deepEqual(admin.user.roles, ['user', 'admin']);
      assert.deepEqual(alice.user.roles, ['user']);
    });

    it('keeps every user-scoped route private: no token 401, another user 403, the owner, an admin and a service 2xx', async () => {
      for (const [who, token] of [
        ['alice', () => alice.token],
        ['admin', () => admin.token],
        ['service', () => auth.serviceToken('phone-gateway')],
      ] as const) {
        await json(await api('POST', `/api/v1/users/${alice.user.id}/phones`, { token: alice.token, body: { phone: '+4930999000' } }), 201, UserSchema);
        for (const route of userScopedRoutes(alice.user.id, '+4930999000')) {
          const label = `${route.method} ${route.path}`;
          const body = 'body' in route ? route.body : undefined;
          await expectErrorEnvelope(await api(route.method, route.path, { body }), 401, 'UNAUTHENTICATED');
          await expectErrorEnvelope(await api(route.method, route.path, { token: bob.token, body }), 403, 'FORBIDDEN');
          const response = await api(route.method, route.path, { token: token(), body });
          const expected: readonly number[] = typeof route.ok === 'number' ? [route.ok] : route.ok;
          assert.ok(expected.includes(response.status), `${who}: ${label} → ${response.status} ${await response.text()}`);
        }
        await api('DELETE', `/api/v1/users/${alice.user.id}/phones/${encodeURIComponent('+4930123456')}`, { token: alice.token });
      }
      // Bob's data did not change through any of this.
      const bobNow = await json(await api('GET', `/api/v1/users/${bob.user.id}`, { token: bob.token }), 200, UserSchema);
      assert.equal(bobNow.displayName, 'bob');
      assert.deepEqual(bobNow.phoneNumbers, []);
    });

    it('changes the profile (PATCH), refusing fields that cannot change and empty changes', async () => {
      const changed = await json(await api('PATCH', `/api/v1/users/${bob.user.id}`, { token: bob.token, body: { displayName: '  Robert ' } }), 200, UserSchema);
      assert.equal(changed.displayName, 'Robert');
      assert.ok(changed.updatedAt >= bob.user.updatedAt);
      await expectErrorEnvelope(await api('PATCH', `/api/v1/users/${bob.user.id}`, { token: bob.token, body: {} }), 400, 'VALIDATION_FAILED');
      await expectErrorEnvelope(await api('PATCH', `/api/v1/users/${bob.user.id}`, { token: bob.token, body: { email: 'x@example.com' } }), 400, 'VALIDATION_FAILED');
      await expectErrorEnvelope(await api('PATCH', `/api/v1/users/${bob.user.id}`, { token: bob.token, body: { displayName: 'x'.repeat(101) } }), 400, 'VALIDATION_FAILED');
    });

    it('answers 404 USER_NOT_FOUND to an admin asking for a user that does not exist', async () => {
      await expectErrorEnvelope(await api('GET', '/api/v1/users/no-such-user', { token: admin.token }), 404, 'USER_NOT_FOUND');
      await expectErrorEnvelope(await api('GET', `/api/v1/users/${'x'.repeat(65)}`, { token: admin.token }), 400, 'VALIDATION_FAILED');
    });

    it('keeps a hosted number with one user only (409), in E.164 only', async () => {
      const carol = await signUp(api, 'carol');
      const dave = await signUp(api, 'dave');
      const phone = '+14155550123';
      const added = await json(await api('POST', `/api/v1/users/${carol.user.id}/phones`, { token: carol.token, body: { phone } }), 201, UserSchema);
      assert.deepEqual(added.phoneNumbers, [phone]);
      assert.equal((await api('POST', `/api/v1/users/${carol.user.id}/phones`, { token: carol.token, body: { phone } })).status, 200, 'adding it again changes nothing');
      await expectErrorEnvelope(await api('POST', `/api/v1/users/${dave.user.id}/phones`, { token: dave.token, body: { phone } }), 409, 'PHONE_NUMBER_TAKEN');
      await expectErrorEnvelope(await api('DELETE', `/api/v1/users/${dave.user.id}/phones/${encodeURIComponent(phone)}`, { token: dave.token }), 404, 'PHONE_NUMBER_NOT_FOUND');
      for (const bad of ['4155550123', '+0123', '+1 415 555 0123', '+1234567890123456']) {
        await expectErrorEnvelope(await api('POST', `/api/v1/users/${carol.user.id}/phones`, { token: carol.token, body: { phone: bad } }), 400, 'VALIDATION_FAILED');
      }
      await expectErrorEnvelope(await api('DELETE', `/api/v1/users/${carol.user.id}/phones/not-a-number`, { token: carol.token }), 400, 'VALIDATION_FAILED');

      // Concurrent claims of a free number: exactly one wins.
      const race = '+14155550999';
      const answers = await Promise.all(
        [carol, dave].map((user) => api('POST', `/api/v1/users/${user.user.id}/phones`, { token: user.token, body: { phone: race } })),
      );
      assert.deepEqual(answers.map((answer) => answer.status).sort(), [201, 409]);

      assert.equal((await api('DELETE', `/api/v1/users/${carol.user.id}/phones/${encodeURIComponent(phone)}`, { token: carol.token })).status, 204);
      assert.equal((await api('POST', `/api/v1/users/${dave.user.id}/phones`, { token: dave.token, body: { phone } })).status, 201, 'free again once removed');
    });

    it('stores preferences (PUT replaces; omitted fields take defaults) and validates them', async () => {
      const erin = await signUp(api, 'erin');
      const path = `/api/v1/users/${erin.user.id}/preferences`;
      assert.deepEqual(await json(await api('GET', path, { token: erin.token }), 200, UserPreferencesSchema), {
        aiPersonality: 'polite',
        unknownCallerAction: 'ai_answer',
        quietHours: null,
        userName: null,
      });
      assert.deepEqual(await json(await api('PUT', path, { token: erin.token, body: PREFERENCES }), 200, UserPreferencesSchema), PREFERENCES);
      assert.deepEqual((await json(await api('GET', `/api/v1/users/${erin.user.id}`, { token: erin.token }), 200, UserSchema)).preferences, PREFERENCES);
      const partial = await json(await api('PUT', path, { token: erin.token, body: { aiPersonality: 'direct' } }), 200, UserPreferencesSchema);
      assert.deepEqual(partial, { aiPersonality: 'direct', unknownCallerAction: 'ai_answer', quietHours: null, userName: null });
      for (const bad of [
        { aiPersonality: 'rude' },
        { unknownCallerAction: 'voicemail' },
        { quietHours: { start: '22:00', end: '07:00', timezone: 'Mars/Olympus_Mons' } },
        { quietHours: { start: '25:00', end: '07:00', timezone: 'UTC' } },
        { quietHours: { start: '07:00', end: '07:00', timezone: 'UTC' } },
        { quietHours: { start: '22:00', end: '07:00', timezone: 'UTC', action: 'transfer' } },
        { userName: '' },
        { colour: 'blue' },
      ]) {
        await expectErrorEnvelope(await api('PUT', path, { token: erin.token, body: bad }), 400, 'VALIDATION_FAILED');
      }
    });

    it('lists roles and permissions, and lets only admins change roles (user always kept)', async () => {
      const frank = await signUp(api, 'frank');
      const mine = await json(await api('GET', `/api/v1/users/${frank.user.id}/permissions`, { token: frank.token }), 200, UserPermissionsSchema);
      assert.deepEqual(mine.roles, ['user']);
      assert.ok(mine.permissions.includes('profile:read:own'));
      assert.ok(!mine.permissions.includes('roles:manage'));

      const rolesPath = `/api/v1/users/${frank.user.id}/roles`;
      await expectErrorEnvelope(await api('PUT', rolesPath, { body: { roles: ['admin'] } }), 401, 'UNAUTHENTICATED');
      await expectErrorEnvelope(await api('PUT', rolesPath, { token: frank.token, body: { roles: ['admin'] } }), 403, 'FORBIDDEN');
      await expectErrorEnvelope(await api('PUT', rolesPath, { token: admin.token, body: { roles: ['superuser'] } }), 400, 'VALIDATION_FAILED');
      await expectErrorEnvelope(await api('PUT', rolesPath, { token: admin.token, body: { roles: [] } }), 400, 'VALIDATION_FAILED');
      await expectErrorEnvelope(await api('PUT', '/api/v1/users/no-such-user/roles', { token: admin.token, body: { roles: ['admin'] } }), 404, 'USER_NOT_FOUND');
      const promoted = await json(await api('PUT', rolesPath, { token: admin.token, body: { roles: ['admin'] } }), 200, UserPermissionsSchema);
      assert.deepEqual(promoted.roles, ['user', 'admin']);
      assert.ok(promoted.permissions.includes('roles:manage'));

      // The new role reaches frank's tokens at the next refresh: then he reads another user's profile.
      await expectErrorEnvelope(await api('GET', `/api/v1/users/${alice.user.id}`, { token: frank.token }), 403, 'FORBIDDEN');
      const refreshed = await json(await api('POST', '/api/v1/auth/refresh', { body: { refreshToken: frank.tokens.refreshToken } }), 200, TokenResponseSchema);
      assert.equal((await api('GET', `/api/v1/users/${alice.user.id}`, { token: refreshed.accessToken })).status, 200);

      const demoted = await json(await api('PUT', rolesPath, { token: auth.serviceToken('configuration'), body: { roles: ['user'] } }), 200, UserPermissionsSchema);
      assert.deepEqual(demoted.roles, ['user']);
    });

    it('tells services who hosts a number (lookup), and nobody else', async () => {
      const grace = await signUp(api, 'grace');
      const phone = '+442071838750';
      await json(await api('POST', `/api/v1/users/${grace.user.id}/phones`, { token: grace.token, body: { phone } }), 201, UserSchema);
      await json(await api('PUT', `/api/v1/users/${grace.user.id}/preferences`, { token: grace.token, body: PREFERENCES }), 200, UserPreferencesSchema);
      const path = `/api/v1/users/lookup/by-phone/${encodeURIComponent(phone)}`;

      const found = await json(await api('GET', path, { token: auth.serviceToken('phone-gateway') }), 200, HostedNumberSchema);
      assert.deepEqual(found, { userId: grace.user.id, displayName: 'grace', preferences: PREFERENCES });
      // `+` unencoded in the path is the same number.
      assert.equal((await api('GET', `/api/v1/users/lookup/by-phone/${phone}`, { token: auth.serviceToken('phone-gateway') })).status, 200);
      await expectErrorEnvelope(await api('GET', path), 401, 'UNAUTHENTICATED');
      await expectErrorEnvelope(await api('GET', path, { token: grace.token }), 403, 'FORBIDDEN');
      await expectErrorEnvelope(await api('GET', path, { token: admin.token }), 403, 'FORBIDDEN');
      await expectErrorEnvelope(await api('GET', `/api/v1/users/lookup/by-phone/${encodeURIComponent('+15555550000')}`, { token: auth.serviceToken('phone-gateway') }), 404, 'NUMBER_NOT_HOSTED');
      await expectErrorEnvelope(await api('GET', '/api/v1/users/lookup/by-phone/12345', { token: auth.serviceToken('phone-gateway') }), 400, 'VALIDATION_FAILED');

      // phone-gateway's way: the contract's endpoint through a kit client, with its own service credential.
      const gateway = createService({
        name: 'phone-gateway',
        version: 'test',
        config: testConfig(serviceConfigSchema('phone-gateway'), { SERVICE_AUTH_SECRET: auth.env.SERVICE_AUTH_SECRET!, USER_SERVICE_URL: running.url }),
      });
      const client = gateway.createClient();
      try {
        assert.deepEqual(await client.call(HostedNumberLookupEndpoint, { params: { phone } }), found);
      } finally {
        await client.close();
      }
    });
  });
}
