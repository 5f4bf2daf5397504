import { Secret, TOTP } from 'otpauth';

/** TOTP as authenticator apps expect it (RFC 6238): SHA-1, 6 digits, 30-second steps. */
const PERIOD_S = 30;

function totpOf(secret: string, issuer = 'AI-Ninja', label = 'account'): TOTP {
  return new TOTP({ issuer, label, secret: Secret.fromBase32(secret), algorithm: 'SHA1', digits: 6, period: PERIOD_S });
}

/** A new random secret (160 bits), in base32. */
export function newTotpSecret(): string {
  return new Secret({ size: 20 }).base32;
}

/** The `otpauth://totp/...` URI of a secret, for a QR code. */
export function totpUri(secret: string, issuer: string, account: string): string {
  return totpOf(secret, issuer, account).toString();
}

/**
 * The time step of `code` when it is valid at `timestamp` (one step of clock drift either way is allowed), or
 * undefined. Callers keep the last step accepted and refuse any step not later than it, so a code works once.
 */
export function totpStep(secret: string, code: string, timestamp: number): number | undefined {
  const delta = totpOf(secret).validate({ token: code, timestamp, window: 1 });
  return delta === null ? undefined : TOTP.counter({ period: PERIOD_S, timestamp }) + delta;
}

/** The code of `secret` at `timestamp` (tests, and nothing else, play the authenticator app with it). */
export function totpCode(secret: string, timestamp: number): string {
  return totpOf(secret).generate({ timestamp });
}
