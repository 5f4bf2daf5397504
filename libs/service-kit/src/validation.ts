import type { z } from 'zod';
import type { ValidationIssue } from '@ai-ninja/contracts';
import { ValidationError } from './errors.js';

/** Where a value came from, named in the issues' paths. */
export type InputSource = 'body' | 'params' | 'query' | 'headers';

/** Converts zod's issues to the envelope's `details.issues`, each path prefixed by where the value came from. */
export function toValidationIssues(error: z.ZodError, source: InputSource): ValidationIssue[] {
  return error.issues.map((issue) => ({
    path: [source, ...issue.path.map(String)].join('.'),
    message: issue.message,
    code: issue.code,
  }));
}

/** Parses `value` with `schema`; a mismatch throws a {@link ValidationError}, answered as 400 with every issue. */
export function validate<S extends z.ZodType>(schema: S, value: unknown, source: InputSource): z.output<S> {
  const result = schema.safeParse(value);
  if (!result.success) throw new ValidationError(toValidationIssues(result.error, source));
  return result.data;
}
