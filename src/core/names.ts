/**
 * The names a policy gives its profiles and keys. A profile name is a path segment of `POST /v1/tokens/{profile}`
 * (IAM grants one profile by that path), so the service, its clients and the Action all check it with this rule.
 */

/** Letters, digits, `.`, `-`, `_`; at most 64; not starting with a punctuation mark. */
export const PROFILE_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;

/** Letters, digits, `-`, `_`; at most 64. */
export const KEY_NAME = /^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$/;
