/**
 * `asc-token keys … --kms-key-id ID`: the ops side of keys held by AWS KMS (docs/design.md#keys-held-by-aws-kms).
 * `import` wraps the `.p8` with the KMS key's import parameters and proves the import by having KMS sign; `verify`
 * signs a token through KMS and proves it (src/cli/keys/prove.ts); `show` describes the key. The private key is read from the `.p8` file, wrapped
 * (RSAES-OAEP-SHA-256 to a 3072-bit wrapping key KMS made for this import) and sent only wrapped; no message ever
 * shows any of it.
 */
import { constants, createPublicKey, publicEncrypt } from 'node:crypto';
import { parseArgs } from 'node:util';
import type { KMSClient } from '@aws-sdk/client-kms';
import { opsClientConfig } from '../../aws/clients.ts';
import { printable } from '../../client/ci-text.ts';
import { TEAM_ID_PATTERN } from '../../core/apple.ts';
import { isTokenVendingError } from '../../core/errors.ts';
import { KmsKeyFetcher, TAGS, kmsPublicKey, type AppleIdentity } from '../../key-sources/kms-fetcher.ts';
import { missingRegion, regionOfArn } from '../aws-region.ts';
import { refuseInsecureEndpoints, type EndpointOptions } from '../endpoint-guard.ts';
import { CliError, EXIT, UsageError, type CliIo } from '../io.ts';
import { P8_OPTIONS, readP8 } from '../p8.ts';
import { askApple } from './apple.ts';
import { describeIdentity, fingerprint, proveKey, spki, testToken, verifiesWith } from './prove.ts';

/**
 * The wrapping for import. KMS accepts RSAES_OAEP_SHA_* and RSA_AES_KEY_WRAP_SHA_* for ECC key material; RSAES-OAEP
 * with SHA-256 is the one that works in every partition (KMS offers no RSA_AES wrapping in the China Regions) and
 * needs one primitive (no AES key wrap to assemble): a P-256 PKCS#8 key is 138 bytes, well within one OAEP block of
 * a 3072-bit key (318 bytes), whose strength (128-bit) matches P-256's.
 */
const WRAPPING = { algorithm: 'RSAES_OAEP_SHA_256', keySpec: 'RSA_3072' } as const;
/** KMS's limit for an expiring import: `ValidTo` at most 365 days ahead. */
const MAX_VALID_DAYS = 365;

export interface KmsDeps {
  kms?: KMSClient;
  /** `--endpoint-url` and where to name a non-AWS endpoint (set by `keys`). */
  endpointGuard?: EndpointOptions;
}

/** The KMS client: the one given (tests), else the SDK's default chain, loaded only when a KMS command runs. */
async function kmsClient(deps: KmsDeps, kmsKeyId?: string): Promise<KMSClient> {
  if (deps.kms) return refuseInsecureEndpoints(deps.kms, 'KMS', 'AWS_ENDPOINT_URL_KMS', deps.endpointGuard);
  const { KMSClient } = await import('@aws-sdk/client-kms');
  const region = regionOfArn(kmsKeyId);
  const endpoint = deps.endpointGuard?.explicit;
  return refuseInsecureEndpoints(new KMSClient(opsClientConfig({ ...(region ? { region } : {}), ...(endpoint ? { endpoint } : {}) })), 'KMS', 'AWS_ENDPOINT_URL_KMS', deps.endpointGuard);
}

async function sdk() {
  return import('@aws-sdk/client-kms');
}

export async function kmsKeysCommand(sub: string | undefined, args: string[], io: CliIo, deps: KmsDeps): Promise<number> {
  try {
    switch (sub) {
      case 'import':
        return await importKey(args, io, deps);
      case 'verify':
        return await verifyKey(args, io, deps);
      case 'show':
        return await showKey(args, io, deps);
      case 'promote':
        throw new UsageError('a KMS key has no stages to promote: rotate by importing the new .p8 into a new KMS key and moving the alias the policy names (docs/keys.md#rotating-a-kms-held-key-runbook)');
      default:
        throw new UsageError(sub === undefined ? 'name a subcommand: import, verify or show' : `unknown subcommand "keys ${sub}"`);
    }
  } catch (error) {
    throw kmsError(error);
  }
}

function kmsKeyIdOf(value: string | undefined): string {
  if (!value) throw new UsageError('--kms-key-id ID is required (a key ID, key ARN, alias/NAME or alias ARN)');
  return value;
}

