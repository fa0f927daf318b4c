/**
 * The fetcher of keys held by AWS KMS (docs/design.md#keys-held-by-aws-kms; the source's entry is src/key-sources/kms.ts). the `.p8` was imported into an asymmetric KMS key (`ECC_NIST_P256`,
 * `SIGN_VERIFY`, origin `EXTERNAL`) and its private half never reaches this process. What can be cached is, through
 * the key store (once per TTL, shared, stale-if-error): `DescribeKey` (resolves an alias to the key ARN and says
 * whether the key can sign), `GetPublicKey` (to check every signature before it goes into a token) and
 * `ListResourceTags` (the Apple identity `asc-token keys import` tagged the key with). `Sign` is per token, by the
 * key ARN the alias resolved to, so a token's `kid` and its signature always come from the same key even while an
 * alias moves. The SDK honours `AWS_ENDPOINT_URL_KMS`; timeouts are short and retries bounded, as for Secrets
 * Manager (src/key-sources/secrets-manager.ts).
 *
 * The KMS client is loaded on the first fetch, not at import: a policy without KMS keys never loads it.
 */
import { createHash, createPublicKey, verify, type KeyObject } from 'node:crypto';
import type { KMSClient, KMSClientConfig } from '@aws-sdk/client-kms';
import { awsClientConfig, keyError, type AwsClientSettings } from '../aws/clients.ts';
import { ISSUER_ID_PATTERN, KEY_ID_PATTERN, TEAM_ID_PATTERN } from '../core/apple.ts';
import { SignatureFormatError, derToJose } from '../core/der.ts';
import { TokenVendingError } from '../core/errors.ts';
import type { RemoteSigningKey } from '../core/signing-key.ts';
import { replicaIdIn } from './regional.ts';
import type { FetchedKey, KeyFetcher } from './store.ts';

/** The tags `asc-token keys import --kms-key-id` writes: who the imported key is to Apple. */
export const TAGS = {
  keyId: 'AscTokenVending:KeyId',
  issuerId: 'AscTokenVending:IssuerId',
  individual: 'AscTokenVending:Individual',
  teamId: 'AscTokenVending:TeamId',
} as const;

/** Who a key is to Apple: `issuerId` undefined is an individual key, or a developer key when `teamId` is set. */
export interface AppleIdentity {
  keyId: string;
  issuerId: string | undefined;
  teamId?: string | undefined;
}

function sameIdentity(a: AppleIdentity, b: AppleIdentity): boolean {
  return a.keyId === b.keyId && a.issuerId === b.issuerId && a.teamId === b.teamId;
}

export interface KmsKeyEntry {
  /** Key ID, key ARN, alias name or alias ARN (the policy's `kmsKeyId`). */
  kmsKeyId: string;
  /** The policy's `keyId`/`issuerId`: used when the KMS key has no AscTokenVending tags. */
  identity?: AppleIdentity | undefined;
}

/** What health shows of a KMS key: the last DescribeKey, and where the token identity comes from. */
export interface KmsKeyDetails {
  kmsKeyId: string;
  keyArn: string | null;
  keyState: string | null;
  keySpec: string | null;
  /** `tags`: the key's AscTokenVending tags; `policy`: the policy's keyId/issuerId (the key has no tags). */
  identityFrom: 'tags' | 'policy' | null;
  checkedAt: string | null;
}

export interface KmsFetcherOptions extends AwsClientSettings {
  /** Key name → its KMS key (the policy's `kmsKeyId` entries). */
  keys: ReadonlyMap<string, KmsKeyEntry>;
  client?: KMSClient;
  /** Client settings for tests and special endpoints; production takes them from the environment. */
  clientConfig?: KMSClientConfig;
  /** Called after every `Sign` (metrics). */
  onSign?: (event: { name: string; ok: boolean; durationMs: number; error?: unknown }) => void;
  now?: () => number;
}

type Sdk = typeof import('./kms-sdk.ts');

