/**
 * The mint request body: optional JSON `{"scope": [..], "ttl": seconds}` and the kinds' request fields
 * (`"clientId"` for Sign in with Apple: src/core/kinds.ts), at most 8 KiB, unknown fields refused.
 */
import { TokenVendingError } from '../core/errors.ts';
import { KIND_REQUEST_FIELDS } from '../core/kinds.ts';
import { parseRequestedScope } from '../core/scope.ts';
import type { TokenRequest } from '../policy/authorize.ts';
import type { ApiRequest } from './event.ts';

export const MAX_BODY_BYTES = 8192;
const FIELDS = new Set(['scope', 'ttl', ...KIND_REQUEST_FIELDS.map((field) => field.name)]);
const TAKES = [...FIELDS].map((field) => `"${field}"`).join(', ').replace(/, ([^,]*)$/, ' and $1');
const utf8 = new TextDecoder('utf-8', { fatal: true });

/** @throws TokenVendingError `payload_too_large`, `unsupported_media_type`, `invalid_request`, `invalid_scope`. */
export function parseTokenBody(request: ApiRequest): TokenRequest {
  if (request.bodyError === 'base64') throw new TokenVendingError('invalid_request', 'The body is marked base64 but does not decode.');
  const body = request.body ?? Buffer.alloc(0);
  if (body.length > MAX_BODY_BYTES) {
    throw new TokenVendingError('payload_too_large', `The body is ${body.length} bytes; at most ${MAX_BODY_BYTES} are accepted.`);
  }
  const { contentType } = request;
  if (body.length === 0) return {};
  if (contentType !== undefined && !/^application\/([a-z0-9.+-]+\+)?json\s*(;|$)/i.test(contentType.trim())) {
    throw new TokenVendingError('unsupported_media_type', 'Send the body as application/json (curl: -H "content-type: application/json").');
  }
  let text: string;
  try {
    text = utf8.decode(body);
  } catch {
    throw new TokenVendingError('invalid_request', 'The body is not valid UTF-8.');
  }
  if (text.trim() === '') return {};
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new TokenVendingError('invalid_request', 'The body is not valid JSON; send {"scope": [...], "ttl": seconds} or nothing.');
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new TokenVendingError('invalid_request', 'The body must be a JSON object: {"scope": [...], "ttl": seconds}.');
  }
  const record = value as Record<string, unknown>;
  for (const field of Object.keys(record)) {
    if (!FIELDS.has(field)) {
      const shown = field.replace(/[^\x20-\x7e]/g, '?').slice(0, 40);
      throw new TokenVendingError('invalid_request', `Unknown field "${shown}"; the body takes only ${TAKES}.`);
    }
  }
  const result: TokenRequest = {};
  if (record.scope !== undefined && record.scope !== null) {
    if (!Array.isArray(record.scope) || !record.scope.every((entry) => typeof entry === 'string')) {
      throw new TokenVendingError('invalid_request', 'scope must be a list of strings such as "GET /v1/apps".');
    }
    result.scope = parseRequestedScope(record.scope);
  }
  if (record.ttl !== undefined && record.ttl !== null) {
    if (typeof record.ttl !== 'number' || !Number.isFinite(record.ttl)) {
      throw new TokenVendingError('invalid_request', 'ttl must be a number of seconds.');
    }
    result.ttl = record.ttl;
  }
  const fields: Record<string, string> = {};
  for (const { name } of KIND_REQUEST_FIELDS) {
    const value = record[name];
    if (value === undefined || value === null) continue;
    if (typeof value !== 'string' || value.length === 0 || value.length > 255) throw new TokenVendingError('invalid_request', `${name} must be a string of 1 to 255 characters.`);
    fields[name] = value;
  }
  if (Object.keys(fields).length > 0) result.fields = fields;
  return result;
}