/** `--valid-to DATE`: when KMS deletes the imported material (it must then be imported again). */
function validTo(value: string | undefined, now: number): Date | undefined {
  if (value === undefined) return undefined;
  const date = /^\d{4}-\d{2}-\d{2}(T[\d:.]+(Z|[+-]\d{2}:\d{2}))?$/.test(value) ? new Date(value) : new Date(Number.NaN);
  if (Number.isNaN(date.getTime())) throw new UsageError('--valid-to takes a date (2027-06-30) or an ISO 8601 time (2027-06-30T12:00:00Z)');
  if (date.getTime() <= now) throw new UsageError('--valid-to must be in the future');
  if (date.getTime() > now + MAX_VALID_DAYS * 86_400_000) throw new UsageError(`--valid-to is at most ${MAX_VALID_DAYS} days ahead (KMS's limit); leave it out for material that does not expire`);
  return date;
}

async function importKey(args: string[], io: CliIo, deps: KmsDeps): Promise<number> {
  const { values } = parseArgs({
    args,
    options: { 'kms-key-id': { type: 'string' }, ...P8_OPTIONS, 'valid-to': { type: 'string' } },
    strict: true,
  });
  const kmsKeyId = kmsKeyIdOf(values['kms-key-id']);
  const expires = validTo(values['valid-to'], io.now());
  const p8 = readP8(values, io.cwd);
  const p8Public = createPublicKey(p8.privateKey);
  const client = await kmsClient(deps, kmsKeyId);
  const { DescribeKeyCommand, GetParametersForImportCommand, GetPublicKeyCommand, ImportKeyMaterialCommand, TagResourceCommand, UntagResourceCommand } = await sdk();

  const meta = (await client.send(new DescribeKeyCommand({ KeyId: kmsKeyId }))).KeyMetadata;
  const arn = meta?.Arn ?? kmsKeyId;
  const unsuitable = (why: string) => new CliError('kms_key_unsuitable', `KMS key ${arn} ${why}`, EXIT.other, 'create a key for it with infra/kms-key.yml (ECC_NIST_P256, SIGN_VERIFY, origin EXTERNAL)');
  if (meta?.Origin !== 'EXTERNAL') throw unsuitable(`has origin ${meta?.Origin ?? 'unknown'}: only a key created without material (origin EXTERNAL) can take an imported .p8`);
  if (meta.KeySpec !== 'ECC_NIST_P256' || meta.KeyUsage !== 'SIGN_VERIFY') throw unsuitable(`is ${meta.KeySpec} for ${meta.KeyUsage}: an App Store Connect key needs ECC_NIST_P256 for SIGN_VERIFY`);
  if (meta.KeyState === 'PendingDeletion' || meta.KeyState === 'Disabled') {
    throw new CliError('kms_key_state', `KMS key ${arn} is ${meta.KeyState}`, EXIT.other, meta.KeyState === 'Disabled' ? 'enable it first (aws kms enable-key)' : 'cancel its deletion first (aws kms cancel-key-deletion)');
  }
  const reimport = meta.KeyState !== 'PendingImport';
  if (reimport) {
    // KMS takes only the same material again; say so before sending anything rather than after.
    const held = (await client.send(new GetPublicKeyCommand({ KeyId: arn }))).PublicKey;
    if (!held || !Buffer.from(held).equals(spki(p8Public))) {
      throw new CliError(
        'kms_key_in_use',
        `KMS key ${arn} already holds another key (public key SHA-256 ${held ? fingerprint(Buffer.from(held)) : 'unknown'}); KMS never replaces key material`,
        EXIT.other,
        'create a new KMS key (infra/kms-key.yml), import there, verify, then move the alias (docs/keys.md#rotating-a-kms-held-key-runbook)',
      );
    }
  }

  const parameters = await client.send(new GetParametersForImportCommand({ KeyId: arn, WrappingAlgorithm: WRAPPING.algorithm, WrappingKeySpec: WRAPPING.keySpec }));
  if (!parameters.PublicKey || !parameters.ImportToken) throw new CliError('import_failed', `KMS answered GetParametersForImport for ${arn} without a wrapping key`, EXIT.other, 'run the import again');
  const material = p8.privateKey.export({ format: 'der', type: 'pkcs8' });
  let wrapped: Buffer;
  try {
    wrapped = publicEncrypt(
      { key: createPublicKey({ key: Buffer.from(parameters.PublicKey), format: 'der', type: 'spki' }), padding: constants.RSA_PKCS1_OAEP_PADDING, oaepHash: 'sha256' },
      material,
    );
  } finally {
    material.fill(0);
  }
  await client.send(
    new ImportKeyMaterialCommand({
      KeyId: arn,
      ImportToken: parameters.ImportToken,
      EncryptedKeyMaterial: wrapped,
      // Stated, never left to KMS's default (KEY_MATERIAL_EXPIRES, which needs a ValidTo).
      ...(expires ? { ExpirationModel: 'KEY_MATERIAL_EXPIRES', ValidTo: expires } : { ExpirationModel: 'KEY_MATERIAL_DOES_NOT_EXPIRE' }),
    }),
  );
  // Who the key is to Apple, as tags the service reads (src/key-sources/kms-fetcher.ts); the other identity tags go.
  const identity =
    p8.teamId !== undefined ? { [TAGS.teamId]: p8.teamId } : p8.issuerId === undefined ? { [TAGS.individual]: 'true' } : { [TAGS.issuerId]: p8.issuerId };
  const tags = { [TAGS.keyId]: p8.keyId, ...identity };
  await client.send(new TagResourceCommand({ KeyId: arn, Tags: Object.entries(tags).map(([TagKey, TagValue]) => ({ TagKey, TagValue })) }));
  const stale = [TAGS.issuerId, TAGS.individual, TAGS.teamId].filter((tag) => !(tag in identity));
  await client.send(new UntagResourceCommand({ KeyId: arn, TagKeys: stale }));
  io.stdout(
    `${reimport ? 're-imported' : 'imported'} key ${p8.keyId} (${describeIdentity(p8)}) into KMS key ${arn}${arn === kmsKeyId ? '' : ` (${kmsKeyId})`}; ` +
      `${expires ? `KMS deletes the material at ${expires.toISOString()} (import it again before then)` : 'the material does not expire'}\n`,
  );
  io.stdout(`tagged ${Object.entries(tags).map(([k, v]) => `${k}=${v}`).join(', ')}: the service signs as this key ID\n`);

  // The proof: KMS signs a token; it must verify with the .p8's public key, and KMS's public key must be the .p8's.
  const { key, publicKey } = await loadKey(client, arn, undefined);
  const token = await testToken(key, io.now());
  if (!verifiesWith(token, p8Public) || !spki(publicKey).equals(spki(p8Public))) {
    throw new CliError('import_not_proved', `KMS key ${arn} signed a token that does not verify with the public key of ${p8.file}`, EXIT.other, 'do not point the service at this key; check the file and import into a new KMS key');
  }
  io.stdout(`proved: KMS signed a test token (key ${key.keyId}) that verifies with the .p8's public key, SHA-256 ${fingerprint(spki(p8Public))}\n`);
  io.stdout('keep the .p8 offline, not on this machine: KMS never exports the key, and importing it again (a new KMS key, a restore) needs the file\n');
  if (p8.teamId === undefined) io.stdout(`next: asc-token keys verify --kms-key-id ${kmsKeyId}   (App Store Connect accepts it?)\n`);
  return EXIT.ok;
}

