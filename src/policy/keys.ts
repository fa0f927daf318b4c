/**
 * The policy's keys (docs/design.md#the-policy): the `keys` section, each entry compiled by the key source whose
 * selector it has (src/key-sources/registry.ts), with the `services` every entry may list; and a profile's `key`, one
 * key or a pool of them (docs/design.md#key-pools).
 */
import { KIND_NAMES, isKindName, kindsIssuedBy, type KindName } from '../core/kinds.ts';
import { KEY_NAME } from '../core/names.ts';
import { KEY_SHAPES, POLICY_SOURCES, sourcesSelectedBy, type PolicyKey } from '../key-sources/registry.ts';
import type { PolicyKeySource } from '../key-sources/source.ts';

/** Fields every key entry may have, whatever its source. */
const COMMON_KEY_FIELDS = ['services'];
const KEY_FIELDS = new Set([...POLICY_SOURCES.flatMap((source) => source.fields), ...COMMON_KEY_FIELDS]);

type Obj = Record<string, unknown>;
const isObject = (value: unknown): value is Obj => typeof value === 'object' && value !== null && !Array.isArray(value);

/**
 * The `keys` section alone (the deployment derives the function's IAM grants from it: src/policy/iam.ts).
 * @returns the compiled keys, and the names of those with problems (reported).
 */
export function compileKeys(section: unknown, problem: (path: string, text: string) => void): { keys: Map<string, PolicyKey>; brokenKeys: Set<string> } {
  const keys = new Map<string, PolicyKey>();
  /** Keys written in the policy but with problems: profiles naming them are not told the key does not exist. */
  const brokenKeys = new Set<string>();
  if (!isObject(section) || Object.keys(section).length === 0) {
    problem('keys', `must map at least one key name to ${KEY_SHAPES}`);
  } else {
    for (const [name, value] of Object.entries(section)) {
      const key = compileKey(name, value, problem);
      if (key) keys.set(name, key);
      else brokenKeys.add(name);
    }
  }
  return { keys, brokenKeys };
}

/** One `keys` entry: exactly one source's selector, that source's fields; every problem reported. */
function compileKey(name: string, value: unknown, problem: (path: string, text: string) => void): PolicyKey | undefined {
  const path = `keys.${name}`;
  let valid = true;
  const report = (field: string, text: string) => {
    problem(field ? `${path}.${field}` : path, text);
    valid = false;
  };
  if (!KEY_NAME.test(name)) report('', 'key names are letters, digits, "-" and "_" (at most 64)');
  if (!isObject(value)) {
    report('', `must be ${KEY_SHAPES}`);
    return undefined;
  }
  for (const field of Object.keys(value)) {
    if (!KEY_FIELDS.has(field)) report(field, `unknown field (expected ${KEY_SHAPES})`);
  }
  const selected = sourcesSelectedBy(value);
  if (selected.length > 1) {
    report('', `${selected.map((s) => s.selector).join(' and ')} exclude each other: a key is kept in one place`);
    return undefined;
  }
  const source = selected[0];
  if (source === undefined) {
    report((POLICY_SOURCES[0] as PolicyKeySource).selector, `is missing: write ${KEY_SHAPES}`);
    return undefined;
  }
  const services = compileServices(value.services, report);
  for (const field of Object.keys(value)) {
    if (KEY_FIELDS.has(field) && !COMMON_KEY_FIELDS.includes(field) && !source.fields.includes(field)) {
      const takers = POLICY_SOURCES.filter((s) => (s.fields as readonly string[]).includes(field)).map((s) => `${s.selector} entries`);
      report(field, `only ${takers.join(' and ')} take ${field} (a ${source.selector} entry is ${source.shape})`);
    }
  }
  const key = source.compile(name, value, report) as PolicyKey | undefined;
  if (key?.issuer !== undefined && services !== undefined) {
    const issued = kindsIssuedBy(key.issuer);
    const others = services.filter((kind) => !issued.includes(kind));
    if (others.length > 0) report('services', `${others.join(', ')}: ${key.issuer === 'team-id' ? 'a developer key (teamId)' : 'an App Store Connect key (issuerId or individual)'} signs only ${issued.join(', ')}`);
  }
  if (!valid || key === undefined) return undefined;
  const served = services ?? (key.issuer === undefined ? undefined : kindsIssuedBy(key.issuer));
  return served === undefined ? key : { ...key, services: served };
}

/** A key entry's `services`: the token kinds it may sign (Apple lets one developer key serve several services). */
function compileServices(value: unknown, report: (field: string, text: string) => void): KindName[] | undefined {
  if (value === undefined) return undefined;
  if (!Array.isArray(value) || value.length === 0 || !value.every(isKindName)) {
    report('services', `must list the token kinds the key may sign: ${KIND_NAMES.join(', ')}`);
    return undefined;
  }
  return [...new Set(value)];
}


/** The most keys a pool may hold. */
export const MAX_POOL = 10;

/**
 * A profile's `key`: one key's name, or a pool of distinct names. The keys of a pool are interchangeable: they must
 * agree on who they are to Apple wherever the policy says (a KMS entry's issuer or team) and on the kinds they sign.
 * @returns the keys, or undefined when a problem was reported (or a key named has problems of its own).
 */
export function compilePool(value: unknown, keys: Map<string, PolicyKey>, brokenKeys: ReadonlySet<string>, report: (field: string, text: string) => void): PolicyKey[] | undefined {
  const names = typeof value === 'string' ? [value] : value;
  if (!Array.isArray(names) || names.length === 0 || names.length > MAX_POOL || !names.every((name) => typeof name === 'string')) {
    report('key', `must name a key under keys, or a pool of them (key: [a, b], at most ${MAX_POOL})`);
    return undefined;
  }
  if (new Set(names).size !== names.length) report('key', 'names a key twice in its pool');
  const pool: PolicyKey[] = [];
  for (const name of names as string[]) {
    const key = keys.get(name);
    if (key !== undefined) pool.push(key);
    else if (!brokenKeys.has(name)) report('key', `names no key under keys: "${name}"`);
  }
  if (pool.length !== names.length) return undefined;
  const known = [...new Set(pool.map((key) => key.appleIdentity).filter((id) => id !== undefined))];
  if (known.length > 1) report('key', `a pool's keys must be of one team and one issuer: ${pool.map((key) => `${key.name} (${key.appleIdentity ?? 'from its secret'})`).join(', ')}`);
  const services = pool.map((key) => key.services?.join(','));
  if (pool.length > 1 && new Set(services.filter((s) => s !== undefined)).size > 1) report('key', `a pool's keys must sign the same kinds: ${pool.map((key, i) => `${key.name} (${services[i] ?? 'any of its issuer'})`).join(', ')}`);
  return pool;
}
