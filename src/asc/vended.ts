/**
 * The "vended token" strategy: tokens from the asc-token-vending service through {@link TokenClient} (SigV4 with
 * the caller's AWS credentials), never the key.
 *
 * Per-call scope (docs/design.md#jobs-without-the-key): when the profile has scope patterns, every call gets a token whose `scope` is
 * exactly that call (`["PATCH /v1/buildUploadFiles/123"]`), so a token that leaks from a log or a crash dump
 * can repeat one request and nothing else. An unscoped profile's token (`scope: any`) is reused until its
 * `refreshAfter`. Which kind the profile is shows in its first token: the service answers a request without a
 * scope with `scope: null` (unscoped), with the profile's list (scoped), or `scope_required` (wildcards).
 */
import type { TokenClient, TokenRequestOptions, TokenResponse } from '../client/token-client.ts';
import { scopeOf, type ApiCall, type AuthStrategy, type TokenOptions } from './auth.ts';

export type ScopeMode = 'auto' | 'per-call' | 'profile';

export interface VendedTokenAuthOptions {
  /** A TokenClient for the service (it caches each token until `refreshAfter`). */
  tokens: Pick<TokenClient, 'getToken'>;
  profile: string;
  /**
   * `auto` (default): per-call when the profile has scope patterns, found out from the first token;
   * `per-call`: always name the call; `profile`: always ask without a scope (the profile's own).
   */
  scope?: ScopeMode;
  /** Seconds of `exp − iat` to ask for; omit for the profile's default. */
  ttl?: number;
  /** Told about each token handed out (its hash and scope, never the token), e.g. for a debug log. */
  onToken?: (info: { tokenSha256: string; scope: string[] | null; expiresAt: string; call: string }) => void;
}

export interface VendedTokenAuth extends AuthStrategy {
  /** `per-call` or `profile` once known; `auto` before the first token. */
  readonly mode: ScopeMode;
}

/**
 * @example
 * ```ts
 * import { TokenClient } from 'asc-token-vending/client';
 * import { AppStoreConnectClient, vendedTokenAuth } from 'asc-token-vending/asc';
 * const auth = vendedTokenAuth({ tokens: new TokenClient({ url: process.env.ASC_TOKEN_URL! }), profile: 'testflight-upload' });
 * const asc = new AppStoreConnectClient({ auth });
 * ```
 * @throws (from getToken) TokenClientError with the service's code (`forbidden`, `scope_not_allowed`, …).
 */
export function vendedTokenAuth(options: VendedTokenAuthOptions): VendedTokenAuth {
  let mode: ScopeMode = options.scope ?? 'auto';
  let probe: Promise<TokenResponse | undefined> | undefined;
  const base: TokenRequestOptions = options.ttl === undefined ? {} : { ttl: options.ttl };

  const report = (response: TokenResponse, call: ApiCall) => {
    options.onToken?.({ tokenSha256: response.tokenSha256, scope: response.scope, expiresAt: response.expiresAt, call: scopeOf(call) });
    return response.token;
  };

  /** The first token without a scope tells the profile's kind; an unscoped one is kept (TokenClient caches it). */
  const discover = (): Promise<TokenResponse | undefined> =>
    (probe ??= options.tokens.getToken(options.profile, base).then(
      (response) => {
        mode = response.scope === null ? 'profile' : 'per-call';
        return response.scope === null ? response : undefined;
      },
      (error: unknown) => {
        // By code, not class: a TokenClient from `asc-token-vending/client` is another bundle's class.
        if ((error as { code?: unknown })?.code === 'scope_required') {
          mode = 'per-call';
          return undefined;
        }
        probe = undefined; // a failure is not an answer: the next call asks again
        throw error;
      },
    ));

  return {
    get mode() {
      return mode;
    },
    async getToken(call: ApiCall, tokenOptions: TokenOptions = {}): Promise<string> {
      if (mode === 'auto') {
        const unscoped = await discover();
        if (unscoped !== undefined && !tokenOptions.forceRefresh) return report(unscoped, call);
      }
      const request: TokenRequestOptions = { ...base, ...(tokenOptions.forceRefresh ? { forceRefresh: true } : {}) };
      if (mode === 'per-call') request.scope = [scopeOf(call)];
      return report(await options.tokens.getToken(options.profile, request), call);
    },
  };
}
