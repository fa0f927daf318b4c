/**
 * Credentials as a strategy (in the manner of octokit's `@octokit/auth-*`): the App Store Connect client does not
 * know where tokens come from. A strategy hands it a bearer token for each call; {@link withAuth} is the request
 * hook that adds the header and, after a 401, asks the strategy once for a fresh token and retries.
 *
 * Strategies here: `vendedTokenAuth` (tokens from the asc-token-vending service, through TokenClient) and
 * `localKeyAuth` (signs with a `.p8` in this process: tests, or a developer who holds the key).
 */

export type ApiMethod = 'GET' | 'POST' | 'PATCH' | 'DELETE';

/**
 * One App Store Connect call: what the request line says, and so what a token scoped to exactly this call names.
 * `path` is absolute under the API base (`/v1/buildUploads/123`), its segments already URL-safe; `query` pairs are
 * rendered in the order given, names as written (`filter[bundleId]`), values percent-encoded.
 */
export interface ApiCall {
  method: ApiMethod;
  path: string;
  query?: ReadonlyArray<readonly [string, string]>;
}

export interface TokenOptions {
  /** The last token for this call was refused (401): give a new one, not a cached one. */
  forceRefresh?: boolean;
}

export interface AuthStrategy {
  /**
   * A bearer token good for `call` now. Strategies cache and refresh ahead of expiry as they see fit.
   * @throws whatever the token source throws (TokenClientError for vended tokens).
   */
  getToken(call: ApiCall, options?: TokenOptions): Promise<string>;
}

/** A query value as it goes on the wire and into a scope entry: percent-encoded, except `,` (Apple's list separator). */
export function encodeQueryValue(value: string): string {
  return encodeURIComponent(value)
    .replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`)
    .replace(/%2C/g, ',');
}

/** `/path?name=value&…` exactly as the request sends it. */
export function pathAndQuery(call: ApiCall): string {
  const query = (call.query ?? []).map(([name, value]) => `${name}=${encodeQueryValue(value)}`).join('&');
  return query === '' ? call.path : `${call.path}?${query}`;
}

/**
 * The scope entry naming exactly this call, as Apple matches it: `METHOD /path?query` with one space
 * (e.g. `GET /v1/apps?filter[bundleId]=com.example.app`). Apple ignores the order of query parameters and
 * `limit`, `cursor` and `sort`; the entry carries the query as sent, which matches in any case.
 */
export function scopeOf(call: ApiCall): string {
  return `${call.method} ${pathAndQuery(call)}`;
}

/** A path segment from an identifier Apple returned: only unreserved characters, never `.` or `..`. */
export function pathSegment(id: string, what: string): string {
  if (!/^[A-Za-z0-9][A-Za-z0-9_~:-]{0,199}$/.test(id)) throw new TypeError(`${what} ${JSON.stringify(id.slice(0, 60))} is not an identifier this client puts in a path`);
  return id;
}

/**
 * The request hook: send with a token for the call; on a 401, once more with a token the strategy must fetch anew.
 * A second 401 is returned to the caller (Apple refuses this key or scope, not a stale token).
 */
export async function withAuth<R extends { status: number }>(auth: AuthStrategy, call: ApiCall, send: (authorization: string) => Promise<R>): Promise<R> {
  const first = await send(`Bearer ${await auth.getToken(call)}`);
  if (first.status !== 401) return first;
  return send(`Bearer ${await auth.getToken(call, { forceRefresh: true })}`);
}

/**
 * A token the caller already has (one minted to check a key: `asc-token keys verify`): the same token for every
 * call, so a 401 comes back as Apple's answer rather than a retry with a new one.
 */
export function plainTokenAuth(token: string): AuthStrategy {
  return { getToken: async () => token };
}
