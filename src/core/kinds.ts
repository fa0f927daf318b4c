/**
 * Apple's token kinds, as data (docs/design.md#token-kinds). One entry says everything the code needs to know about
 * tokens of a kind: its audience, whether it has `exp`, who issues it, whether it takes a scope, its lifetimes and
 * the long-lived or shared rule, and the fields a profile or a request adds to its header or claims. The policy
 * compiler, the authorisation, minting, the token response, the clients' and the Action's checks of an answer and
 * the CLI's usage text all read this table; nothing else branches on a kind's name. A new kind is one entry here
 * and its tests.
 *
 * Sources (docs/design.md#apples-rules): App Store Connect API, "Generating Tokens for API Requests"; the Enterprise
 * Program API; App Store Server API, "Generating JSON Web Tokens for API requests"; APNs, "Establishing a token-based
 * connection to APNs" (iss = Team ID, iat; a token older than an hour is refused with ExpiredProviderToken, one
 * changed more often than every 20 minutes with TooManyProviderTokenUpdates); DeviceCheck, "Accessing and modifying
 * per-device data" (the same token); Sign in with Apple, "Creating a client secret" (aud https://appleid.apple.com,
 * sub = client ID, at most 15,777,000 s); WeatherKit REST API, "Request authentication" (header id = TEAMID.SERVICEID,
 * sub = service ID); Apple Music API, "Generating Developer Tokens" (at most 15,777,000 s, optional origin).
 */
import { DEVELOPER_TOKEN_MAX_TTL, LONG_LIVED_MAX_TTL } from './apple.ts';
import { SHARED, bundleId, clientId, clientIds, origins, refreshWindow, serviceId, type ProfileField, type RequestField, type SharedRule, type TokenField } from './kind-fields.ts';
import { isLongLivedEligible } from './long-lived.ts';
import type { ScopeEntry } from './scope.ts';

export type { Parsed, ProfileField, RequestField, SharedRule, TokenField } from './kind-fields.ts';

export const KIND_NAMES = ['app-store-connect', 'enterprise', 'app-store-server', 'apns', 'devicecheck', 'sign-in-with-apple', 'weatherkit', 'musickit'] as const;
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

export interface TokenKind {
  name: KindName;
  /** What Apple calls the API or service the tokens are for. */
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
  /**
   * Seconds of `exp − iat`: the profile default when it names none, and Apple's limit for ordinary tokens. For a
   * shared kind, Apple's lifetime (neither a profile nor a request sets it).
   */
  ttl: { default: number; max: number };
  /** Longer lifetimes Apple accepts for some tokens (App Store Connect: GET-only scopes on listed resources). */
  longLived?: { max: number; eligible(scope: readonly ScopeEntry[] | null): boolean; rule: string };
  shared?: SharedRule;
  profileFields: readonly ProfileField[];
  requestFields: readonly RequestField[];
  tokenFields: readonly TokenField[];
}

const APP_STORE_CONNECT_LONG_LIVED = {
  max: LONG_LIVED_MAX_TTL,
  eligible: (scope: readonly ScopeEntry[] | null) => scope !== null && isLongLivedEligible(scope),
  rule: 'longer only for GET-only scopes on the resources Apple allows long-lived tokens for',
};

/** What the App Store Connect kinds share. */
const issuerIdKind = { exp: true, typ: true, issuer: 'issuer-id', requestFields: [] } as const;
/** What the developer-key kinds share: `iss` is the Team ID, the header has no `typ`. */
const teamIdKind = { typ: false, issuer: 'team-id', individualKeys: false, scoped: false, requestFields: [] } as const;

