/**
 * A token's header and claims, by Apple's rules for its kind (docs/design.md#apples-rules, src/core/kinds.ts).
 * Pure: the clock is passed in; nothing here signs or touches AWS.
 */
import { TokenVendingError } from './errors.ts';
import { KINDS, lifetimeLimit, refreshWindowOf, type KindName, type TokenKind } from './kinds.ts';
import type { ScopeEntry } from './scope.ts';
import type { KeyIdentity } from './signing-key.ts';

export const DEFAULT_SKEW_SECONDS = 30;
export const MAX_SKEW_SECONDS = 300;

export interface MintRequest {
  kind: KindName;
  /** `null` for a token without a scope claim. */
  scope: ScopeEntry[] | null;
  /** Seconds of `exp − iat` (for a shared kind, Apple's lifetime: the request cannot choose it). */
  ttl: number;
  /** The kind's profile and request fields (src/core/kinds.ts), compiled and resolved: e.g. `bundleId`, `clientId`. */
  fields?: Readonly<Record<string, unknown>>;
}

export interface MintOptions {
  /** Current time in milliseconds since the epoch. */
  now: number;
  /** Seconds `iat` is set back to absorb clock drift between us and Apple (docs/design.md#apples-rules). */
  skew?: number;
}

// A type, not an interface: an index signature (the kinds' extra header fields, WeatherKit's `id`).
export type JwtHeader = {
  alg: 'ES256';
  kid: string;
  typ?: 'JWT';
  [field: string]: unknown;
};

export interface JwtClaims {
  iss?: string;
  sub?: string;
  iat: number;
  exp?: number;
  aud?: string;
  scope?: string[];
  [field: string]: unknown;
}

/**
 * Build header and claims. `iat = now − skew`, `exp = iat + ttl`, so `exp − iat` is exactly the ttl whatever the
 * skew; `exp = now + ttl` would let a skewed token exceed Apple's limit.
 * @throws TokenVendingError `ttl_out_of_range` when Apple would refuse the lifetime; `key_invalid` when the key
 * cannot sign for this kind; `invalid_scope` when the kind takes no scope; `internal` when a field the kind needs
 * is missing (the policy compiler makes sure it never is).
 */
export function buildClaims(key: KeyIdentity, request: MintRequest, options: MintOptions): { header: JwtHeader; claims: JwtClaims } {
  const kind = KINDS[request.kind];
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
  const limit = lifetimeLimit(kind, request.scope);
  if (ttl > limit) {
    throw new TokenVendingError(
      'ttl_out_of_range',
      limit > kind.ttl.max ? `ttl ${ttl} is over Apple's limit of ${limit} seconds (six months)` : `ttl ${ttl} is over Apple's limit of ${limit} seconds for ${kind.name} tokens`,
    );
  }
  if (!kind.scoped && request.scope !== null) {
    throw new TokenVendingError('invalid_scope', `${kind.name} tokens take no scope`);
  }
  const issuer = issuerClaims(key, kind);
  const fields = request.fields ?? {};
  for (const field of kind.profileFields) {
    if (field.required && (fields[field.name] === undefined || 'problem' in field.parse(fields[field.name]))) {
      throw new TokenVendingError('internal', `${kind.name} tokens need ${field.name}`, { reason: `missing_${field.name}` });
    }
  }

  const claims: JwtClaims = { ...issuer, iat: issuedAt(kind, fields, options.now, skew) };
  const { iat } = claims;
  if (kind.exp) claims.exp = iat + ttl;
  if (kind.audience !== undefined) claims.aud = kind.audience;
  if (request.scope !== null) claims.scope = request.scope.map((entry) => entry.text);
  const header: JwtHeader = { alg: 'ES256', kid: key.keyId };
  if (kind.typ) header.typ = 'JWT';
  for (const field of kind.tokenFields) {
    const value = field.value(fields, key);
    if (value !== undefined) (field.in === 'header' ? header : claims)[field.name] = value;
  }
  return { header, claims };
}

/**
 * `iat`: now − skew; for a shared kind, the start of the refresh window that holds now − skew, so that every
 * caller and every instance agrees on it (docs/design.md#shared-tokens).
 */
export function issuedAt(kind: TokenKind, fields: Readonly<Record<string, unknown>>, now: number, skew: number): number {
  const iat = Math.floor(now / 1000) - skew;
  if (kind.shared === undefined) return iat;
  const window = refreshWindowOf(kind, fields);
  return Math.floor(iat / window) * window;
}

/**
 * `iss` (or `sub: "user"` for an individual key) as the kind's issuer rule says.
 * @throws TokenVendingError `key_invalid` when the key cannot sign for the kind.
 */
function issuerClaims(key: KeyIdentity, kind: TokenKind): Pick<JwtClaims, 'iss' | 'sub'> {
  if (kind.issuer === 'team-id') {
    if (key.teamId !== undefined) return { iss: key.teamId };
    throw new TokenVendingError('key_invalid', `Key "${key.name}" has no teamId; ${kind.name} tokens need a developer key of its team (store {"keyId", "teamId", "privateKey"}).`, {
      reason: 'no_team_id',
    });
  }
  if (key.teamId !== undefined) {
    throw new TokenVendingError('key_invalid', `Key "${key.name}" is a developer key (teamId); ${kind.name} tokens need an App Store Connect key (issuerId).`, {
      reason: 'developer_key_for_app_store_connect',
    });
  }
  if (key.issuerId !== undefined) return { iss: key.issuerId };
  if (kind.individualKeys) return { sub: 'user' };
  throw new TokenVendingError('key_invalid', `Key "${key.name}" is an individual key (no issuerId); ${kind.name} needs a team key.`, {
    reason: 'individual_key_for_team_api',
  });
}

/**
 * When a client should fetch a new token: after 80 % of the lifetime (so it never presents a token that expires
 * mid-request), but never before now.
 */
export function refreshAfter(iat: number, exp: number, nowSeconds: number): number {
  return Math.max(nowSeconds, exp - Math.floor((exp - iat) / 5));
}

/**
 * When a holder of a shared token should fetch the next: once the next window's token exists everywhere (its `iat`
 * is the next window's start, issued from then + skew). A sender that refreshes then changes its token once per
 * window: never more often than Apple allows, never holding one older than Apple accepts.
 */
export function sharedRefreshAfter(iat: number, window: number, skew: number): number {
  return iat + window + skew;
}
