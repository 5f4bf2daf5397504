/**
 * Checks one reply against what the service documents for the operation: a documented status, the documented media
 * type, a body valid against the document's schema and, where the route has a contract in libs/contracts, against
 * its zod schema too; errors in the envelope, carrying the request's id. Returns the problems, never throws.
 */
import { randomUUID } from 'node:crypto';
import { ErrorEnvelopeSchema } from '@ai-ninja/contracts';
import { addressPool, send, type Reply } from './http.js';
import { fillPath, gatewayPathOf, type Operation, type SchemaValidator } from './openapi.js';
import type { System } from './system.js';

/** The problems of one reply; empty when it is what the document promises. */
export function checkReply(operation: Operation, reply: Reply, validator: SchemaValidator, sentRequestId: string): string[] {
  const problems: string[] = [];
  const contentType = String(reply.headers['content-type'] ?? '')
    .split(';')[0]!
    .trim();
  let body: unknown;
  const parsed = () => {
    if (body === undefined) {
      try {
        body = JSON.parse(reply.body);
      } catch {
        body = Symbol.for('not json');
      }
    }
    return body;
  };

  // A part not built yet says so plainly: 501 NOT_IMPLEMENTED, when the route documents it, is an honest answer.
  const notBuilt = reply.status === 501 && operation.responses['501'] !== undefined && reply.body.includes('"NOT_IMPLEMENTED"');
  if (reply.status >= 500 && !notBuilt) problems.push(`answered ${reply.status}: ${reply.body.slice(0, 200)}`);
  if (reply.headers['x-request-id'] !== sentRequestId) problems.push(`X-Request-ID ${String(reply.headers['x-request-id'])} is not the one sent (${sentRequestId})`);

  if (reply.status >= 400) {
    const envelope = ErrorEnvelopeSchema.safeParse(parsed());
    if (!envelope.success) problems.push(`${reply.status} without the error envelope: ${reply.body.slice(0, 200)}`);
    else {
      if (envelope.data.error.code === 'ROUTE_NOT_FOUND' && reply.status === 404) problems.push('documented, but not served (404 ROUTE_NOT_FOUND)');
      if (envelope.data.error.requestId !== sentRequestId) problems.push(`envelope requestId ${envelope.data.error.requestId} is not the request's`);
    }
    if (!/^application\/json$/.test(contentType)) problems.push(`${reply.status} with content-type ${contentType}`);
  }

  const documented = operation.responses[String(reply.status)];
  if (!documented && reply.status < 400) problems.push(`status ${reply.status} is not documented (documented: ${Object.keys(operation.responses).join(', ')})`);
  const spec = documented ?? operation.responses.default;
  if (spec?.content) {
    const media = spec.content[contentType];
    if (!media) problems.push(`content-type "${contentType}" of a ${reply.status} is not documented (${Object.keys(spec.content).join(', ')})`);
    else if (media.schema && /json$/.test(contentType)) {
      const value = parsed();
      if (typeof value === 'symbol') problems.push(`${reply.status} body is not JSON: ${reply.body.slice(0, 200)}`);
      else {
        const invalid = validator.check(media.schema, value);
        if (invalid) problems.push(`${reply.status} body does not match the documented schema:\n${invalid}\nbody: ${reply.body.slice(0, 400)}`);
      }
    }
  } else if (reply.status < 300 && reply.status !== 204 && reply.body.length > 0 && documented) {
    problems.push(`${reply.status} has a body but documents none`);
  }

  const endpoint = operation.endpoint;
  if (endpoint && (endpoint.successStatuses ?? [200]).includes(reply.status)) {
    const value = endpoint.responseType === 'text' ? reply.body : parsed();
    const result = endpoint.response.safeParse(value);
    if (!result.success) problems.push(`${reply.status} body does not match the contract's zod schema: ${result.error.message.slice(0, 400)}`);
  }
  return problems;
}

/** Where a request of an operation goes: through the gateway when a public route leads there, else to a replica. */
export interface Target {
  readonly url: string;
  readonly viaGateway: boolean;
}

const replicaTurn = new Map<string, number>();

/** The URL of an operation's concrete path: the gateway's public path when routed, else the next replica in turn. */
export function targetOf(system: System, operation: Operation, concretePath: string, direct = false): Target {
  const publicPath = direct ? undefined : gatewayPathOf(operation, concretePath);
  if (publicPath && system.gatewayUrl) return { url: system.gatewayUrl + publicPath, viaGateway: true };
  const replicas = system.replicasOf(operation.service).filter((r) => r.running);
  const turn = (replicaTurn.get(operation.service) ?? 0) + 1;
  replicaTurn.set(operation.service, turn);
  const replica = replicas[turn % replicas.length] ?? system.replica(operation.service);
  return { url: replica.url + concretePath, viaGateway: false };
}

/** One request of an operation. */
export interface OperationRequest {
  readonly params?: Readonly<Record<string, string>>;
  readonly query?: Readonly<Record<string, string | string[]>>;
  readonly headers?: Readonly<Record<string, string | undefined>>;
  /** JSON value, or a raw string/Buffer. */
  readonly body?: unknown;
  /** Send the path as given, not URL-encoded (for malformed paths). */
  readonly rawPath?: boolean;
  /** Straight to a replica even when the gateway routes it. */
  readonly direct?: boolean;
}

// Gateway requests come from many addresses, so the per-address rate limits never answer a contract check.
const gatewayAddress = addressPool(202);

/** Sends one request of an operation with a fresh X-Request-ID; answers the reply and the id sent. */
export async function callOperation(system: System, operation: Operation, request: OperationRequest): Promise<{ reply: Reply; requestId: string; target: Target }> {
  const path = fillPath(operation.path, request.params ?? {}, request.rawPath);
  const search = new URLSearchParams();
  for (const [name, value] of Object.entries(request.query ?? {})) for (const v of [value].flat()) search.append(name, v);
  const query = search.size > 0 ? `?${search}` : '';
  const target = targetOf(system, operation, path, request.direct);
  const requestId = `it-${randomUUID()}`;
  const reply = await send(target.url + query, {
    method: operation.method.toUpperCase(),
    headers: { 'x-request-id': requestId, ...request.headers },
    body: request.body,
    ...(target.viaGateway ? { localAddress: gatewayAddress() } : {}),
    timeoutMs: 15_000,
  });
  return { reply, requestId, target };
}
