/** Header names used on every hop, written once. Lower case, as Node reports them. */
export const HEADERS = {
  requestId: 'x-request-id',
  traceparent: 'traceparent',
  tracestate: 'tracestate',
  /** Milliseconds left before the caller gives up; each hop subtracts the time it has spent. */
  timeout: 'x-request-timeout-ms',
  idempotencyKey: 'idempotency-key',
  /** Set on a call that is itself a retry, so the next hop does not retry its own calls again. */
  retryAttempt: 'x-retry-attempt',
  userAgent: 'user-agent',
} as const;

/** The User-Agent of every service-to-service call. */
export const SERVICE_CLIENT_USER_AGENT = 'AI-Ninja-ServiceClient/1.0';
