import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { TokenResponseSchema, UserSchema, type TokenResponse, type User } from '@ai-ninja/contracts';
import type { RunningService } from '@ai-ninja/service-kit';
import { testConfig } from '@ai-ninja/service-kit/testing';
import { createApp } from '../src/app.js';
import { configSchema } from '../src/config.js';

/** A clock the tests can move forward (lockouts); starts at the real time and follows it. */
export class TestClock {
  offsetMs = 0;
  readonly now = () => Date.now() + this.offsetMs;
  advance(ms: number): void {
    this.offsetMs += ms;
  }
}

/** user-management listening on a free port, built from `env` as main.ts builds it. */
export async function startUserManagement(env: Record<string, string>, clock = new TestClock()): Promise<RunningService> {
  const service = await createApp({ config: testConfig(configSchema, env), version: 'test', clock: clock.now });
  return service.listen({ port: 0 });
}

export interface ApiOptions {
  readonly token?: string | undefined;
  readonly body?: unknown;
  readonly headers?: Record<string, string>;
}

/** A small JSON client of one running service, with a bearer token when given. */
export function apiOf(running: () => RunningService) {
  return (method: string, path: string, options: ApiOptions = {}): Promise<Response> => {
    const headers: Record<string, string> = { ...options.headers };
    if (options.token) headers['authorization'] = `Bearer ${options.token}`;
    if (options.body !== undefined) headers['content-type'] ??= 'application/json';
    const body = options.body === undefined ? undefined : typeof options.body === 'string' ? options.body : JSON.stringify(options.body);
    return fetch(running().url + path, { method, headers, ...(body !== undefined ? { body } : {}) });
  };
}

export type Api = ReturnType<typeof apiOf>;

/** Reads a JSON body, asserting the status first (the body is in the message when it differs). */
export async function json<T>(response: Response, status: number, schema: { parse(value: unknown): T }): Promise<T> {
  const body: unknown = await response.json();
  assert.equal(response.status, status, JSON.stringify(body));
  return schema.parse(body);
}

/** An address no other test uses. */
export const uniqueEmail = (name: string) => `${name}-${randomBytes(4).toString('hex')}@example.com`;
export const PASSWORD = 'correct horse battery staple';

/** A registered and signed-in user. */
export interface TestUser {
  readonly email: string;
  readonly password: string;
  readonly user: User;
  readonly tokens: TokenResponse;
  readonly token: string;
}

export async function registerUser(api: Api, name: string, email = uniqueEmail(name)): Promise<User> {
  return json(await api('POST', '/api/v1/auth/register', { body: { email, password: PASSWORD, displayName: name } }), 201, UserSchema);
}

export async function login(api: Api, email: string, password = PASSWORD, totp?: string): Promise<TokenResponse> {
  return json(await api('POST', '/api/v1/auth/login', { body: { email, password, ...(totp ? { totp } : {}) } }), 200, TokenResponseSchema);
}

export async function signUp(api: Api, name: string, email = uniqueEmail(name)): Promise<TestUser> {
  const user = await registerUser(api, name, email);
  const tokens = await login(api, email);
  return { email, password: PASSWORD, user, tokens, token: tokens.accessToken };
}

/** The claims of a JWT, unverified (tests read what was signed). */
export function claimsOf(token: string): Record<string, unknown> {
  return JSON.parse(Buffer.from(token.split('.')[1]!, 'base64url').toString()) as Record<string, unknown>;
}

export function headerOf(token: string): Record<string, unknown> {
  return JSON.parse(Buffer.from(token.split('.')[0]!, 'base64url').toString()) as Record<string, unknown>;
}
