/**
 * `asc-token keys … --secret-id`: the ops side of rotation for keys in Secrets Manager (docs/design.md#the-secret). A
 * new key goes in as a new version of the same secret, staged AWSPENDING; `verify` proves it (src/cli/keys/prove.ts);
 * `promote` moves AWSCURRENT to it. Nothing here prints key material: keys are described by key ID, issuer or team,
 * and version.
 */
import { parseArgs } from 'node:util';
import {
  DescribeSecretCommand,
  GetSecretValueCommand,
  PutSecretValueCommand,
  SecretsManagerClient,
  UpdateSecretVersionStageCommand,
} from '@aws-sdk/client-secrets-manager';
import { opsClientConfig } from '../../aws/ops-clients.ts';
import { printable } from '../../client/ci-text.ts';
import { isTokenVendingError } from '../../core/errors.ts';
import { parseSecret } from '../../core/secret.ts';
import type { SigningKey } from '../../core/signing-key.ts';
import { missingRegion, regionOfArn } from '../aws-region.ts';
import { unreadableAnswer } from '../aws-answer.ts';
import { refuseInsecureEndpoints, type EndpointOptions } from '../endpoint-guard.ts';
import { CliError, EXIT, UsageError, type CliIo } from '../io.ts';
import { readP8 } from '../p8.ts';
import { SECRET_OPTIONS } from './help.ts';
import { describeIdentity, proveKey } from './prove.ts';
import { primaryOnly, sayReplicas } from './replicas.ts';

const STAGES = { current: 'AWSCURRENT', pending: 'AWSPENDING', previous: 'AWSPREVIOUS' } as const;

/** The Secrets Manager client of the ops commands (src/aws/clients.ts), its endpoint checked as requests leave. */
export function secretsManagerClient(secretId: string | undefined, guard: EndpointOptions, given?: SecretsManagerClient, inRegion?: string): SecretsManagerClient {
  const region = inRegion ?? regionOfArn(secretId);
  return refuseInsecureEndpoints(
    given ?? new SecretsManagerClient(opsClientConfig({ ...(region ? { region } : {}), ...(guard.explicit ? { endpoint: guard.explicit } : {}) })),
    'Secrets Manager',
    'AWS_ENDPOINT_URL_SECRETS_MANAGER',
    guard,
  );
}

/** `keys import|show|verify|promote --secret-id`. */
export async function secretKeysCommand(sub: string | undefined, args: string[], io: CliIo, client: () => SecretsManagerClient, region?: string): Promise<number> {
  try {
    switch (sub) {
      case 'import':
        return await importKey(args, io, client());
      case 'show':
        return await showKeys(args, io, client());
      case 'verify':
        return await verifyKey(args, io, client(), region);
      case 'promote':
        return await promoteKey(args, io, client());
      default:
        throw new UsageError(sub === undefined ? 'name a subcommand: import, verify, promote or show' : `unknown subcommand "keys ${sub}"`);
    }
  } catch (error) {
    throw awsError(error);
  }
}

function secretIdOf(value: string | undefined): string {
  if (!value) throw new UsageError('--secret-id ID is required (the secret name or ARN, e.g. asc/main)');
  return value;
}

async function importKey(args: string[], io: CliIo, sm: SecretsManagerClient): Promise<number> {
  const { values } = parseArgs({
    args,
    options: SECRET_OPTIONS.import,
    strict: true,
  });
  const secretId = secretIdOf(values['secret-id']);
  const key = readP8(values, io.cwd);
  const secretString = JSON.stringify({
    keyId: key.keyId,
    ...(key.issuerId === undefined ? {} : { issuerId: key.issuerId }),
    ...(key.teamId === undefined ? {} : { teamId: key.teamId }),
    // Normalised to PKCS#8 PEM, whatever shape the file had.
    privateKey: key.privateKey.export({ format: 'pem', type: 'pkcs8' }).toString(),
  });
  const stage = values.promote ? STAGES.current : STAGES.pending;
  const replication = await primaryOnly(sm, secretId, 'new versions');
  const output = await sm.send(new PutSecretValueCommand({ SecretId: secretId, SecretString: secretString, VersionStages: [stage] }));
  io.stdout(`imported key ${key.keyId} (${describeIdentity(key)}) into ${output.Name ?? secretId} as version ${output.VersionId} (${stage})\n`);
  io.stdout(
    values.promote
      ? `it is current now; services use it within KEY_CACHE_TTL_SECONDS (default 300 s)\n`
      : `next: asc-token keys verify --secret-id ${secretId} --stage pending\n`,
  );
  sayReplicas(replication, secretId, values.promote ? 'current' : 'pending', io);
  return EXIT.ok;
}

