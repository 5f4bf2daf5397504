import assert from 'node:assert/strict';
import { connect } from 'node:net';
import { Writable } from 'node:stream';
import { after, before, describe, it } from 'node:test';
import { z } from 'zod';
import { createLogger } from '@ai-ninja/observability';
import { AppError, createService, serviceConfigSchema, validate, type RunningService } from '../src/index.js';
import { expectErrorEnvelope, testConfig } from '../src/testing.js';

const lines: Record<string, unknown>[] = [];
const destination = new Writable({
  write(chunk: Buffer, _encoding, done) {
    for (const line of chunk.toString().split('\n').filter(Boolean)) lines.push(JSON.parse(line) as Record<string, unknown>);
    done();
  },
});

const EntrySchema = z.object({ phone: z.string().regex(/^\+[1-9]\d{1,14}$/), note: z.string().max(20).optional() });

function buildService() {
  const service = createService({
    name: 'smart-whitelist',
    version: 'test',
    config: testConfig(serviceConfigSchema('smart-whitelist')),
    logger: createLogger({ service: 'smart-whitelist', destination, level: 'debug' }),
    rawBodyPaths: ['/raw'],
  });
  service.route({
    method: 'post',
    auth: 'public',
    path: '/api/v1/entries/{userId}',
    summary: 'Add an entry',
    request: { params: z.object({ userId: z.string().min(3) }), query: z.object({ dryRun: z.enum(['true', 'false']).optional() }), body: EntrySchema },
    responses: { 201: { description: 'Added', schema: EntrySchema.extend({ userId: z.string() }) } },
    handler: ({ params, body }) => ({ status: 201, body: { ...body, userId: params.userId } }),
  });
  service.route({
    method: 'get',
    auth: 'public',
    path: '/boom',
    summary: 'A programmer error',
    responses: {},
    handler: () => {
      throw new TypeError('secret internals at line 42');
    },
  });
  service.route({
    method: 'get',
    auth: 'public',
    path: '/conflict',
    summary: 'An operational error',
    responses: {},
    handler: () => {
      throw new AppError(409, 'ENTRY_EXISTS', 'Already there', { id: 7 });
    },
  });
  service.router.get('/manual', (req, res) => {
    const query = validate(z.object({ page: z.coerce.number().int().min(1) }), req.query, 'query');
    res.json(query);
  });
  service.router.post('/raw', (req, res) => {
    let size = 0;
    req.on('data', (chunk: Buffer) => (size += chunk.length));
    req.on('end', () => res.json({ size, type: req.headers['content-type'] }));
  });
  service.notImplemented('/api/v1/later', 'planned');
  return service;
}

const json = (body: unknown, headers: Record<string, string> = {}): RequestInit => ({
  method: 'POST',
  headers: { 'content-type': 'application/json', ...headers },
  body: typeof body === 'string' ? body : JSON.stringify(body),
});

