import { readFileSync } from 'node:fs';

/**
 * The version in the package.json one level above `moduleUrl`: `src/main.ts` and the built `dist/main.js` both sit
 * there, so `packageVersion(import.meta.url)` in a service's main module reads that service's version.
 */
export function packageVersion(moduleUrl: string): string {
  const pkg = JSON.parse(readFileSync(new URL('../package.json', moduleUrl), 'utf8')) as { version?: unknown };
  return typeof pkg.version === 'string' ? pkg.version : '0.0.0';
}