interface VersionInfo {
  versionId: string;
  stages: string[];
  key?: SigningKey;
  problem?: string;
}

async function versions(sm: SecretsManagerClient, secretId: string): Promise<{ name: string; arn: string | undefined; versions: VersionInfo[] }> {
  const described = await sm.send(new DescribeSecretCommand({ SecretId: secretId }));
  const list: VersionInfo[] = [];
  for (const [versionId, stages] of Object.entries(described.VersionIdsToStages ?? {})) {
    const info: VersionInfo = { versionId, stages };
    try {
      const value = await sm.send(new GetSecretValueCommand({ SecretId: secretId, VersionId: versionId }));
      info.key = parseSecret(described.Name ?? secretId, value.SecretString);
    } catch (error) {
      if (isTokenVendingError(error)) info.problem = error.reason;
      else throw error;
    }
    list.push(info);
  }
  const order = (v: VersionInfo) => (v.stages.includes(STAGES.current) ? 0 : v.stages.includes(STAGES.pending) ? 1 : v.stages.includes(STAGES.previous) ? 2 : 3);
  list.sort((a, b) => order(a) - order(b));
  return { name: described.Name ?? secretId, arn: described.ARN, versions: list };
}

async function showKeys(args: string[], io: CliIo, sm: SecretsManagerClient): Promise<number> {
  const { values } = parseArgs({ args, options: SECRET_OPTIONS.show, strict: true });
  const secretId = secretIdOf(values['secret-id']);
  const secret = await versions(sm, secretId);
  // Names, ARNs, version IDs and stages are Secrets Manager's answer: one printable line each (src/client/ci-text.ts).
  io.stdout(`${printable(secret.name, 512)}${secret.arn ? `  (${printable(secret.arn, 2048)})` : ''}\n`);
  if (secret.versions.length === 0) io.stdout('  no staged versions: import a key with asc-token keys import\n');
  for (const v of secret.versions) {
    const what = v.key ? `key ${v.key.keyId}  ${describeIdentity(v.key)}` : `not usable: ${v.problem}`;
    io.stdout(`  ${printable(v.stages.join(','), 200).padEnd(22)} ${what}  version ${printable(v.versionId, 64)}\n`);
  }
  return EXIT.ok;
}

async function verifyKey(args: string[], io: CliIo, sm: SecretsManagerClient, region: string | undefined): Promise<number> {
  const { values } = parseArgs({ args, options: SECRET_OPTIONS.verify, strict: true });
  const secretId = secretIdOf(values['secret-id']);
  const stageName = values.stage ?? 'pending';
  if (stageName !== 'pending' && stageName !== 'current') throw new UsageError('--stage must be pending or current');
  const stage = STAGES[stageName];
  let value;
  try {
    value = await sm.send(new GetSecretValueCommand({ SecretId: secretId, VersionStage: stage }));
  } catch (error) {
    if ((error as { name?: string }).name === 'ResourceNotFoundException' && stageName === 'pending') {
      // Not found: the secret, or only its pending version? Say which (the first has its own fix).
      await sm.send(new DescribeSecretCommand({ SecretId: secretId }));
      throw new CliError('no_pending_version', `${secretId} has no ${stage} version`, EXIT.other, `import one with asc-token keys import, or verify the current key with --stage current`);
    }
    throw error;
  }
  let key: SigningKey;
  try {
    key = parseSecret(secretId, value.SecretString);
  } catch (error) {
    if (isTokenVendingError(error)) throw new CliError('key_invalid', error.detail, EXIT.other, 'import the .p8 again with asc-token keys import');
    throw error;
  }
  await proveKey(key, `key ${key.keyId} (${stage}, version ${value.VersionId}${region === undefined ? '' : `, in ${region}`})`, { appleUrl: values['apple-url'], io });
  if (stageName === 'pending') io.stdout(`next: asc-token keys promote --secret-id ${secretId}\n`);
  return EXIT.ok;
}

