/**
 * Text from elsewhere (the token service, Apple) quoted back to a terminal or a CI log: one line, no control
 * characters, escape sequences or bidi overrides, nothing a CI runner reads as a workflow command, and a bounded
 * length. The one sanitiser is src/client/ci-text.ts.
 */
export { printable } from './ci-text.ts';

/** An identifier from an answer (an error code, a request ID): shown only when it has its shape. */
export function identifier(value: unknown, shape: RegExp): string | undefined {
  return typeof value === 'string' && shape.test(value) ? value : undefined;
}

/** The shape of a service error `code` (`scope_not_allowed`) and of a request ID (a UUID or API Gateway's). */
export const ERROR_CODE = /^[a-z][a-z0-9_]{0,63}$/;
export const REQUEST_ID = /^[A-Za-z0-9-]{1,64}$/;