export const KINDS: Readonly<Record<KindName, TokenKind>> = {
  'app-store-connect': {
    ...issuerIdKind,
    name: 'app-store-connect',
    title: 'App Store Connect API',
    audience: 'appstoreconnect-v1',
    individualKeys: true,
    scoped: true,
    ttl: { default: 600, max: 1200 },
    longLived: APP_STORE_CONNECT_LONG_LIVED,
    profileFields: [],
    tokenFields: [],
  },
  enterprise: {
    ...issuerIdKind,
    name: 'enterprise',
    title: 'Enterprise Program API',
    audience: 'apple-developer-enterprise-v1',
    individualKeys: false,
    scoped: true,
    ttl: { default: 600, max: 1200 },
    profileFields: [],
    tokenFields: [],
  },
  'app-store-server': {
    ...issuerIdKind,
    name: 'app-store-server',
    title: 'App Store Server API',
    audience: 'appstoreconnect-v1',
    individualKeys: false,
    scoped: false,
    ttl: { default: 600, max: 3600 },
    profileFields: [bundleId],
    tokenFields: [{ in: 'claims', name: 'bid', from: 'bundleId', value: (fields) => fields.bundleId }],
  },
  apns: {
    ...teamIdKind,
    name: 'apns',
    title: 'Apple Push Notification service',
    audience: undefined,
    exp: false,
    ttl: { default: SHARED.lifetime, max: SHARED.lifetime },
    shared: SHARED,
    profileFields: [refreshWindow],
    tokenFields: [],
  },
  devicecheck: {
    ...teamIdKind,
    name: 'devicecheck',
    title: 'DeviceCheck',
    audience: undefined,
    exp: false,
    ttl: { default: SHARED.lifetime, max: SHARED.lifetime },
    shared: SHARED,
    profileFields: [refreshWindow],
    tokenFields: [],
  },
  'sign-in-with-apple': {
    ...teamIdKind,
    name: 'sign-in-with-apple',
    title: 'Sign in with Apple',
    audience: 'https://appleid.apple.com',
    exp: true,
    ttl: { default: 3600, max: DEVELOPER_TOKEN_MAX_TTL },
    profileFields: [clientIds],
    requestFields: [clientId],
    tokenFields: [{ in: 'claims', name: 'sub', from: 'clientId', value: (fields) => fields.clientId }],
  },
  weatherkit: {
    ...teamIdKind,
    name: 'weatherkit',
    title: 'WeatherKit REST API',
    audience: undefined,
    exp: true,
    // Apple documents no maximum; the service holds it to the other developer tokens' six months.
    ttl: { default: 3600, max: DEVELOPER_TOKEN_MAX_TTL },
    profileFields: [serviceId],
    tokenFields: [
      { in: 'header', name: 'id', from: 'serviceId', value: (fields, identity) => `${identity.teamId}.${fields.serviceId}` },
      { in: 'claims', name: 'sub', from: 'serviceId', value: (fields) => fields.serviceId },
    ],
  },
  musickit: {
    ...teamIdKind,
    name: 'musickit',
    title: 'Apple Music API (MusicKit)',
    audience: undefined,
    exp: true,
    ttl: { default: 3600, max: DEVELOPER_TOKEN_MAX_TTL },
    profileFields: [origins],
    tokenFields: [{ in: 'claims', name: 'origin', from: 'origins', value: (fields) => fields.origins }],
  },
};

export function isKindName(value: unknown): value is KindName {
  return typeof value === 'string' && Object.hasOwn(KINDS, value);
}

/** The kinds an `issuer-id` key (App Store Connect) or a `team-id` key (a developer key) serves when its entry lists no `services`. */
export function kindsIssuedBy(issuer: IssuerKind): KindName[] {
  return KIND_NAMES.filter((name) => KINDS[name].issuer === issuer);
}

/** The kinds whose profiles take a field, e.g. `app-store-server` for `bundleId`. */
export function kindsTaking(field: string): KindName[] {
  return KIND_NAMES.filter((name) => KINDS[name].profileFields.some((f) => f.name === field));
}

/** Every kind-specific profile field, each once. */
export const KIND_PROFILE_FIELDS: readonly ProfileField[] = [...new Map(KIND_NAMES.flatMap((name) => KINDS[name].profileFields.map((f) => [f.name, f] as const))).values()];

/** Every kind-specific request field, each once. */
export const KIND_REQUEST_FIELDS: readonly RequestField[] = [...new Map(KIND_NAMES.flatMap((name) => KINDS[name].requestFields.map((f) => [f.name, f] as const))).values()];

/** Every `aud` a token of some kind carries. */
export const AUDIENCES: ReadonlySet<string> = new Set(KIND_NAMES.flatMap((name) => (KINDS[name].audience === undefined ? [] : [KINDS[name].audience as string])));

/** The longest `exp − iat` a profile of this kind may allow: Apple's limit, or the long-lived one when `scope` qualifies. */
export function lifetimeLimit(kind: TokenKind, scope: readonly ScopeEntry[] | null): number {
  return kind.longLived !== undefined && kind.longLived.eligible(scope) ? kind.longLived.max : kind.ttl.max;
}

/** A shared kind's refresh window for a profile's fields (its `refreshWindow`, else the default). */
export function refreshWindowOf(kind: TokenKind, fields: Readonly<Record<string, unknown>>): number {
  return typeof fields.refreshWindow === 'number' ? fields.refreshWindow : (kind.shared?.window.default ?? 0);
}
