/**
 * The one client of the service's HTTP API (docs/design.md#the-http-api), for TokenClient, the CLI and the Action: a
 * SigV4-signed request (src/client/http.ts) with the one retry policy (src/client/retry.ts) over one service URL or
 * several (docs/design.md#two-regions): a network failure, a timeout, a 5xx or a 429 of one URL hands the request to
 * the next at once; a 4xx refusal is the answer, never failed over; when every URL failed, the round is tried again
 * after a back-off. Each request is signed for its own URL's region.
 */
import { signedRequest, type CredentialProvider, type ServiceResponse, type SignedRequest } from './http.ts';
import { userAgent } from './version.ts';
import { SERVICE_RETRY, defaultSleep, retryAfterMs, retryDelayMs, type RetryPolicy } from './retry.ts';

export interface ServiceCall {
  method: 'GET' | 'POST';
  /** Under the base, e.g. `/v1/tokens/release`. */
  path: string;
  body?: string | undefined;
}

export interface ServiceOptions {
  /** The API base URLs including the stage, in the order to try them. */
  urls: readonly string[];
  credentials: CredentialProvider;
  /** The signing region for every URL; default each URL's own (from its host), else AWS_REGION. */
  region?: string | undefined;
  userAgent: string;
  /** Rounds over the URLs (default 3). */
  attempts?: number;
  timeoutMs?: number;
  sleep?: (ms: number) => Promise<void>;
  /** Which URLs failed lately (TokenClient keeps one across requests, so a failing region is tried last). */
  health?: UrlHealth;
  now?: () => number;
}

/** What a call got, and from where. */
export interface ServiceAnswer extends ServiceResponse {
  /** The URL that answered. */
  url: string;
  /** The URLs tried before it, and why they did not answer. */
  failedOver: Array<{ url: string; reason: string }>;
}

/** No answer from any URL after the last round (DNS, refused, reset, timeout, 5xx, 429). */
export class NetworkError extends Error {
  override readonly name = 'NetworkError';
}

/**
 * URLs that failed lately: tried after the others until `downMs` has passed (default a minute), then first again
 * in their given order. A URL that answers is well again at once.
 */
export class UrlHealth {
  readonly #downUntil = new Map<string, number>();
  constructor(readonly downMs = 60_000) {}

  order(urls: readonly string[], now: number): string[] {
    const down = (url: string) => (this.#downUntil.get(url) ?? 0) > now;
    return [...urls.filter((url) => !down(url)), ...urls.filter(down)];
  }

  failed(url: string, now: number): void {
    this.#downUntil.set(url, now + this.downMs);
  }

  answered(url: string): void {
    this.#downUntil.delete(url);
  }
}

/** A 500 that no retry mends: the stored key is broken (`key_invalid`). */
const permanent = (response: ServiceResponse) => response.status === 500 && (response.json as { code?: unknown } | undefined)?.code === 'key_invalid';

/** Whether an answer is worth another URL or another round: 5xx (but `key_invalid`), and 429. */
const failing = (response: ServiceResponse) => (response.status >= 500 && !permanent(response)) || response.status === 429;

/**
 * Send one call, failing over between the URLs and retrying rounds as the policy says.
 * @returns the first answer that is not failing (a success or a refusal), else the last failing answer.
 * @throws NetworkError when no URL answered at all in any round; ServiceUrlError for a URL that is not https.
 */
export async function callService(options: ServiceOptions, call: ServiceCall): Promise<ServiceAnswer> {
  const policy: RetryPolicy = { ...SERVICE_RETRY, attempts: options.attempts ?? SERVICE_RETRY.attempts };
  const now = options.now ?? Date.now;
  const health = options.health ?? new UrlHealth();
  const sleep = options.sleep ?? defaultSleep;
  const failedOver: Array<{ url: string; reason: string }> = [];
  let last: ServiceAnswer | undefined;
  for (let round = 1; ; round++) {
    for (const url of health.order(options.urls, now())) {
      let response: ServiceResponse;
      try {
        response = await signedRequest({ ...call, baseUrl: url, credentials: options.credentials, region: options.region, userAgent: options.userAgent, ...(options.timeoutMs ? { timeoutMs: options.timeoutMs } : {}) });
      } catch (error) {
        if ((error as Error)?.name !== 'RequestFailure') throw error;
        health.failed(url, now());
        // A proxy that opened no tunnel says what it answered (src/net/tunnel.ts): `proxy_refused: the proxy answered HTTP 407`.
        failedOver.push({ url, reason: [(error as { code?: string }).code ?? 'network error', (error as { cause?: { detail?: string } }).cause?.detail].filter(Boolean).join(': ') });
        continue;
      }
      if (!failing(response)) {
        health.answered(url);
        return Object.assign(response, { url, failedOver });
      }
      health.failed(url, now());
      failedOver.push({ url, reason: `HTTP ${response.status}` });
      last = Object.assign(response, { url, failedOver });
    }
    if (round >= policy.attempts) {
      if (last !== undefined) return last;
      throw new NetworkError(`cannot reach ${options.urls.join(' or ')} (${[...new Set(failedOver.map((f) => f.reason))].join(', ')})`);
    }
    await sleep(retryDelayMs(round, policy, retryAfterMs(last?.headers.get('retry-after'))));
  }
}

export interface RetryOptions {
  /** Total attempts, first included (default 3). */
  attempts?: number;
  sleep?: (ms: number) => Promise<void>;
}

/**
 * `signedRequest` with the one retry policy (src/client/retry.ts): 429, 5xx but `key_invalid`, and network errors
 * are tried again after a back-off honouring `Retry-After`; other answers (refusals too) return at once.
 * @throws NetworkError after the last attempt fails to get any answer.
 */
export async function signedRequestWithRetry(request: SignedRequest, options: RetryOptions = {}): Promise<ServiceResponse> {
  return callService(
    {
      urls: [request.baseUrl],
      credentials: request.credentials,
      region: request.region,
      userAgent: request.userAgent ?? userAgent('cli'),
      ...(request.timeoutMs ? { timeoutMs: request.timeoutMs } : {}),
      ...(options.attempts === undefined ? {} : { attempts: options.attempts }),
      ...(options.sleep ? { sleep: options.sleep } : {}),
    },
    { method: request.method, path: request.path, body: request.body },
  );
}
