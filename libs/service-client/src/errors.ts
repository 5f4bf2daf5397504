import type { ErrorEnvelope, ServiceName } from '@ai-ninja/contracts';

/**
 * Every failure of a ServiceClient call. `status` and `code` are what the calling service answers its own
 * caller with when it does not handle the error (service-kit maps them into the error envelope).
 */
export class ServiceClientError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly upstream: ServiceName,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = new.target.name;
  }
}

/** The request did not match the endpoint's schema: a bug in the caller, caught before anything was sent. */
export class RequestValidationError extends ServiceClientError {
  constructor(upstream: ServiceName, readonly issues: readonly { path: string; message: string }[]) {
    super(500, 'UPSTREAM_REQUEST_INVALID', `Request to ${upstream} is invalid: ${issues.map((i) => `${i.path}: ${i.message}`).join('; ')}`, upstream);
  }
}

/** The upstream answered with an error status. */
export class UpstreamHttpError extends ServiceClientError {
  constructor(
    upstream: ServiceName,
    readonly upstreamStatus: number,
    readonly envelope: ErrorEnvelope | undefined,
    /** Milliseconds the upstream asked us to wait (Retry-After), when it said. */
    readonly retryAfterMs: number | undefined,
  ) {
    super(502, 'UPSTREAM_ERROR', `${upstream} answered ${upstreamStatus}${envelope ? ` ${envelope.error.code}: ${envelope.error.message}` : ''}`, upstream);
  }
}

/** The upstream answered with a body that does not match the endpoint's schema, or is not JSON. */
export class MalformedResponseError extends ServiceClientError {
  constructor(upstream: ServiceName, detail: string) {
    super(502, 'UPSTREAM_MALFORMED_RESPONSE', `${upstream} answered with a malformed body: ${detail}`, upstream);
  }
}

const CIRCUIT_MESSAGES = {
  upstream: (upstream: string) => `Circuit to ${upstream} is open`,
  replica: (upstream: string) => `Circuit to the chosen replica of ${upstream} opened`,
  replicas: (upstream: string) => `Circuits to every replica of ${upstream} are open`,
};

/**
 * A circuit breaker is open: failing fast without touching the network. `scope` says whose: the upstream's, the
 * replica chosen for an attempt (another replica may still answer), or every replica's.
 */
export class CircuitOpenError extends ServiceClientError {
  constructor(
    upstream: ServiceName,
    readonly scope: keyof typeof CIRCUIT_MESSAGES,
  ) {
    super(503, 'CIRCUIT_OPEN', CIRCUIT_MESSAGES[scope](upstream), upstream);
  }
}

/** No replica could be reached: connection refused, reset, or none known. */
export class UpstreamUnavailableError extends ServiceClientError {
  constructor(
    upstream: ServiceName,
    detail: string,
    options?: { cause?: unknown; neverSent?: boolean },
  ) {
    super(503, 'UPSTREAM_UNAVAILABLE', `${upstream} is unavailable: ${detail}`, upstream, options);
    this.neverSent = options?.neverSent ?? false;
  }

  /** The request never left: no connection was made, so no server saw it and trying elsewhere is always safe. */
  readonly neverSent: boolean;
}

/** One attempt took longer than the per-attempt timeout. */
export class UpstreamTimeoutError extends ServiceClientError {
  constructor(upstream: ServiceName, timeoutMs: number) {
    super(504, 'UPSTREAM_TIMEOUT', `${upstream} did not answer within ${timeoutMs} ms`, upstream);
  }
}

/** The call's deadline (its own timeout, or the caller's propagated deadline) passed. */
export class DeadlineExceededError extends ServiceClientError {
  constructor(upstream: ServiceName) {
    super(504, 'DEADLINE_EXCEEDED', `The deadline passed before ${upstream} answered`, upstream);
  }
}