/** KMS errors that retrying will not fix: the key, its state or our permissions are wrong. */
const PERMANENT = new Set([
  'NotFoundException',
  'DisabledException',
  'KMSInvalidStateException',
  'InvalidKeyUsageException',
  'AccessDeniedException',
  'InvalidArnException',
  'UnsupportedOperationException',
  'IncorrectKeyException',
  'ValidationException',
  'InvalidGrantTokenException',
]);

/** What a permanent error says about the key. */
const ERROR_REMEDY: Record<string, string> = {
  DisabledException: ' (the key is disabled)',
  KMSInvalidStateException: ' (the key is not in a state that can sign: pending import or deletion?)',
};

/** What to do about a key state other than Enabled. */
const STATE_REMEDY: Record<string, string> = {
  PendingImport: 'it has no key material yet: import the .p8 with asc-token keys import --kms-key-id',
  Disabled: 'enable it (aws kms enable-key), or point the policy or alias at an enabled key',
  PendingDeletion: 'it is scheduled for deletion: cancel that (aws kms cancel-key-deletion) and enable it',
  Unavailable: 'its custom key store is disconnected',
  Creating: 'it is still being created',
  Updating: 'it is being updated',
};

export class KmsKeyFetcher implements KeyFetcher {
  readonly kind = 'kms';
  readonly #options: KmsFetcherOptions;
  readonly #details = new Map<string, KmsKeyDetails>();
  #sdk: Promise<{ sdk: Sdk; client: KMSClient }> | undefined;

  constructor(options: KmsFetcherOptions) {
    this.#options = options;
  }

  details(name: string): { kms: KmsKeyDetails } | undefined {
    const details = this.#details.get(name);
    return details ? { kms: details } : undefined;
  }

