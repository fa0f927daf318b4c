/**
 * TokenClient: keep App Store Connect tokens fresh inside a Node service.
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
import { NetworkError, signedRequestWithRetry, type CredentialProvider, type ServiceResponse } from './http.ts';
import { ERROR_CODE, REQUEST_ID, identifier, printable } from './text.ts';
import { checkServiceUrl } from './url.ts';
import { TokenResponseError, checkTokenResponse, type TokenResponse as CheckedTokenResponse } from './validate.ts';
import { userAgent } from './version.ts';

/** The service's token response (docs/design.md#error-codes), every field checked (src/client/validate.ts). */
export type TokenResponse = CheckedTokenResponse & { profile: string };

export interface TokenRequestOptions {
  /** A subset of the profile's scope; omit for the profile's own. */
  scope?: readonly string[];
  /** Seconds of `exp − iat`; omit for the profile's default. */
  ttl?: number;
  /**
   * Fetch a new token even if a cached one is still before its `refreshAfter` (for example after Apple answered
   * 401 to it). Concurrent forced calls still share one request; the new token replaces the cached one.
   */
  forceRefresh?: boolean;
}

export interface TokenClientOptions {
  /** The API base URL including the stage (the stack's ApiBaseUrl output). */
  url: string;
  /** Defaults to the AWS default credential chain. */
  credentials?: CredentialProvider;
  /** Signing region; defaults to the URL's, then AWS_REGION. */
  region?: string;
  /** Attempts per request on 429, 5xx and network errors (default 3). */
  attempts?: number;
  now?: () => number;
  /** @internal The wait between attempts (tests make it instant). */
  sleep?: (ms: number) => Promise<void>;
}

/** A refusal or failure, with the service's stable `code` (docs/design.md#error-codes) to branch on. */
export class TokenClientError extends Error {
  override readonly name = 'TokenClientError';
  constructor(
    /** The service's error code (`forbidden`, `scope_not_allowed`, …), or `network` / `bad_response`. */
    readonly code: string,
    message: string,
    /** HTTP status, 0 when no answer arrived. */
    readonly status: number,
    readonly requestId?: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

export class TokenClient {
  readonly #options: TokenClientOptions;
  readonly #credentials: CredentialProvider;
  readonly #cache = new Map<string, { response: TokenResponse; refreshAt: number }>();
  readonly #inflight = new Map<string, Promise<TokenResponse>>();

  constructor(options: TokenClientOptions) {
    if (!options?.url) throw new TypeError('TokenClient needs { url }: the API base URL including the stage');
    checkServiceUrl(options.url); // a TypeError (ServiceUrlError) unless https:, or http: on loopback
    this.#options = options;
    this.#credentials = options.credentials ?? defaultCredentialProvider();
  }

  /**
   * A token for `profile`: from the cache until its `refreshAfter` (unless `forceRefresh`), otherwise fetched —
   * once, however many callers ask at the same time.
   * @throws TokenClientError with the service's code.
   */
  getToken(profile: string, options: TokenRequestOptions = {}): Promise<TokenResponse> {
    const key = JSON.stringify([profile, options.scope ?? null, options.ttl ?? null]);
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
    const body: { scope?: readonly string[]; ttl?: number } = {};
    if (options.scope !== undefined) body.scope = options.scope;
    if (options.ttl !== undefined) body.ttl = options.ttl;
    let response: ServiceResponse;
    try {
      response = await signedRequestWithRetry(
        {
          method: 'POST',
          baseUrl: this.#options.url,
          path: `/v1/tokens/${encodeURIComponent(profile)}`,
          body: Object.keys(body).length > 0 ? JSON.stringify(body) : undefined,
          credentials: this.#credentials,
          region: this.#options.region,
          userAgent: userAgent('client'),
        },
        { attempts: this.#options.attempts ?? 3, sleep: this.#options.sleep },
      );
    } catch (error) {
      if (error instanceof NetworkError) throw new TokenClientError('network', error.message, 0, undefined, { cause: error });
      throw error;
    }
    if (response.status !== 200) {
      // Only what has its shape: the code and request ID as identifiers, the detail as one printable line.
      const problem = (response.json ?? {}) as { code?: unknown; detail?: unknown; requestId?: unknown };
      const detail = typeof problem.detail === 'string' ? printable(problem.detail, 500) : `HTTP ${response.status}`;
      throw new TokenClientError(identifier(problem.code, ERROR_CODE) ?? `http_${response.status}`, detail, response.status, identifier(problem.requestId, REQUEST_ID));
    }
    try {
      const checked = checkTokenResponse(response.json);
      if (checked.profile !== undefined) return checked as TokenResponse;
      throw new TokenResponseError('the answer has no "profile"');
    } catch (error) {
      if (error instanceof TokenResponseError) throw new TokenClientError('bad_response', `refused the service's answer: ${error.message}`, 200, undefined, { cause: error });
      throw error;
    }
  }
}
