/**
 * Helpers for tests of services built with the kit: start a service on port 0, read its error envelopes, and the
 * suite every service passes (health routes, metrics, OpenAPI, request ids, the error envelope).
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { exportJWK, generateKeyPair } from 'jose';
import type { z } from 'zod';
import { ErrorEnvelopeSchema, HealthBodySchema, type ErrorEnvelope, type Role, type ServiceName } from '@ai-ninja/contracts';
import { signServiceToken, signUserToken } from './auth.js';
import { loadConfig, type ServiceConfig } from './config.js';
import type { Service } from './create-service.js';
import type { RunningService } from './lifecycle.js';

/** A configuration for tests: port 0 on loopback, silent logs, on top of the schema's defaults. */
export function testConfig<S extends z.ZodType>(schema: S, overrides: Record<string, string> = {}): z.output<S> {
  return loadConfig(schema, { PORT: '0', HOST: '127.0.0.1', LOG_LEVEL: 'silent', ...overrides });
}

/** Reads a response as the error envelope, asserting its status, code and shape. */
export async function expectErrorEnvelope(response: Response, status: number, code: string): Promise<ErrorEnvelope> {
  assert.equal(response.status, status, `expected HTTP ${status}, got ${response.status}`);
  assert.match(response.headers.get('content-type') ?? '', /^application\/json/);
  const envelope = ErrorEnvelopeSchema.parse(await response.json());
  assert.equal(envelope.error.code, code);
  assert.equal(envelope.error.requestId, response.headers.get('x-request-id'));
  return envelope;
}

/** What {@link describeServiceBasics} needs to start one service. */
export interface ServiceBasicsOptions<C extends ServiceConfig> {
  readonly name: ServiceName;
  readonly configSchema: z.ZodType<C>;
  readonly createApp: (config: C) => Service | Promise<Service>;
  /** Configuration overrides, e.g. a temporary DATA_DIR. */
  readonly env?: Record<string, string>;
  /** Paths of APIs that are planned but not built yet: each must answer 501 NOT_IMPLEMENTED. */
  readonly notImplemented?: readonly string[];
}

/** The behaviour every service shares, checked over HTTP against the real app on port 0. */
export function describeServiceBasics<C extends ServiceConfig>(options: ServiceBasicsOptions<C>): void {
  describe(`${options.name}: what every service does`, () => {
    let running: RunningService;
    before(async () => {
      running = await (await options.createApp(testConfig(options.configSchema, options.env))).listen();
    });
    after(() => running.close());

    for (const path of ['/health', '/health/ready', '/health/live']) {
      it(`answers ${path} with a passing application/health+json body`, async () => {
        const response = await fetch(running.url + path);
        assert.equal(response.status, 200);
        assert.match(response.headers.get('content-type') ?? '', /^application\/health\+json/);
        const body = HealthBodySchema.parse(await response.json());
        assert.equal(body.status, 'pass');
        assert.equal(body.service, options.name);
      });
    }

    it('serves Prometheus metrics with RED HTTP metrics and process metrics', async () => {
      await fetch(`${running.url}/health/live`);
      const text = await (await fetch(`${running.url}/metrics`)).text();
      assert.match(text, /http_request_duration_seconds_count\{[^}]*route="\/health\/live"[^}]*\} \d+/);
      assert.match(text, /process_resident_memory_bytes\{service="/);
    });

    it('serves its OpenAPI document', async () => {
      const document = (await (await fetch(`${running.url}/openapi.json`)).json()) as { openapi: string; info: { title: string }; paths: object };
      assert.equal(document.openapi, '3.1.0');
      assert.equal(document.info.title, options.name);
      assert.ok('/health/ready' in document.paths);
    });

    it('echoes the caller’s X-Request-ID, and makes one when there is none', async () => {
      const kept = await fetch(`${running.url}/health/live`, { headers: { 'X-Request-ID': 'test-request-42' } });
      assert.equal(kept.headers.get('x-request-id'), 'test-request-42');
      const made = await fetch(`${running.url}/health/live`);
      assert.match(made.headers.get('x-request-id') ?? '', /^[0-9a-f-]{36}$/);
    });

    it('answers an unknown route with a 404 envelope', async () => {
      await expectErrorEnvelope(await fetch(`${running.url}/no/such/route`), 404, 'ROUTE_NOT_FOUND');
    });

    for (const path of options.notImplemented ?? []) {
      it(`says plainly that ${path} is not built yet (501)`, async () => {
        await expectErrorEnvelope(await fetch(running.url + path), 501, 'NOT_IMPLEMENTED');
      });
    }
  });
}

/** Keys and tokens for tests: services under test verify these tokens without a user-management. */
export interface TestAuth {
  /** Configuration overrides: AUTH_JWKS (the public key) and SERVICE_AUTH_SECRET. */
  readonly env: Record<string, string>;
  /** An access token of `userId`, signed like user-management signs them. */
  userToken(userId: string, roles?: readonly Role[]): Promise<string>;
  /** The credential of a service of the system. */
  serviceToken(service: ServiceName): string;
  /** `{ authorization: 'Bearer …' }`, to spread into fetch headers. */
  bearer(token: string): { authorization: string };
}

/** Makes a key pair and a service secret for one test file. */
export async function createTestAuth(): Promise<TestAuth> {
  const { privateKey, publicKey } = await generateKeyPair('ES256', { extractable: true });
  const kid = `test-${randomBytes(4).toString('hex')}`;
  const secret = randomBytes(32).toString('base64url');
  const jwks = { keys: [{ ...(await exportJWK(publicKey)), kid, alg: 'ES256', use: 'sig' }] };
  return {
    env: { AUTH_JWKS: JSON.stringify(jwks), SERVICE_AUTH_SECRET: secret },
    userToken: (userId, roles = ['user']) => signUserToken(privateKey, kid, { userId, roles, typ: 'access', ttlSeconds: 900 }),
    serviceToken: (service) => signServiceToken(secret, service),
    bearer: (token) => ({ authorization: `Bearer ${token}` }),
  };
}
