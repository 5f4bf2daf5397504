import { open, readdir, readFile, rename, rm } from 'node:fs/promises';
import { dirname, join } from 'node:path';

/**
 * Writes `value` as JSON so that a crash leaves either the old file or the new one, never half of one: a temporary
 * file is written and fsynced, renamed over the target, and the directory fsynced so the rename itself lasts.
 */
export async function writeJsonDurably(path: string, value: unknown): Promise<void> {
  const temporary = `${path}.tmp`;
  const file = await open(temporary, 'w');
  try {
    await file.writeFile(JSON.stringify(value));
    await file.sync();
  } finally {
    await file.close();
  }
  await rename(temporary, path);
  await syncDirectory(dirname(path));
}

/** Makes a directory's entries (created, renamed, removed files) durable. */
export async function syncDirectory(path: string): Promise<void> {
  const directory = await open(path, 'r');
  try {
    await directory.sync();
  } finally {
    await directory.close();
  }
}

/** The parsed JSON of a file, or undefined when it is missing or unreadable (a torn `.tmp` is never read). */
export async function readJson<T>(path: string): Promise<T | undefined> {
  try {
    return JSON.parse(await readFile(path, 'utf8')) as T;
  } catch {
    return undefined;
  }
}

/** Names in `dir` ending with `suffix`, sorted (keys start with a timestamp, so oldest first). */
export async function listFiles(dir: string, suffix: string): Promise<string[]> {
  const names = await readdir(dir).catch((error: NodeJS.ErrnoException) => {
    if (error.code === 'ENOENT') return [] as string[];
    throw error;
  });
  return names.filter((name) => name.endsWith(suffix)).sort();
}

/** Removes files, ignoring those already gone, then makes the removal durable. */
export async function removeFiles(dir: string, names: readonly string[]): Promise<void> {
  for (const name of names) await rm(join(dir, name), { force: true });
  await syncDirectory(dir);
}

/** A key that sorts by creation time and never collides: `<ms since epoch, 13 digits>-<random>`. */
export function timeOrderedKey(now = Date.now()): string {
  return `${String(now).padStart(13, '0')}-${crypto.randomUUID()}`;
}
