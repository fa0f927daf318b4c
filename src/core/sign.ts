/**
 * Signing: the header and claims of src/core/claims.ts as an ES256 compact JWS, by jose's JWS layer for a key in
 * this process (WebCrypto signs on its thread pool) or by the key's own `sign` for a key held elsewhere (KMS).
 */
import { hash, webcrypto, type KeyObject } from 'node:crypto';
import { CompactSign } from 'jose';
import { DEFAULT_SKEW_SECONDS, buildClaims, refreshAfter, sharedRefreshAfter, type JwtHeader, type MintOptions, type MintRequest } from './claims.ts';
import { TokenVendingError } from './errors.ts';
import { KINDS, refreshWindowOf } from './kinds.ts';
import type { SharedTokens } from './shared-tokens.ts';
import type { RemoteSigningKey, SigningKey } from './signing-key.ts';

/** A token and what a response says of it. */
export interface MintedToken {
  token: string;
  keyId: string;
  /** The `aud` claim, `null` for kinds without one. */
  audience: string | null;
  scope: string[] | null;
  iat: number;
  /** The `exp` claim; for a kind without one, when Apple stops accepting the token (`iat` + its lifetime). */
  exp: number;
  /** Seconds from now until `exp`. */
  expiresIn: number;
  /** Seconds since the epoch after which a client should fetch a new token. */
  refreshAfter: number;
  tokenSha256: string;
}

/** A token whose signature is being computed: everything about it is known but the signature. */
export interface PendingToken extends Omit<MintedToken, 'token' | 'tokenSha256'> {
  /** The signed token, once the key has signed it (off the main thread). */
  token: Promise<string>;
}

export interface StartOptions extends MintOptions {
  /**
   * Where tokens of shared kinds (APNs, DeviceCheck) are kept for their window, so that each is signed once per key
   * and window however many callers ask (docs/design.md#shared-tokens). Without it each call signs.
   */
  shared?: SharedTokens | undefined;
}

/**
 * Build the claims and start the signature; the caller can do other work while it computes.
 * @throws TokenVendingError as {@link buildClaims}, synchronously.
 */
export function startMint(key: SigningKey, request: MintRequest, options: StartOptions): PendingToken {
  const { header, claims } = buildClaims(key, request, options);
  const kind = KINDS[request.kind];
  // jose's JWS layer signs the claims built and checked above; its JWT builder would copy, re-validate and
  // re-encode them on every request (a tenth of a warm request, BENCHMARKS.md).
  const claimsJson = JSON.stringify(claims);
  const sign = () => {
    const payload = utf8.encode(claimsJson);
    return key.kind === 'local'
      ? cryptoKeyFor(key.privateKey).then((cryptoKey) => new CompactSign(payload).setProtectedHeader(header).sign(cryptoKey))
      : signRemotely(key, header, payload);
  };
  const token = kind.shared !== undefined && options.shared !== undefined ? options.shared.get(key, claims.iat, `${JSON.stringify(header)}.${claimsJson}`, sign) : sign();
  const nowSeconds = Math.floor(options.now / 1000);
  const exp = claims.exp ?? claims.iat + (kind.shared?.lifetime ?? request.ttl);
  const refresh =
    kind.shared === undefined ? refreshAfter(claims.iat, exp, nowSeconds) : Math.max(nowSeconds, sharedRefreshAfter(claims.iat, refreshWindowOf(kind, request.fields ?? {}), options.skew ?? DEFAULT_SKEW_SECONDS));
  return {
    token,
    keyId: key.keyId,
    audience: claims.aud ?? null,
    scope: claims.scope ?? null,
    iat: claims.iat,
    exp,
    expiresIn: Math.max(0, exp - nowSeconds),
    refreshAfter: refresh,
  };
}

/**
 * Mint a signed token.
 * @throws TokenVendingError as {@link buildClaims}.
 */
export async function mintToken(key: SigningKey, request: MintRequest, options: StartOptions): Promise<MintedToken> {
  const { token: signing, ...pending } = startMint(key, request, options);
  const token = await signing;
  return { ...pending, token, tokenSha256: sha256Hex(token) };
}

const utf8 = new TextEncoder();

/**
 * The compact JWS of a key held elsewhere: the signing input is encoded here exactly as jose encodes it
 * (base64url of the header JSON and of the payload), and the key signs it.
 */
async function signRemotely(key: RemoteSigningKey, header: JwtHeader, payload: Uint8Array): Promise<string> {
  const signingInput = `${Buffer.from(JSON.stringify(header)).toString('base64url')}.${Buffer.from(payload).toString('base64url')}`;
  const signature = await key.sign(utf8.encode(signingInput));
  if (signature.length !== 64) {
    throw new TokenVendingError('internal', 'The signature has the wrong size.', { reason: `remote_signature_size:${signature.length}` });
  }
  return `${signingInput}.${Buffer.from(signature).toString('base64url')}`;
}

const cryptoKeys = new WeakMap<KeyObject, Promise<webcrypto.CryptoKey>>();

/**
 * The key as a WebCrypto CryptoKey, imported once per KeyObject (so once per secret version). jose 6 signs with
 * WebCrypto; handing it a KeyObject makes it convert the key on every signature, which cost a third of the warm
 * rate (BENCHMARKS.md).
 */
function cryptoKeyFor(privateKey: KeyObject): Promise<webcrypto.CryptoKey> {
  let key = cryptoKeys.get(privateKey);
  if (key === undefined) {
    key = webcrypto.subtle.importKey('pkcs8', privateKey.export({ format: 'der', type: 'pkcs8' }), { name: 'ECDSA', namedCurve: 'P-256' }, false, ['sign']);
    cryptoKeys.set(privateKey, key);
  }
  return key;
}

export function sha256Hex(value: string): string {
  return hash('sha256', value, 'hex');
}
