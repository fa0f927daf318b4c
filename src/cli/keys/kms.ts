/**
 * `asc-token keys … --kms-key-id ID`: the ops side of keys held by AWS KMS (docs/design.md#keys-held-by-aws-kms).
 * `import` (src/cli/keys/kms-import.ts) wraps the `.p8` with the KMS key's import parameters and proves the import
 * by having KMS sign; `verify` signs a token through KMS and proves it (src/cli/keys/prove.ts); `show` describes the
 * key. `--region R` points any of them at one region's replica of a multi-Region key (docs/design.md#two-regions).
 */
import { parseArgs } from 'node:util';
import { printable } from '../../client/ci-text.ts';
import { TEAM_ID_PATTERN } from '../../core/apple.ts';
import { TAGS, type AppleIdentity } from '../../key-sources/kms-fetcher.ts';
import { EXIT, UsageError, type CliIo } from '../io.ts';
import { askApple } from './apple.ts';
import { kmsClient, kmsError, kmsKeyIdOf, loadKey, type KmsDeps } from './kms-client.ts';
import { importKey } from './kms-import.ts';
import { describeIdentity, fingerprint, proveKey, testToken } from './prove.ts';
import { KMS_OPTIONS } from './help.ts';
import { inRegion, mapFlag } from './regions.ts';

export type { KmsDeps };

async function sdk() {
  return import('@aws-sdk/client-kms');
}

export async function kmsKeysCommand(sub: string | undefined, args: string[], io: CliIo, deps: KmsDeps, region?: string): Promise<number> {
  try {
    switch (sub) {
      case 'import':
        return await importKey(args, io, deps, region);
      case 'verify':
        return await verifyKey(mapFlag(args, '--kms-key-id', (id) => inRegion(id, region)), io, deps, region);
      case 'show':
        return await showKey(mapFlag(args, '--kms-key-id', (id) => inRegion(id, region)), io, deps, region);
      case 'promote':
        throw new UsageError('a KMS key has no stages to promote: rotate by importing the new .p8 into a new KMS key and moving the alias the policy names (docs/keys.md#rotating-a-kms-held-key-runbook)');
      default:
        throw new UsageError(sub === undefined ? 'name a subcommand: import, verify or show' : `unknown subcommand "keys ${sub}"`);
    }
  } catch (error) {
    throw kmsError(error);
  }
}

async function verifyKey(args: string[], io: CliIo, deps: KmsDeps, region: string | undefined): Promise<number> {
  const { values } = parseArgs({
    args,
    options: KMS_OPTIONS.verify,
    strict: true,
  });
  const kmsKeyId = kmsKeyIdOf(values['kms-key-id']);
  const identity = identityFromFlags(values);
  const client = await kmsClient(deps, kmsKeyId, region);
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

async function showKey(args: string[], io: CliIo, deps: KmsDeps, region: string | undefined): Promise<number> {
  const { values } = parseArgs({ args, options: KMS_OPTIONS.show, strict: true });
  const kmsKeyId = kmsKeyIdOf(values['kms-key-id']);
  const client = await kmsClient(deps, kmsKeyId, region);
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

