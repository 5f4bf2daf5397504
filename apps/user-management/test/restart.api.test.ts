import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { createLocalJWKSet, jwtVerify } from 'jose';
import { HostedNumberSchema, JwksSchema, TOKEN_AUDIENCE, TOKEN_ISSUER, TokenResponseSchema, UserSchema, type Jwks } from '@ai-ninja/contracts';
import { DATABASE_KINDS, testDatabase, type TestDatabase } from '@ai-ninja/data/testing';
import { openDatabase } from '@ai-ninja/data';
import { createLogger, type RunningService } from '@ai-ninja/service-kit';
import { createTestAuth, expectErrorEnvelope, testConfig, type TestAuth } from '@ai-ninja/service-kit/testing';
import { createApp } from '../src/app.js';
import { configSchema } from '../src/config.js';
import { migrations } from '../src/store/migrations.js';
import { apiOf, headerOf, json, login, signUp, startUserManagement } from './helpers.js';

const jwksOf = async (running: RunningService): Promise<Jwks> => JwksSchema.parse(await (await fetch(`${running.url}/.well-known/jwks.json`)).json());

for (const kind of DATABASE_KINDS) {
  describe(`user-management restart on ${kind}`, () => {
    let auth: TestAuth;
    const databases: TestDatabase[] = [];
    const runningServices: RunningService[] = [];
    const start = async (env: Record<string, string>) => {
      const running = await startUserManagement(env);
      runningServices.push(running);
      return running;
    };

    before(async () => {
      auth = await createTestAuth();
    });
    after(async () => {
      await Promise.all(runningServices.map((running) => running.close()));
      await Promise.all(databases.map((database) => database.cleanup()));
    });

    it('keeps users, numbers, preferences, the signing key and refresh tokens across a restart', async () => {
      const db = await testDatabase(kind);
      databases.push(db);
      const env = { SERVICE_AUTH_SECRET: auth.env.SERVICE_AUTH_SECRET!, ...db.env };
      let running = await start(env);
      const api = apiOf(() => running);
      const ada = await signUp(api, 'ada');
      await json(await api('POST', `/api/v1/users/${ada.user.id}/phones`, { token: ada.token, body: { phone: '+33142685300' } }), 201, UserSchema);
      await api('PUT', `/api/v1/users/${ada.user.id}/preferences`, { token: ada.token, body: { aiPersonality: 'professional' } });
      const keysBefore = await jwksOf(running);
      await running.close();

      running = await start(env);
      assert.deepEqual(await jwksOf(running), keysBefore, 'the same key, read back from the database');
      // A token signed before the restart still opens the API.
      const profile = await json(await api('GET', `/api/v1/users/${ada.user.id}`, { token: ada.token }), 200, UserSchema);
      assert.deepEqual(profile.phoneNumbers, ['+33142685300']);
      assert.equal(profile.preferences.aiPersonality, 'professional');
      // The refresh token issued before the restart works once, then counts as spent.
      const refreshed = await json(await api('POST', '/api/v1/auth/refresh', { body: { refreshToken: ada.tokens.refreshToken } }), 200, TokenResponseSchema);
      assert.equal(refreshed.user.id, ada.user.id);
      await expectErrorEnvelope(await api('POST', '/api/v1/auth/refresh', { body: { refreshToken: ada.tokens.refreshToken } }), 401, 'REFRESH_TOKEN_REUSED');
      // The password too.
      await login(api, ada.email);
      const lookup = await json(
        await api('GET', `/api/v1/users/lookup/by-phone/${encodeURIComponent('+33142685300')}`, { token: auth.serviceToken('phone-gateway') }),
        200,
        HostedNumberSchema,
      );
      assert.equal(lookup.userId, ada.user.id);
    });

    it('lets two replicas starting together on an empty database agree on one signing key', async () => {
      const db = await testDatabase(kind);
      databases.push(db);
      const env = { SERVICE_AUTH_SECRET: auth.env.SERVICE_AUTH_SECRET!, ...db.env };
      // Migrated first, as a deployment's first replica does it: the race under test is the key's, not the schema's.
      const config = testConfig(configSchema, env);
      await (await openDatabase({ service: 'user-management', config, migrations, logger: createLogger({ service: 'user-management', level: 'silent' }) })).close();
      const started = await Promise.allSettled([start(env), start(env)]);
      const [one, two] = started.map((result) => (result.status === 'fulfilled' ? result.value : assert.fail(String(result.reason))));
      const keys = await jwksOf(one!);
      assert.equal(keys.keys.length, 1);
      assert.deepEqual(await jwksOf(two!), keys);
      // Signed in on one replica, served by the other.
      const ada = await signUp(apiOf(() => one!), 'replicas');
      assert.equal((await apiOf(() => two!)('GET', `/api/v1/users/${ada.user.id}`, { token: ada.token })).status, 200);
      assert.equal((await apiOf(() => two!)('POST', '/api/v1/auth/refresh', { body: { refreshToken: ada.tokens.refreshToken } })).status, 200);
    });
  });
}

