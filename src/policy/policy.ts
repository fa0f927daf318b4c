/**
 * The policy (DESIGN §4): which keys exist and who may get which token. Parsed and validated once — every
 * problem listed, unknown fields refused — then compiled to matchers so that `authorize()` is a pure function.
 */
import { API_RULES, BUNDLE_ID_PATTERN, ISSUER_ID_PATTERN, KEY_ID_PATTERN, LONG_LIVED_MAX_TTL, isApiKind, type ApiKind } from '../core/apple.ts';
import { isLongLivedEligible } from '../core/long-lived.ts';
import type { CallerIdentity } from '../core/principal.ts';
import { parseScopeEntry, type ScopeEntry } from '../core/scope.ts';

/** A key whose `.p8` is in a Secrets Manager secret (DESIGN §3): the secret's JSON names its key and issuer IDs. */
export interface SecretsManagerPolicyKey {
  name: string;
  source: 'secretsmanager';
  /** Secret name or ARN. */
  secretId: string;
  kmsKeyId?: never;
}

/**
 * A key imported into AWS KMS (DESIGN §12): the private key never leaves KMS, so the policy says who it is.
 * `keyId`/`issuerId` are the token's `kid`/`iss` unless the KMS key carries the tags `asc-token keys import` writes
 * (src/keys/kms.ts), which win so that moving an alias to a newly imported key needs no deploy.
 */
export interface KmsPolicyKey {
  name: string;
  source: 'kms';
  /** Key ID, key ARN, alias name (`alias/…`) or alias ARN. */
  kmsKeyId: string;
  keyId: string;
  /** `undefined`: an individual key (`individual: true`). */
  issuerId: string | undefined;
  secretId?: never;
}

export type PolicyKey = SecretsManagerPolicyKey | KmsPolicyKey;

export interface CallerMatcher {
  /** The pattern as written in the policy. */
  text: string;
  matches(caller: Pick<CallerIdentity, 'principal' | 'accountId' | 'orgId' | 'partition' | 'cognito'>): boolean;
}

export interface Profile {
  name: string;
  description: string | undefined;
  key: PolicyKey;
  api: ApiKind;
  /** `'any'`: a token without a scope claim (everything the key's role allows). */
  scope: ScopeEntry[] | 'any';
  ttl: { default: number; max: number };
  bundleId: string | undefined;
  callers: CallerMatcher[];
  /** True when the profile may mint tokens over Apple's 20-minute limit (Apple's long-lived conditions hold). */
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

/** Default lifetime when a profile gives none: ten minutes, or the profile's maximum if lower. */
export const DEFAULT_TTL = 600;
/** Shortest lifetime a caller may ask for: a token must outlive the request that uses it. */
export const MIN_TTL = 60;

const KEY_NAME = /^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$/;
export const PROFILE_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;
const SECRET_ID = /^([A-Za-z0-9/_+=.@-]{1,512}|arn:aws[a-z-]*:secretsmanager:[a-z0-9-]+:[0-9]{12}:secret:[A-Za-z0-9/_+=.@-]+)$/;
const PARTITION = '(aws|aws-cn|aws-us-gov|aws-iso|aws-iso-[a-z]|aws-eusc)';
/** A KMS key ID: a UUID, or `mrk-` and 32 hex digits for a multi-Region key. */
const KMS_KEY = '(?:[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}|mrk-[0-9a-f]{32})';
/** An alias name after `alias/` (KMS allows 256 characters in all). */
const KMS_ALIAS = 'alias/[A-Za-z0-9/_-]{1,250}';
const KMS_KEY_ID = new RegExp(`^(?:${KMS_KEY}|${KMS_ALIAS}|arn:${PARTITION}:kms:[a-z]{2}(?:-[a-z]+)+-[0-9]:[0-9]{12}:(?:key/${KMS_KEY}|${KMS_ALIAS}))$`);
/** AWS managed keys' aliases: symmetric keys KMS made, never an imported signing key. */
const AWS_MANAGED_ALIAS = /(^|:)alias\/aws\//;
/** `account:ID` (partition `aws`) or `account:PARTITION:ID`; the same for `org:`. */
const ACCOUNT_CALLER = new RegExp(`^account:(?:${PARTITION}:)?([0-9]{12})$`);
const ORG_CALLER = new RegExp(`^org:(?:${PARTITION}:)?(o-[a-z0-9]{10,32})$`);
/** Cognito identity pools (`REGION:UUID`): only these entries match callers with identity-pool credentials. */
const COGNITO_CALLER = /^cognito-(authenticated|unauthenticated):([a-z]{2}(?:-[a-z]+)+-[0-9]:[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})$/;
/**
 * An IAM principal pattern: a concrete partition and account, then one of the principal kinds a caller can be.
 * `*` and `?` stand for characters of one name and never span a `/`.
 */
const ARN_CALLER = new RegExp(`^arn:${PARTITION}:(iam|sts)::([0-9]{12}):(.+)$`);
/**
 * Federated users are not callers a policy can name: `sts:GetFederationToken` takes any name the calling IAM user
 * chooses, so `federated-user/release-bot` is whoever says so. (They still match `account:`/`org:` entries, which
 * trust every principal of the account anyway.)
 */
const FEDERATED_USER = 'federated users name themselves (sts:GetFederationToken takes any name), so a pattern cannot identify one: name the IAM user or role that federates, or use account:ID';
const NAME_PATTERN = '[\\w+=,.@*?-]{1,128}';
const PATH_PART = '[\\w+=,.@*?-]{1,512}';
const IAM_RESOURCE = new RegExp(`^(?:root|role/${NAME_PATTERN}|user/(?:${PATH_PART}/)*${NAME_PATTERN})$`);
const DEFAULT_PARTITION = 'aws';

const TOP_FIELDS = new Set(['version', 'keys', 'profiles']);
const KEY_FIELDS = new Set(['secretId', 'kmsKeyId', 'keyId', 'issuerId', 'individual']);
/** Fields only a kmsKeyId entry takes: a secret carries them in its JSON. */
const KMS_ONLY_FIELDS = ['keyId', 'issuerId', 'individual'] as const;
const KEY_SHAPES = '{ secretId: NAME_OR_ARN } or { kmsKeyId: ID_OR_ALIAS, keyId: KEY_ID, issuerId: ISSUER_ID | individual: true }';
const PROFILE_FIELDS = new Set(['key', 'api', 'scope', 'ttl', 'bundleId', 'callers', 'description']);
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

