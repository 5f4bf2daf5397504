import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { exportJWK, generateKeyPair } from 'jose';
import { JwksSchema, z, type Principal } from '@ai-ninja/contracts';
import { createService, serviceConfigSchema, signUserToken, type Service } from '../src/index.js';
import type { RunningService } from '../src/lifecycle.js';
import { createTestAuth, expectErrorEnvelope, testConfig, type TestAuth } from '../src/testing.js';

const WhoSchema = z.object({ principal: z.unknown() });

/** A service with one route per kind of auth, each answering with the principal it saw. */
function protectedService(env: Record<string, string>): Service {
  const service = createService({ name: 'smart-whitelist', version: 'test', config: testConfig(serviceConfigSchema('smart-whitelist'), env) });
  const who = ({ principal }: { principal: Principal | undefined }) => ({ status: 200, body: { principal } });
  service.route({ method: 'get', path: '/open', summary: 'public', auth: 'public', responses: { 200: { description: 'ok' } }, handler: who });
  service.route({ method: 'get', path: '/any', summary: 'any user', auth: 'user', responses: { 200: { description: 'ok' } }, handler: who });
  service.route({ method: 'get', path: '/internal', summary: 'services', auth: 'service', responses: { 200: { description: 'ok' } }, handler: who });
  service.route({ method: 'get', path: '/admin', summary: 'admins', auth: 'admin', responses: { 200: { description: 'ok' } }, handler: who });
  service.route({
    method: 'post',
    path: '/users/{userId}/things',
    summary: 'owner only',
    auth: { owner: ({ params }) => params.userId },
    request: { params: z.object({ userId: z.string().min(1) }), body: z.object({ name: z.string().min(1) }) },
    responses: { 200: { description: 'ok', schema: WhoSchema } },
    handler: who,
  });
  return service;
}

