/**
 * What every `keys … --kms-key-id` command shares: the KMS client (in the region asked for), the key as the service
 * loads it, and KMS's errors in terms an operator can act on.
 */
import type { KMSClient } from '@aws-sdk/client-kms';
import { opsClientConfig } from '../../aws/ops-clients.ts';
import { isTokenVendingError } from '../../core/errors.ts';
import { KmsKeyFetcher, kmsPublicKey, type AppleIdentity } from '../../key-sources/kms-fetcher.ts';
import { missingRegion, regionOfArn } from '../aws-region.ts';
import { unreadableAnswer } from '../aws-answer.ts';
import { refuseInsecureEndpoints, type EndpointOptions } from '../endpoint-guard.ts';
import { CliError, EXIT, UsageError } from '../io.ts';

export interface KmsDeps {
  kms?: KMSClient;
  /** A region's client (tests: one per region, docs/design.md#two-regions); `kms` when not given. */
  kmsIn?: (region: string) => KMSClient;
  /** `--endpoint-url` and where to name a non-AWS endpoint (set by `keys`). */
  endpointGuard?: EndpointOptions;
}

/**
 * The KMS client: the one given (tests), else the SDK's default chain, loaded only when a KMS command runs; in `region`
 * when given (`--region`, `--regions`), else the ARN's, else the SDK's configuration.
 */
export async function kmsClient(deps: KmsDeps, kmsKeyId?: string, inRegion?: string): Promise<KMSClient> {
  const given = inRegion !== undefined && deps.kmsIn ? deps.kmsIn(inRegion) : deps.kms;
  if (given) return refuseInsecureEndpoints(given, 'KMS', 'AWS_ENDPOINT_URL_KMS', deps.endpointGuard);
  const { KMSClient } = await import('@aws-sdk/client-kms');
  const region = inRegion ?? regionOfArn(kmsKeyId);
  const endpoint = deps.endpointGuard?.explicit;
  return refuseInsecureEndpoints(new KMSClient(opsClientConfig({ ...(region ? { region } : {}), ...(endpoint ? { endpoint } : {}) })), 'KMS', 'AWS_ENDPOINT_URL_KMS', deps.endpointGuard);
}

export function kmsKeyIdOf(value: string | undefined): string {
  if (!value) throw new UsageError('--kms-key-id ID is required (a key ID, key ARN, alias/NAME or alias ARN)');
  return value;
}

/** The key as the service loads it (DescribeKey, GetPublicKey, ListResourceTags), named by what the user gave. */
export async function loadKey(client: KMSClient, kmsKeyId: string, identity: AppleIdentity | undefined) {
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
      const noRegion = missingRegion(error.cause) ?? unreadableAnswer(error.cause, 'KMS');
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

/** KMS errors in terms an operator can act on. */
export function kmsError(error: unknown): unknown {
  if (error instanceof CliError || error instanceof UsageError || (error as { code?: string })?.code?.startsWith?.('ERR_PARSE_ARGS')) return error;
  const name = (error as { name?: string })?.name ?? 'Error';
  const message = ((error as Error)?.message ?? String(error)).split('\n')[0] as string;
  const status = (error as { $metadata?: { httpStatusCode?: number } })?.$metadata?.httpStatusCode;
  const noRegion = missingRegion(error) ?? unreadableAnswer(error, 'KMS');
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