describe('createService over HTTP', () => {
  let running: RunningService;
  let url: string;
  before(async () => {
    running = await buildService().listen();
    url = running.url;
  });
  after(() => running.close());

  it('runs a validated route and returns its typed result', async () => {
    const response = await fetch(`${url}/api/v1/entries/user-1`, json({ phone: '+14155550100' }));
    assert.equal(response.status, 201);
    assert.deepEqual(await response.json(), { phone: '+14155550100', userId: 'user-1' });
  });

  it('keeps the caller’s X-Request-ID, echoes it, and logs it in the access line', async () => {
    const response = await fetch(`${url}/api/v1/entries/user-1`, json({ phone: '+14155550100' }, { 'X-Request-ID': 'abc-123' }));
    assert.equal(response.headers.get('x-request-id'), 'abc-123');
    const line = lines.find((l) => l.msg === 'request completed' && (l.req as { id?: string }).id === 'abc-123');
    assert.ok(line, 'access log line with the request id');
    assert.equal(line.requestId, 'abc-123');
  });

  it('replaces a request id that is unsafe to log or echo', async () => {
    const response = await fetch(`${url}/health/live`, { headers: { 'X-Request-ID': 'has spaces "and quotes"' } });
    assert.match(response.headers.get('x-request-id') ?? '', /^[0-9a-f-]{36}$/);
  });

  it('continues the caller’s trace: its trace id appears on the request’s log lines', async () => {
    const traceId = '4bf92f3577b34da6a3ce929d0e0e4736';
    const response = await fetch(`${url}/api/v1/entries/user-2`, json({ phone: '+14155550101' }, { traceparent: `00-${traceId}-00f067aa0ba902b7-01`, 'X-Request-ID': 'trace-1' }));
    assert.equal(response.status, 201);
    const line = lines.find((l) => l.requestId === 'trace-1');
    assert.equal(line?.traceId, traceId);
    assert.notEqual(line?.spanId, '00f067aa0ba902b7');
  });

  it('answers malformed JSON with a 400 envelope', async () => {
    const envelope = await expectErrorEnvelope(await fetch(`${url}/api/v1/entries/user-1`, json('{"phone": ')), 400, 'MALFORMED_JSON');
    assert.doesNotMatch(JSON.stringify(envelope), /at |SyntaxError/);
  });

  it('answers malformed JSON with 400 even on an unknown route, since the body is read first', async () => {
    await expectErrorEnvelope(await fetch(`${url}/nowhere`, json('{')), 400, 'MALFORMED_JSON');
  });

  it('answers a 2 MB body with a 413 envelope', async () => {
    const big = JSON.stringify({ phone: '+14155550100', note: 'x'.repeat(2 * 1024 * 1024) });
    await expectErrorEnvelope(await fetch(`${url}/api/v1/entries/user-1`, json(big)), 413, 'PAYLOAD_TOO_LARGE');
  });

  it('answers a 2 MB body of any type with 413, before reading it', async () => {
    const response = await fetch(`${url}/api/v1/entries/user-1`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: 'a'.repeat(2 * 1024 * 1024) });
    await expectErrorEnvelope(response, 413, 'PAYLOAD_TOO_LARGE');
  });

  it('answers a body that is not JSON with a 415 envelope', async () => {
    const response = await fetch(`${url}/api/v1/entries/user-1`, { method: 'POST', headers: { 'content-type': 'text/plain' }, body: 'hello' });
    await expectErrorEnvelope(response, 415, 'UNSUPPORTED_MEDIA_TYPE');
  });

  it('lets a raw-body path read its own stream, whatever the content type', async () => {
    const response = await fetch(`${url}/raw`, { method: 'POST', headers: { 'content-type': 'audio/wav' }, body: Buffer.alloc(3000) });
    assert.deepEqual(await response.json(), { size: 3000, type: 'audio/wav' });
  });

  it('answers invalid params, query and body with 400 listing every issue', async () => {
    const response = await fetch(`${url}/api/v1/entries/u?dryRun=maybe`, json({ phone: '12345', note: 'n'.repeat(30) }));
    const envelope = await expectErrorEnvelope(response, 400, 'VALIDATION_FAILED');
    const issues = (envelope.error.details as { issues: { path: string }[] }).issues;
    assert.deepEqual(issues.map((i) => i.path), ['params.userId']);
    const bodyResponse = await fetch(`${url}/api/v1/entries/user-1`, json({ phone: '12345', note: 'n'.repeat(30) }));
    const bodyIssues = ((await expectErrorEnvelope(bodyResponse, 400, 'VALIDATION_FAILED')).error.details as { issues: { path: string }[] }).issues;
    assert.deepEqual(bodyIssues.map((i) => i.path).sort(), ['body.note', 'body.phone']);
  });

  it('refuses a NUL character in a path, query or body value with 400, whatever the schema', async () => {
    for (const request of [
      fetch(`${url}/api/v1/entries/user%001`, json({ phone: '+14155550100' })),
      fetch(`${url}/api/v1/entries/user-1?dryRun=true%00`, json({ phone: '+14155550100' })),
      fetch(`${url}/api/v1/entries/user-1`, json({ phone: '+14155550100', note: 'a\u0000b' })),
      // Deep nesting is walked without recursion: still a 400, never a stack overflow.
      fetch(`${url}/api/v1/entries/user-1`, { ...json({}), body: `{"phone":"+14155550100","deep":${'['.repeat(5000)}"\\u0000"${']'.repeat(5000)}}` }),
    ]) {
      const envelope = await expectErrorEnvelope(await request, 400, 'VALIDATION_FAILED');
      assert.match(envelope.error.message, /NUL/);
    }
  });

  it('validates with the helper in a hand-written route too', async () => {
    assert.deepEqual(await (await fetch(`${url}/manual?page=2`)).json(), { page: 2 });
    await expectErrorEnvelope(await fetch(`${url}/manual?page=zero`), 400, 'VALIDATION_FAILED');
  });

  it('answers an unknown route with a 404 envelope, never an HTML page', async () => {
    const response = await fetch(`${url}/does/not/exist`);
    await expectErrorEnvelope(response, 404, 'ROUTE_NOT_FOUND');
  });

  it('keeps an operational error’s status, code and details', async () => {
    const envelope = await expectErrorEnvelope(await fetch(`${url}/conflict`), 409, 'ENTRY_EXISTS');
    assert.deepEqual(envelope.error.details, { id: 7 });
  });

  it('turns a programmer error into a 500 without internals, and logs the cause with the request', async () => {
    const response = await fetch(`${url}/boom`, { headers: { 'X-Request-ID': 'boom-1' } });
    const envelope = await expectErrorEnvelope(response, 500, 'INTERNAL_ERROR');
    assert.doesNotMatch(JSON.stringify(envelope), /secret internals|TypeError/);
    const line = lines.find((l) => l.requestId === 'boom-1' && l.level === 'error');
    assert.match(JSON.stringify(line?.err), /secret internals at line 42/);
  });

  it('says plainly when an API is not built yet (501)', async () => {
    await expectErrorEnvelope(await fetch(`${url}/api/v1/later/anything`), 501, 'NOT_IMPLEMENTED');
  });

  it('answers 504 without doing the work when the caller’s deadline has already passed', async () => {
    const before = lines.length;
    const response = await fetch(`${url}/api/v1/entries/user-1`, json({ phone: '+14155550100' }, { 'X-Request-Timeout-Ms': '0' }));
    await expectErrorEnvelope(response, 504, 'DEADLINE_EXCEEDED');
    assert.equal(lines.slice(before).filter((l) => l.msg === 'request completed' && (l.res as { statusCode: number }).statusCode === 201).length, 0);
  });

  it('rejects a deadline header that is not a number of milliseconds', async () => {
    await expectErrorEnvelope(await fetch(`${url}/health/live`, { headers: { 'X-Request-Timeout-Ms': 'soon' } }), 400, 'VALIDATION_FAILED');
  });

  it('records requests by route template, not by raw URL', async () => {
    await fetch(`${url}/api/v1/entries/user-77`, json({ phone: '+14155550100' }));
    const text = await (await fetch(`${url}/metrics`)).text();
    assert.match(text, /http_request_duration_seconds_count\{[^}]*route="\/api\/v1\/entries\/:userId"[^}]*status_code="201"[^}]*\}/);
    assert.doesNotMatch(text, /user-77/);
    assert.match(text, /route="unmatched"/);
  });

  it('documents each route in OpenAPI from the schemas that validate it', async () => {
    const document = (await (await fetch(`${url}/openapi.json`)).json()) as {
      paths: Record<string, Record<string, { parameters?: { name: string; in: string }[]; requestBody?: unknown; responses: Record<string, unknown> }>>;
      components: { schemas: Record<string, unknown> };
    };
    const operation = document.paths['/api/v1/entries/{userId}']?.post;
    assert.ok(operation);
    assert.deepEqual(operation.parameters?.map((p) => `${p.in}:${p.name}`), ['path:userId', 'query:dryRun']);
    assert.ok(operation.requestBody);
    assert.deepEqual(Object.keys(operation.responses).sort(), ['201', '400', 'default']);
    assert.ok(document.components.schemas.ErrorEnvelope);
    assert.ok(document.components.schemas.HealthBody);
  });

  it('serves health routes as application/health+json', async () => {
    const response = await fetch(`${url}/health`);
    assert.equal(response.status, 200);
    assert.match(response.headers.get('content-type') ?? '', /^application\/health\+json/);
    assert.equal(response.headers.get('cache-control'), 'no-store');
  });

  it('answers a path parameter that does not decode with a 400 envelope, not a 500', async () => {
    await expectErrorEnvelope(await fetch(`${url}/api/v1/entries/%E0%A4%A`, json({ phone: '+14155550100' })), 400, 'BAD_REQUEST');
  });

  it('answers a request that is not even HTTP with the error envelope and a request id', async () => {
    const raw = await new Promise<string>((resolve, reject) => {
      const socket = connect(running.port, '127.0.0.1', () => socket.write('GARBAGE\r\n\r\n'));
      let data = '';
      socket.on('data', (chunk: Buffer) => (data += chunk.toString()));
      socket.on('close', () => resolve(data));
      socket.on('error', reject);
    });
    const [head = '', body = ''] = raw.split('\r\n\r\n');
    assert.match(head, /^HTTP\/1\.1 400 Bad Request\r\n/);
    assert.match(head, /\r\nX-Request-ID: [0-9a-f-]{36}\r\n/);
    assert.equal((JSON.parse(body) as { error: { code: string } }).error.code, 'BAD_REQUEST');
  });
});
