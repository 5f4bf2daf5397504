import { readFile } from 'node:fs/promises';
import { calculateJwkThumbprint, exportJWK, generateKeyPair, importJWK, importPKCS8, type CryptoKey, type JWK } from 'jose';
import { JwksSchema, type Jwks } from '@ai-ninja/contracts';
import type { Logger } from '@ai-ninja/service-kit';
import type { AuthStore } from '../store/tokens.store.js';

/** The key that signs user tokens, and the public keys that verify them. */
export interface SigningKeys {
  /** The id of the signing key, in each token's header and in the JWKS. */
  readonly kid: string;
  readonly privateKey: CryptoKey;
  /** Every public key that verifies tokens still in circulation, served at `/.well-known/jwks.json`. */
  readonly jwks: Jwks;
  /** Where the signing key comes from, for the log. */
  readonly source: 'file' | 'database';
}

/**
 * The signing key: read from `AUTH_PRIVATE_KEY_FILE` (PKCS#8 PEM, or a JWK in JSON) when set; otherwise the newest key
 * kept in the database, created on the first start. Replicas starting together on an empty database race on a unique
 * generation number: one inserts, the others read its key back, so every replica signs with the same key.
 * The JWKS also carries the database's other public keys, so tokens signed before a switch still verify.
 */
export async function loadSigningKeys(store: AuthStore, options: { keyFile?: string | undefined; now: () => string; logger: Logger }): Promise<SigningKeys> {
  const { logger } = options;
  if (options.keyFile) {
    const { kid, privateKey, publicJwk } = await readKeyFile(options.keyFile);
    const stored = (await store.signingKeys()).map((row) => JSON.parse(row.public_jwk) as JWK).filter((jwk) => jwk.kid !== kid);
    logger.info({ kid, file: options.keyFile }, 'user tokens are signed with the key of AUTH_PRIVATE_KEY_FILE');
    return { kid, privateKey, jwks: jwksOf([publicJwk, ...stored]), source: 'file' };
  }

  let rows = await store.signingKeys();
  if (rows.length === 0) {
    const { privateKey, publicKey } = await generateKeyPair('ES256', { extractable: true });
    const publicJwk = await exportJWK(publicKey);
    const kid = await calculateJwkThumbprint(publicJwk);
    const inserted = await store.insertSigningKey({
      kid,
      generation: 1,
      created_at: options.now(),
      private_jwk: JSON.stringify({ ...(await exportJWK(privateKey)), kid }),
      public_jwk: JSON.stringify({ ...publicJwk, kid }),
    });
    if (inserted) logger.info({ kid }, 'created the key that signs user tokens and stored it in the database (protect the database: it holds the private key)');
    else logger.info('another replica created the signing key first: using its key');
    rows = await store.signingKeys();
  }
  const newest = rows.at(-1);
  if (!newest) throw new Error('No signing key in the database after creating one');
  const privateJwk = JSON.parse(newest.private_jwk) as JWK;
  const privateKey = (await importJWK(privateJwk, 'ES256')) as CryptoKey;
  logger.info({ kid: newest.kid, generation: newest.generation, keys: rows.length }, 'user tokens are signed with the key kept in the database');
  return { kid: newest.kid, privateKey, jwks: jwksOf(rows.map((row) => JSON.parse(row.public_jwk) as JWK)), source: 'database' };
}

/** Reads an EC P-256 private key from a PEM (PKCS#8) or JWK file; its kid is the JWK's, or its RFC 7638 thumbprint. */
async function readKeyFile(file: string): Promise<{ kid: string; privateKey: CryptoKey; publicJwk: JWK }> {
  const text = (await readFile(file, 'utf8')).trim();
  let privateJwk: JWK;
  try {
    if (text.startsWith('{')) {
      privateJwk = JSON.parse(text) as JWK;
    } else {
      privateJwk = await exportJWK(await importPKCS8(text, 'ES256', { extractable: true }));
    }
  } catch (error) {
    throw new Error(`AUTH_PRIVATE_KEY_FILE (${file}) is neither a PKCS#8 PEM nor a JWK of an EC P-256 private key: ${(error as Error).message}`, { cause: error });
  }
  if (privateJwk.kty !== 'EC' || privateJwk.crv !== 'P-256' || !privateJwk.d) {
    throw new Error(`AUTH_PRIVATE_KEY_FILE (${file}) must hold an EC P-256 private key (ES256), got kty=${privateJwk.kty} crv=${privateJwk.crv}`);
  }
  const publicJwk: JWK = { kty: privateJwk.kty, crv: privateJwk.crv, x: privateJwk.x, y: privateJwk.y };
  const kid = privateJwk.kid ?? (await calculateJwkThumbprint(publicJwk));
  const privateKey = (await importJWK({ ...privateJwk, kid }, 'ES256')) as CryptoKey;
  return { kid, privateKey, publicJwk: { ...publicJwk, kid } };
}

function jwksOf(keys: readonly JWK[]): Jwks {
  return JwksSchema.parse({ keys: keys.map((jwk) => ({ kty: jwk.kty, crv: jwk.crv, x: jwk.x, y: jwk.y, kid: jwk.kid, alg: 'ES256', use: 'sig' })) });
}
