/**
 * `asc-token keys import --kms-key-id ID --p8 FILE`: wraps the `.p8` with the KMS key's import parameters, imports it,
 * tags the key with its Apple identity and proves the import by having KMS sign a token that must verify with the
 * `.p8`'s public key. With `--regions r1,r2` (docs/design.md#two-regions) the same material goes into a multi-Region
 * key's primary and each replica — KMS copies no imported material between them — and each is proved on its own:
 * every region is checked before anything is sent to any, and a region that fails is named, with what was already
 * done and how to finish. The private key is sent only wrapped (RSAES-OAEP-SHA-256 to a 3072-bit wrapping key KMS
 * made for this import); no message ever shows any of it.
 */
import { constants, createPublicKey, publicEncrypt, type KeyObject } from 'node:crypto';
import { parseArgs } from 'node:util';
import type { DescribeKeyCommandOutput, KMSClient } from '@aws-sdk/client-kms';
import { TAGS } from '../../key-sources/kms-fetcher.ts';
import { CliError, EXIT, UsageError, type CliIo } from '../io.ts';
import { readP8, type P8Key as P8 } from '../p8.ts';
import { KMS_OPTIONS } from './help.ts';
import { kmsClient, kmsError, kmsKeyIdOf, loadKey, type KmsDeps } from './kms-client.ts';
import { describeIdentity, fingerprint, spki, testToken, verifiesWith } from './prove.ts';
import { inRegion, parseRegions } from './regions.ts';

/**
 * The wrapping for import. KMS accepts RSAES_OAEP_SHA_* and RSA_AES_KEY_WRAP_SHA_* for ECC key material; RSAES-OAEP
 * with SHA-256 is the one that works in every partition (KMS offers no RSA_AES wrapping in the China Regions) and
 * needs one primitive (no AES key wrap to assemble): a P-256 PKCS#8 key is 138 bytes, well within one OAEP block of
 * a 3072-bit key (318 bytes), whose strength (128-bit) matches P-256's.
 */
const WRAPPING = { algorithm: 'RSAES_OAEP_SHA_256', keySpec: 'RSA_3072' } as const;
/** KMS's limit for an expiring import: `ValidTo` at most 365 days ahead. */
const MAX_VALID_DAYS = 365;

/** `--valid-to DATE`: when KMS deletes the imported material (it must then be imported again). */
function validTo(value: string | undefined, now: number): Date | undefined {
  if (value === undefined) return undefined;
  const date = /^\d{4}-\d{2}-\d{2}(T[\d:.]+(Z|[+-]\d{2}:\d{2}))?$/.test(value) ? new Date(value) : new Date(Number.NaN);
  if (Number.isNaN(date.getTime())) throw new UsageError('--valid-to takes a date (2027-06-30) or an ISO 8601 time (2027-06-30T12:00:00Z)');
  if (date.getTime() <= now) throw new UsageError('--valid-to must be in the future');
  if (date.getTime() > now + MAX_VALID_DAYS * 86_400_000) throw new UsageError(`--valid-to is at most ${MAX_VALID_DAYS} days ahead (KMS's limit); leave it out for material that does not expire`);
  return date;
}

async function sdk() {
  return import('@aws-sdk/client-kms');
}

/** One key to import into: its client, the ID as given for its region, and what KMS said of it. */
interface Target {
  region: string | undefined;
  kmsKeyId: string;
  client: KMSClient;
  meta: NonNullable<DescribeKeyCommandOutput['KeyMetadata']>;
  arn: string;
  reimport: boolean;
}

/** Whether the key can take this `.p8`, asked before anything is sent: origin, spec, state, material already held. */
async function checkTarget(client: KMSClient, kmsKeyId: string, region: string | undefined, p8Public: KeyObject): Promise<Target> {
  const { DescribeKeyCommand, GetPublicKeyCommand } = await sdk();
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
  return { region, kmsKeyId, client, meta, arn, reimport };
}

/** Import into one checked key, tag it, prove it; `say` prints a line (prefixed with the region when there are several). */
async function importInto(target: Target, p8: P8, p8Public: KeyObject, expires: Date | undefined, io: CliIo, say: (text: string) => void): Promise<void> {
  const { client, arn, kmsKeyId } = target;
  const { GetParametersForImportCommand, ImportKeyMaterialCommand, TagResourceCommand, UntagResourceCommand } = await sdk();
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
  // A multi-Region key's tags are each region's own: KMS does not share them, so each replica is tagged here.
  const identity =
    p8.teamId !== undefined ? { [TAGS.teamId]: p8.teamId } : p8.issuerId === undefined ? { [TAGS.individual]: 'true' } : { [TAGS.issuerId]: p8.issuerId };
  const tags = { [TAGS.keyId]: p8.keyId, ...identity };
  await client.send(new TagResourceCommand({ KeyId: arn, Tags: Object.entries(tags).map(([TagKey, TagValue]) => ({ TagKey, TagValue })) }));
  const stale = [TAGS.issuerId, TAGS.individual, TAGS.teamId].filter((tag) => !(tag in identity));
  await client.send(new UntagResourceCommand({ KeyId: arn, TagKeys: stale }));
  say(
    `${target.reimport ? 're-imported' : 'imported'} key ${p8.keyId} (${describeIdentity(p8)}) into KMS key ${arn}${arn === kmsKeyId ? '' : ` (${kmsKeyId})`}; ` +
      `${expires ? `KMS deletes the material at ${expires.toISOString()} (import it again before then)` : 'the material does not expire'}\n`,
  );
  say(`tagged ${Object.entries(tags).map(([k, v]) => `${k}=${v}`).join(', ')}: the service signs as this key ID\n`);

  // The proof: KMS signs a token; it must verify with the .p8's public key, and KMS's public key must be the .p8's.
  const { key, publicKey } = await loadKey(client, arn, undefined);
  const token = await testToken(key, io.now());
  if (!verifiesWith(token, p8Public) || !spki(publicKey).equals(spki(p8Public))) {
    throw new CliError('import_not_proved', `KMS key ${arn} signed a token that does not verify with the public key of ${p8.file}`, EXIT.other, 'do not point the service at this key; check the file and import into a new KMS key');
  }
  say(`proved: KMS signed a test token (key ${key.keyId}) that verifies with the .p8's public key, SHA-256 ${fingerprint(spki(p8Public))}\n`);
}

