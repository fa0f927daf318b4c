/**
 * Minting: claims by Apple's rules (DESIGN §2) and an ES256 signature. Pure apart from the signature: the clock
 * is passed in, nothing here touches AWS.
 */
import { hash, webcrypto, type KeyObject } from 'node:crypto';
import { CompactSign } from 'jose';
import { API_RULES, BUNDLE_ID_PATTERN, LONG_LIVED_MAX_TTL, type ApiKind } from './apple.ts';
import { TokenVendingError } from './errors.ts';
import { isLongLivedEligible } from './long-lived.ts';
import type { ScopeEntry } from './scope.ts';
import type { RemoteSigningKey, SigningKey } from './secret.ts';

export const DEFAULT_SKEW_SECONDS = 30;
export const MAX_SKEW_SECONDS = 300;

export interface MintRequest {
  api: ApiKind;
  /** `null` for a token without a scope claim. */
  scope: ScopeEntry[] | null;
  /** Seconds of `exp − iat`. */
  ttl: number;
  /** App Store Server API only: becomes `bid`. */
  bundleId?: string | undefined;
}

export interface MintOptions {
  /** Current time in milliseconds since the epoch. */
  now: number;
  /** Seconds `iat` is set back to absorb clock drift between us and Apple (DESIGN §2). */
  skew?: number;
}

// A type, not an interface: jose's header parameter type has an index signature only type literals satisfy.
export type JwtHeader = {
  alg: 'ES256';
  kid: string;
  typ: 'JWT';
};

export interface JwtClaims {
  iss?: string;
  sub?: 'user';
  iat: number;
  exp: number;
  aud: string;
  scope?: string[];
  bid?: string;
}

export interface MintedToken {
  token: string;
  keyId: string;
  audience: string;
  scope: string[] | null;
  iat: number;
  exp: number;
  /** Seconds from now until `exp`. */
  expiresIn: number;
  /** Seconds since the epoch after which a client should fetch a new token. */
  refreshAfter: number;
  tokenSha256: string;
}

/**
 * Build header and claims. `iat = now − skew`, `exp = iat + ttl`, so `exp − iat` is exactly the ttl whatever the
 * skew; `exp = now + ttl` would let a skewed token exceed Apple's limit.
 * @throws TokenVendingError `ttl_out_of_range` when Apple would refuse the lifetime; `key_invalid` when the key
 * cannot sign for this API; `invalid_scope` when the API takes no scope.
 */
export function buildClaims(key: SigningKey, request: MintRequest, options: MintOptions): { header: JwtHeader; claims: JwtClaims } {
  const rules = API_RULES[request.api];
  const skew = options.skew ?? DEFAULT_SKEW_SECONDS;
  if (!Number.isInteger(skew) || skew < 0 || skew > MAX_SKEW_SECONDS) {
    throw new RangeError(`skew must be a whole number of seconds from 0 to ${MAX_SKEW_SECONDS}`);
  }
  const { ttl } = request;
  if (!Number.isInteger(ttl) || ttl < 1) {
    throw new TokenVendingError('ttl_out_of_range', 'ttl must be a whole number of seconds, at least 1');
  }
  if (ttl <= skew) {
    // iat is set back by the skew; a ttl no longer than that would give a token that is already expired.
    throw new TokenVendingError('ttl_out_of_range', `ttl must be longer than the ${skew}-second clock-skew allowance`);
  }
  if (ttl > rules.maxTtl) {
    const longLived = request.api === 'app-store-connect' && request.scope !== null && isLongLivedEligible(request.scope);
    if (!longLived) {
      throw new TokenVendingError(
        'ttl_out_of_range',
        `ttl ${ttl} is over Apple's limit of ${rules.maxTtl} seconds for ${request.api} tokens`,
      );
    }
    if (ttl > LONG_LIVED_MAX_TTL) {
      throw new TokenVendingError('ttl_out_of_range', `ttl ${ttl} is over Apple's limit of ${LONG_LIVED_MAX_TTL} seconds (six months)`);
    }
  }
  if (!rules.scoped && request.scope !== null) {
    throw new TokenVendingError('invalid_scope', `${request.api} tokens take no scope`);
  }
  if (key.issuerId === undefined && !rules.individualKeys) {
    throw new TokenVendingError('key_invalid', `Key "${key.name}" is an individual key (no issuerId); ${request.api} needs a team key.`, {
      reason: 'individual_key_for_team_api',
    });
  }
  if (rules.bundleId && (request.bundleId === undefined || !BUNDLE_ID_PATTERN.test(request.bundleId))) {
    throw new TokenVendingError('internal', `${request.api} tokens need a bundle ID`, { reason: 'missing_bundle_id' });
  }

  const iat = Math.floor(options.now / 1000) - skew;
  const claims: JwtClaims = key.issuerId === undefined ? { sub: 'user', iat, exp: iat + ttl, aud: rules.audience } : { iss: key.issuerId, iat, exp: iat + ttl, aud: rules.audience };
  if (request.scope !== null) claims.scope = request.scope.map((entry) => entry.text);
  if (rules.bundleId) claims.bid = request.bundleId as string;
  return { header: { alg: 'ES256', kid: key.keyId, typ: 'JWT' }, claims };
}