describe('user-management with AUTH_PRIVATE_KEY_FILE', () => {
  let dir: string;
  let db: TestDatabase;
  let auth: TestAuth;
  const runningServices: RunningService[] = [];
  const start = async (env: Record<string, string>) => {
    const running = await startUserManagement({ SERVICE_AUTH_SECRET: auth.env.SERVICE_AUTH_SECRET!, ...db.env, ...env });
    runningServices.push(running);
    return running;
  };

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'um-keys-'));
    db = await testDatabase('sqlite');
    auth = await createTestAuth();
  });
  after(async () => {
    await Promise.all(runningServices.map((running) => running.close()));
    await db.cleanup();
    await rm(dir, { recursive: true, force: true });
  });

  it('signs with the key of a PEM file, and still verifies tokens signed before with the database key', async () => {
    let running = await start({});
    const api = apiOf(() => running);
    const before = await signUp(api, 'before-switch');
    const databaseKid = headerOf(before.token).kid;
    await running.close();

    const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const file = join(dir, 'signing.pem');
    await writeFile(file, privateKey.export({ type: 'pkcs8', format: 'pem' }));
    running = await start({ AUTH_PRIVATE_KEY_FILE: file });
    const jwks = await jwksOf(running);
    assert.equal(jwks.keys.length, 2);
    assert.equal(jwks.keys[1]!.kid, databaseKid, 'the database key stays published');

    const after = await login(api, before.email);
    assert.equal(headerOf(after.accessToken).kid, jwks.keys[0]!.kid, 'new tokens are signed with the file key');
    const { payload } = await jwtVerify(after.accessToken, createLocalJWKSet(jwks), { issuer: TOKEN_ISSUER, audience: TOKEN_AUDIENCE });
    assert.equal(payload.sub, before.user.id);
    assert.equal((await api('GET', `/api/v1/users/${before.user.id}`, { token: before.token })).status, 200, 'a token of the old key still works');
  });

  it('takes a JWK file with its own kid', async () => {
    const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const file = join(dir, 'signing.jwk.json');
    await writeFile(file, JSON.stringify({ ...privateKey.export({ format: 'jwk' }), kid: 'ops-key-1' }));
    const running = await start({ AUTH_PRIVATE_KEY_FILE: file });
    assert.equal((await jwksOf(running)).keys[0]!.kid, 'ops-key-1');
    const ada = await signUp(apiOf(() => running), 'jwk-file');
    assert.equal(headerOf(ada.token).kid, 'ops-key-1');
  });

  it('refuses to start with a key that is not EC P-256, or a file that is not a key', async () => {
    const rsa = join(dir, 'rsa.pem');
    await writeFile(rsa, generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey.export({ type: 'pkcs8', format: 'pem' }));
    const garbage = join(dir, 'garbage.pem');
    await writeFile(garbage, 'not a key');
    for (const file of [rsa, garbage, join(dir, 'missing.pem')]) {
      const config = testConfig(configSchema, { ...db.env, AUTH_PRIVATE_KEY_FILE: file });
      await assert.rejects(createApp({ config, version: 'test' }), /AUTH_PRIVATE_KEY_FILE|ENOENT/);
    }
  });
});