/** The key as the service loads it (DescribeKey, GetPublicKey, ListResourceTags), named by what the user gave. */
async function loadKey(client: KMSClient, kmsKeyId: string, identity: AppleIdentity | undefined) {
  const fetcher = new KmsKeyFetcher({ keys: new Map([[kmsKeyId, { kmsKeyId, identity }]]), client });
  try {
    const { key, versionId } = await fetcher.fetch(kmsKeyId, undefined);
    const publicKey = key.kind === 'remote' ? kmsPublicKey(key) : undefined;
    if (publicKey === undefined) throw new Error('the KMS key loaded without its public key');
    return { key, publicKey, arn: versionId ?? kmsKeyId };
  } catch (error) {
    if (isTokenVendingError(error) && error.code === 'key_invalid') throw new CliError('key_invalid', error.detail, EXIT.other, kmsHint(error.reason));
    if (isTokenVendingError(error)) {
      // The service's "retry shortly" is for callers; an operator needs the cause (no region, a refused connection…).
      const noRegion = missingRegion(error.cause);
      if (noRegion) throw noRegion;
      const cause = String((error.cause as Error | undefined)?.message ?? '').split('\n')[0];
      throw new CliError('unavailable', `KMS key ${kmsKeyId} cannot be loaded: ${error.reason}${cause ? `: ${cause}` : ''}`, EXIT.unavailable, 'check AWS_REGION, AWS_ENDPOINT_URL_KMS and your network');
    }
    throw error;
  }
}

