/**
 * Responses: JSON with `Cache-Control: no-store` (tokens must never sit in a cache), and RFC 9457 problem details
 * for errors. A problem carries the code and a short detail, never a cause, a stack or a secret.
 */
import { ERROR_CODES, type TokenVendingError } from '../core/errors.ts';

export interface ApiResponse {
  statusCode: number;
  headers: Record<string, string>;
  body: string;
}

/** Base of problem `type` URIs: stable identifiers, documented in docs/http-api.md#error-codes. */
export const PROBLEM_TYPE_BASE = 'urn:asc-token-vending:error:';

export const JSON_HEADERS: Readonly<Record<string, string>> = Object.freeze({ 'content-type': 'application/json', 'cache-control': 'no-store', 'x-content-type-options': 'nosniff' });

export function json(statusCode: number, value: unknown, headers: Record<string, string> = {}): ApiResponse {
  return {
    statusCode,
    headers: { ...JSON_HEADERS, ...headers },
    body: JSON.stringify(value),
  };
}

export function problem(error: TokenVendingError, requestId: string): ApiResponse {
  const headers: Record<string, string> = {
    'content-type': 'application/problem+json',
    'cache-control': 'no-store',
    'x-content-type-options': 'nosniff',
    ...error.headers,
  };
  if (error.retryAfter !== undefined) headers['retry-after'] = String(error.retryAfter);
  return {
    statusCode: error.status,
    headers,
    body: JSON.stringify({
      type: `${PROBLEM_TYPE_BASE}${error.code}`,
      title: ERROR_CODES[error.code].title,
      status: error.status,
      detail: error.detail,
      code: error.code,
      requestId,
    }),
  };
}
