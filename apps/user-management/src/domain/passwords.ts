import { hash, verify } from '@node-rs/argon2';

/**
 * argon2id with OWASP's first recommended setting (19 MiB, 2 passes, 1 lane): about 9 ms per hash on this machine.
 * @node-rs/argon2 defaults to argon2id; the cost is written into each hash, so raising it later keeps old hashes valid.
 */
const ARGON2 = { memoryCost: 19_456, timeCost: 2, parallelism: 1 } as const;

export function hashPassword(password: string): Promise<string> {
  return hash(password, ARGON2);
}

/** True when `password` matches `passwordHash`; false for a wrong password or a hash that cannot be read. */
export async function verifyPassword(passwordHash: string, password: string): Promise<boolean> {
  try {
    return await verify(passwordHash, password);
  } catch {
    return false;
  }
}

/**
 * Why a new password is refused, or undefined when it is acceptable. Length (10 to 128) is checked by the request
 * schema; here, in the spirit of NIST SP 800-63B (no composition rules): not the e-mail address or its local part,
 * not a run of very few distinct characters ("aaaaaaaaaa", "ababababab"), not a well-known sequence.
 */
export function passwordProblem(password: string, email: string): string | undefined {
  const lower = password.toLowerCase();
  const localPart = email.split('@')[0] ?? '';
  if (lower === email || (localPart.length >= 4 && lower.includes(localPart))) return 'The password must not contain your e-mail address';
  if (new Set(password).size < 5) return 'The password must use at least 5 different characters';
  if (COMMON_SEQUENCES.some((sequence) => sequence.includes(lower) || lower.startsWith(sequence))) return 'The password is a well-known sequence';
  return undefined;
}

const COMMON_SEQUENCES = ['0123456789012345', 'abcdefghijklmnopqrstuvwxyz', 'qwertyuiopasdfghjklzxcvbnm', 'password123456', '1qaz2wsx3edc4rfv'];