function kmsHint(reason: string): string | undefined {
  if (reason === 'kms:no_identity') return 'import it with asc-token keys import --kms-key-id, or give --key-id and --issuer-id (or --individual, or --team-id)';
  if (reason.startsWith('kms:state:PendingImport')) return 'import the .p8 with asc-token keys import --kms-key-id';
  return undefined;
}

async function verifyKey(args: string[], io: CliIo, deps: KmsDeps): Promise<number> {
  const { values } = parseArgs({
    args,
    options: { 'kms-key-id': { type: 'string' }, 'apple-url': { type: 'string' }, 'key-id': { type: 'string' }, 'issuer-id': { type: 'string' }, individual: { type: 'boolean' }, 'team-id': { type: 'string' } },
    strict: true,
  });
  const kmsKeyId = kmsKeyIdOf(values['kms-key-id']);
  const identity = identityFromFlags(values);
  const client = await kmsClient(deps, kmsKeyId);
  const { key, arn, publicKey } = await loadKey(client, kmsKeyId, identity);
  if (key.teamId !== undefined) {
    await proveKey(key, `key ${key.keyId} (${describeIdentity(key)}, KMS key ${arn})`, { publicKey, io });
    return EXIT.ok;
  }
  // Every KMS signature is checked against the key's public key before it becomes a token (the fetcher's Sign).
  const token = await testToken(key, io.now());
  io.stdout(`ok: KMS key ${arn} signed a token for key ${key.keyId} (${describeIdentity(key)}) that verifies against its public key\n`);
  await askApple(token, `key ${key.keyId} (KMS key ${arn})`, values['apple-url'], io);
  return EXIT.ok;
}

function identityFromFlags(values: { 'key-id'?: string | undefined; 'issuer-id'?: string | undefined; individual?: boolean | undefined; 'team-id'?: string | undefined }): AppleIdentity | undefined {
  if (values['key-id'] === undefined) {
    if (values['issuer-id'] !== undefined || values.individual || values['team-id'] !== undefined) throw new UsageError('--issuer-id, --individual and --team-id go with --key-id');
    return undefined;
  }
  if (!/^[A-Z0-9]{10}$/.test(values['key-id'])) throw new UsageError('--key-id is a 10-character key ID');
  const given = [values['issuer-id'] !== undefined, Boolean(values.individual), values['team-id'] !== undefined].filter(Boolean).length;
  if (given !== 1) throw new UsageError('give one of --issuer-id ID (a team key), --individual, or --team-id ID (a developer key)');
  if (values['team-id'] !== undefined && !TEAM_ID_PATTERN.test(values['team-id'])) throw new UsageError('--team-id is the 10-character Team ID of the developer account');
  return { keyId: values['key-id'], issuerId: values['issuer-id'], ...(values['team-id'] === undefined ? {} : { teamId: values['team-id'] }) };
}