  const keys = new Map<string, PolicyKey>();
  if (!isObject(document.keys) || Object.keys(document.keys).length === 0) {
    problem('keys', `must map at least one key name to ${KEY_SHAPES}`);
  } else {
    for (const [name, value] of Object.entries(document.keys)) {
      const key = compileKey(name, value, problem);
      if (key) keys.set(name, key);
    }
  }

  const profiles = new Map<string, Profile>();
  if (!isObject(document.profiles) || Object.keys(document.profiles).length === 0) {
    problem('profiles', 'must define at least one profile');
  } else {
    for (const [name, value] of Object.entries(document.profiles)) {
      const compiled = compileProfile(name, value, keys, (field, text) => problem(field ? `profiles.${name}.${field}` : `profiles.${name}`, text));
      if (compiled) profiles.set(name, compiled);
    }
  }
  if (problems.length > 0) throw new PolicyError(source, problems);
  return { version: 1, keys, profiles };
}

/** One `keys` entry: a Secrets Manager secret or a KMS key, never both; every problem reported. */
function compileKey(name: string, value: unknown, problem: (path: string, text: string) => void): PolicyKey | undefined {
  const path = `keys.${name}`;
  if (!KEY_NAME.test(name)) problem(path, 'key names are letters, digits, "-" and "_" (at most 64)');
  if (!isObject(value)) {
    problem(path, `must be ${KEY_SHAPES}`);
    return undefined;
  }
  for (const field of Object.keys(value)) {
    if (!KEY_FIELDS.has(field)) problem(`${path}.${field}`, 'unknown field (expected secretId, or kmsKeyId with keyId and issuerId or individual)');
  }
  if (value.secretId !== undefined && value.kmsKeyId !== undefined) {
    problem(path, 'secretId and kmsKeyId exclude each other: a key is kept either in a Secrets Manager secret or in KMS');
    return undefined;
  }
  if (value.kmsKeyId === undefined) {
    let valid = true;
    for (const field of KMS_ONLY_FIELDS) {
      if (value[field] !== undefined) {
        problem(`${path}.${field}`, 'only kmsKeyId entries take keyId, issuerId and individual (a secret holds them in its JSON)');
        valid = false;
      }
    }
    if (typeof value.secretId !== 'string' || !SECRET_ID.test(value.secretId)) {
      problem(`${path}.secretId`, value.secretId === undefined ? `is missing: write ${KEY_SHAPES}` : 'must be a Secrets Manager secret name or ARN');
      return undefined;
    }
    return valid ? { name, source: 'secretsmanager', secretId: value.secretId } : undefined;
  }

  let valid = true;
  const invalid = (field: string, text: string) => {
    problem(field ? `${path}.${field}` : path, text);
    valid = false;
  };
  const { kmsKeyId, keyId, issuerId, individual } = value;
  if (typeof kmsKeyId !== 'string' || !KMS_KEY_ID.test(kmsKeyId)) {
    invalid('kmsKeyId', 'must be a KMS key ID, key ARN, alias name (alias/NAME) or alias ARN');
  } else if (AWS_MANAGED_ALIAS.test(kmsKeyId)) {
    invalid('kmsKeyId', 'alias/aws/… names a key AWS manages for a service, which cannot hold an imported signing key');
  }
  if (typeof keyId !== 'string' || !KEY_ID_PATTERN.test(keyId)) {
    invalid('keyId', 'must be the 10-character key ID from App Store Connect (the kid of tokens while the KMS key has no AscTokenVending tags)');
  }
  if (issuerId !== undefined && (typeof issuerId !== 'string' || !ISSUER_ID_PATTERN.test(issuerId))) {
    invalid('issuerId', 'must be the issuer ID from App Store Connect (8-4-4-4-12 hex)');
  }
  if (individual !== undefined && individual !== true) invalid('individual', 'must be true (an individual key), or left out for a team key with issuerId');
  if (issuerId !== undefined && individual !== undefined) invalid('', 'issuerId and individual exclude each other: a team key has an issuer, an individual key has none');
  if (issuerId === undefined && individual === undefined) invalid('', 'a kmsKeyId entry needs issuerId (a team key) or individual: true');
  if (!valid) return undefined;
  return { name, source: 'kms', kmsKeyId: kmsKeyId as string, keyId: keyId as string, issuerId: issuerId as string | undefined };
}