  /** The SDK module and client, loaded once on first use (a Secrets-Manager-only policy never pays for them). */
  #load(): Promise<{ sdk: Sdk; client: KMSClient }> {
    this.#sdk ??= import('./kms-sdk.ts').then((sdk) => ({
      sdk,
      client: this.#options.client ?? new sdk.KMSClient(awsClientConfig(this.#options.clientConfig, this.#options)),
    }));
    return this.#sdk;
  }

  async fetch(name: string, previous: FetchedKey | undefined): Promise<FetchedKey> {
    const entry = this.#options.keys.get(name);
    if (entry === undefined) throw new TokenVendingError('internal', 'Unknown key.', { reason: `no kmsKeyId for key ${name}` });
    const { sdk, client } = await this.#load();
    const details: KmsKeyDetails = this.#details.get(name) ?? { kmsKeyId: entry.kmsKeyId, keyArn: null, keyState: null, keySpec: null, identityFrom: null, checkedAt: null };
    this.#details.set(name, details);

    // A multi-Region key's ARN is read in this region: its replica here (src/key-sources/regional.ts).
    const region = await Promise.resolve()
      .then(() => client.config.region())
      .catch(() => undefined);
    const kmsKeyId = replicaIdIn(entry.kmsKeyId, region);
    const described = await this.#call(name, kmsKeyId, 'DescribeKey', () => client.send(new sdk.DescribeKeyCommand({ KeyId: kmsKeyId })));
    const meta = described.KeyMetadata;
    details.checkedAt = new Date((this.#options.now ?? Date.now)()).toISOString();
    details.keyArn = meta?.Arn ?? null;
    details.keyState = meta?.KeyState ?? null;
    details.keySpec = meta?.KeySpec ?? null;
    const arn = meta?.Arn;
    if (meta === undefined || arn === undefined) throw invalid(name, `KMS answered DescribeKey for ${kmsKeyId} without the key's metadata`, 'kms:no_metadata');
    if (meta.KeyState !== 'Enabled') {
      const state = meta.KeyState ?? 'unknown';
      throw invalid(name, `KMS key ${arn} is ${state}: ${STATE_REMEDY[state] ?? 'it must be Enabled to sign'}`, `kms:state:${state}`);
    }
    if (meta.KeySpec !== 'ECC_NIST_P256' || meta.KeyUsage !== 'SIGN_VERIFY' || !(meta.SigningAlgorithms ?? []).includes('ECDSA_SHA_256')) {
      throw invalid(
        name,
        `KMS key ${arn} is ${meta.KeySpec ?? '?'} for ${meta.KeyUsage ?? '?'}; an App Store Connect key needs ECC_NIST_P256 for SIGN_VERIFY with ECDSA_SHA_256 (infra/kms-key.yml)`,
        `kms:spec:${meta.KeySpec}:${meta.KeyUsage}`,
      );
    }

    // A key ARN's public key never changes: KMS accepts only the same material again after an import.
    const known = previous?.versionId === arn && previous.key.kind === 'remote' ? publicKeys.get(previous.key) : undefined;
    const publicKey = known ?? (await this.#publicKey(name, arn, sdk, client));

    const tagged = await this.#call(name, arn, 'ListResourceTags', () => client.send(new sdk.ListResourceTagsCommand({ KeyId: arn, Limit: 50 })));
    const fromTags = identityFromTags(name, arn, tagged.Tags ?? []);
    const identity = fromTags ?? entry.identity;
    if (identity === undefined) {
      throw invalid(name, `KMS key ${arn} has no ${TAGS.keyId} tag and no keyId is configured for it: import the key with asc-token keys import --kms-key-id`, 'kms:no_identity');
    }
    details.identityFrom = fromTags ? 'tags' : 'policy';
    const warnings: string[] = [];
    if (fromTags && entry.identity && !sameIdentity(fromTags, entry.identity)) {
      warnings.push(
        `KMS key ${arn} is tagged ${describe(fromTags)} but the policy says ${describe(entry.identity)}: tokens carry the tags' identity; update the policy's keyId/issuerId/teamId at the next deploy`,
      );
    }

    if (previous && previous.versionId === arn && sameIdentity(previous.key, identity)) {
      const { warnings: _earlier, ...unchanged } = previous;
      return warnings.length ? { ...unchanged, warnings } : unchanged;
    }
    const key: RemoteSigningKey = {
      kind: 'remote',
      source: 'kms',
      name,
      keyId: identity.keyId,
      issuerId: identity.issuerId,
      ...(identity.teamId === undefined ? {} : { teamId: identity.teamId }),
      sign: (signingInput) => this.#sign(name, arn, publicKey, signingInput),
    };
    publicKeys.set(key, publicKey);
    return { key, versionId: arn, ...(warnings.length ? { warnings } : {}) };
  }

  async #publicKey(name: string, arn: string, sdk: Sdk, client: KMSClient): Promise<KeyObject> {
    const output = await this.#call(name, arn, 'GetPublicKey', () => client.send(new sdk.GetPublicKeyCommand({ KeyId: arn })));
    let key: KeyObject | undefined;
    try {
      key = output.PublicKey ? createPublicKey({ key: Buffer.from(output.PublicKey), format: 'der', type: 'spki' }) : undefined;
    } catch {
      key = undefined;
    }
    if (key === undefined || key.asymmetricKeyType !== 'ec' || key.asymmetricKeyDetails?.namedCurve !== 'prime256v1') {
      throw invalid(name, `KMS key ${arn} answered GetPublicKey with something that is not a P-256 public key`, 'kms:public_key');
    }
    return key;
  }

  /**
   * One token's signature: `Sign` over the SHA-256 of the JWS signing input (`MessageType: DIGEST`, so the request
   * stays small whatever the claims: RAW messages are capped at 4096 bytes), DER → JOSE, then checked against the
   * key's public key. A signature that does not verify is never put into a token.
   */
  async #sign(name: string, arn: string, publicKey: KeyObject, signingInput: Uint8Array): Promise<Uint8Array> {
    const started = performance.now();
    try {
      const { sdk, client } = await this.#load();
      const digest = createHash('sha256').update(signingInput).digest();
      const output = await this.#call(name, arn, 'Sign', () =>
        client.send(new sdk.SignCommand({ KeyId: arn, Message: digest, MessageType: 'DIGEST', SigningAlgorithm: 'ECDSA_SHA_256' })),
      );
      if (output.KeyId !== undefined && output.KeyId !== arn) throw invalid(name, `KMS signed with ${output.KeyId} where ${arn} was asked`, 'kms:sign:other_key');
      let signature: Buffer;
      try {
        signature = derToJose(output.Signature ?? new Uint8Array());
      } catch (error) {
        if (error instanceof SignatureFormatError) throw invalid(name, `KMS key ${arn} returned a malformed signature (${error.message})`, 'kms:sign:malformed', error);
        throw error;
      }
      if (!verify('sha256', signingInput, { key: publicKey, dsaEncoding: 'ieee-p1363' }, signature)) {
        throw invalid(name, `KMS key ${arn} returned a signature that does not verify against its public key`, 'kms:sign:does_not_verify');
      }
      this.#options.onSign?.({ name, ok: true, durationMs: performance.now() - started });
      return signature;
    } catch (error) {
      this.#options.onSign?.({ name, ok: false, durationMs: performance.now() - started, error });
      throw error;
    }
  }

  /** One KMS call, its failure turned into the service's codes (src/aws/clients.ts). */
  async #call<T>(name: string, kmsKeyId: string, operation: string, send: () => Promise<T>): Promise<T> {
    try {
      return await send();
    } catch (error) {
      throw keyError(error, {
        key: name,
        source: 'kms',
        operation,
        permanent: PERMANENT,
        describe: (errorName) => `KMS answered ${errorName} to ${operation} on ${kmsKeyId}${ERROR_REMEDY[errorName] ?? ''}`,
      });
    }
  }
}

