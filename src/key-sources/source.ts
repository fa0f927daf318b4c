/**
 * What a key source is (docs/design.md#key-sources): where the service finds a key's private half, or has it sign.
 * Each source is one module exporting one {@link KeySource}, listed in src/key-sources/registry.ts; the policy
 * compiler, the runtime, `asc-token policy check`, health and the deployment's IAM derivation read these entries
 * and never branch on a source's name.
 */
import type { IssuerKind, KindName } from '../core/kinds.ts';
import type { Metrics } from '../metrics.ts';
import type { KeyFetcher } from './store.ts';

/** `KEY_SOURCE`: `policy` (each key from the source its entry names) or `local` (every key from `.local/keys/`). */
export const KEY_SOURCE_MODES = ['policy', 'local'] as const;
export type KeySourceMode = (typeof KEY_SOURCE_MODES)[number];

/** `KEY_SOURCE` values of earlier releases: `secretsmanager` meant every source of the policy, when it had one. */
export const KEY_SOURCE_ALIASES: Readonly<Record<string, KeySourceMode>> = { secretsmanager: 'policy' };

/** A key entry of the policy, as its source compiled it. */
export interface PolicyKeyBase {
  /** The policy's name for the key (`main`). */
  name: string;
  /** The source's name (`secretsmanager`, `kms`). */
  source: string;
  /**
   * What kind of issuer the key is, when the policy says (a KMS entry names its `issuerId`, `individual` or `teamId`);
   * undefined when only the key itself says (a secret's JSON).
   */
  issuer?: IssuerKind | undefined;
  /**
   * Who the key is to Apple when the policy says (`issuer:ID`, `team:ID`, `individual`): keys of one pool must agree.
   * Undefined when only the key itself says.
   */
  appleIdentity?: string | undefined;
  /**
   * The token kinds the key may sign (the entry's `services`, else what its issuer signs); undefined when neither is
   * known before the key is loaded.
   */
  services?: readonly KindName[] | undefined;
}

/** One statement of an IAM policy, in CloudFormation's JSON (`Fn::Sub` with pseudo-parameters allowed). */
export interface IamStatement {
  Effect: 'Allow' | 'Deny';
  Action: string | string[];
  Resource: unknown;
  Condition?: Record<string, Record<string, unknown>>;
}

/** What a source's fetcher may be given besides its keys. */
export interface FetcherContext {
  /** SDK client settings for tests and special endpoints (production takes them from the environment). */
  clientConfig?: object | undefined;
  metrics?: Metrics | undefined;
  now?: (() => number) | undefined;
  /** `KEY_SOURCE=local`: the directory of the key files. */
  directory?: string | undefined;
}

export interface KeySource<K extends PolicyKeyBase = PolicyKeyBase> {
  /** The source's name: in health, metrics, reasons and `policy check`. */
  readonly name: string;
  /**
   * The policy field that makes a key entry this source's (`secretId`, `kmsKeyId`). None: the source is not named in
   * a policy but chosen by `KEY_SOURCE` for every key (`local`).
   */
  readonly selector?: string;
  /** Every field an entry of this source takes, the selector first. */
  readonly fields: readonly string[];
  /** The entry's shape, for problems: `{ secretId: NAME_OR_ARN }`. */
  readonly shape: string;
  /**
   * Validate one key entry (it has the selector) and compile it, reporting every problem.
   * @returns undefined when a problem was reported.
   */
  compile(name: string, entry: Readonly<Record<string, unknown>>, problem: (field: string, text: string) => void): K | undefined;
  /** One line for `asc-token policy check`: where the key is and who it is to Apple if the policy says. */
  describe(key: K): string;
  /** The fetcher of these keys (all of this source's keys in the policy). */
  createFetcher(keys: readonly K[], context: FetcherContext): KeyFetcher;
  /** What the function's role needs for these keys: exactly that, nothing for a source the policy does not use. */
  iamStatements(keys: readonly K[]): IamStatement[];
}

/** A source a policy key entry names by its selector field. */
export type PolicyKeySource<K extends PolicyKeyBase = PolicyKeyBase> = KeySource<K> & { readonly selector: string };
