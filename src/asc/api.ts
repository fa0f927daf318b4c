/**
 * An App Store Connect API client: JSON:API requests under a base URL, a bearer token per call from an
 * {@link AuthStrategy} (one forced refresh and retry after a 401), retries with back-off on 429, 5xx and network
 * failures, and Apple's errors turned into {@link AscError}s. Not upload-specific: the upload and the notary flows
 * are built on it.
 */
import { withAuth, pathAndQuery, type ApiCall, type AuthStrategy } from './auth.ts';
import { AnswerTooLarge, readBounded } from './bounded.ts';
import { apiBaseUrl, secureBaseUrl } from './endpoint.ts';
import { AscError, type AppleError } from './errors.ts';
import { parseRateLimit, type RateLimit } from './rate-limit.ts';
import { APPLE_RETRY, defaultSleep, retryAfterMs, retryDelayMs, shouldRetry } from '../client/retry.ts';
import { outboundFetch } from '../net/outbound.ts';

export interface AppStoreConnectClientOptions {
  auth: AuthStrategy;
  /** Default `ASC_API_URL`, else `https://api.appstoreconnect.apple.com`; https only, except loopback. */
  baseUrl?: string | URL;
  /** Attempts per call on 429, 5xx and network failures (default 4). */
  attempts?: number;
  /** Per attempt (default 60 s). */
  timeoutMs?: number;
  /** Told about each retry, e.g. for progress output (a 429 says so: Apple asked the client to slow down). */
  onRetry?: (info: { call: string; attempt: number; reason: string; delayMs: number }) => void;
  /** Told the key's request budget whenever Apple states it (`X-Rate-Limit`, on every answer). */
  onRateLimit?: (limit: RateLimit) => void;
  /**
   * The path Apple serves these calls under, put before each call's path in what the auth strategy is told (and
   * so in a per-call token's scope) and in messages: `/notary/v2` for the Notary API, whose base URL ends in it.
   * Default none: App Store Connect's calls are `/v1/...` under a bare origin.
   */
  scopePrefix?: string;
  /** Who answers, in messages (default `App Store Connect`). */
  serviceName?: string;
  /** The setting that moves the base URL, named in the hint when nothing answers (default `ASC_API_URL`). */
  urlSetting?: string;
  sleep?: (ms: number) => Promise<void>;
  env?: Record<string, string | undefined>;
}

export interface RequestOptions {
  /** A JSON body (sent as `application/json`). */
  body?: unknown;
}

interface Answer {
  status: number;
  headers: Headers;
  text: string;
}

/**
 * The most of one answer that is read. Apple's largest answers here are a page of resources or a build's upload
 * operations (one presigned URL per part: well under 1 MiB for a 4 GB build); a body past this is cancelled as it
 * arrives (src/asc/bounded.ts) and the call fails with `bad_response`.
 */
export const MAX_ANSWER_BYTES = 8 * 1024 * 1024;
export { defaultSleep };

export class AppStoreConnectClient {
  readonly baseUrl: URL;
  readonly #options: AppStoreConnectClientOptions;
  readonly #sleep: (ms: number) => Promise<void>;
  #rateLimit: RateLimit | undefined;

  /** The key's request budget as Apple last stated it (`X-Rate-Limit`), if it did. */
  get rateLimit(): RateLimit | undefined {
    return this.#rateLimit;
  }

  /** @throws TypeError for a base URL that is not https (or http on loopback). */
  constructor(options: AppStoreConnectClientOptions) {
    if (!options?.auth) throw new TypeError('AppStoreConnectClient needs { auth }: an AuthStrategy such as vendedTokenAuth(...)');
    this.baseUrl = options.baseUrl === undefined ? apiBaseUrl(options.env ?? process.env) : secureBaseUrl(String(options.baseUrl), 'baseUrl');
    this.#options = options;
    this.#sleep = options.sleep ?? defaultSleep;
  }

