/**
 * `KEY_SOURCE=secretsmanager`, for the policy's `secretId` keys: each key's secret, read with VersionStage
 * AWSCURRENT (DESIGN §3). (Its `kmsKeyId` keys are src/keys/kms.ts's.) The SDK
 * honours `AWS_ENDPOINT_URL_SECRETS_MANAGER`. Timeouts are short and retries bounded so a slow or hanging
 * Secrets Manager costs a request a few seconds at most; the key store then serves a cached key or a 503.
 */
import { GetSecretValueCommand, SecretsManagerClient, type SecretsManagerClientConfig } from '@aws-sdk/client-secrets-manager';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import { TokenVendingError } from '../core/errors.ts';
import { parseSecret } from '../core/secret.ts';
import type { FetchedKey, KeyFetcher } from './store.ts';

export interface SecretsManagerFetcherOptions {
  /** Key name → secret name or ARN (the policy's `keys`). */
  secretIds: ReadonlyMap<string, string>;
  client?: SecretsManagerClient;
  /** Client settings for tests and special endpoints; production takes them from the environment. */
  clientConfig?: SecretsManagerClientConfig;
  connectTimeoutMs?: number;
  requestTimeoutMs?: number;
  maxAttempts?: number;
}

/** Secrets Manager errors that retrying will not fix: the stored value or our permissions are wrong. */
const PERMANENT = new Set(['ResourceNotFoundException', 'AccessDeniedException', 'DecryptionFailure', 'InvalidRequestException', 'InvalidParameterException']);

export class SecretsManagerKeyFetcher implements KeyFetcher {
  readonly kind = 'secretsmanager';
  readonly #secretIds: ReadonlyMap<string, string>;
  readonly #client: SecretsManagerClient;

  constructor(options: SecretsManagerFetcherOptions) {
    this.#secretIds = options.secretIds;
    this.#client =
      options.client ??
      new SecretsManagerClient({
        ...options.clientConfig,
        maxAttempts: options.maxAttempts ?? 2,
        requestHandler: new NodeHttpHandler({
          connectionTimeout: options.connectTimeoutMs ?? 1000,
          requestTimeout: options.requestTimeoutMs ?? 1500,
          // Without this, @smithy/node-http-handler 4.x only logs a warning when requestTimeout passes and the
          // request hangs on (found by the hanging-endpoint test).
          throwOnRequestTimeout: true,
        }),
      });
  }

  async fetch(name: string, previous: FetchedKey | undefined): Promise<FetchedKey> {
    const secretId = this.#secretIds.get(name);
    if (secretId === undefined) throw new TokenVendingError('internal', 'Unknown key.', { reason: `no secretId for key ${name}` });
    let output;
    try {
      output = await this.#client.send(new GetSecretValueCommand({ SecretId: secretId, VersionStage: 'AWSCURRENT' }));
    } catch (error) {
      const errorName = (error as { name?: string }).name ?? 'Error';
      if (PERMANENT.has(errorName)) {
        throw new TokenVendingError('key_invalid', `Key "${name}" is not usable: Secrets Manager answered ${errorName} for its secret.`, {
          reason: `secretsmanager:${errorName}`,
          cause: error,
        });
      }
      throw new TokenVendingError('key_unavailable', `Key "${name}" cannot be loaded right now; retry shortly.`, {
        reason: `secretsmanager:${errorName}`,
        retryAfter: 2,
        cause: error,
      });
    }
    // Same version as the cached one: skip re-parsing and re-importing the key.
    if (previous && output.VersionId !== undefined && previous.versionId === output.VersionId) return previous;
    return { key: parseSecret(name, output.SecretString), versionId: output.VersionId };
  }
}
