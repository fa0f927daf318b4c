/**
 * Text from elsewhere (the token service, Apple) quoted back to a terminal or a CI log. One line, no control
 * characters — so no escape sequences and no new line that a CI runner would read as a workflow command
 * (`::add-mask::`, `::set-output`) — no bidirectional overrides, and a bounded length.
 */
// eslint-disable-next-line no-control-regex
const UNPRINTABLE = /[\u0000-\u001f\u007f-\u009f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]/g;

export function printable(value: string, max: number): string {
  const clean = value.replace(UNPRINTABLE, ' ');
  return clean.length > max ? `${clean.slice(0, max)}…` : clean;
}

/** An identifier from an answer (an error code, a request ID): shown only when it has its shape. */
export function identifier(value: unknown, shape: RegExp): string | undefined {
  return typeof value === 'string' && shape.test(value) ? value : undefined;
}

/** The shape of a service error `code` (`scope_not_allowed`) and of a request ID (a UUID or API Gateway's). */
export const ERROR_CODE = /^[a-z][a-z0-9_]{0,63}$/;
export const REQUEST_ID = /^[A-Za-z0-9-]{1,64}$/;