describe('auth: who may call a route', () => {
  let auth: TestAuth;
  let running: RunningService;
  const get = (path: string, headers: Record<string, string> = {}) => fetch(running.url + path, { headers });
  const post = (path: string, body: unknown, headers: Record<string, string> = {}) =>
    fetch(running.url + path, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(body) });

  before(async () => {
    auth = await createTestAuth();
    running = await protectedService(auth.env).listen();
  });
  after(() => running.close());

  it('lets anyone call a public route, and reads no token there', async () => {
    assert.equal((await get('/open')).status, 200);
  });

  it('answers 401 with a Bearer challenge when a token is needed and missing, before reading the body', async () => {
    const response = await post('/users/u1/things', { name: '' });
    await expectErrorEnvelope(response, 401, 'UNAUTHENTICATED');
    assert.equal(response.headers.get('www-authenticate'), 'Bearer');
    await expectErrorEnvelope(await get('/any'), 401, 'UNAUTHENTICATED');
  });

  it('rejects a malformed header, a token that is not a JWT, a forged signature and an expired token', async () => {
    const token = await auth.userToken('u1');
    const [header, payload, signature] = token.split('.');
    const forged = `${header}.${Buffer.from(JSON.stringify({ ...JSON.parse(Buffer.from(payload!, 'base64url').toString()), roles: ['admin'] })).toString('base64url')}.${signature}`;
    for (const authorization of ['Basic dXNlcjpwYXNz', 'Bearer', 'Bearer a.b.c', `Bearer ${forged}`]) {
      await expectErrorEnvelope(await get('/any', { authorization }), 401, 'UNAUTHENTICATED');
    }
    const other = await generateKeyPair('ES256');
    const stranger = await signUserToken(other.privateKey, JSON.parse(auth.env.AUTH_JWKS!).keys[0].kid, { userId: 'u1', roles: ['admin'], typ: 'access', ttlSeconds: 60 });
    await expectErrorEnvelope(await get('/any', auth.bearer(stranger)), 401, 'UNAUTHENTICATED');
  });

  it('does not take a refresh token for an access token', async () => {
    const jwks = JSON.parse(auth.env.AUTH_JWKS!) as { keys: Array<{ kid: string }> };
    // Only user-management holds the private key; a refresh token signed by another key is refused on the key already.
    const { privateKey, publicKey } = await generateKeyPair('ES256', { extractable: true });
    const kid = 'refresh-test';
    const own = { AUTH_JWKS: JSON.stringify({ keys: [...jwks.keys, { ...(await exportJWK(publicKey)), kid, alg: 'ES256' }] }), SERVICE_AUTH_SECRET: auth.env.SERVICE_AUTH_SECRET! };
    const service = await protectedService(own).listen();
    try {
      const refresh = await signUserToken(privateKey, kid, { userId: 'u1', roles: ['user'], typ: 'refresh', ttlSeconds: 60, jti: 'r1', family: 'f1' });
      await expectErrorEnvelope(await fetch(`${service.url}/any`, { headers: auth.bearer(refresh) }), 401, 'UNAUTHENTICATED');
      const access = await signUserToken(privateKey, kid, { userId: 'u1', roles: ['user'], typ: 'access', ttlSeconds: 60 });
      assert.equal((await fetch(`${service.url}/any`, { headers: auth.bearer(access) })).status, 200);
      const expired = await signUserToken(privateKey, kid, { userId: 'u1', roles: ['user'], typ: 'access', ttlSeconds: -10 });
      const envelope = await expectErrorEnvelope(await fetch(`${service.url}/any`, { headers: auth.bearer(expired) }), 401, 'UNAUTHENTICATED');
      assert.match(envelope.error.message, /expired/);
    } finally {
      await service.close();
    }
  });

  it('lets the owner, an admin and a service reach a user’s data, and nobody else (403)', async () => {
    const owner = await post('/users/u1/things', { name: 'x' }, auth.bearer(await auth.userToken('u1')));
    assert.equal(owner.status, 200);
    assert.deepEqual(((await owner.json()) as { principal: Principal }).principal, { kind: 'user', userId: 'u1', roles: ['user'] });
    await expectErrorEnvelope(await post('/users/u1/things', { name: 'x' }, auth.bearer(await auth.userToken('u2'))), 403, 'FORBIDDEN');
    assert.equal((await post('/users/u1/things', { name: 'x' }, auth.bearer(await auth.userToken('root', ['admin'])))).status, 200);
    assert.equal((await post('/users/u1/things', { name: 'x' }, auth.bearer(auth.serviceToken('phone-gateway')))).status, 200);
  });

  it('keeps internal routes for services and admin routes for admins', async () => {
    const user = auth.bearer(await auth.userToken('u1'));
    await expectErrorEnvelope(await get('/internal', user), 403, 'FORBIDDEN');
    await expectErrorEnvelope(await get('/internal', auth.bearer(await auth.userToken('root', ['admin']))), 403, 'FORBIDDEN');
    await expectErrorEnvelope(await get('/admin', user), 403, 'FORBIDDEN');
    const internal = await get('/internal', auth.bearer(auth.serviceToken('monitoring')));
    assert.deepEqual(((await internal.json()) as { principal: Principal }).principal, { kind: 'service', service: 'monitoring' });
    assert.equal((await get('/admin', auth.bearer(await auth.userToken('root', ['admin'])))).status, 200);
  });

  it('documents the bearer scheme, and 401 and 403, on every route that needs a token', async () => {
    const document = (await (await get('/openapi.json')).json()) as { paths: Record<string, Record<string, { security?: unknown; responses: Record<string, unknown> }>> };
    assert.deepEqual(document.paths['/any']!.get!.security, [{ bearer: [] }]);
    assert.deepEqual(document.paths['/internal']!.get!.security, [{ bearer: ['service'] }]);
    assert.deepEqual(document.paths['/admin']!.get!.security, [{ bearer: ['admin'] }]);
    assert.deepEqual(document.paths['/users/{userId}/things']!.post!.security, [{ bearer: ['owner'] }]);
    assert.ok(document.paths['/users/{userId}/things']!.post!.responses['403']);
    assert.equal(document.paths['/open']!.get!.security, undefined);
  });
});

