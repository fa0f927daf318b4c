/**
 * Apple's token kinds, as data (docs/design.md#token-kinds). One entry says everything the code needs to know about
 * tokens of a kind: its audience, whether it has `exp`, who issues it, whether it takes a scope, its lifetimes and
 * the long-lived rule, and the fields a profile or a request adds to its header or claims. The policy compiler, the
 * authorisation, minting, the token response, the client's and the Action's checks of an answer and the CLI's
 * usage text all read this table; nothing else branches on a kind's name. A new kind is one entry here and its
 * tests.
 *
 * Sources (docs/design.md#apples-rules): App Store Connect API, "Generating Tokens for API Requests" (header
 * alg/kid/typ; iss or, for an individual key, sub "user"; iat, exp, aud "appstoreconnect-v1"; optional scope;
 * exp − iat over 20 minutes refused for most requests); the Enterprise Program API (the same token, aud
 * "apple-developer-enterprise-v1"); App Store Server API, "Generating JSON Web Tokens for API requests" (iss, iat,
 * exp ≤ 60 minutes, aud "appstoreconnect-v1", bid; no scope).
 */
import { BUNDLE_ID_PATTERN, LONG_LIVED_MAX_TTL } from './apple.ts';
import { isLongLivedEligible } from './long-lived.ts';
import type { ScopeEntry } from './scope.ts';

export const KIND_NAMES = ['app-store-connect', 'enterprise', 'app-store-server'] as const;
export type KindName = (typeof KIND_NAMES)[number];

/** The kind a profile without `api` has. */
export const DEFAULT_KIND: KindName = 'app-store-connect';

/**
 * Who a token names as its issuer:
 * - `issuer-id`: App Store Connect keys: `iss` is the team's issuer ID; an individual key (no issuer ID) signs with
 *   `sub: "user"` instead, where the kind accepts individual keys;
 * - `team-id`: developer keys (APNs, Sign in with Apple, …): `iss` is the 10-character Team ID.
 */
export type IssuerKind = 'issuer-id' | 'team-id';

/** A compiled value, or what is wrong with the raw one (safe to show: it never quotes the value). */
export type Parsed<T> = { value: T } | { problem: string };

/** A field a profile of a kind takes besides the common ones (key, api, scope, ttl, callers, description). */
export interface ProfileField {
  /** The policy's name for it, e.g. `bundleId`. */
  name: string;
  /** `asc-token mint`'s flag for it, e.g. `bundle-id`. */
  flag: string;
  /** What to write, in usage text and problems, e.g. `BUNDLE_ID`. */
  placeholder: string;
  required: boolean;
  /** Check and compile the raw value (from YAML, from a flag or from a `/v1/profiles` answer). */
  parse(value: unknown): Parsed<unknown>;
}

/** A field the header or the claims carry, and where its value comes from. */
export interface TokenField {
  in: 'header' | 'claims';
  name: string;
  /** The profile or request field it is made from (for documentation and usage text). */
  from: string;
  /** Its value, from the profile's and the request's compiled fields. */
  value(fields: Readonly<Record<string, unknown>>): unknown;
}

export interface TokenKind {
  name: KindName;
  /** What Apple calls the API the tokens are for. */
  title: string;
  /** The `aud` claim; `undefined`: the tokens have none. */
  audience: string | undefined;
  /** Whether the tokens carry `exp` (they all carry `iat`). */
  exp: boolean;
  /** Whether the header carries `typ: "JWT"`. */
  typ: boolean;
  issuer: IssuerKind;
  /** For `issuer-id` kinds: whether an individual key (no issuer ID, `sub: "user"`) can sign them. */
  individualKeys: boolean;
  /** Whether the tokens take a `scope` claim; a kind without one takes `scope: any` (or nothing) in a profile. */
  scoped: boolean;
  /** Seconds of `exp − iat`: the profile default when it names none, and Apple's limit for ordinary tokens. */
  ttl: { default: number; max: number };
  /** Longer lifetimes Apple accepts for some tokens (App Store Connect: GET-only scopes on listed resources). */
  longLived?: { max: number; eligible(scope: readonly ScopeEntry[] | null): boolean; rule: string };
  profileFields: readonly ProfileField[];
  tokenFields: readonly TokenField[];
}

const bundleId: ProfileField = {
  name: 'bundleId',
  flag: 'bundle-id',
  placeholder: 'BUNDLE_ID',
  required: true,
  parse: (value) =>
    typeof value === 'string' && BUNDLE_ID_PATTERN.test(value) && value.length <= 155
      ? { value }
      : { problem: "the app's bundle ID (e.g. com.example.app); it becomes the bid claim" },
};

const APP_STORE_CONNECT_LONG_LIVED = {
  max: LONG_LIVED_MAX_TTL,
  eligible: (scope: readonly ScopeEntry[] | null) => scope !== null && isLongLivedEligible(scope),
  rule: 'longer only for GET-only scopes on the resources Apple allows long-lived tokens for',
};

export const KINDS: Readonly<Record<KindName, TokenKind>> = {
  'app-store-connect': {
    name: 'app-store-connect',
    title: 'App Store Connect API',
    audience: 'appstoreconnect-v1',
    exp: true,
    typ: true,
    issuer: 'issuer-id',
    individualKeys: true,
    scoped: true,
    ttl: { default: 600, max: 1200 },
    longLived: APP_STORE_CONNECT_LONG_LIVED,
    profileFields: [],
    tokenFields: [],
  },
  enterprise: {
    name: 'enterprise',
    title: 'Enterprise Program API',
    audience: 'apple-developer-enterprise-v1',
    exp: true,
    typ: true,
    issuer: 'issuer-id',
    individualKeys: false,
    scoped: true,
    ttl: { default: 600, max: 1200 },
    profileFields: [],
    tokenFields: [],
  },
  'app-store-server': {
    name: 'app-store-server',
    title: 'App Store Server API',
    audience: 'appstoreconnect-v1',
    exp: true,
    typ: true,
    issuer: 'issuer-id',
    individualKeys: false,
    scoped: false,
    ttl: { default: 600, max: 3600 },
    profileFields: [bundleId],
    tokenFields: [{ in: 'claims', name: 'bid', from: 'bundleId', value: (fields) => fields.bundleId }],
  },
};

export function isKindName(value: unknown): value is KindName {
  return typeof value === 'string' && Object.hasOwn(KINDS, value);
}

/** The kinds whose profiles take a field, e.g. `app-store-server` for `bundleId`. */
export function kindsTaking(field: string): KindName[] {
  return KIND_NAMES.filter((name) => KINDS[name].profileFields.some((f) => f.name === field));
}

/** Every kind-specific profile field name. */
export const KIND_PROFILE_FIELDS: readonly string[] = [...new Set(KIND_NAMES.flatMap((name) => KINDS[name].profileFields.map((f) => f.name)))];

/** Every `aud` a token of some kind carries. */
export const AUDIENCES: ReadonlySet<string> = new Set(KIND_NAMES.flatMap((name) => (KINDS[name].audience === undefined ? [] : [KINDS[name].audience as string])));

/** The longest `exp − iat` a profile of this kind may allow: Apple's limit, or the long-lived one when `scope` qualifies. */
export function lifetimeLimit(kind: TokenKind, scope: readonly ScopeEntry[] | null): number {
  return kind.longLived !== undefined && kind.longLived.eligible(scope) ? kind.longLived.max : kind.ttl.max;
}
