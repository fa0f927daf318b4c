/**
 * Keys in AWS Secrets Manager (docs/design.md#the-secret): a policy key `{ secretId: NAME_OR_ARN }`, each read with
 * VersionStage AWSCURRENT, so a promoted version is picked up at the next fetch (rotation without a deploy). The
 * SDK honours `AWS_ENDPOINT_URL_SECRETS_MANAGER`; the client is built with short timeouts (src/aws/clients.ts).
 */
import { GetSecretValueCommand, SecretsManagerClient, type SecretsManagerClientConfig } from '@aws-sdk/client-secrets-manager';
import { awsClientConfig, keyError, type AwsClientSettings } from '../aws/clients.ts';
import { TokenVendingError } from '../core/errors.ts';
import { parseSecret } from '../core/secret.ts';
import { replicaArnForIam, replicaIdIn } from './regional.ts';
import type { IamStatement, PolicyKeyBase, PolicyKeySource } from './source.ts';
import type { FetchedKey, KeyFetcher } from './store.ts';

/** A key whose `.p8` is in a Secrets Manager secret: the secret's JSON names its key and issuer IDs. */
export interface SecretsManagerPolicyKey extends PolicyKeyBase {
  source: 'secretsmanager';
  /** Secret name or ARN. */
  secretId: string;
}

const SECRET_ID = /^([A-Za-z0-9/_+=.@-]{1,512}|arn:aws[a-z-]*:secretsmanager:[a-z0-9-]+:[0-9]{12}:secret:[A-Za-z0-9/_+=.@-]+)$/;

/** Secrets Manager errors that retrying will not fix: the stored value or our permissions are wrong. */
const PERMANENT = new Set(['ResourceNotFoundException', 'AccessDeniedException', 'DecryptionFailure', 'InvalidRequestException', 'InvalidParameterException']);

export interface SecretsManagerFetcherOptions extends AwsClientSettings {
  /** Key name → secret name or ARN (the policy's `keys`). */
  secretIds: ReadonlyMap<string, string>;
  client?: SecretsManagerClient;
  /** Client settings for tests and special endpoints; production takes them from the environment. */
  clientConfig?: SecretsManagerClientConfig;
}

export class SecretsManagerKeyFetcher implements KeyFetcher {
  readonly kind = 'secretsmanager';
  readonly #secretIds: ReadonlyMap<string, string>;
  readonly #client: SecretsManagerClient;
  /** The client's region: a secret ARN is read in it (the region's replica: src/key-sources/regional.ts). */
  #region: Promise<string | undefined> | undefined;

  constructor(options: SecretsManagerFetcherOptions) {
    this.#secretIds = options.secretIds;
    this.#client = options.client ?? new SecretsManagerClient(awsClientConfig(options.clientConfig, options));
  }

  async fetch(name: string, previous: FetchedKey | undefined): Promise<FetchedKey> {
    const configured = this.#secretIds.get(name);
    if (configured === undefined) throw new TokenVendingError('internal', 'Unknown key.', { reason: `no secretId for key ${name}` });
    this.#region ??= Promise.resolve()
      .then(() => this.#client.config.region())
      .catch(() => undefined);
    const secretId = replicaIdIn(configured, await this.#region);
    let output;
    try {
      output = await this.#client.send(new GetSecretValueCommand({ SecretId: secretId, VersionStage: 'AWSCURRENT' }));
    } catch (error) {
      throw keyError(error, { key: name, source: 'secretsmanager', permanent: PERMANENT, describe: (errorName) => `Secrets Manager answered ${errorName} for its secret` });
    }
    // Same version as the cached one: skip re-parsing and re-importing the key.
    if (previous && output.VersionId !== undefined && previous.versionId === output.VersionId) return previous;
    return { key: parseSecret(name, output.SecretString), versionId: output.VersionId };
  }
}

/** The name part of a secret name or ARN (an ARN ends in `:secret:NAME-XXXXXX`). */
function secretName(secretId: string): string {
  if (!secretId.startsWith('arn:')) return secretId;
  return secretId.slice(secretId.indexOf(':secret:') + ':secret:'.length).replace(/-[A-Za-z0-9]{6}$/, '');
}

/**
 * Secret name or ARN → an IAM resource for it, in the stack's region (a replica's ARN is its primary's but for the
 * region). Names get `-??????`: Secrets Manager appends 6 characters.
 */
function secretArn(secretId: string): unknown {
  if (secretId.startsWith('arn:')) return replicaArnForIam(secretId);
  return { 'Fn::Sub': `arn:\${AWS::Partition}:secretsmanager:\${AWS::Region}:\${AWS::AccountId}:secret:${secretId}-??????` };
}

/** The alias infra/key-secret.yml gives the secret's own KMS key (`/` in the name becomes `-`). */
export function secretKeyAlias(secretId: string): string {
  return `alias/asc-token-vending/${secretName(secretId).split('/').join('-')}`;
}

export const secretsManagerSource: PolicyKeySource<SecretsManagerPolicyKey> = {
  name: 'secretsmanager',
  selector: 'secretId',
  fields: ['secretId'],
  shape: '{ secretId: NAME_OR_ARN }',
  compile(name, entry, problem) {
    if (typeof entry.secretId !== 'string' || !SECRET_ID.test(entry.secretId)) {
      problem('secretId', 'must be a Secrets Manager secret name or ARN');
      return undefined;
    }
    return { name, source: 'secretsmanager', secretId: entry.secretId };
  },
  describe: (key) => `Secrets Manager secret ${key.secretId}`,
  createFetcher(keys, context) {
    return new SecretsManagerKeyFetcher({
      secretIds: new Map(keys.map((key) => [key.name, key.secretId])),
      ...(context.clientConfig ? { clientConfig: context.clientConfig as SecretsManagerClientConfig } : {}),
    });
  },
  /**
   * GetSecretValue on exactly these secrets, and kms:Decrypt only with the secrets' own KMS keys (the aliases
   * infra/key-secret.yml gives them), only when Secrets Manager asks on the function's behalf, only for these secrets.
   */
  iamStatements(keys): IamStatement[] {
    if (keys.length === 0) return [];
    const arns = keys.map((key) => secretArn(key.secretId));
    return [
      { Effect: 'Allow', Action: 'secretsmanager:GetSecretValue', Resource: arns },
      {
        Effect: 'Allow',
        Action: 'kms:Decrypt',
        Resource: { 'Fn::Sub': 'arn:${AWS::Partition}:kms:${AWS::Region}:${AWS::AccountId}:key/*' },
        Condition: {
          StringEquals: { 'kms:ViaService': { 'Fn::Sub': 'secretsmanager.${AWS::Region}.amazonaws.com' } },
          'ForAnyValue:StringEquals': { 'kms:ResourceAliases': keys.map((key) => secretKeyAlias(key.secretId)) },
          StringLike: { 'kms:EncryptionContext:SecretARN': arns },
        },
      },
    ];
  },
};