/** The public key each remote key was built with (kept off the key object, which is handed around). */
const publicKeys = new WeakMap<RemoteSigningKey, KeyObject>();

/** The public key KMS gave for a key this module loaded (what its signatures are checked against). */
export function kmsPublicKey(key: RemoteSigningKey): KeyObject | undefined {
  return publicKeys.get(key);
}

function invalid(name: string, reason: string, code: string, cause?: unknown): TokenVendingError {
  return new TokenVendingError('key_invalid', `Key "${name}" is not usable: ${reason}.`, { reason: code, ...(cause === undefined ? {} : { cause }) });
}

function describe(identity: AppleIdentity): string {
  return `key ${identity.keyId}${identity.teamId !== undefined ? `, team ${identity.teamId}` : identity.issuerId === undefined ? ' (individual)' : `, issuer ${identity.issuerId}`}`;
}

/**
 * The identity the key's tags give, `undefined` when it has no AscTokenVending tags.
 * @throws TokenVendingError `key_invalid` when the tags are there but malformed or incomplete.
 */
export function identityFromTags(name: string, arn: string, tags: ReadonlyArray<{ TagKey?: string | undefined; TagValue?: string | undefined }>): AppleIdentity | undefined {
  const value = (tag: string) => tags.find((t) => t.TagKey === tag)?.TagValue;
  const keyId = value(TAGS.keyId);
  const issuerId = value(TAGS.issuerId);
  const individual = value(TAGS.individual);
  const teamId = value(TAGS.teamId);
  if (keyId === undefined && issuerId === undefined && individual === undefined && teamId === undefined) return undefined;
  const fail = (what: string) => invalid(name, `KMS key ${arn} has ${what}; tag it again with asc-token keys import --kms-key-id`, 'kms:tags');
  if (keyId === undefined || !KEY_ID_PATTERN.test(keyId)) throw fail(`a ${TAGS.keyId} tag that is not a 10-character key ID`);
  if ([issuerId, individual, teamId].filter((v) => v !== undefined).length > 1) throw fail(`more than one of the ${TAGS.issuerId}, ${TAGS.individual} and ${TAGS.teamId} tags`);
  if (teamId !== undefined) {
    if (!TEAM_ID_PATTERN.test(teamId)) throw fail(`a ${TAGS.teamId} tag that is not a 10-character Team ID`);
    return { keyId, issuerId: undefined, teamId };
  }
  if (individual !== undefined) {
    if (individual !== 'true') throw fail(`a ${TAGS.individual} tag other than "true"`);
    return { keyId, issuerId: undefined };
  }
  if (issuerId === undefined || !ISSUER_ID_PATTERN.test(issuerId)) throw fail(`no valid ${TAGS.issuerId} tag (or ${TAGS.individual}=true, or ${TAGS.teamId})`);
  return { keyId, issuerId };
}
