import { COMMON_ERROR_CODES, type ValidationIssue } from '@ai-ninja/contracts';

/**
 * An operational error: something the caller did or a dependency's state, answered with `status` and the error
 * envelope. Anything else thrown in a handler is a programmer error and becomes a logged 500.
 */
export class AppError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly details?: unknown,
    /** Extra response headers, e.g. `Retry-After` on a 503. */
    readonly headers?: Readonly<Record<string, string>>,
  ) {
    super(message);
    this.name = 'AppError';
  }
}

/** 400 with the list of problems found in the request. */
export class ValidationError extends AppError {
  constructor(readonly issues: readonly ValidationIssue[]) {
    super(400, COMMON_ERROR_CODES.validationFailed, describeIssues(issues), { issues });
    this.name = 'ValidationError';
  }
}

function describeIssues(issues: readonly ValidationIssue[]): string {
  const first = issues[0];
  if (!first) return 'Invalid request';
  const more = issues.length > 1 ? ` (and ${issues.length - 1} more)` : '';
  return `Invalid request: ${first.path}: ${first.message}${more}`;
}
