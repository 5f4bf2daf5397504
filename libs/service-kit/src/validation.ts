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

/**
 * Parses `value` with `schema`; a mismatch throws a {@link ValidationError}, answered as 400 with every issue. A string
 * holding a NUL character is refused whatever the schema says: no database stores one (PostgreSQL rejects it) and no
 * legitimate input carries one.
 */
export function validate<S extends z.ZodType>(schema: S, value: unknown, source: InputSource): z.output<S> {
  const nul = findNul(value);
  if (nul) throw new ValidationError([{ path: [source, ...nul].join('.'), message: 'must not contain a NUL character (U+0000)', code: 'invalid_string' }]);
  const result = schema.safeParse(value);
  if (!result.success) throw new ValidationError(toValidationIssues(result.error, source));
  return result.data;
}

/**
 * The path of the first string (key or value) holding U+0000 in a JSON-like value, if any. Walked with a stack of its
 * own, so that a body nested thousands deep is answered, not a stack overflow.
 */
function findNul(root: unknown): string[] | undefined {
  const pending: Array<{ value: unknown; path: string[] }> = [{ value: root, path: [] }];
  for (let next = pending.pop(); next; next = pending.pop()) {
    const { value, path } = next;
    if (typeof value === 'string') {
      if (value.includes('\u0000')) return path;
    } else if (typeof value === 'object' && value !== null) {
      for (const [key, item] of Object.entries(value)) {
        if (key.includes('\u0000')) return [...path, key];
        pending.push({ value: item, path: [...path, key] });
      }
    }
  }
  return undefined;
}