describe('auth between services', () => {
  let auth: TestAuth;
  const running: RunningService[] = [];
  after(() => Promise.all(running.map((service) => service.close())));

  before(async () => {
    auth = await createTestAuth();
  });

  it('sends the service’s own credential on its calls, which the callee verifies', async () => {
    const callee = await protectedService({ SERVICE_AUTH_SECRET: auth.env.SERVICE_AUTH_SECRET! }).listen();
    running.push(callee);
    const caller = createService({ name: 'phone-gateway', version: 'test', config: testConfig(serviceConfigSchema('phone-gateway'), { ...auth.env, WHITELIST_SERVICE_URL: callee.url }) });
    const client = caller.createClient();
    running.push(await caller.listen());
    const internal = await client.call(
      { service: 'smart-whitelist', method: 'get', path: '/internal', summary: 'test', response: WhoSchema },
      {},
    );
    assert.deepEqual(internal.principal, { kind: 'service', service: 'phone-gateway' });
  });

  it('fetches user-management’s JWKS once, through the service client, and answers 503 while it cannot', async () => {
    const { privateKey, publicKey } = await generateKeyPair('ES256', { extractable: true });
    const jwks = JwksSchema.parse({ keys: [{ ...(await exportJWK(publicKey)), kid: 'um-1', alg: 'ES256', use: 'sig' }] });
    let served = 0;
    const users = createService({ name: 'user-management', version: 'test', config: testConfig(serviceConfigSchema('user-management'), { SERVICE_AUTH_SECRET: auth.env.SERVICE_AUTH_SECRET! }) });
    users.route({
      method: 'get',
      path: '/.well-known/jwks.json',
      summary: 'keys',
      auth: 'public',
      responses: { 200: { description: 'keys', schema: JwksSchema } },
      handler: () => {
        served += 1;
        return { status: 200, body: jwks };
      },
    });
    const usersRunning = await users.listen();

    const verifier = await protectedService({ SERVICE_AUTH_SECRET: auth.env.SERVICE_AUTH_SECRET!, USER_SERVICE_URL: usersRunning.url }).listen();
    running.push(verifier);
    const token = await signUserToken(privateKey, 'um-1', { userId: 'u9', roles: ['user'], typ: 'access', ttlSeconds: 60 });
    for (let i = 0; i < 3; i += 1) {
      assert.equal((await fetch(`${verifier.url}/any`, { headers: auth.bearer(token) })).status, 200);
    }
    assert.equal(served, 1, 'the keys are fetched once and cached');
    await usersRunning.close();

    // Keys already fetched keep working while user-management is away…
    const another = await signUserToken(privateKey, 'um-1', { userId: 'u10', roles: ['user'], typ: 'access', ttlSeconds: 60 });
    assert.equal((await fetch(`${verifier.url}/any`, { headers: auth.bearer(another) })).status, 200);
    // …and a service that never had them says it cannot verify, rather than letting anyone in or blaming the caller.
    const cold = await protectedService({ SERVICE_AUTH_SECRET: auth.env.SERVICE_AUTH_SECRET!, USER_SERVICE_URL: usersRunning.url }).listen();
    running.push(cold);
    await expectErrorEnvelope(await fetch(`${cold.url}/any`, { headers: auth.bearer(token) }), 503, 'AUTH_UNAVAILABLE');
  });
});

describe('call tokens', () => {
  it('bind a WebSocket to one call, and are no service credential', async () => {
    const auth = await createTestAuth();
    const gateway = createService({ name: 'phone-gateway', version: 'test', config: testConfig(serviceConfigSchema('phone-gateway'), auth.env) });
    const realtime = createService({ name: 'realtime-processor', version: 'test', config: testConfig(serviceConfigSchema('realtime-processor'), auth.env) });
    const token = gateway.auth.signCallToken({ callId: 'c1', userId: 'u1' });
    assert.deepEqual(await realtime.auth.verifyCallToken(token), { callId: 'c1', userId: 'u1' });
    await assert.rejects(realtime.auth.authenticate(`Bearer ${token}`), { status: 401 });
    await assert.rejects(realtime.auth.verifyCallToken(auth.serviceToken('phone-gateway')), { status: 401 });
    const expired = gateway.auth.signCallToken({ callId: 'c1', userId: 'u1' }, -5);
    await assert.rejects(realtime.auth.verifyCallToken(expired), { status: 401, message: /expired/ });
  });
});
