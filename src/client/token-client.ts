/**
 * TokenClient: keep Apple tokens fresh inside a Node service.
 *
 * @example
 * ```ts
 * import { TokenClient } from 'asc-token-vending/client';
 * const tokens = new TokenClient({ url: process.env.ASC_TOKEN_URL! });
 * const { token } = await tokens.getToken('testflight-readonly', { scope: ['GET /v1/builds'] });
 * await fetch('https://api.appstoreconnect.apple.com/v1/builds', { headers: { authorization: `Bearer ${token}` } });
 * ```
 */
import { defaultCredentialProvider } from './credentials.ts';
import { TokenClientError } from './errors.ts';
import type { CredentialProvider } from './http.ts';
import { UrlHealth, type ServiceAnswer } from './service.ts';
import { requestToken } from './tokens.ts';
import { serviceUrls } from './url.ts';
import type { TokenResponse as CheckedTokenResponse } from './validate.ts';
import { userAgent } from './version.ts';

export { TokenClientError };

/** The service's token response (docs/design.md#the-http-api), every field checked (src/client/validate.ts). */
export type TokenResponse = CheckedTokenResponse & {
  profile: string;
  /** The service URL that answered (one of several, when the client has more: docs/design.md#two-regions). */
  url?: string;
};

export interface TokenRequestOptions {
  /** A subset of the profile's scope; omit for the profile's own. */
  scope?: readonly string[];
  /** Seconds of `exp − iat`; omit for the profile's default. */
  ttl?: number;
  /** Sign in with Apple: the client ID the secret is for (optional when the profile has one). */
  clientId?: string;
  /**
   * Fetch a new token even if a cached one is still before its `refreshAfter` (for example after Apple answered
   * 401 to it). Concurrent forced calls still share one request; the new token replaces the cached one.
   */
  forceRefresh?: boolean;
}

export interface TokenClientOptions {
  /**
   * The API base URL including the stage (the stack's ApiBaseUrl output), or several (a list, or one string with
   * commas: one per region), tried in order: the next on a network error, a timeout, 5xx or 429, never after a
   * refusal. A URL that failed is tried after the others for a minute.
   */
  url: string | readonly string[];
  /** Defaults to the AWS default credential chain. */
  credentials?: CredentialProvider;
  /** Signing region for every URL; defaults to each URL's own, then AWS_REGION. */
  region?: string;
  /** Rounds over the URLs on 429, 5xx and network errors (default 3). */
  attempts?: number;
  now?: () => number;
  /** @internal The wait between attempts (tests make it instant). */
  sleep?: (ms: number) => Promise<void>;
}

export class TokenClient {
  readonly #options: TokenClientOptions;
  readonly #urls: string[];
  readonly #credentials: CredentialProvider;
  readonly #health = new UrlHealth();
  readonly #cache = new Map<string, { response: TokenResponse; refreshAt: number }>();
  readonly #inflight = new Map<string, Promise<TokenResponse>>();

  constructor(options: TokenClientOptions) {
    if (!options?.url || options.url.length === 0) throw new TypeError('TokenClient needs { url }: the API base URL including the stage');
    // A TypeError (ServiceUrlError) unless each is https:, or http: on loopback.
    this.#urls = serviceUrls(options.url);
    this.#options = options;
    this.#credentials = options.credentials ?? defaultCredentialProvider();
  }

  /**
   * A token for `profile`: from the cache until its `refreshAfter` (unless `forceRefresh`), otherwise fetched —
   * once, however many callers ask at the same time.
   * @throws TokenClientError with the service's code (its `hint()` says what to do).
   */
  getToken(profile: string, options: TokenRequestOptions = {}): Promise<TokenResponse> {
    const key = JSON.stringify([profile, options.scope ?? null, options.ttl ?? null, options.clientId ?? null]);
    const now = (this.#options.now ?? Date.now)();
    const cached = this.#cache.get(key);
    if (cached && now < cached.refreshAt && !options.forceRefresh) return Promise.resolve(cached.response);
    const pending = this.#inflight.get(key);
    // A forced refresh may share a request that started after the token it replaces was handed out, never an
    // older one: anything in flight now was started after the cache entry, so it is as fresh as a new request.
    if (pending) return pending;
    const request = this.#fetch(profile, options)
      .then((response) => {
        this.#cache.set(key, { response, refreshAt: Date.parse(response.refreshAfter) });
        return response;
      })
      .finally(() => this.#inflight.delete(key));
    this.#inflight.set(key, request);
    return request;
  }

  /** Forget cached tokens (for example after Apple refused one). */
  clear(): void {
    this.#cache.clear();
  }

  async #fetch(profile: string, options: TokenRequestOptions): Promise<TokenResponse> {
    const { failedOver: _failedOver, ...response }: TokenResponse & { failedOver: ServiceAnswer['failedOver'] } = await requestToken(
      {
        urls: this.#urls,
        credentials: this.#credentials,
        region: this.#options.region,
        userAgent: userAgent('client'),
        health: this.#health,
        ...(this.#options.attempts === undefined ? {} : { attempts: this.#options.attempts }),
        ...(this.#options.sleep ? { sleep: this.#options.sleep } : {}),
        ...(this.#options.now ? { now: this.#options.now } : {}),
      },
      profile,
      { scope: options.scope, ttl: options.ttl, clientId: options.clientId },
    );
    return response;
  }
}
