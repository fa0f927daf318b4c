/**
 * Signing: the header and claims of src/core/claims.ts as an ES256 compact JWS (RFC 7515 §7.1): the signing input
 * is the base64url of the header's JSON and of the claims' JSON, and the signature is the 64-byte r‖s of ES256
 * (RFC 7518 §3.4) over it — by node:crypto for a key in this process, by the key's own `sign` for a key held
 * elsewhere (KMS). Every test verifies the tokens with jose's `jwtVerify`.
 */
import { hash, sign as nodeSign, type KeyObject } from 'node:crypto';
import { DEFAULT_SKEW_SECONDS, buildClaims, refreshAfter, sharedRefreshAfter, type JwtHeader, type MintOptions, type MintRequest } from './claims.ts';
import { TokenVendingError } from './errors.ts';
import { KINDS, refreshWindowOf } from './kinds.ts';
import type { SharedTokens } from './shared-tokens.ts';
import type { SigningKey } from './signing-key.ts';

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
  const claimsJson = JSON.stringify(claims);
  const sign = () => signCompact(key, header, claimsJson);
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

/**
 * The compact JWS: `base64url(header JSON).base64url(claims JSON).base64url(r‖s)`. A key in this process signs with
 * node:crypto's ECDSA (`dsaEncoding: 'ieee-p1363'` gives JOSE's r‖s form), on the calling thread: ~35 µs, where
 * jose 6, which signs only through WebCrypto, took ~4 × that in WebCrypto's JavaScript and a hop to the thread pool
 * (BENCHMARKS.md, warm path). A key held elsewhere is handed the same signing input.
 */
async function signCompact(key: SigningKey, header: JwtHeader, claimsJson: string): Promise<string> {
  const signingInput = `${Buffer.from(JSON.stringify(header)).toString('base64url')}.${Buffer.from(claimsJson).toString('base64url')}`;
  const signature = key.kind === 'local' ? signLocally(key.privateKey, signingInput) : await key.sign(Buffer.from(signingInput));
  // ES256's r‖s is 64 bytes; anything else is not a P-256 signature (a key source that handed over another key).
  if (signature.length !== 64) {
    throw new TokenVendingError('internal', 'The signature has the wrong size.', { reason: `${key.kind}_signature_size:${signature.length}` });
  }
  return `${signingInput}.${Buffer.from(signature).toString('base64url')}`;
}

function signLocally(privateKey: KeyObject, signingInput: string): Buffer {
  return nodeSign('sha256', Buffer.from(signingInput), { key: privateKey, dsaEncoding: 'ieee-p1363' });
}

export function sha256Hex(value: string): string {
  return hash('sha256', value, 'hex');
}