function compileProfile(
  name: string,
  value: unknown,
  keys: Map<string, PolicyKey>,
  report: (field: string, text: string) => void,
): Profile | undefined {
  if (!PROFILE_NAME.test(name)) report('', 'profile names are letters, digits, ".", "-" and "_" (at most 64), as they appear in URL paths');
  if (!isObject(value)) {
    report('', 'must be a mapping with key, scope and callers');
    return undefined;
  }
  for (const field of Object.keys(value)) {
    if (!PROFILE_FIELDS.has(field)) report(field, `unknown field (expected ${[...PROFILE_FIELDS].join(', ')})`);
  }

  const key = keys.get(value.key as string);
  if (key === undefined) report('key', typeof value.key === 'string' ? `names no key under keys: "${value.key}"` : 'must name a key under keys');

  const apiValue = value.api ?? 'app-store-connect';
  const api: ApiKind = isApiKind(apiValue) ? apiValue : 'app-store-connect';
  if (!isApiKind(apiValue)) report('api', 'must be app-store-connect, enterprise or app-store-server');
  const rules = API_RULES[api];

  let scope: ScopeEntry[] | 'any';
  if (value.scope === 'any') {
    scope = 'any';
  } else if (Array.isArray(value.scope) && value.scope.length > 0) {
    if (!rules.scoped) report('scope', `${api} tokens take no scope; write "scope: any"`);
    const entries: ScopeEntry[] = [];
    value.scope.forEach((raw, index) => {
      const parsed = parseScopeEntry(raw, { allowWildcards: true });
      if (typeof parsed === 'string') report(`scope[${index}]`, parsed);
      else entries.push(parsed);
    });
    scope = entries;
  } else {
    scope = 'any';
    report('scope', 'must be a non-empty list of scope entries ("GET /v1/builds"), or "any" for a token without a scope');
  }

  const longLivedScope = api === 'app-store-connect' && scope !== 'any' && isLongLivedEligible(scope);
  const limit = longLivedScope ? LONG_LIVED_MAX_TTL : rules.maxTtl;
  let max = rules.maxTtl;
  let def = Math.min(DEFAULT_TTL, max);
  if (value.ttl !== undefined) {
    if (!isObject(value.ttl)) {
      report('ttl', 'must be { default: SECONDS, max: SECONDS }');
    } else {
      for (const field of Object.keys(value.ttl)) if (!TTL_FIELDS.has(field)) report(`ttl.${field}`, 'unknown field (expected default, max)');
      const wholeSeconds = (field: 'default' | 'max'): number | undefined => {
        const v = (value.ttl as Obj)[field];
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
            longLivedScope
              ? `${givenMax} is over Apple's six-month limit (${LONG_LIVED_MAX_TTL})`
              : `${givenMax} is over Apple's limit of ${rules.maxTtl} seconds for ${api} tokens` +
                  (api === 'app-store-connect' ? ' (longer only for GET-only scopes on the resources Apple allows long-lived tokens for)' : ''),
          );
        }
        max = givenMax;
      }
      def = givenDefault ?? Math.min(DEFAULT_TTL, max);
      if (def > max) report('ttl.default', `${def} is more than ttl.max (${max})`);
    }
  }

  let bundleId: string | undefined;
  if (rules.bundleId) {
    if (typeof value.bundleId !== 'string' || !BUNDLE_ID_PATTERN.test(value.bundleId)) {
      report('bundleId', `${api} profiles need the app's bundle ID (e.g. com.example.app); it becomes the bid claim`);
    } else {
      bundleId = value.bundleId;
    }
  } else if (value.bundleId !== undefined) {
    report('bundleId', `only app-store-server profiles take a bundleId`);
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
  if (key === undefined) return undefined;
  return { name, description, key, api, scope, ttl: { default: def, max }, bundleId, callers, longLived: max > rules.maxTtl };
}

