/**
 * The service's refusals (docs/design.md#error-codes) as every client reads them — TokenClient, the CLI, the Action:
 * RFC 9457 problem details, of which only what has its shape is kept (the code and request ID as identifiers, the
 * detail as one printable line), so a hostile or broken answer cannot put a line, an escape or a workflow command
 * into anything that prints it.
 */
import { ERROR_CODE, REQUEST_ID, identifier, printable } from './text.ts';

export interface Problem {
  /** The service's code (`forbidden`, `scope_not_allowed`, …), or `http_STATUS` for an answer without one. */
  code: string;
  /** One printable line. */
  detail: string;
  requestId: string | undefined;
  /** HTTP status; 0 when no answer arrived. */
  status: number;
}

/** A non-200 answer of the service as a {@link Problem}. */
export function problemOf(response: { status: number; json: unknown }): Problem {
  const body = (typeof response.json === 'object' && response.json !== null ? response.json : {}) as { code?: unknown; detail?: unknown; requestId?: unknown };
  return {
    code: identifier(body.code, ERROR_CODE) ?? `http_${response.status}`,
    detail: typeof body.detail === 'string' ? printable(body.detail, 500) : `HTTP ${response.status} without a problem body (is the URL the asc-token-vending API?)`,
    requestId: identifier(body.requestId, REQUEST_ID),
    status: response.status,
  };
}
