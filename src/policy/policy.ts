/**
 * The policy (docs/design.md#the-policy): which keys exist and who may get which token. Parsed and validated once —
 * every problem listed, unknown fields refused — then compiled so that `authorize()` is a pure function. What a key
 * entry takes is its source's (src/key-sources/registry.ts); what a profile takes beyond the common fields is its
 * kind's (src/core/kinds.ts).
 */
import { DEFAULT_KIND, KINDS, KIND_NAMES, KIND_PROFILE_FIELDS, isKindName, kindsTaking, lifetimeLimit, type KindName } from '../core/kinds.ts';
import { PROFILE_NAME } from '../core/names.ts';
import { parseScopeEntry, type ScopeEntry } from '../core/scope.ts';
import type { PolicyKey } from '../key-sources/registry.ts';
import { compileKeys, compilePool } from './keys.ts';
import { compileCaller, type CallerMatcher } from './callers.ts';

export type { PolicyKey } from '../key-sources/registry.ts';
export type { CallerMatcher } from './callers.ts';

export interface Profile {
  name: string;
  description: string | undefined;
  /**
   * The key that signs its tokens, or a pool of keys of the same team that share the work (`key: [a, b, c]`): each
   * token from the one that issued fewest in the last hour (docs/design.md#key-pools).
   */
  keys: readonly PolicyKey[];
  /** The token kind (the policy's `api`). */
  api: KindName;
  /** `'any'`: a token without a scope claim (everything the key's role allows). */
  scope: ScopeEntry[] | 'any';
  ttl: { default: number; max: number };
  /** The kind's own profile fields, compiled (e.g. `bundleId`). */
  fields: Readonly<Record<string, unknown>>;
  callers: CallerMatcher[];
  /** True when the profile may mint tokens over Apple's ordinary limit (the kind's long-lived rule holds). */
  longLived: boolean;
}

export interface Policy {
  version: 1;
  keys: Map<string, PolicyKey>;
  profiles: Map<string, Profile>;
}