/** Compile one caller entry to a matcher, or return the problem. */
export function compileCaller(raw: unknown): CallerMatcher | string {
  if (typeof raw !== 'string') return 'must be a string';
  // Entries other than cognito-* never match a caller with Cognito identity-pool credentials (app end users and
  // guests, not workloads), whatever their role or account: trusting them takes an explicit entry.
  const account = ACCOUNT_CALLER.exec(raw);
  if (account) {
    const [, partition = DEFAULT_PARTITION, id] = account;
    return { text: raw, matches: (c) => c.cognito === undefined && c.partition === partition && c.accountId === id };
  }
  const org = ORG_CALLER.exec(raw);
  if (org) {
    const [, partition = DEFAULT_PARTITION, id] = org;
    return { text: raw, matches: (c) => c.cognito === undefined && c.partition === partition && c.orgId === id };
  }
  const cognito = COGNITO_CALLER.exec(raw);
  if (cognito) {
    const [, type, poolId] = cognito;
    return { text: raw, matches: (c) => c.cognito !== undefined && c.cognito.authenticationType === type && c.cognito.identityPoolId === poolId };
  }
  if (raw.startsWith('account:') || raw.startsWith('org:')) {
    return 'account:ID and org:o-ID name one account (12 digits) or organisation; other partitions: account:aws-cn:ID';
  }
  if (raw.startsWith('cognito')) {
    return 'Cognito identity pools are named cognito-authenticated:REGION:POOL_UUID or cognito-unauthenticated:REGION:POOL_UUID';
  }
  const arn = ARN_CALLER.exec(raw);
  if (!arn) {
    return 'must be an IAM ARN pattern with a concrete partition and account (arn:aws:iam::111122223333:role/NAME; * and ? only in names), account:111122223333, org:o-xxxxxxxxxx or cognito-authenticated:REGION:POOL_UUID';
  }
  const [, , service, , resource = ''] = arn;
  if (service === 'sts') {
    if (resource.startsWith('assumed-role/')) return 'assumed-role ARNs are normalised to the role: write arn:PARTITION:iam::ACCOUNT:role/ROLE_NAME';
    if (resource.startsWith('federated-user/')) return FEDERATED_USER;
    return 'an sts ARN is not a caller a policy can name: write the role as arn:PARTITION:iam::ACCOUNT:role/ROLE_NAME';
  }
  if (!IAM_RESOURCE.test(resource)) {
    if (/^role\/.+\//.test(resource)) return 'role paths are not visible in the caller\'s identity: name the role without its path (role/ROLE_NAME)';
    return 'an iam pattern names role/NAME, user/NAME (user/PATH/NAME) or root; * and ? stand for characters within one name';
  }
  const source = raw.split('').map((c) => (c === '*' ? '[^/]*' : c === '?' ? '[^/]' : c.replace(/[.+^${}()|[\]\\]/g, '\\$&'))).join('');
  const regex = new RegExp(`^${source}$`);
  return { text: raw, matches: (c) => c.cognito === undefined && regex.test(c.principal) };
}