/** A failure in one of several regions, named, with what was done and how to finish. */
function regionFailed(error: unknown, region: string, done: readonly string[], all: readonly string[], before: boolean): unknown {
  const cause = kmsError(error);
  if (!(cause instanceof CliError)) return cause;
  const left = all.filter((r) => !done.includes(r));
  const progress = before
    ? 'nothing was imported anywhere (every region is checked first)'
    : `${done.length > 0 ? `already imported and proved in ${done.join(', ')}; ` : ''}fix ${region}, then run the same command with --regions ${left.join(',')} (the same .p8 again is accepted)`;
  return new CliError(cause.code, `region ${region}: ${cause.message}`, cause.exitCode, `${cause.hint ? `${cause.hint}; ` : ''}${progress}`);
}

/** The keys of several regions must be one multi-Region key: same key ID, MultiRegion. */
function checkOneMultiRegionKey(targets: readonly Target[], kmsKeyId: string): void {
  for (const target of targets) {
    if (!target.meta.MultiRegion) {
      throw new CliError(
        'kms_key_not_multi_region',
        `region ${target.region}: KMS key ${target.arn} is not a multi-Region key, so no other region can hold the same key`,
        EXIT.other,
        'create the key with infra/kms-key.yml MultiRegion=true and a replica in each other region with infra/kms-replica-key.yml (docs/two-regions.md)',
      );
    }
  }
  const ids = new Set(targets.map((t) => t.meta.KeyId));
  if (ids.size > 1) {
    throw new CliError(
      'kms_key_mismatch',
      `--kms-key-id ${kmsKeyId} names different keys in different regions (${targets.map((t) => `${t.region}: ${t.meta.KeyId}`).join(', ')}): they are not replicas of one multi-Region key`,
      EXIT.other,
      'give the multi-Region key ID (mrk-…), or point the alias at the replica of the same key in each region',
    );
  }
}

export async function importKey(args: string[], io: CliIo, deps: KmsDeps, region: string | undefined): Promise<number> {
  const { values } = parseArgs({
    args,
    options: KMS_OPTIONS.import,
    strict: true,
  });
  const kmsKeyId = kmsKeyIdOf(values['kms-key-id']);
  const expires = validTo(values['valid-to'], io.now());
  const regions = values.regions === undefined ? undefined : parseRegions(values.regions);
  if (regions !== undefined && region !== undefined) throw new UsageError('--region and --regions exclude each other: --regions names every region to import into');
  const p8 = readP8(values, io.cwd);
  const p8Public = createPublicKey(p8.privateKey);
  const next = (id: string) => {
    io.stdout('keep the .p8 offline, not on this machine: KMS never exports the key, and importing it again (a new KMS key, a restore) needs the file\n');
    if (p8.teamId === undefined) io.stdout(`next: asc-token keys verify --kms-key-id ${id}   (App Store Connect accepts it?)\n`);
  };

  if (regions === undefined) {
    const id = inRegion(kmsKeyId, region);
    const client = await kmsClient(deps, id, region);
    await importInto(await checkTarget(client, id, region, p8Public), p8, p8Public, expires, io, io.stdout);
    next(region === undefined ? kmsKeyId : `${id} --region ${region}`);
    return EXIT.ok;
  }

  // Every region checked before any is sent anything: a wrong ID, a missing replica, a region that does not answer.
  const targets: Target[] = [];
  for (const r of regions) {
    try {
      const id = inRegion(kmsKeyId, r);
      targets.push(await checkTarget(await kmsClient(deps, id, r), id, r, p8Public));
    } catch (error) {
      throw regionFailed(error, r, [], regions, true);
    }
  }
  if (targets.length > 1) checkOneMultiRegionKey(targets, kmsKeyId);
  const done: string[] = [];
  for (const target of targets) {
    const r = target.region as string;
    try {
      await importInto(target, p8, p8Public, expires, io, (text) => io.stdout(`${r}: ${text}`));
    } catch (error) {
      throw regionFailed(error, r, done, regions, false);
    }
    done.push(r);
  }
  io.stdout(`imported and proved in ${done.length} region${done.length === 1 ? '' : 's'}: ${done.join(', ')}\n`);
  next(`${kmsKeyId} --region R`);
  return EXIT.ok;
}
