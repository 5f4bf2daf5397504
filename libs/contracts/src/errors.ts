import { z } from './zod.js';

/** Error codes shared by every service. Services add their own (e.g. `WHITELIST_ENTRY_NOT_FOUND`). */
export const COMMON_ERROR_CODES = {
  badRequest: 'BAD_REQUEST',
  validationFailed: 'VALIDATION_FAILED',
  malformedJson: 'MALFORMED_JSON',
  payloadTooLarge: 'PAYLOAD_TOO_LARGE',
  unsupportedMediaType: 'UNSUPPORTED_MEDIA_TYPE',
  headersTooLarge: 'HEADERS_TOO_LARGE',
  requestTimeout: 'REQUEST_TIMEOUT',
  routeNotFound: 'ROUTE_NOT_FOUND',
  notImplemented: 'NOT_IMPLEMENTED',
  rateLimited: 'RATE_LIMITED',
  deadlineExceeded: 'DEADLINE_EXCEEDED',
  shuttingDown: 'SHUTTING_DOWN',
  internal: 'INTERNAL_ERROR',
} as const;

/** One problem found while validating a request: where, what, and zod's issue code. */
export const ValidationIssueSchema = z.object({
  path: z.string().describe('Dotted path of the offending value, prefixed by where it was: body, params, query'),
  message: z.string(),
  code: z.string(),
});
export type ValidationIssue = z.infer<typeof ValidationIssueSchema>;

/** The body of every error response of every service. */
export const ErrorEnvelopeSchema = z.object({
  error: z.object({
    code: z
      .string()
      .regex(/^[A-Z][A-Z0-9_]*$/)
      .describe('Stable, machine-readable; code never matches on the message'),
    message: z.string().describe('For people; may change between releases'),
    requestId: z.string().optional(),
    details: z.unknown().optional(),
  }),
});
export type ErrorEnvelope = z.infer<typeof ErrorEnvelopeSchema>;
