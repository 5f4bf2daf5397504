import { randomUUID } from 'node:crypto';
import { STATUS_CODES } from 'node:http';
import type { Duplex } from 'node:stream';
import type { ErrorRequestHandler, RequestHandler } from 'express';
import { COMMON_ERROR_CODES, type ErrorEnvelope } from '@ai-ninja/contracts';
import { ServiceClientError } from '@ai-ninja/service-client';
import { AppError } from './errors.js';

/** Answers every request no route took with a 404 envelope. */
export function routeNotFound(): RequestHandler {
  return (req, _res, next) => {
    next(new AppError(404, COMMON_ERROR_CODES.routeNotFound, `No route for ${req.method} ${req.path}`));
  };
}

/**
 * Turns every error into the error envelope with the right status: operational errors keep their code, body
 * parser errors become 400/413/415, anything else is a 500 whose details stay in the log, never in the response.
 */
export function errorHandler(bodyLimit: string): ErrorRequestHandler {
  return (error: unknown, req, res, _next) => {
    const appError = toAppError(error, bodyLimit);
    // pino-http logs the access line of a 5xx with `res.err`: the real cause, stack included, beside the request.
    if (appError.status >= 500) res.err = error instanceof Error ? error : new Error(String(error));
    if (res.headersSent) {
      // The response is already on its way: the only honest signal left is to cut the connection.
      res.destroy();
      return;
    }
    const body: ErrorEnvelope = {
      error: {
        code: appError.code,
        message: appError.message,
        requestId: req.id === undefined ? undefined : String(req.id),
        ...(appError.details !== undefined ? { details: appError.details } : {}),
      },
    };
    res.status(appError.status).set(appError.headers ?? {}).json(body);
  };
}

/** The body-parser error types and what they mean for the caller. */
const BODY_ERRORS: Record<string, (limit: string) => AppError> = {
  'entity.parse.failed': () => new AppError(400, COMMON_ERROR_CODES.malformedJson, 'The request body is not valid JSON'),
  'entity.too.large': (limit) => new AppError(413, COMMON_ERROR_CODES.payloadTooLarge, `The request body is larger than ${limit}`),
  'entity.verify.failed': () => new AppError(400, COMMON_ERROR_CODES.malformedJson, 'The request body could not be verified'),
  'encoding.unsupported': () => new AppError(415, COMMON_ERROR_CODES.unsupportedMediaType, 'Unsupported content encoding'),
  'charset.unsupported': () => new AppError(415, COMMON_ERROR_CODES.unsupportedMediaType, 'Unsupported charset'),
  'request.aborted': () => new AppError(400, 'REQUEST_ABORTED', 'The client aborted the request'),
  'request.size.invalid': () => new AppError(400, 'REQUEST_SIZE_INVALID', 'The request body size does not match Content-Length'),
};

function toAppError(error: unknown, bodyLimit: string): AppError {
  if (error instanceof AppError) return error;
  // An upstream failure nobody handled: 502, 503 or 504 with the client's code, e.g. CIRCUIT_OPEN.
  if (error instanceof ServiceClientError) return new AppError(error.status, error.code, error.message, { upstream: error.upstream });
  const { type, status, message } = (error ?? {}) as { type?: unknown; status?: unknown; message?: unknown };
  const known = typeof type === 'string' ? BODY_ERRORS[type] : undefined;
  if (known) return known(bodyLimit);
  // express's own client errors carry their 4xx status, e.g. a path parameter that does not decode.
  if (typeof status === 'number' && status >= 400 && status < 500) {
    return new AppError(status, status === 400 ? COMMON_ERROR_CODES.badRequest : `HTTP_${status}`, String(message));
  }
  return new AppError(500, COMMON_ERROR_CODES.internal, 'Internal error; the request id helps find the details in the logs');
}

/**
 * Node answers a request it cannot even parse (garbage, oversized headers, a header timeout) before express sees
 * it, with a bare `400 Bad Request`. This writes the error envelope and a request id instead.
 */
export function onClientError(error: NodeJS.ErrnoException, socket: Duplex): void {
  if (error.code === 'ECONNRESET' || !socket.writable) {
    socket.destroy();
    return;
  }
  const [status, code, message] =
    error.code === 'HPE_HEADER_OVERFLOW'
      ? [431, COMMON_ERROR_CODES.headersTooLarge, 'The request headers are too large']
      : error.code === 'ERR_HTTP_REQUEST_TIMEOUT'
        ? [408, COMMON_ERROR_CODES.requestTimeout, 'The request took too long to arrive']
        : [400, COMMON_ERROR_CODES.badRequest, 'The request is not valid HTTP'];
  const requestId = randomUUID();
  const body = JSON.stringify({ error: { code, message, requestId } } satisfies ErrorEnvelope);
  socket.end(
    `HTTP/1.1 ${status} ${STATUS_CODES[status]}\r\nContent-Type: application/json; charset=utf-8\r\n` +
      `Content-Length: ${Buffer.byteLength(body)}\r\nX-Request-ID: ${requestId}\r\nConnection: close\r\n\r\n${body}`,
  );
}