export class PolicyError extends Error {
  override readonly name = 'PolicyError';
  constructor(
    readonly source: string,
    readonly problems: string[],
  ) {
    super(`${source}: the policy has ${problems.length} problem${problems.length === 1 ? '' : 's'}:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
  }
}

/** Shortest lifetime a caller may ask for: a token must outlive the request that uses it. */
export const MIN_TTL = 60;

export { PROFILE_NAME };
export { MAX_POOL, compileKeys } from './keys.ts';

const TOP_FIELDS = new Set(['version', 'keys', 'profiles']);
const COMMON_PROFILE_FIELDS = ['key', 'api', 'scope', 'ttl', 'callers', 'description'];
const PROFILE_FIELDS = new Set([...COMMON_PROFILE_FIELDS.slice(0, 4), ...KIND_PROFILE_FIELDS.map((f) => f.name), ...COMMON_PROFILE_FIELDS.slice(4)]);
const TTL_FIELDS = new Set(['default', 'max']);

type Obj = Record<string, unknown>;
const isObject = (value: unknown): value is Obj => typeof value === 'object' && value !== null && !Array.isArray(value);

/**
 * Validate and compile a parsed policy document.
 * @throws PolicyError listing every problem found.
 */
export function compilePolicy(document: unknown, source = 'policy'): Policy {
  const problems: string[] = [];
  const problem = (path: string, text: string) => problems.push(`${path}: ${text}`);
  if (!isObject(document)) throw new PolicyError(source, ['the document must be a mapping with version, keys and profiles']);
  for (const field of Object.keys(document)) if (!TOP_FIELDS.has(field)) problem(field, 'unknown field (expected version, keys, profiles)');
  if (document.version !== 1) problem('version', 'must be 1');

  const { keys, brokenKeys } = compileKeys(document.keys, problem);

  const profiles = new Map<string, Profile>();
  if (!isObject(document.profiles) || Object.keys(document.profiles).length === 0) {
    problem('profiles', 'must define at least one profile');
  } else {
    for (const [name, value] of Object.entries(document.profiles)) {
      const compiled = compileProfile(name, value, keys, brokenKeys, (field, text) => problem(field ? `profiles.${name}.${field}` : `profiles.${name}`, text));
      if (compiled) profiles.set(name, compiled);
    }
  }
  if (problems.length > 0) throw new PolicyError(source, problems);
  return { version: 1, keys, profiles };
}

function compileProfile(name: string, value: unknown, keys: Map<string, PolicyKey>, brokenKeys: ReadonlySet<string>, report: (field: string, text: string) => void): Profile | undefined {
  if (!PROFILE_NAME.test(name)) report('', 'profile names are letters, digits, ".", "-" and "_" (at most 64), as they appear in URL paths');
  if (!isObject(value)) {
    report('', 'must be a mapping with key, scope and callers');
    return undefined;
  }
  for (const field of Object.keys(value)) {
    if (!PROFILE_FIELDS.has(field)) report(field, `unknown field (expected ${[...PROFILE_FIELDS].join(', ')})`);
  }

  const pool = compilePool(value.key, keys, brokenKeys, report);

  const apiValue = value.api ?? DEFAULT_KIND;
  const api: KindName = isKindName(apiValue) ? apiValue : DEFAULT_KIND;
  if (!isKindName(apiValue)) report('api', `must be ${KIND_NAMES.slice(0, -1).join(', ')} or ${KIND_NAMES.at(-1)}`);
  const kind = KINDS[api];

  const scope = compileScope(api, value.scope, report);
  const ttl = compileTtl(api, scope, value.ttl, report);

  const fields: Record<string, unknown> = {};
  for (const field of kind.profileFields) {
    const raw = value[field.name];
    if (raw === undefined) {
      if (field.required) report(field.name, `${api} profiles need ${describeField(field.name, api)}`);
      continue;
    }
    const parsed = field.parse(raw);
    if ('problem' in parsed) report(field.name, `${api} profiles need ${parsed.problem}`);
    else fields[field.name] = parsed.value;
  }
  for (const { name: field } of KIND_PROFILE_FIELDS) {
    if (value[field] !== undefined && !kind.profileFields.some((f) => f.name === field)) report(field, `only ${kindsTaking(field).join(', ')} profiles take ${field}`);
  }
  for (const key of pool ?? []) {
    if (key.services !== undefined && !key.services.includes(api)) {
      report('api', `key ${key.name} does not sign ${api} tokens: it serves ${key.services.join(', ')} (its services${key.issuer === undefined ? '' : ', or what its issuer signs'})`);
    }
  }

  let description: string | undefined;
  if (value.description !== undefined) {
    if (typeof value.description !== 'string' || value.description.length > 500) report('description', 'must be a string of at most 500 characters');
    else description = value.description;
  }

  const callers: CallerMatcher[] = [];
  if (!Array.isArray(value.callers) || value.callers.length === 0) {
    report('callers', 'must list at least one caller (an IAM ARN pattern, account:ID or org:ID)');
  } else {
    value.callers.forEach((raw, index) => {
      const matcher = compileCaller(raw);
      if (typeof matcher === 'string') report(`callers[${index}]`, matcher);
      else callers.push(matcher);
    });
  }

  // A profile with problems is never used: compilePolicy throws when any were reported.
  if (pool === undefined) return undefined;
  return { name, description, keys: pool, api, scope, ttl, fields, callers, longLived: ttl.max > kind.ttl.max };
}

/** What a missing field's problem says: the same text as a malformed one's. */
function describeField(field: string, api: KindName): string {
  const spec = KINDS[api].profileFields.find((f) => f.name === field);
  const parsed = spec?.parse(undefined);
  return parsed !== undefined && 'problem' in parsed ? parsed.problem : field;
}

function compileScope(api: KindName, value: unknown, report: (field: string, text: string) => void): ScopeEntry[] | 'any' {
  const kind = KINDS[api];
  if (value === 'any') return 'any';
  if (!kind.scoped && value === undefined) return 'any';
  if (Array.isArray(value) && value.length > 0) {
    if (!kind.scoped) report('scope', `${api} tokens take no scope; write "scope: any" or leave it out`);
    const entries: ScopeEntry[] = [];
    value.forEach((raw, index) => {
      const parsed = parseScopeEntry(raw, { allowWildcards: true });
      if (typeof parsed === 'string') report(`scope[${index}]`, parsed);
      else entries.push(parsed);
    });
    return entries;
  }
  report('scope', 'must be a non-empty list of scope entries ("GET /v1/builds"), or "any" for a token without a scope');
  return 'any';
}

function compileTtl(api: KindName, scope: ScopeEntry[] | 'any', value: unknown, report: (field: string, text: string) => void): { default: number; max: number } {
  const kind = KINDS[api];
  const limit = lifetimeLimit(kind, scope === 'any' ? null : scope);
  let max = kind.ttl.max;
  if (value === undefined) return { default: Math.min(kind.ttl.default, max), max };
  if (kind.shared !== undefined) {
    report('ttl', `${api} tokens take no ttl: every caller of a key shares one token per refreshWindow, and Apple accepts it for ${kind.shared.lifetime} s`);
    return { default: kind.ttl.default, max };
  }
  if (!isObject(value)) {
    report('ttl', 'must be { default: SECONDS, max: SECONDS }');
    return { default: Math.min(kind.ttl.default, max), max };
  }
  for (const field of Object.keys(value)) if (!TTL_FIELDS.has(field)) report(`ttl.${field}`, 'unknown field (expected default, max)');
  const wholeSeconds = (field: 'default' | 'max'): number | undefined => {
    const v = value[field];
    if (v === undefined) return undefined;
    if (!Number.isInteger(v) || (v as number) < MIN_TTL) {
      report(`ttl.${field}`, `must be a whole number of seconds, at least ${MIN_TTL}`);
      return undefined;
    }
    return v as number;
  };
  const givenMax = wholeSeconds('max');
  const givenDefault = wholeSeconds('default');
  if (givenMax !== undefined) {
    if (givenMax > limit) {
      report(
        'ttl.max',
        limit > kind.ttl.max
          ? `${givenMax} is over Apple's six-month limit (${limit})`
          : `${givenMax} is over Apple's limit of ${kind.ttl.max} seconds for ${api} tokens${kind.longLived ? ` (${kind.longLived.rule})` : ''}`,
      );
    }
    max = givenMax;
  }
  const def = givenDefault ?? Math.min(kind.ttl.default, max);
  if (def > max) report('ttl.default', `${def} is more than ttl.max (${max})`);
  return { default: def, max };
}
