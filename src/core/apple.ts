/**
 * Apple's identifiers and limits that hold across token kinds (docs/design.md#apples-rules). What differs between
 * kinds is in src/core/kinds.ts.
 */

/** Six months: the longest lifetime Apple accepts for an App Store Connect token, and only for long-lived-eligible scopes. */
export const LONG_LIVED_MAX_TTL = 15_552_000;

/**
 * The longest lifetime Apple documents for developer tokens (Sign in with Apple's client secret, MusicKit's developer
 * token): 15,777,000 s, about six months.
 */
export const DEVELOPER_TOKEN_MAX_TTL = 15_777_000;

/** Team IDs, like key IDs, are 10 upper-case alphanumerics (Membership details in the developer account). */
export const TEAM_ID_PATTERN = /^[A-Z0-9]{10}$/;

/** Apple key IDs are 10 upper-case alphanumerics in every example and every key we have seen. */
export const KEY_ID_PATTERN = /^[A-Z0-9]{10}$/;

/**
 * Issuer IDs look like UUIDs but are not always RFC 4122-valid (version/variant nibbles vary), so only the
 * 8-4-4-4-12 hex shape is checked.
 */
export const ISSUER_ID_PATTERN = /^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/;

/** Reverse-DNS bundle identifier, as App Store Connect accepts them. */
export const BUNDLE_ID_PATTERN = /^[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)+$/;
