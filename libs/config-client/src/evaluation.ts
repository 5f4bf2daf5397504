import { createHash } from 'node:crypto';
import type { FeatureFlag, FlagEvaluation, FlagReason } from '@ai-ninja/contracts';

/** The first 4 bytes of sha256(`input`) as an unsigned 32-bit integer: stable across processes, versions and machines. */
export function stableHash(input: string): number {
  return createHash('sha256').update(input).digest().readUInt32BE(0);
}

/**
 * A user's bucket of a flag, 0 to 9999 (0.00 % to 99.99 % in steps of 0.01): sha256(`flag:userId`), first 4 bytes,
 * mod 10000. A flag at p % is on for buckets below p × 100, so the users of a 10 % rollout are among the users of
 * 20 %, and raising a rollout never turns it off for anyone.
 */
export function rolloutBucket(flag: string, userId: string): number {
  return stableHash(`${flag}:${userId}`) % 10_000;
}

/** The rules of a flag, with its lists as sets: what evaluation needs. */
export interface CompiledFlag {
  readonly name: string;
  readonly enabled: boolean;
  /** Rollout in hundredths of a percent, 0 to 10000. */
  readonly rolloutBasisPoints: number;
  readonly allow: ReadonlySet<string>;
  readonly deny: ReadonlySet<string>;
}

/** Prepares a flag for evaluation (sets instead of arrays); do it once per definition, not per user. */
export function compileFlag(flag: Pick<FeatureFlag, 'name' | 'enabled' | 'rolloutPercentage' | 'allowUsers' | 'denyUsers'>): CompiledFlag {
  return {
    name: flag.name,
    enabled: flag.enabled,
    rolloutBasisPoints: Math.round(flag.rolloutPercentage * 100),
    allow: new Set(flag.allowUsers),
    deny: new Set(flag.denyUsers),
  };
}

/** One flag's answer for one user, and why. */
export interface FlagOutcome {
  readonly enabled: boolean;
  readonly reason: FlagReason;
  /** The user's bucket (0–99.99) when the rollout decided. */
  readonly bucket?: number;
}

/** Deny list wins, then the allow list, then the kill switch (off: false), then the percentage rollout. */
export function evaluateFlag(flag: CompiledFlag, userId: string): FlagOutcome {
  if (flag.deny.has(userId)) return { enabled: false, reason: 'DENY_LIST' };
  if (flag.allow.has(userId)) return { enabled: true, reason: 'ALLOW_LIST' };
  if (!flag.enabled) return { enabled: false, reason: 'KILL_SWITCH' };
  const bucket = rolloutBucket(flag.name, userId);
  const on = bucket < flag.rolloutBasisPoints;
  return { enabled: on, reason: on ? 'ROLLOUT_IN' : 'ROLLOUT_OUT', bucket: bucket / 100 };
}

/** Every flag for one user, as `GET /api/v1/config/features/{userId}` answers it. */
export function evaluateFlags(flags: readonly CompiledFlag[], userId: string): FlagEvaluation {
  const result: FlagEvaluation = { userId, flags: {}, reasons: {} };
  for (const flag of flags) {
    const outcome = evaluateFlag(flag, userId);
    result.flags[flag.name] = outcome.enabled;
    result.reasons[flag.name] = outcome.bucket === undefined ? { reason: outcome.reason } : { reason: outcome.reason, bucket: outcome.bucket };
  }
  return result;
}

/**
 * The variant a user falls into by weight: sha256(`experiment:<name>:<userId>`) as a point in [0, total weight).
 * Deterministic, but a change of weights moves some users: the caller persists the first answer (sticky).
 */
export function pickVariant(experiment: string, variants: readonly { readonly name: string; readonly weight: number }[], userId: string): string {
  const total = variants.reduce((sum, variant) => sum + variant.weight, 0);
  if (total <= 0) throw new Error(`Experiment ${experiment} has no variant with a weight above 0`);
  const point = (stableHash(`experiment:${experiment}:${userId}`) / 2 ** 32) * total;
  let cumulative = 0;
  for (const variant of variants) {
    cumulative += variant.weight;
    if (point < cumulative) return variant.name;
  }
  // Only reachable through floating-point rounding at the very top of the range.
  return variants.findLast((variant) => variant.weight > 0)!.name;
}
