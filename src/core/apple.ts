/**
 * Apple's token rules (DESIGN §2). Sources:
 * - App Store Connect API, "Generating Tokens for API Requests": header alg/kid/typ, payload iss|sub, iat, exp,
 *   aud "appstoreconnect-v1", optional scope; tokens with exp − iat over 20 minutes are refused for most requests.
 * - Enterprise Program API: the same token with aud "apple-developer-enterprise-v1".
 * - App Store Server API, "Generating JSON Web Tokens for API requests": iss, iat, exp (≤ 60 min), aud
 *   "appstoreconnect-v1", bid (the app's bundle ID); no scope.
 */

export const API_KINDS = ['app-store-connect', 'enterprise', 'app-store-server'] as const;
export type ApiKind = (typeof API_KINDS)[number];

export interface ApiRules {
  audience: string;
  /** Longest `exp − iat` Apple accepts for an ordinary token of this API, in seconds. */
  maxTtl: number;
  /** Whether tokens carry a `scope` claim. */
  scoped: boolean;
  /** Whether an individual key (no issuer ID, `sub: "user"`) can sign for this API. */
  individualKeys: boolean;
  /** Whether the token carries `bid` (bundle ID). */
  bundleId: boolean;
}

export const API_RULES: Record<ApiKind, ApiRules> = {
  'app-store-connect': { audience: 'appstoreconnect-v1', maxTtl: 1200, scoped: true, individualKeys: true, bundleId: false },
  enterprise: { audience: 'apple-developer-enterprise-v1', maxTtl: 1200, scoped: true, individualKeys: false, bundleId: false },
  'app-store-server': { audience: 'appstoreconnect-v1', maxTtl: 3600, scoped: false, individualKeys: false, bundleId: true },
};

/** Six months: the longest lifetime Apple accepts, and only for long-lived-eligible scopes. */
export const LONG_LIVED_MAX_TTL = 15_552_000;

/** Apple key IDs are 10 upper-case alphanumerics in every example and every key we have seen. */
export const KEY_ID_PATTERN = /^[A-Z0-9]{10}$/;

/**
 * Issuer IDs look like UUIDs but are not always RFC 4122-valid (version/variant nibbles vary), so only the
 * 8-4-4-4-12 hex shape is checked.
 */
export const ISSUER_ID_PATTERN = /^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/;

/** Reverse-DNS bundle identifier, as App Store Connect accepts them. */
export const BUNDLE_ID_PATTERN = /^[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)+$/;

export function isApiKind(value: unknown): value is ApiKind {
  return typeof value === 'string' && (API_KINDS as readonly string[]).includes(value);
}
