/**
 * The token response body (docs/design.md#the-http-api): what `POST /v1/tokens/{profile}` answers and
 * `asc-token mint` prints, in the shape src/client/validate.ts checks.
 */
import type { MintedToken } from '../core/sign.ts';
import type { TokenResponse } from '../client/validate.ts';

/** The token response of a minted token (`profile` omitted for offline mints). */
export function tokenResponse(minted: MintedToken, profile?: string): TokenResponse {
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
  // Field by field in tokenResponse's order, without the copies of building and spreading the object (a tenth of
  // the service's own work per warm request, BENCHMARKS.md); the timestamps need no escaping.
  const middle =
    `"tokenType":"Bearer",${profile === undefined ? '' : `"profile":${JSON.stringify(profile)},`}"keyId":${JSON.stringify(pending.keyId)},` +
    `"audience":${JSON.stringify(pending.audience)},"scope":${JSON.stringify(pending.scope)},"issuedAt":"${isoSeconds(pending.iat)}",` +
    `"expiresAt":"${isoSeconds(pending.exp)}","expiresIn":${JSON.stringify(pending.expiresIn)},"refreshAfter":"${isoSeconds(pending.refreshAfter)}"`;
  return (token, tokenSha256) => `{"token":${JSON.stringify(token)},${middle},"tokenSha256":${JSON.stringify(tokenSha256)}}`;
}

/** The last few timestamps rendered: a warm instance renders the same few seconds thousands of times. */
const isoRendered = new Map<number, string>();

/** Seconds since the epoch as an RFC 3339 UTC timestamp without fractions, e.g. `2026-11-22T10:00:00Z`. */
export function isoSeconds(seconds: number): string {
  let text = isoRendered.get(seconds);
  if (text === undefined) {
    text = new Date(seconds * 1000).toISOString().replace('.000Z', 'Z');
    if (isoRendered.size >= 64) isoRendered.clear();
    isoRendered.set(seconds, text);
  }
  return text;
}