/** A token whose signature is being computed: everything about it is known but the signature. */
export interface PendingToken extends Omit<MintedToken, 'token' | 'tokenSha256'> {
  /** The signed token, once WebCrypto has signed it (off the main thread). */
  token: Promise<string>;
}

/**
 * Build the claims and start the signature; the caller can do other work while it computes.
 * @throws TokenVendingError as {@link buildClaims}, synchronously.
 */
export function startMint(key: SigningKey, request: MintRequest, options: MintOptions): PendingToken {
  const { header, claims } = buildClaims(key, request, options);
  // jose's JWS layer signs the claims built and checked above; its JWT builder would copy, re-validate and
  // re-encode them on every request (a tenth of a warm request, BENCHMARKS.md).
  const payload = utf8.encode(JSON.stringify(claims));
  const token =
    key.kind === 'local'
      ? cryptoKeyFor(key.privateKey).then((cryptoKey) => new CompactSign(payload).setProtectedHeader(header).sign(cryptoKey))
      : signRemotely(key, header, payload);
  const nowSeconds = Math.floor(options.now / 1000);
  return {
    token,
    keyId: key.keyId,
    audience: claims.aud,
    scope: claims.scope ?? null,
    iat: claims.iat,
    exp: claims.exp,
    expiresIn: Math.max(0, claims.exp - nowSeconds),
    refreshAfter: refreshAfter(claims.iat, claims.exp, nowSeconds),
  };
}

/**
 * Mint a signed token.
 * @throws TokenVendingError as {@link buildClaims}.
 */
export async function mintToken(key: SigningKey, request: MintRequest, options: MintOptions): Promise<MintedToken> {
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

/**
 * When a client should fetch a new token: after 80 % of the lifetime (so it never presents a token that expires
 * mid-request), but never before now.
 */
export function refreshAfter(iat: number, exp: number, nowSeconds: number): number {
  return Math.max(nowSeconds, exp - Math.floor((exp - iat) / 5));
}

export function sha256Hex(value: string): string {
  return hash('sha256', value, 'hex');
}

/** The token response body of DESIGN §5 (`profile` omitted for offline mints). */
export function tokenResponse(minted: MintedToken, profile?: string) {
  return {
    token: minted.token,
    tokenType: 'Bearer' as const,
    ...(profile === undefined ? {} : { profile }),
    keyId: minted.keyId,
    audience: minted.audience,
    scope: minted.scope,
    issuedAt: isoSeconds(minted.iat),
    expiresAt: isoSeconds(minted.exp),
    expiresIn: minted.expiresIn,
    refreshAfter: isoSeconds(minted.refreshAfter),
    tokenSha256: minted.tokenSha256,
  };
}

/**
 * The token response body as JSON text, rendered before the signature is done: everything but the token and its
 * hash (which come first and last) is serialised now. The result is exactly `JSON.stringify(tokenResponse(…))`.
 */
export function renderTokenResponse(pending: Omit<MintedToken, 'token' | 'tokenSha256'>, profile?: string): (token: string, tokenSha256: string) => string {
  const { token: _token, tokenSha256: _hash, ...rest } = tokenResponse({ ...pending, token: '', tokenSha256: '' }, profile);
  const middle = JSON.stringify(rest).slice(1, -1);
  return (token, tokenSha256) => `{"token":${JSON.stringify(token)},${middle},"tokenSha256":${JSON.stringify(tokenSha256)}}`;
}

/** Seconds since the epoch as an RFC 3339 UTC timestamp without fractions, e.g. `2026-11-22T10:00:00Z`. */
export function isoSeconds(seconds: number): string {
  return new Date(seconds * 1000).toISOString().replace('.000Z', 'Z');
}