  /**
   * Send one call and return Apple's parsed JSON (undefined for an empty answer such as 204).
   * @throws AscError `apple_refused` (4xx, after one forced token refresh for a 401), `apple_unavailable`
   * (5xx/429/network after the last attempt), `bad_response` (a 2xx that is not JSON); whatever the auth
   * strategy throws (TokenClientError for vended tokens).
   */
  async request<T = unknown>(call: ApiCall, options: RequestOptions = {}): Promise<T> {
    const target = new URL(this.baseUrl.pathname.replace(/\/+$/, '') + pathAndQuery(call), this.baseUrl);
    const named = this.#named(call);
    const label = `${named.method} ${named.path}`;
    const service = this.#options.serviceName ?? 'App Store Connect';
    const body = options.body === undefined ? undefined : JSON.stringify(options.body);
    const policy = { ...APPLE_RETRY, attempts: this.#options.attempts ?? APPLE_RETRY.attempts };
    // A call that creates something (POST) is sent again only when Apple says it did nothing (429, 503) or it
    // surely never left (src/client/retry.ts).
    const repeatable = call.method !== 'POST';
    for (let attempt = 1; ; attempt++) {
      let answer: Answer | undefined;
      let failure: unknown;
      try {
        answer = await withAuth(this.#options.auth, named, (authorization) => this.#send(target, call.method, authorization, body, `${service} answered ${label}`));
      } catch (error) {
        if (!isNetworkFailure(error)) throw error;
        failure = error;
      }
      if (answer !== undefined) this.#noteRateLimit(answer.headers);
      if (answer !== undefined && answer.status < 400) return parseJson<T>(answer, label, service);
      const retryable = shouldRetry(answer === undefined ? { networkCode: causeCode(failure) || undefined } : { status: answer.status }, repeatable);
      if (!retryable || attempt >= policy.attempts) {
        if (answer === undefined) {
          throw new AscError('apple_unavailable', `no answer from ${service} for ${label} (${causeText(failure) || (failure as Error).name})`, {
            status: 0,
            cause: failure,
            hint: `${new URL(this.baseUrl).host} did not answer. Check your network and ${isAppleHost(this.baseUrl) ? `Apple’s system status (${this.#options.urlSetting ?? 'ASC_API_URL'} points elsewhere, e.g. at \`npm start -- --with-apple\`)` : (this.#options.urlSetting ?? 'ASC_API_URL')}; then run it again.`,
          });
        }
        throw appleFailure(answer, label, service);
      }
      const delayMs = retryDelayMs(attempt, policy, retryAfterMs(answer?.headers.get('retry-after')));
      const reason = answer === undefined ? causeText(failure) || 'network error' : answer.status === 429 ? 'HTTP 429: Apple asks to slow down' : `HTTP ${answer.status}`;
      this.#options.onRetry?.({ call: label, attempt, reason, delayMs });
      await this.#sleep(delayMs);
    }
  }

  /**
   * Ask the auth strategy for this call's token now (it caches it for the call itself), so that a token service
   * that refuses, or credentials that are missing, fail before a long local step such as hashing a large file.
   * @throws whatever the strategy throws (TokenClientError for vended tokens).
   */
  async prepare(call: ApiCall): Promise<void> {
    await this.#options.auth.getToken(this.#named(call));
  }

  #noteRateLimit(headers: Headers): void {
    const limit = parseRateLimit(headers.get('x-rate-limit'));
    if (limit === undefined) return;
    this.#rateLimit = limit;
    this.#options.onRateLimit?.(limit);
  }

  /** The call as Apple names it: its path under {@link AppStoreConnectClientOptions.scopePrefix}. */
  #named(call: ApiCall): ApiCall {
    const prefix = this.#options.scopePrefix;
    return prefix ? { ...call, path: `${prefix}${call.path}` } : call;
  }

  async #send(url: URL, method: string, authorization: string, body: string | undefined, what: string): Promise<Answer> {
    const headers: Record<string, string> = { authorization, accept: 'application/json' };
    if (body !== undefined) headers['content-type'] = 'application/json';
    const response = await outboundFetch(url, { method, headers, body: body ?? null, redirect: 'error', signal: AbortSignal.timeout(this.#options.timeoutMs ?? 60_000) });
    try {
      return { status: response.status, headers: response.headers, text: await readBounded(response, MAX_ANSWER_BYTES) };
    } catch (error) {
      if (!(error instanceof AnswerTooLarge)) throw error;
      throw new AscError('bad_response', `${what} with HTTP ${response.status} and ${error.message}: more than this client reads, so it stopped reading`, {
        status: response.status,
        hint: `Check ${this.#options.urlSetting ?? 'ASC_API_URL'}: Apple's API answers with far less.`,
      });
    }
  }
}

/** Apple's own hosts (the default API and notary URLs), where "check Apple's system status" is the advice. */
function isAppleHost(url: URL): boolean {
  return url.protocol === 'https:' && (url.hostname === 'api.appstoreconnect.apple.com' || url.hostname === 'appstoreconnect.apple.com');
}

function parseJson<T>(answer: Answer, label: string, service: string): T {
  if (answer.text === '') return undefined as T;
  try {
    return JSON.parse(answer.text) as T;
  } catch {
    throw new AscError('bad_response', `${service} answered ${label} with HTTP ${answer.status} but not JSON`, { status: answer.status });
  }
}

/** Apple's JSON:API errors (`{"errors": [{status, code, title, detail}]}`) from a failed answer. */
export function appleErrorsOf(text: string): AppleError[] {
  try {
    const errors = (JSON.parse(text) as { errors?: unknown }).errors;
    if (!Array.isArray(errors)) return [];
    return errors
      .filter((e): e is Record<string, unknown> => typeof e === 'object' && e !== null)
      .map((e) => {
        const error: AppleError = { code: typeof e.code === 'string' ? e.code : 'UNKNOWN' };
        for (const field of ['status', 'title', 'detail', 'id'] as const) if (typeof e[field] === 'string') error[field] = e[field] as string;
        return error;
      });
  } catch {
    return [];
  }
}

const HINTS: Record<number, string> = {
  401: 'Apple refused the token even after a fresh one: the key may be revoked, or its role may not include this call (check the key in App Store Connect → Users and Access → Integrations).',
  403: 'The key’s App Store Connect role does not allow this call (uploading needs App Manager, Developer or Admin), or the token’s scope does not name it.',
  404: 'Check the app or resource ID, and that the key belongs to the team that owns the app.',
  409: 'Apple refused the request as it stands, often a duplicate: a build with this version and build number may exist already — raise CFBundleVersion (or pass --build).',
  429: 'Apple rate-limited the key; the CLI retried with back-off. Try again in a few minutes.',
};

function appleFailure(answer: Answer, label: string, service: string): AscError {
  const appleErrors = appleErrorsOf(answer.text);
  const unavailable = answer.status >= 500 || answer.status === 429 || answer.status === 408;
  const hint = HINTS[answer.status] ?? (unavailable ? 'App Store Connect is failing; the CLI retried with back-off. Try again later.' : undefined);
  return new AscError(unavailable ? 'apple_unavailable' : 'apple_refused', `${service} answered ${label} with HTTP ${answer.status}`, {
    status: answer.status,
    appleErrors,
    ...(hint ? { hint } : {}),
  });
}

/** fetch's failures without an answer: a TypeError with a cause (refused, reset, DNS, TLS), or its timeout. */
function isNetworkFailure(error: unknown): boolean {
  const name = (error as Error)?.name;
  return (name === 'TypeError' && (error as Error).cause !== undefined) || name === 'TimeoutError' || name === 'AbortError';
}

function causeCode(error: unknown): string {
  const cause = (error as { cause?: { code?: unknown } })?.cause;
  return typeof cause?.code === 'string' ? cause.code : (error as Error)?.name === 'TimeoutError' ? 'timeout' : '';
}

/** The code for a message; a proxy that opened no tunnel also says what it answered (src/net/tunnel.ts). */
function causeText(error: unknown): string {
  const detail = (error as { cause?: { detail?: unknown } })?.cause?.detail;
  return typeof detail === 'string' ? `${causeCode(error)}: ${detail}` : causeCode(error);
}
