/**
 * What a token service may hand us, checked before anything is done with it. A token response ends up in places
 * where one stray character is an attack — `$GITHUB_ENV` and `$GITHUB_OUTPUT` lines, `eval "$(asc-token … --output
 * env)"`, workflow commands on stdout — so a hostile or intercepted service must not be able to smuggle a newline,
 * a `NODE_OPTIONS=…` line or a workflow command through any field. Each field must have exactly its shape; the
 * result holds only the documented fields.
 */
import { hash } from 'node:crypto';
import { KEY_ID_PATTERN } from '../core/apple.ts';
import { AUDIENCES, KINDS, KIND_NAMES, isKindName } from '../core/kinds.ts';
import { KEY_NAME, PROFILE_NAME } from '../core/names.ts';
import { printable } from './text.ts';

/** The token response (docs/design.md#the-http-api). */
export interface TokenResponse {
  token: string;
  tokenType: 'Bearer';
  /** Absent only for tokens minted offline (`asc-token mint`). */
  profile?: string;
  keyId: string;
  /** The `aud` claim; `null` for kinds whose tokens have none. */
  audience: string | null;
  scope: string[] | null;
  issuedAt: string;
  expiresAt: string;
  expiresIn: number;
  refreshAfter: string;
  tokenSha256: string;
}

/**
 * A compact JWS signed with ES256 (a few hundred characters; long-lived ones carry a scope): its signature is the
 * 64-byte r‖s, 86 base64url characters, and its header and payload decode to JSON objects, the header naming ES256.
 * Anything less would let a hostile service call any three dotted words (`com.example.app`) a token, which the
 * GitHub Action and `--output github` then mask in the job's log.
 */
const JWT = /^[A-Za-z0-9_-]{2,4096}\.[A-Za-z0-9_-]{2,16384}\.[A-Za-z0-9_-]{86}$/;
/** An ISO 8601 UTC instant as the service writes it. */
const INSTANT = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,3})?Z$/;
/** A token of some kind has no `aud` (src/core/kinds.ts): its response says `audience: null`. */
const NULL_AUDIENCE = KIND_NAMES.some((name) => KINDS[name].audience === undefined);
/** A scope entry's characters (src/core/scope.ts): printable ASCII without quotes, backslashes or controls. */
const SCOPE_ENTRY = /^[A-Z]{3,6} \/[A-Za-z0-9._~\-/?&=,:*[\]]{1,511}$/;

/** A token response that does not have the documented shape. */
export class TokenResponseError extends Error {
  override readonly name = 'TokenResponseError';
}

/**
 * Check a token response field by field.
 * @returns a new object with the documented fields only.
 * @throws TokenResponseError naming the first field that is wrong (never quoting it).
 */
export function checkTokenResponse(value: unknown): TokenResponse {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new TokenResponseError('the answer is not a JSON object');
  const v = value as Record<string, unknown>;
  const bad = (field: string, shape: string): never => {
    throw new TokenResponseError(`the answer's "${field}" is not ${shape}`);
  };
  const instant = (field: string): string => {
    const text = v[field];
    if (typeof text !== 'string' || !INSTANT.test(text) || !Number.isFinite(Date.parse(text))) bad(field, 'an ISO 8601 UTC time');
    return text as string;
  };
  if (typeof v.token !== 'string' || !JWT.test(v.token) || !isEs256Jws(v.token)) bad('token', 'a JWT');
  const token = v.token as string;
  if (v.tokenType !== 'Bearer') bad('tokenType', '"Bearer"');
  if (v.profile !== undefined && (typeof v.profile !== 'string' || !PROFILE_NAME.test(v.profile))) bad('profile', 'a profile name');
  if (typeof v.keyId !== 'string' || !KEY_ID_PATTERN.test(v.keyId)) bad('keyId', 'an App Store Connect key ID');
  if (v.audience === null ? !NULL_AUDIENCE : typeof v.audience !== 'string' || !AUDIENCES.has(v.audience)) bad('audience', 'an Apple audience');
  if (v.scope !== null && (!Array.isArray(v.scope) || v.scope.length > 50 || !v.scope.every((entry) => typeof entry === 'string' && SCOPE_ENTRY.test(entry)))) {
    bad('scope', 'null or a list of scope entries');
  }
  const issuedAt = instant('issuedAt');
  const expiresAt = instant('expiresAt');
  const refreshAfter = instant('refreshAfter');
  if (typeof v.expiresIn !== 'number' || !Number.isInteger(v.expiresIn)) bad('expiresIn', 'a whole number of seconds');
  if (typeof v.tokenSha256 !== 'string' || v.tokenSha256 !== hash('sha256', token, 'hex')) bad('tokenSha256', "the token's SHA-256");
  return {
    token,
    tokenType: 'Bearer',
    ...(v.profile === undefined ? {} : { profile: v.profile as string }),
    keyId: v.keyId as string,
    audience: v.audience as string | null,
    scope: v.scope === null ? null : [...(v.scope as string[])],
    issuedAt,
    expiresAt,
    expiresIn: v.expiresIn as number,
    refreshAfter,
    tokenSha256: v.tokenSha256 as string,
  };
}

