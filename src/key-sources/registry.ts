/**
 * The key sources (docs/design.md#key-sources): every backend the service can hold a key in, one entry each. A
 * policy key entry belongs to the source whose `selector` field it has; `KEY_SOURCE=local` puts every key in the
 * local source instead. A new backend is one module exporting a {@link KeySource} and one entry here.
 */
import { TokenVendingError } from '../core/errors.ts';
import { kmsSource, type KmsPolicyKey } from './kms.ts';
import { localSource } from './local.ts';
import { secretsManagerSource, type SecretsManagerPolicyKey } from './secrets-manager.ts';
import type { FetcherContext, IamStatement, KeySource, KeySourceMode, PolicyKeyBase, PolicyKeySource } from './source.ts';
import type { FetchedKey, KeyFetcher } from './store.ts';

/** The sources a policy key entry can name, by name. */
export const POLICY_SOURCES: readonly PolicyKeySource[] = [secretsManagerSource, kmsSource] as unknown as PolicyKeySource[];

/** A compiled policy key: one of the policy sources' entries. */
export type PolicyKey = SecretsManagerPolicyKey | KmsPolicyKey;

function sourceNamed(name: string): KeySource {
  const source = POLICY_SOURCES.find((s) => s.name === name);
  if (source === undefined) throw new TypeError(`no key source named ${name}`);
  return source;
}

/** The source whose selector a policy key entry has, or every source it names when there are several. */
export function sourcesSelectedBy(entry: Readonly<Record<string, unknown>>): PolicyKeySource[] {
  return POLICY_SOURCES.filter((source) => entry[source.selector] !== undefined);
}

/** `{ secretId: … }` or `{ kmsKeyId: … }`: every shape a key entry can take, for problems. */
export const KEY_SHAPES = POLICY_SOURCES.map((source) => source.shape).join(' or ');

/** The policy's keys, grouped by source (sources without keys left out). */
function bySource(keys: Iterable<PolicyKey>): Map<KeySource, PolicyKeyBase[]> {
  const groups = new Map<KeySource, PolicyKeyBase[]>();
  for (const key of keys) {
    const source = sourceNamed(key.source);
    groups.set(source, [...(groups.get(source) ?? []), key]);
  }
  return groups;
}

/** One line about a policy key, for `asc-token policy check`. */
export function describeKey(key: PolicyKey): string {
  return `${sourceNamed(key.source).describe(key)}${key.services === undefined ? '' : `; signs ${key.services.join(', ')}`}`;
}

/**
 * The fetcher for a policy's keys: in `policy` mode each key's own source (one fetcher per source used, so the KMS
 * client is never loaded for a Secrets-Manager-only policy), in `local` mode every key from `.local/keys/`.
 */
export function createKeyFetcher(keys: Iterable<PolicyKey>, mode: KeySourceMode, context: FetcherContext & { clientConfigs?: Readonly<Record<string, object>> | undefined }): KeyFetcher {
  const all = [...keys];
  if (mode === 'local') return localSource.createFetcher(all, context);
  const routes = new Map<string, KeyFetcher>();
  for (const [source, sourceKeys] of bySource(all)) {
    const fetcher = source.createFetcher(sourceKeys, { ...context, clientConfig: context.clientConfigs?.[source.name] });
    for (const key of sourceKeys) routes.set(key.name, fetcher);
  }
  const fetchers = new Set(routes.values());
  return fetchers.size === 1 ? ([...fetchers][0] as KeyFetcher) : new RoutingKeyFetcher(routes);
}

/** The function role's statements for a policy's keys: exactly what each source needs for its keys. */
export function keyIamStatements(keys: Iterable<PolicyKey>): IamStatement[] {
  return [...bySource(keys)].flatMap(([source, sourceKeys]) => source.iamStatements(sourceKeys));
}

/**
 * A policy can hold keys in several sources at once: each key name is served by the fetcher of its source, behind
 * the one key store (TTL, single flight, stale-if-error per key).
 */
export class RoutingKeyFetcher implements KeyFetcher {
  readonly kind: string;
  readonly #routes: ReadonlyMap<string, KeyFetcher>;

  /** @param routes key name → the fetcher of its source. */
  constructor(routes: ReadonlyMap<string, KeyFetcher>) {
    this.#routes = routes;
    this.kind = [...new Set([...routes.values()].map((fetcher) => fetcher.kind))].join('+');
  }

  fetch(name: string, previous: FetchedKey | undefined): Promise<FetchedKey> {
    const fetcher = this.#routes.get(name);
    if (fetcher === undefined) return Promise.reject(new TokenVendingError('internal', 'Unknown key.', { reason: `no source for key ${name}` }));
    return fetcher.fetch(name, previous);
  }

  sourceOf(name: string): string {
    const fetcher = this.#routes.get(name);
    return fetcher?.sourceOf?.(name) ?? fetcher?.kind ?? this.kind;
  }

  details(name: string): Record<string, unknown> | undefined {
    return this.#routes.get(name)?.details?.(name);
  }
}
