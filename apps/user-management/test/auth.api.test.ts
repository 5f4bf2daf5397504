import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { JwksSchema, MfaSetupResponseSchema, TokenResponseSchema, UserSchema, z, type Principal } from '@ai-ninja/contracts';
import { DATABASE_KINDS, testDatabase, type TestDatabase } from '@ai-ninja/data/testing';
import { createService, serviceConfigSchema, type RunningService } from '@ai-ninja/service-kit';
import { createTestAuth, expectErrorEnvelope, testConfig, type TestAuth } from '@ai-ninja/service-kit/testing';
import { totpCode } from '../src/domain/totp.js';
import { apiOf, claimsOf, headerOf, json, login, PASSWORD, registerUser, signUp, startUserManagement, TestClock, uniqueEmail } from './helpers.js';

const MAX_FAILURES = 3;
const LOCKOUT_MINUTES = 10;

for (const kind of DATABASE_KINDS) {
  describe(`user-management auth on ${kind}`, () => {
    let auth: TestAuth;
    let db: TestDatabase;
    let running: RunningService;
    const clock = new TestClock();
    const api = apiOf(() => running);

    before(async () => {
      auth = await createTestAuth();
      db = await testDatabase(kind);
      running = await startUserManagement(
        { SERVICE_AUTH_SECRET: auth.env.SERVICE_AUTH_SECRET!, ...db.env, LOGIN_MAX_FAILURES: String(MAX_FAILURES), LOCKOUT_MINUTES: String(LOCKOUT_MINUTES) },
        clock,
      );
    });
    after(async () => {
      await running?.close();
      await db?.cleanup();
    });

    it('registers a user (201) without ever showing the password hash, and signs them in', async () => {
      const email = uniqueEmail('ada');
      const response = await api('POST', '/api/v1/auth/register', { body: { email: `  ${email.toUpperCase()} `, password: PASSWORD, displayName: 'Ada' } });
      const raw = (await response.clone().json()) as Record<string, unknown>;
      const user = await json(response, 201, UserSchema);
      assert.equal(user.email, email, 'the address is trimmed and lower-cased');
      assert.deepEqual(user.roles, ['user'], 'the first user is not an admin');
      assert.deepEqual(user.phoneNumbers, []);
      assert.equal(user.preferences.aiPersonality, 'polite');
      assert.equal(user.mfaEnabled, false);
      assert.ok(!JSON.stringify(raw).includes('argon2'), 'no hash in the answer');

      const tokens = await login(api, email);
      assert.equal(tokens.tokenType, 'Bearer');
      assert.equal(tokens.expiresIn, 900);
      assert.equal(tokens.user.id, user.id);
      const access = claimsOf(tokens.accessToken);
      assert.equal(access.sub, user.id);
      assert.equal(access.typ, 'access');
      assert.equal((access.exp as number) - (access.iat as number), 900);
      const refresh = claimsOf(tokens.refreshToken);
      assert.equal(refresh.typ, 'refresh');
      assert.equal((refresh.exp as number) - (refresh.iat as number), 30 * 24 * 3600);
      assert.ok(typeof refresh.jti === 'string' && typeof refresh.family === 'string');
      assert.equal(headerOf(tokens.accessToken).alg, 'ES256');
      assert.equal((await api('GET', `/api/v1/users/${user.id}`, { token: tokens.accessToken })).status, 200);
    });

    it('refuses a second account for the same address, in any case (409 EMAIL_TAKEN)', async () => {
      const email = uniqueEmail('dup');
      await registerUser(api, 'dup', email);
      await expectErrorEnvelope(await api('POST', '/api/v1/auth/register', { body: { email: email.toUpperCase(), password: PASSWORD, displayName: 'Again' } }), 409, 'EMAIL_TAKEN');
    });

    it('refuses weak passwords and bad input with 4xx envelopes', async () => {
      const email = uniqueEmail('weak');
      await expectErrorEnvelope(await api('POST', '/api/v1/auth/register', { body: { email, password: 'short', displayName: 'W' } }), 400, 'VALIDATION_FAILED');
      await expectErrorEnvelope(await api('POST', '/api/v1/auth/register', { body: { email, password: 'aaaaaaaaaaaa', displayName: 'W' } }), 400, 'WEAK_PASSWORD');
      await expectErrorEnvelope(await api('POST', '/api/v1/auth/register', { body: { email, password: '0123456789', displayName: 'W' } }), 400, 'WEAK_PASSWORD');
      await expectErrorEnvelope(await api('POST', '/api/v1/auth/register', { body: { email, password: `${email}!`, displayName: 'W' } }), 400, 'WEAK_PASSWORD');
      await expectErrorEnvelope(await api('POST', '/api/v1/auth/register', { body: { email: 'not-an-address', password: PASSWORD, displayName: 'W' } }), 400, 'VALIDATION_FAILED');
      await expectErrorEnvelope(await api('POST', '/api/v1/auth/register', { body: { email, password: PASSWORD, displayName: '   ' } }), 400, 'VALIDATION_FAILED');
      await expectErrorEnvelope(await api('POST', '/api/v1/auth/register', { body: '{"email":', headers: { 'content-type': 'application/json' } }), 400, 'MALFORMED_JSON');
      await expectErrorEnvelope(await api('POST', '/api/v1/auth/login', { body: 'email=a', headers: { 'content-type': 'application/x-www-form-urlencoded' } }), 415, 'UNSUPPORTED_MEDIA_TYPE');
      await expectErrorEnvelope(await api('POST', '/api/v1/auth/login', { body: { email, password: PASSWORD, totp: '12ab56' } }), 400, 'VALIDATION_FAILED');
      await expectErrorEnvelope(await api('POST', '/api/v1/auth/refresh', { body: {} }), 400, 'VALIDATION_FAILED');
    });

    it('answers an unknown address exactly like a wrong password', async () => {
      const { email } = await signUp(api, 'known');
      const wrong = await expectErrorEnvelope(await api('POST', '/api/v1/auth/login', { body: { email, password: 'not the password at all' } }), 401, 'INVALID_CREDENTIALS');
      const unknown = await expectErrorEnvelope(await api('POST', '/api/v1/auth/login', { body: { email: uniqueEmail('nobody'), password: 'not the password at all' } }), 401, 'INVALID_CREDENTIALS');
      assert.equal(wrong.error.message, unknown.error.message);
      await login(api, email); // a success resets the count of failures
    });

    it('rotates refresh tokens: each works once, and a reused one revokes its whole family', async () => {
      const { email } = await signUp(api, 'rotate');
      const first = await login(api, email);
      const second = await json(await api('POST', '/api/v1/auth/refresh', { body: { refreshToken: first.refreshToken } }), 200, TokenResponseSchema);
      assert.notEqual(second.refreshToken, first.refreshToken);
      assert.equal(claimsOf(second.refreshToken).family, claimsOf(first.refreshToken).family, 'the same login, the same family');
      assert.equal((await api('GET', `/api/v1/users/${second.user.id}`, { token: second.accessToken })).status, 200);
      const third = await json(await api('POST', '/api/v1/auth/refresh', { body: { refreshToken: second.refreshToken } }), 200, TokenResponseSchema);

      // A thief replays the first token: the whole family dies, including the legitimate newest token.
      await expectErrorEnvelope(await api('POST', '/api/v1/auth/refresh', { body: { refreshToken: first.refreshToken } }), 401, 'REFRESH_TOKEN_REUSED');
      await expectErrorEnvelope(await api('POST', '/api/v1/auth/refresh', { body: { refreshToken: third.refreshToken } }), 401, 'INVALID_REFRESH_TOKEN');

      // Another login is another family, untouched.
      const other = await login(api, email);
      assert.equal((await api('POST', '/api/v1/auth/refresh', { body: { refreshToken: other.refreshToken } })).status, 200);
    });

    it('treats two concurrent refreshes with the same token as a reuse: at most one answer, and the session ends', async () => {
      const { tokens } = await signUp(api, 'race');
      const answers = await Promise.all([1, 2].map(() => api('POST', '/api/v1/auth/refresh', { body: { refreshToken: tokens.refreshToken } })));
      const bodies = (await Promise.all(answers.map((answer) => answer.json()))) as Array<{ refreshToken?: string; error?: { code: string } }>;
      assert.ok(answers.filter((answer) => answer.status === 200).length <= 1, 'never two new sessions from one token');
      assert.ok(bodies.some((body) => body.error?.code === 'REFRESH_TOKEN_REUSED'));
      for (const body of bodies.filter((candidate) => candidate.refreshToken)) {
        await expectErrorEnvelope(await api('POST', '/api/v1/auth/refresh', { body: { refreshToken: body.refreshToken } }), 401, 'INVALID_REFRESH_TOKEN');
      }
    });

    it('refuses an access token, a forged or foreign token as a refresh token', async () => {
      const { tokens } = await signUp(api, 'refresh-bad');
      await expectErrorEnvelope(await api('POST', '/api/v1/auth/refresh', { body: { refreshToken: tokens.accessToken } }), 401, 'INVALID_REFRESH_TOKEN');
      await expectErrorEnvelope(await api('POST', '/api/v1/auth/refresh', { body: { refreshToken: 'a.b.c' } }), 401, 'INVALID_REFRESH_TOKEN');
      const [header, payload] = tokens.refreshToken.split('.');
      const forged = `${header}.${payload}.${Buffer.from('forged').toString('base64url')}`;
      await expectErrorEnvelope(await api('POST', '/api/v1/auth/refresh', { body: { refreshToken: forged } }), 401, 'INVALID_REFRESH_TOKEN');
      // Signed by another key (the test key every other service trusts): user-management trusts only its own.
      await expectErrorEnvelope(await api('POST', '/api/v1/auth/refresh', { body: { refreshToken: await auth.userToken(tokens.user.id) } }), 401, 'INVALID_REFRESH_TOKEN');
      await expectErrorEnvelope(await api('GET', `/api/v1/users/${tokens.user.id}`, { token: await auth.userToken(tokens.user.id) }), 401, 'UNAUTHENTICATED');
      // A refresh token does not open the API.
      await expectErrorEnvelope(await api('GET', `/api/v1/users/${tokens.user.id}`, { token: tokens.refreshToken }), 401, 'UNAUTHENTICATED');
    });

    it('logs out: the refresh family is revoked; it needs the access token, and the user’s own refresh token', async () => {
      const alice = await signUp(api, 'alice-logout');
      const bob = await signUp(api, 'bob-logout');
      await expectErrorEnvelope(await api('POST', '/api/v1/auth/logout', { body: { refreshToken: alice.tokens.refreshToken } }), 401, 'UNAUTHENTICATED');
      await expectErrorEnvelope(await api('POST', '/api/v1/auth/logout', { token: bob.token, body: { refreshToken: alice.tokens.refreshToken } }), 403, 'FORBIDDEN');
      const refreshed = await json(await api('POST', '/api/v1/auth/refresh', { body: { refreshToken: alice.tokens.refreshToken } }), 200, TokenResponseSchema);
      const out = await api('POST', '/api/v1/auth/logout', { token: refreshed.accessToken, body: { refreshToken: refreshed.refreshToken } });
      assert.equal(out.status, 204);
      await expectErrorEnvelope(await api('POST', '/api/v1/auth/refresh', { body: { refreshToken: refreshed.refreshToken } }), 401, 'INVALID_REFRESH_TOKEN');
      // Logging out twice is harmless.
      assert.equal((await api('POST', '/api/v1/auth/logout', { token: refreshed.accessToken, body: { refreshToken: refreshed.refreshToken } })).status, 204);
      // Bob's session is untouched.
      assert.equal((await api('POST', '/api/v1/auth/refresh', { body: { refreshToken: bob.tokens.refreshToken } })).status, 200);
    });

    it(`locks an address after ${MAX_FAILURES} failed logins (429 ACCOUNT_LOCKED with Retry-After), then lets it in when the lock has passed`, async () => {
      const { email } = await signUp(api, 'locked');
      const attempt = (password: string) => api('POST', '/api/v1/auth/login', { body: { email, password } });
      for (let i = 1; i < MAX_FAILURES; i += 1) await expectErrorEnvelope(await attempt('wrong password!'), 401, 'INVALID_CREDENTIALS');
      const locking = await attempt('wrong password!');
      await expectErrorEnvelope(locking, 429, 'ACCOUNT_LOCKED');
      assert.equal(locking.headers.get('retry-after'), String(LOCKOUT_MINUTES * 60));
      // Even the right password is refused while locked.
      const lockedOut = await attempt(PASSWORD);
      await expectErrorEnvelope(lockedOut, 429, 'ACCOUNT_LOCKED');
      assert.ok(Number(lockedOut.headers.get('retry-after')) > 0);

      clock.advance((LOCKOUT_MINUTES + 1) * 60_000);
      assert.equal((await attempt(PASSWORD)).status, 200);
    });

    it('resets the count on a success, and counts failures within the window only', async () => {
      const { email } = await signUp(api, 'reset');
      const attempt = (password: string) => api('POST', '/api/v1/auth/login', { body: { email, password } });
      for (let i = 1; i < MAX_FAILURES; i += 1) assert.equal((await attempt('wrong password!')).status, 401);
      assert.equal((await attempt(PASSWORD)).status, 200);
      for (let i = 1; i < MAX_FAILURES; i += 1) assert.equal((await attempt('wrong password!')).status, 401);
      clock.advance(16 * 60_000); // past the 15-minute window: the next failure starts a new count
      for (let i = 1; i < MAX_FAILURES; i += 1) assert.equal((await attempt('wrong password!')).status, 401);
      assert.equal((await attempt(PASSWORD)).status, 200);
    });

    it('locks an unknown address the same way, so a lockout reveals nothing about accounts', async () => {
      const email = uniqueEmail('ghost');
      for (let i = 1; i < MAX_FAILURES; i += 1) await expectErrorEnvelope(await api('POST', '/api/v1/auth/login', { body: { email, password: 'whatever it is' } }), 401, 'INVALID_CREDENTIALS');
      await expectErrorEnvelope(await api('POST', '/api/v1/auth/login', { body: { email, password: 'whatever it is' } }), 429, 'ACCOUNT_LOCKED');
    });

    it('turns TOTP on (setup, verify) and then requires a fresh code at login', async () => {
      const ada = await signUp(api, 'mfa');
      await expectErrorEnvelope(await api('POST', '/api/v1/auth/mfa/setup'), 401, 'UNAUTHENTICATED');
      await expectErrorEnvelope(await api('POST', '/api/v1/auth/mfa/verify', { token: ada.token, body: { totp: '123456' } }), 409, 'MFA_NOT_SET_UP');
      const setup = await json(await api('POST', '/api/v1/auth/mfa/setup', { token: ada.token }), 200, MfaSetupResponseSchema);
      assert.match(setup.secret, /^[A-Z2-7]{32}$/);
      assert.ok(setup.otpauthUri.startsWith('otpauth://totp/AI-Ninja:'));
      assert.ok(setup.otpauthUri.includes(`secret=${setup.secret}`));

      // Setting up alone changes nothing at login.
      await login(api, ada.email);
      const wrongCode = totpCode(setup.secret, clock.now()) === '000000' ? '111111' : '000000';
      await expectErrorEnvelope(await api('POST', '/api/v1/auth/mfa/verify', { token: ada.token, body: { totp: wrongCode } }), 400, 'INVALID_MFA_CODE');
      const code = totpCode(setup.secret, clock.now());
      const verified = await json(await api('POST', '/api/v1/auth/mfa/verify', { token: ada.token, body: { totp: code } }), 200, UserSchema);
      assert.equal(verified.mfaEnabled, true);
      await expectErrorEnvelope(await api('POST', '/api/v1/auth/mfa/setup', { token: ada.token }), 409, 'MFA_ALREADY_ENABLED');

      await expectErrorEnvelope(await api('POST', '/api/v1/auth/login', { body: { email: ada.email, password: PASSWORD } }), 401, 'MFA_REQUIRED');
      // The code used to verify cannot be used again, nor can a wrong one.
      await expectErrorEnvelope(await api('POST', '/api/v1/auth/login', { body: { email: ada.email, password: PASSWORD, totp: code } }), 401, 'INVALID_MFA_CODE');
      // The wrong password is still INVALID_CREDENTIALS, whatever the code.
      await expectErrorEnvelope(await api('POST', '/api/v1/auth/login', { body: { email: ada.email, password: 'wrong password!', totp: code } }), 401, 'INVALID_CREDENTIALS');
      // The next step's code (an authenticator a little ahead) works, once.
      const next = totpCode(setup.secret, clock.now() + 30_000);
      const tokens = await login(api, ada.email, PASSWORD, next);
      assert.equal(tokens.user.mfaEnabled, true);
      await expectErrorEnvelope(await api('POST', '/api/v1/auth/login', { body: { email: ada.email, password: PASSWORD, totp: next } }), 401, 'INVALID_MFA_CODE');
    });

    it('serves its public keys as JWKS, and another service verifies its tokens with them alone', async () => {
      const jwks = await json(await api('GET', '/.well-known/jwks.json'), 200, JwksSchema);
      assert.equal(jwks.keys.length, 1);
      const key = jwks.keys[0]!;
      assert.deepEqual({ kty: key.kty, crv: key.crv, alg: key.alg, use: key.use }, { kty: 'EC', crv: 'P-256', alg: 'ES256', use: 'sig' });
      assert.ok(!('d' in key), 'never the private part');

      const ada = await signUp(api, 'verified-elsewhere');
      assert.equal(headerOf(ada.token).kid, key.kid);

      const other = createService({
        name: 'smart-whitelist',
        version: 'test',
        config: testConfig(serviceConfigSchema('smart-whitelist'), { SERVICE_AUTH_SECRET: auth.env.SERVICE_AUTH_SECRET!, USER_SERVICE_URL: running.url }),
      });
      other.route({
        method: 'get',
        path: '/whoami',
        summary: 'who',
        auth: 'user',
        responses: { 200: { description: 'the principal' } },
        handler: ({ principal }) => ({ status: 200, body: { principal } }),
      });
      const otherRunning = await other.listen({ port: 0 });
      try {
        const response = await fetch(`${otherRunning.url}/whoami`, { headers: { authorization: `Bearer ${ada.token}` } });
        const body = await json(response, 200, z.object({ principal: z.custom<Principal>() }));
        assert.deepEqual(body.principal, { kind: 'user', userId: ada.user.id, roles: ['user'] });
        await expectErrorEnvelope(await fetch(`${otherRunning.url}/whoami`, { headers: { authorization: `Bearer ${ada.tokens.refreshToken}` } }), 401, 'UNAUTHENTICATED');
        await expectErrorEnvelope(await fetch(`${otherRunning.url}/whoami`), 401, 'UNAUTHENTICATED');
      } finally {
        await otherRunning.close();
      }
    });
  });
}
