/**
 * One retry policy for every HTTP exchange the package makes (docs/design.md#reliability): the token service, Apple's
 * APIs, the upload's parts, the notary log. What is retried is the same everywhere — no answer at all, 408, 429 and
 * the 5xx that mean "try again" — and so is how long to wait: exponential back-off with jitter, or what `Retry-After`
 * says (seconds or an HTTP date), within a cap. Each caller says how many attempts it makes and whether its request
 * may be sent twice; the transport stays the caller's (node:http for the token service, fetch for Apple, streams for
 * the parts).
 */

export interface RetryPolicy {
  /** Attempts in all, the first included. */
  attempts: number;
  /** The back-off before the second attempt (doubling after each failure, up to `capMs`). */
  baseMs: number;
  capMs: number;
  /** The longest `Retry-After` honoured; a longer one is cut to this. */
  retryAfterCapMs: number;
}

/** The token service: a few quick tries (its 503 `key_unavailable` says when to come back). */
export const SERVICE_RETRY: RetryPolicy = { attempts: 3, baseMs: 400, capMs: 2000, retryAfterCapMs: 10_000 };
/** Apple's APIs: patient, Apple asks for it (429 with Retry-After, 503 during incidents). */
export const APPLE_RETRY: RetryPolicy = { attempts: 4, baseMs: 1000, capMs: 20_000, retryAfterCapMs: 60_000 };

/** The parts of an upload: each part alone, a few more tries (a large build has many parts to lose one of). */
export const TRANSFER_RETRY: RetryPolicy = { attempts: 5, baseMs: 1000, capMs: 30_000, retryAfterCapMs: 60_000 };

/** Answers that say "not now" rather than "no". */
const RETRYABLE_STATUS = new Set([408, 429, 500, 502, 503, 504]);

export function isRetryableStatus(status: number): boolean {
  return RETRYABLE_STATUS.has(status);
}

/**
 * Network errors after which the request surely never reached the server (nothing was sent), so that even a request
 * that must not run twice may be sent again.
 */
const NOT_SENT = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'ENETUNREACH', 'EHOSTUNREACH', 'UND_ERR_CONNECT_TIMEOUT', 'ERR_TLS_CERT_ALTNAME_INVALID', 'proxy_refused']);

export function neverSent(code: string | undefined): boolean {
  return code !== undefined && NOT_SENT.has(code);
}

/**
 * Whether an exchange that failed may be tried again.
 * @param repeatable whether the request may run twice (GET, PUT of a part, a mint); a POST that creates something is
 * sent again only when the server said it did nothing (429, 503) or the request never left.
 */
export function shouldRetry(outcome: { status: number } | { networkCode: string | undefined }, repeatable: boolean): boolean {
  if ('status' in outcome) return isRetryableStatus(outcome.status) && (repeatable || outcome.status === 429 || outcome.status === 503);
  return repeatable || neverSent(outcome.networkCode);
}

/**
 * `Retry-After` in milliseconds: delta-seconds or an HTTP date (RFC 9110 §10.2.3); undefined when absent or not one
 * of those.
 */
export function retryAfterMs(value: string | null | undefined, now: number = Date.now()): number | undefined {
  if (value === null || value === undefined) return undefined;
  const text = value.trim();
  if (/^\d{1,9}$/.test(text)) return Number(text) * 1000;
  if (!/^[A-Za-z]{3}, \d{2} [A-Za-z]{3} \d{4} \d{2}:\d{2}:\d{2} GMT$/.test(text)) return undefined;
  const at = Date.parse(text);
  return Number.isFinite(at) ? Math.max(0, at - now) : undefined;
}

/**
 * How long to wait before attempt `attempt + 1` after attempt `attempt` failed: what the server asked for (within
 * the cap), else `baseMs × 2^(attempt − 1)` (within `capMs`) with "equal jitter" — half fixed, half random — so that
 * many clients that failed together do not come back together, and none comes back at once.
 */
export function retryDelayMs(attempt: number, policy: RetryPolicy, retryAfter?: number, random: () => number = Math.random): number {
  if (retryAfter !== undefined) return Math.min(retryAfter, policy.retryAfterCapMs);
  const ceiling = Math.min(policy.baseMs * 2 ** (attempt - 1), policy.capMs);
  return Math.round(ceiling / 2 + (random() * ceiling) / 2);
}

export const defaultSleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));