async function promoteKey(args: string[], io: CliIo, sm: SecretsManagerClient): Promise<number> {
  const { values } = parseArgs({ args, options: SECRET_OPTIONS.promote, strict: true });
  const secretId = secretIdOf(values['secret-id']);
  const replication = await primaryOnly(sm, secretId, 'stage moves');
  const secret = await versions(sm, secretId);
  const pending = secret.versions.find((v) => v.stages.includes(STAGES.pending));
  const current = secret.versions.find((v) => v.stages.includes(STAGES.current));
  if (!pending) throw new CliError('no_pending_version', `${secret.name} has no ${STAGES.pending} version to promote`, EXIT.other, 'import one with asc-token keys import');
  if (!pending.key && !values.force) {
    throw new CliError('key_invalid', `the ${STAGES.pending} version ${pending.versionId} is not usable: ${pending.problem}`, EXIT.other, 'import the key again; --force promotes anyway');
  }
  await sm.send(new UpdateSecretVersionStageCommand({ SecretId: secretId, VersionStage: STAGES.current, MoveToVersionId: pending.versionId, ...(current ? { RemoveFromVersionId: current.versionId } : {}) }));
  await sm.send(new UpdateSecretVersionStageCommand({ SecretId: secretId, VersionStage: STAGES.pending, RemoveFromVersionId: pending.versionId }));
  const named = (v: VersionInfo) => (v.key ? `key ${v.key.keyId}` : `a version that is not a usable key (${v.problem})`);
  io.stdout(`promoted: ${STAGES.current} is now ${named(pending)} (version ${pending.versionId})\n`);
  io.stdout(current ? `previous: ${named(current)} (version ${current.versionId}) is ${STAGES.previous}\n` : `previous: none (no version was ${STAGES.current})\n`);
  io.stdout(
    'services switch within KEY_CACHE_TTL_SECONDS (default 300 s); tokens already issued stay valid until they expire.\n' +
      (current ? `revoke the old key in App Store Connect only after TTL + the longest token lifetime (default 300 + 1200 s)${current.key ? `: key ${current.key.keyId}` : ''}\n` : ''),
  );
  sayReplicas(replication, secretId, 'current', io);
  return EXIT.ok;
}

/** AWS errors in terms an operator can act on. */
export function awsError(error: unknown): unknown {
  if (error instanceof CliError || error instanceof UsageError || (error as { code?: string })?.code?.startsWith?.('ERR_PARSE_ARGS')) return error;
  const name = (error as { name?: string })?.name ?? 'Error';
  const message = (error as Error)?.message ?? String(error);
  const noRegion = missingRegion(error) ?? unreadableAnswer(error, 'Secrets Manager');
  if (noRegion) return noRegion;
  switch (name) {
    case 'ResourceNotFoundException':
      return new CliError('secret_not_found', `Secrets Manager: ${message}`, EXIT.other, 'create the secret first (infra/key-secret.yml), and check --secret-id and AWS_REGION');
    case 'AccessDeniedException':
      return new CliError('access_denied', `Secrets Manager: ${message}`, EXIT.refused, 'use the ops role from infra/ops-role.yml');
    case 'CredentialsProviderError':
      return new CliError('no_credentials', message.split('\n')[0] ?? message, EXIT.unavailable, 'set AWS_PROFILE or assume the ops role first');
    default:
      if ((error as { $metadata?: unknown })?.$metadata !== undefined || /ECONNREFUSED|ETIMEDOUT|TimeoutError|ENOTFOUND/.test(`${name} ${message}`)) {
        return new CliError('unavailable', `Secrets Manager: ${name}: ${message}`, EXIT.unavailable);
      }
      return error;
  }
}
