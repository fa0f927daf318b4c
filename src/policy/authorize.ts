/**
 * The decision: may this caller get this token? Pure: policy, identity and request in, a grant or a coded error
 * out. Deny by default.
 */
import { TokenVendingError } from '../core/errors.ts';
import type { CallerIdentity } from '../core/principal.ts';
import { KINDS, KIND_REQUEST_FIELDS } from '../core/kinds.ts';
import { PROFILE_NAME } from '../core/names.ts';
import { canonicalScope, scopeCovers, type ScopeEntry } from '../core/scope.ts';
import { MIN_TTL, type Policy, type Profile } from './policy.ts';

export interface TokenRequest {
  /** Parsed and syntax-checked scope entries, or undefined for "the profile's scope". */
  scope?: ScopeEntry[] | undefined;
  ttl?: number | undefined;
  /** The request's kind-specific fields (e.g. `clientId`), as sent. */
  fields?: Readonly<Record<string, unknown>> | undefined;
}

export interface Grant {
  profile: Profile;
  /** `null` for a token without a scope claim. */
  scope: ScopeEntry[] | null;
  ttl: number;
  /** The profile's kind-specific fields, and the request's resolved against them: what the token is made from. */
  fields: Readonly<Record<string, unknown>>;
}

/** Forbidden detail: one answer for no identity, unknown profile and caller not allowed (docs/design.md#error-codes). */
export const FORBIDDEN = 'You are not allowed to use this profile. Ask the platform owner to list your IAM principal in its callers.';

/**
 * @param profileName the profile as the request names it, undecoded: a name the policy could not contain (an
 * escape such as `%72elease`, which IAM sees as a different resource path than `release`) is refused as such.
 * @throws TokenVendingError `forbidden` (reason `no_identity` | `invalid_profile_name` | `unknown_profile` |
 * `caller_not_allowed`), `scope_not_allowed`, `scope_required`, `invalid_scope`, `ttl_out_of_range`.
 */
export function authorize(policy: Policy, caller: CallerIdentity | undefined, profileName: string, request: TokenRequest): Grant {
  if (caller === undefined) throw new TokenVendingError('forbidden', FORBIDDEN, { reason: 'no_identity' });
  if (!PROFILE_NAME.test(profileName)) throw new TokenVendingError('forbidden', FORBIDDEN, { reason: 'invalid_profile_name' });
  const profile = policy.profiles.get(profileName);
  if (profile === undefined) throw new TokenVendingError('forbidden', FORBIDDEN, { reason: 'unknown_profile' });
  if (!callerAllowed(profile, caller)) throw new TokenVendingError('forbidden', FORBIDDEN, { reason: 'caller_not_allowed' });
  const kind = KINDS[profile.api];
  if (kind.shared !== undefined && (request.scope !== undefined || request.ttl !== undefined)) {
    throw new TokenVendingError('invalid_request', `${kind.title} tokens take no scope and no ttl: every caller of a key shares one token per refresh window.`, { reason: 'scope_or_ttl_for_shared_kind' });
  }
  return {
    profile,
    scope: grantScope(profile, request.scope),
    ttl: kind.shared === undefined ? grantTtl(profile, request.ttl) : kind.shared.lifetime,
    fields: { ...profile.fields, ...grantFields(profile, request.fields ?? {}) },
  };
}

/** The request's kind-specific fields, resolved against the profile's (a client ID the profile lists). */
function grantFields(profile: Profile, requested: Readonly<Record<string, unknown>>): Record<string, unknown> {
  const kind = KINDS[profile.api];
  for (const field of KIND_REQUEST_FIELDS) {
    if (requested[field.name] !== undefined && !kind.requestFields.includes(field)) {
      throw new TokenVendingError('invalid_request', `${kind.title} tokens take no "${field.name}"; omit it.`, { reason: `field_for_other_kind:${field.name}` });
    }
  }
  const fields: Record<string, unknown> = {};
  for (const field of kind.requestFields) {
    const resolved = field.resolve(requested[field.name], profile.fields);
    if ('refused' in resolved) {
      throw new TokenVendingError(resolved.refused === 'not_granted' ? 'scope_not_allowed' : 'invalid_request', resolved.detail, { reason: `${field.name}_${resolved.refused}` });
    }
    fields[field.name] = resolved.value;
  }
  return fields;
}

export function callerAllowed(profile: Profile, caller: CallerIdentity): boolean {
  return profile.callers.some((matcher) => matcher.matches(caller));
}

/** The profiles a caller may use, for `GET /v1/profiles`. */
export function allowedProfiles(policy: Policy, caller: CallerIdentity | undefined): Profile[] {
  if (caller === undefined) return [];
  return [...policy.profiles.values()].filter((profile) => callerAllowed(profile, caller));
}

function grantScope(profile: Profile, requested: ScopeEntry[] | undefined): ScopeEntry[] | null {
  if (profile.scope === 'any') {
    if (requested === undefined) return null;
    const kind = KINDS[profile.api];
    if (!kind.scoped) {
      throw new TokenVendingError('invalid_scope', `${kind.title} tokens take no scope; omit it`, { reason: 'scope_for_unscoped_api' });
    }
    return requested;
  }
  const patterns = profile.scope;
  if (requested === undefined) {
    if (patterns.some((p) => p.wildcard)) {
      throw new TokenVendingError(
        'scope_required',
        `Profile "${profile.name}" grants wildcard scope entries; ask for the concrete entries you need, e.g. ${JSON.stringify(patterns.find((p) => p.wildcard)?.text.replace(/\*/g, '123'))}`,
      );
    }
    return patterns;
  }
  for (const entry of requested) {
    if (!patterns.some((pattern) => scopeCovers(pattern, entry))) {
      throw new TokenVendingError('scope_not_allowed', `Profile "${profile.name}" does not grant "${canonicalScope(entry)}"; GET /v1/profiles lists what it grants.`, {
        reason: 'scope_not_granted',
      });
    }
  }
  return requested;
}

function grantTtl(profile: Profile, requested: number | undefined): number {
  if (requested === undefined) return profile.ttl.default;
  if (!Number.isInteger(requested) || requested < MIN_TTL || requested > profile.ttl.max) {
    throw new TokenVendingError('ttl_out_of_range', `ttl must be a whole number of seconds from ${MIN_TTL} to ${profile.ttl.max} for profile "${profile.name}"`);
  }
  return requested;
}
