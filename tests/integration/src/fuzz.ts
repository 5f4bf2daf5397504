/**
 * Bad input generated from an operation's OpenAPI description: broken JSON, wrong media types, bodies of the wrong
 * shape, each property removed or given values of other types, huge and hostile strings, malformed paths and query
 * strings, bad headers. The document's own schema is the oracle: a body it rejects must be rejected (4xx) by the
 * service; whatever it accepts may succeed. Nothing may ever answer 5xx.
 */
import type { OperationRequest } from './contract-check.js';
import { jsonType, type JsonSchema, type Operation, type SchemaValidator } from './openapi.js';

/** One generated request and what it must get. */
export interface FuzzCase {
  readonly name: string;
  readonly request: OperationRequest;
  /** `reject`: a 4xx; `any`: anything below 500. */
  readonly expect: 'reject' | 'any';
  /** Another method than the operation's (a method the path does not serve). */
  readonly method?: string;
}

const HUGE = 'x'.repeat(200_000);
const HOSTILE = "\u0000\u202e😀'\"<script>alert(1)</script>${7*7}{{7*7}}%s%n\\";
const OTHER_VALUES: unknown[] = [12345, 'text', true, null, {}, [], -1.5, HOSTILE];

/** The cases of one operation, around a valid input (params, query, body) and the headers that authorize it. */
export function fuzzCases(
  op: Operation,
  valid: { params: Record<string, string>; query: Record<string, string>; body: unknown; headers: Record<string, string> },
  validator: SchemaValidator,
  auth: Record<string, string>,
): FuzzCase[] {
  const cases: FuzzCase[] = [];
  const base = { params: valid.params, query: valid.query, headers: { ...valid.headers, ...auth }, direct: true };
  const add = (name: string, request: Partial<OperationRequest>, expect: FuzzCase['expect'], method?: string) =>
    cases.push({ name, request: { ...base, body: valid.body, ...request, headers: { ...base.headers, ...request.headers } }, expect, ...(method ? { method } : {}) });
  const json = { 'content-type': 'application/json' };

  const jsonBody = op.body && /json/.test(op.body.mediaType);
  if (jsonBody) {
    const schema: JsonSchema = op.body!.schema;
    // The schema decides: a body it does not accept must be rejected.
    const verdict = (body: unknown): FuzzCase['expect'] => (validator.check(schema, body) === undefined ? 'any' : 'reject');
    add('invalid JSON', { body: '{"broken": ', headers: json }, 'reject');
    add('JSON with a trailing comma', { body: '{"a": 1,}', headers: json }, 'reject');
    add('an empty body declared JSON', { body: '', headers: json }, 'reject');
    for (const [label, text] of [['null', 'null'], ['a string', '"text"'], ['a number', '42'], ['an array', '[]'], ['true', 'true']] as const) {
      add(`the body is ${label}`, { body: text, headers: json }, verdict(JSON.parse(text)));
    }
    add('valid JSON as text/plain', { body: JSON.stringify(valid.body), headers: { 'content-type': 'text/plain' } }, 'reject');
    add('a form instead of JSON', { body: 'a=1&b=2', headers: { 'content-type': 'application/x-www-form-urlencoded' } }, 'reject');
    add('JSON without a content type', { body: JSON.stringify(valid.body), headers: { 'content-type': undefined } }, 'reject');
    add('a body over the size limit (2 MB)', { body: JSON.stringify({ filler: 'x'.repeat(2 * 1024 * 1024) }), headers: json }, 'reject');
    add('nesting 5000 deep', { body: `${'['.repeat(5000)}${']'.repeat(5000)}`, headers: json }, 'reject');
    add('gzip declared, plain sent', { body: JSON.stringify(valid.body), headers: { ...json, 'content-encoding': 'gzip' } }, 'reject');
    if (valid.body && typeof valid.body === 'object' && !Array.isArray(valid.body)) {
      const body = valid.body as Record<string, unknown>;
      add('__proto__ and constructor keys', { body: `{"__proto__":{"polluted":true},"constructor":{"prototype":{"x":1}},${JSON.stringify(body).slice(1)}`, headers: json }, 'any');
      for (const key of Object.keys(body)) {
        const { [key]: _removed, ...without } = body;
        add(`without ${key}`, { body: without }, verdict(without));
        const validType = jsonType(body[key]);
        for (const other of OTHER_VALUES.filter((value) => jsonType(value) !== validType)) {
          const mutated = { ...body, [key]: other };
          add(`${key} = ${JSON.stringify(other).slice(0, 30)}`, { body: mutated }, verdict(mutated));
        }
        const huge = { ...body, [key]: HUGE };
        add(`${key} = a 200 kB string`, { body: huge }, verdict(huge));
      }
      const extra = { ...body, unexpectedField: HOSTILE };
      add('an unexpected extra field', { body: extra }, verdict(extra));
    }
  } else if (!op.body && ['post', 'put', 'patch'].includes(op.method)) {
    add('a body where none is expected', { body: '{"surprise": true}', headers: json }, 'any');
  }

  for (const param of op.parameters.filter((p) => p.in === 'path')) {
    const raw = (value: string) => ({ params: { ...valid.params, [param.name]: value }, rawPath: true });
    add(`path ${param.name}: malformed percent-encoding`, raw('%E0%A4%A'), 'reject');
    add(`path ${param.name}: an encoded NUL`, raw('%00'), 'any');
    add(`path ${param.name}: traversal`, raw('..%2F..%2F..%2Fetc%2Fpasswd'), 'any');
    for (const value of ["' OR '1'='1", '😀', '-1', '1e309', ' ', 'x'.repeat(3000), HOSTILE]) {
      add(`path ${param.name} = ${value.slice(0, 20)}`, { params: { ...valid.params, [param.name]: value } }, 'any');
    }
  }

  for (const param of op.parameters.filter((p) => p.in === 'query')) {
    const { [param.name]: _dropped, ...rest } = valid.query;
    if (param.required) add(`query without ${param.name}`, { query: rest }, 'reject');
    for (const value of ['abc', '-1', '1.5', '1e309', '99999999999999999999', 'x'.repeat(5000), HOSTILE, '']) {
      add(`query ${param.name} = ${value.slice(0, 20)}`, { query: { ...valid.query, [param.name]: value } }, 'any');
    }
    add(`query ${param.name} given twice`, { query: { ...valid.query, [param.name]: [valid.query[param.name] ?? 'a', 'b'] } }, 'any');
  }
  add('unknown query parameters', { query: { ...valid.query, '__proto__[polluted]': '1', constructor: 'x', 'a[b][c]': 'd' } }, 'any');

  for (const authorization of ['Bearer', 'Bearer x.y.z', 'Basic dXNlcjpwYXNz', `Bearer ${'a'.repeat(6000)}.b.c`, 'Bearer eyJhbGciOiJub25lIn0.eyJzdWIiOiJ4In0.', 'bearer lowercase']) {
    add(`Authorization: ${authorization.slice(0, 24)}`, { headers: { authorization } }, 'reject');
  }
  for (const [name, value] of [
    ['x-request-id', 'has spaces and ünïcode'],
    ['x-request-id', 'x'.repeat(600)],
    ['traceparent', 'garbage'],
    ['traceparent', `00-${'0'.repeat(32)}-${'0'.repeat(16)}-01`],
    ['x-request-timeout-ms', 'abc'],
    ['x-request-timeout-ms', '-5'],
    ['x-request-timeout-ms', '1e400'],
    ['x-request-timeout-ms', '99999999999999999999999'],
    ['accept', 'text/html'],
    ['accept-encoding', 'br;q=2, *;q=-1'],
  ] as const) {
    add(`${name}: ${value.slice(0, 24)}`, { headers: { [name]: value } }, 'any');
  }
  if (op.method === 'post') {
    add('a 1000-character Idempotency-Key', { headers: { 'idempotency-key': 'k'.repeat(1000) } }, 'any');
    add('an empty Idempotency-Key', { headers: { 'idempotency-key': '' } }, 'any');
  }
  const unserved = ['put', 'patch', 'delete', 'post', 'get'].find((m) => m !== op.method);
  if (unserved) add(`method ${unserved.toUpperCase()}`, {}, 'any', unserved);
  return cases;
}
