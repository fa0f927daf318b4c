/**
 * The one error type of the service. Every failure a caller can act on has a stable `code` (docs/design.md#error-codes), an HTTP
 * status and a short `detail` that is safe to show to the caller. `reason` is the precise cause for the audit log
 * and is never sent to the caller. Neither may ever contain key material or a whole token.
 */
export const ERROR_CODES = {
  invalid_request: { status: 400, title: 'Invalid request' },
  invalid_scope: { status: 400, title: 'Invalid scope' },
  scope_required: { status: 400, title: 'Scope required' },
  ttl_out_of_range: { status: 400, title: 'TTL out of range' },
  forbidden: { status: 403, title: 'Forbidden' },
  scope_not_allowed: { status: 403, title: 'Scope not allowed' },
  not_found: { status: 404, title: 'Not found' },
  method_not_allowed: { status: 405, title: 'Method not allowed' },
  payload_too_large: { status: 413, title: 'Payload too large' },
  unsupported_media_type: { status: 415, title: 'Unsupported media type' },
  key_invalid: { status: 500, title: 'Signing key invalid' },
  key_unavailable: { status: 503, title: 'Signing key unavailable' },
  internal: { status: 500, title: 'Internal error' },
} as const;

export type ErrorCode = keyof typeof ERROR_CODES;

export interface TokenVendingErrorOptions {
  /** Precise cause for the audit log (for example `unknown_profile`); never shown to the caller. */
  reason?: string;
  /** Seconds a client should wait before retrying (sent as `Retry-After`). */
  retryAfter?: number;
  /** Extra response headers, for example `Allow` on a 405. */
  headers?: Record<string, string>;
  cause?: unknown;
}

export class TokenVendingError extends Error {
  override readonly name = 'TokenVendingError';
  readonly code: ErrorCode;
  readonly status: number;
  readonly detail: string;
  readonly reason: string;
  readonly retryAfter: number | undefined;
  readonly headers: Record<string, string>;

  constructor(code: ErrorCode, detail: string, options: TokenVendingErrorOptions = {}) {
    super(`${code}: ${detail}`, options.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    this.status = ERROR_CODES[code].status;
    this.detail = detail;
    this.reason = options.reason ?? code;
    this.retryAfter = options.retryAfter;
    this.headers = options.headers ?? {};
  }
}

export function isTokenVendingError(value: unknown): value is TokenVendingError {
  return value instanceof TokenVendingError;
}