async function showKey(args: string[], io: CliIo, deps: KmsDeps): Promise<number> {
  const { values } = parseArgs({ args, options: { 'kms-key-id': { type: 'string' } }, strict: true });
  const kmsKeyId = kmsKeyIdOf(values['kms-key-id']);
  const client = await kmsClient(deps, kmsKeyId);
  const { DescribeKeyCommand, GetPublicKeyCommand, ListResourceTagsCommand } = await sdk();
  const meta = (await client.send(new DescribeKeyCommand({ KeyId: kmsKeyId }))).KeyMetadata;
  const arn = meta?.Arn ?? kmsKeyId;
  const tags = (await client.send(new ListResourceTagsCommand({ KeyId: arn, Limit: 50 }))).Tags ?? [];
  const ours = tags.filter((t) => t.TagKey?.startsWith('AscTokenVending:'));
  // Tags are KMS's answer: printed as one printable line each (src/client/ci-text.ts).
  const tag = (name: string) => {
    const value = tags.find((t) => t.TagKey === name)?.TagValue;
    return value === undefined ? undefined : printable(value, 200);
  };
  const lines = [`KMS key ${arn}${arn === kmsKeyId ? '' : `  (${kmsKeyId})`}`, `  state        ${meta?.KeyState ?? 'unknown'}`, `  key spec     ${meta?.KeySpec ?? '?'} for ${meta?.KeyUsage ?? '?'}, origin ${meta?.Origin ?? '?'}`];
  if (meta?.KeyState === 'PendingImport') lines.push(`  material     none yet: asc-token keys import --kms-key-id ${kmsKeyId} --p8 AuthKey_KEYID.p8 …`);
  else lines.push(`  material     ${meta?.ExpirationModel === 'KEY_MATERIAL_EXPIRES' && meta.ValidTo ? `expires ${meta.ValidTo.toISOString()} (import it again before then)` : meta?.Origin === 'EXTERNAL' ? 'imported, does not expire' : `made by ${meta?.Origin ?? 'KMS'}`}`);
  lines.push(
    `  identity     ${
      tag(TAGS.keyId) === undefined
        ? 'no AscTokenVending tags: the service uses the policy\'s keyId/issuerId'
        : `key ${tag(TAGS.keyId)}, ${tag(TAGS.teamId) !== undefined ? `developer key, team ${tag(TAGS.teamId)}` : tag(TAGS.individual) === 'true' ? 'individual key' : `team key, issuer ${tag(TAGS.issuerId) ?? '(missing)'}`} (from its tags)`
    }`,
  );
  if (meta?.KeyState === 'Enabled' || meta?.KeyState === 'Disabled') {
    const publicKey = (await client.send(new GetPublicKeyCommand({ KeyId: arn }))).PublicKey;
    if (publicKey) lines.push(`  public key   SHA-256 ${fingerprint(Buffer.from(publicKey))} (of the SubjectPublicKeyInfo DER)`);
  }
  if (ours.length > 0) lines.push(`  tags         ${ours.map((t) => printable(`${t.TagKey}=${t.TagValue}`, 300)).join(', ')}`);
  io.stdout(`${lines.join('\n')}\n`);
  return EXIT.ok;
}

/** KMS errors in terms an operator can act on. */
function kmsError(error: unknown): unknown {
  if (error instanceof CliError || error instanceof UsageError || (error as { code?: string })?.code?.startsWith?.('ERR_PARSE_ARGS')) return error;
  const name = (error as { name?: string })?.name ?? 'Error';
  const message = ((error as Error)?.message ?? String(error)).split('\n')[0] as string;
  const status = (error as { $metadata?: { httpStatusCode?: number } })?.$metadata?.httpStatusCode;
  const noRegion = missingRegion(error);
  if (noRegion) return noRegion;
  switch (name) {
    case 'NotFoundException':
      return new CliError('kms_key_not_found', `KMS: ${message}`, EXIT.other, 'check --kms-key-id and AWS_REGION; create the key with infra/kms-key.yml');
    case 'AccessDeniedException':
      return new CliError('access_denied', `KMS: ${message}`, EXIT.refused, 'use the ops role: the key policy of infra/kms-key.yml lets only it import and tag');
    case 'IncorrectKeyMaterialException':
      return new CliError('kms_key_in_use', `KMS: ${message}`, EXIT.other, 'a KMS key takes only the material it first received: import into a new KMS key (docs/keys.md#rotating-a-kms-held-key-runbook)');
    case 'ExpiredImportTokenException':
    case 'InvalidImportTokenException':
    case 'InvalidCiphertextException':
      return new CliError('import_failed', `KMS: ${name}: ${message}`, EXIT.other, 'run the import again');
    case 'KMSInvalidStateException':
    case 'DisabledException':
    case 'UnsupportedOperationException':
      return new CliError('kms_key_state', `KMS: ${name}: ${message}`, EXIT.other, 'asc-token keys show --kms-key-id ID shows its state');
    case 'CredentialsProviderError':
      return new CliError('no_credentials', message, EXIT.unavailable, 'set AWS_PROFILE or assume the ops role first');
    default:
      if ((status !== undefined && (status >= 500 || status === 429)) || name === 'ThrottlingException' || /ECONNREFUSED|ETIMEDOUT|TimeoutError|ENOTFOUND|ECONNRESET/.test(`${name} ${message}`)) {
        return new CliError('unavailable', `KMS: ${name}: ${message}`, EXIT.unavailable);
      }
      if (status !== undefined) return new CliError('kms_error', `KMS: ${name}: ${message}`, EXIT.other);
      return error;
  }
}
