import { randomUUID } from 'node:crypto';
import type { RequestHandler } from 'express';
import { COMMON_ERROR_CODES, HEADERS } from '@ai-ninja/contracts';
import { continueOrStartTrace, runWithContext, type RequestContext } from '@ai-ninja/observability';
import { AppError, ValidationError } from './errors.js';

// Kept from the caller only when it is safe to log and echo: no spaces, quotes or control characters.
const REQUEST_ID = /^[A-Za-z0-9._:@-]{1,128}$/;
const NON_NEGATIVE_INT = /^\d{1,9}$/;

declare module 'http' {
  interface IncomingMessage {
    /** The request's context; the same object the AsyncLocalStorage holds during the request. */
    context: RequestContext;
  }
}

/**
 * Establishes the request context: the request id (kept or made, echoed in the response), the server span of the
 * trace (continued from `traceparent` or started), the deadline from `X-Request-Timeout-Ms`, and the retry marker.
 * A request whose deadline has already passed is answered 504 before any work is done.
 */
export function requestContext(): RequestHandler {
  return (req, res, next) => {
    const arrivedAt = Date.now();
    const incomingId = req.headers[HEADERS.requestId];
    const requestId = typeof incomingId === 'string' && REQUEST_ID.test(incomingId) ? incomingId : randomUUID();
    res.setHeader('X-Request-ID', requestId);
    req.id = requestId;

    const trace = continueOrStartTrace(header(req.headers[HEADERS.traceparent]));
    const timeout = intHeader(req.headers[HEADERS.timeout], HEADERS.timeout);
    const retryAttempt = intHeader(req.headers[HEADERS.retryAttempt], HEADERS.retryAttempt) ?? 0;
    const context: RequestContext = {
      requestId,
      trace,
      retryAttempt,
      ...(timeout !== undefined ? { deadline: arrivedAt + timeout } : {}),
    };
    req.context = context;
    runWithContext(context, () => {
      if (timeout === 0) {
        next(new AppError(504, COMMON_ERROR_CODES.deadlineExceeded, 'The request deadline passed before it could be served'));
        return;
      }
      next();
    });
  };
}

function header(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}

function intHeader(value: string | string[] | undefined, name: string): number | undefined {
  const text = header(value);
  if (text === undefined) return undefined;
  if (!NON_NEGATIVE_INT.test(text.trim())) {
    throw new ValidationError([{ path: `headers.${name}`, message: 'must be a non-negative integer', code: 'invalid_format' }]);
  }
  return Number(text.trim());
}