/** A JWS's header is a JSON object naming `alg: ES256`, its payload a JSON object. */
function isEs256Jws(token: string): boolean {
  const [header, payload] = token.split('.') as [string, string];
  const object = (part: string): Record<string, unknown> | undefined => {
    try {
      const value: unknown = JSON.parse(Buffer.from(part, 'base64url').toString('utf8'));
      return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;
    } catch {
      return undefined;
    }
  };
  return object(header)?.alg === 'ES256' && object(payload) !== undefined;
}

/** `GET /v1/profiles` (docs/design.md#the-http-api): the caller as the service sees it, and the profiles it may use. */
export interface ProfilesResponse {
  caller: { principal: string; arn: string | null; session: string | null; accountId: string | null; orgId: string | null };
  /** Each profile; the fields its kind adds (e.g. `bundleId`) only when they have their shape. */
  profiles: Array<{ name: string; description: string | null; api: string; /** The key's name, or a pool's names. */ key: string | string[] | null; scope: string[] | 'any'; ttl: { default: number; max: number }; [field: string]: unknown }>;
}

const ARN_TEXT = /^arn:[A-Za-z0-9:/_+=,.@*?-]{1,2044}$/;

/** A profile's key as the answer names it: one key name, or a pool of them; anything else is not shown. */
function keyNames(value: unknown): string | string[] | null {
  if (typeof value === 'string') return KEY_NAME.test(value) ? value : null;
  return Array.isArray(value) && value.length > 0 && value.length <= 10 && value.every((name) => typeof name === 'string' && KEY_NAME.test(name)) ? [...(value as string[])] : null;
}

/**
 * Check a `/v1/profiles` answer field by field, as {@link checkTokenResponse} does a token: names, APIs and scope
 * entries must have their shapes; free text (a description, a session name) comes back as one printable line.
 * @throws TokenResponseError naming the first field that is wrong.
 */
export function checkProfilesResponse(value: unknown): ProfilesResponse {
  const bad = (field: string, shape: string): never => {
    throw new TokenResponseError(`the answer's "${field}" is not ${shape}`);
  };
  const v = (typeof value === 'object' && value !== null ? value : bad('caller', 'an object')) as Record<string, any>;
  const caller = v.caller;
  if (typeof caller !== 'object' || caller === null || typeof caller.principal !== 'string' || !ARN_TEXT.test(caller.principal)) bad('caller.principal', 'an ARN');
  const text = (x: unknown, max: number) => (typeof x === 'string' ? printable(x, max) : null);
  if (!Array.isArray(v.profiles) || v.profiles.length > 1000) bad('profiles', 'a list');
  const profiles = (v.profiles as unknown[]).map((p, i) => {
    const q = (typeof p === 'object' && p !== null ? p : bad(`profiles[${i}]`, 'an object')) as Record<string, any>;
    if (typeof q.name !== 'string' || !PROFILE_NAME.test(q.name)) bad(`profiles[${i}].name`, 'a profile name');
    if (!isKindName(q.api)) bad(`profiles[${i}].api`, 'an API');
    if (q.scope !== 'any' && (!Array.isArray(q.scope) || q.scope.length > 200 || !q.scope.every((e: unknown) => typeof e === 'string' && SCOPE_ENTRY.test(e)))) bad(`profiles[${i}].scope`, '"any" or a list of scope entries');
    if (typeof q.ttl !== 'object' || q.ttl === null || !Number.isInteger(q.ttl.default) || !Number.isInteger(q.ttl.max)) bad(`profiles[${i}].ttl`, '{ default, max } in whole seconds');
    return {
      name: q.name as string,
      description: text(q.description, 500),
      api: q.api as string,
      key: keyNames(q.key),
      scope: q.scope === 'any' ? ('any' as const) : [...(q.scope as string[])],
      ttl: { default: q.ttl.default as number, max: q.ttl.max as number },
      // The kind's own fields, each checked as the policy compiler checks it (src/core/kinds.ts).
      ...Object.fromEntries(
        KINDS[q.api as keyof typeof KINDS].profileFields.flatMap((field) => {
          const parsed = q[field.name] === undefined ? undefined : field.parse(q[field.name]);
          return parsed !== undefined && 'value' in parsed ? [[field.name, parsed.value]] : [];
        }),
      ),
    };
  });
  return {
    caller: {
      principal: caller.principal,
      arn: typeof caller.arn === 'string' && ARN_TEXT.test(caller.arn) ? caller.arn : null,
      session: text(caller.session, 128),
      accountId: typeof caller.accountId === 'string' && /^\d{12}$/.test(caller.accountId) ? caller.accountId : null,
      orgId: typeof caller.orgId === 'string' && /^o-[a-z0-9]{10,32}$/.test(caller.orgId) ? caller.orgId : null,
    },
    profiles,
  };
}
