/**
 * The one place the service builds AWS SDK clients and reads their errors (docs/design.md#reliability). Every
 * client gets short timeouts and bounded retries, so a slow or hanging AWS endpoint costs a request a few seconds
 * at most and the key store then serves a cached key or a 503; every failure is either permanent (retrying will
 * not fix it: the key, its state or our permissions are wrong → `key_invalid`) or transient (throttling, 5xx, the
 * network → `key_unavailable` with `Retry-After`).
 */
import { NodeHttpHandler } from '@smithy/node-http-handler';
import { TokenVendingError } from '../core/errors.ts';

export interface AwsClientSettings {
  /** Default 1 s. */
  connectTimeoutMs?: number;
  /** Default 1.5 s. */
  requestTimeoutMs?: number;
  /** Attempts per call, the first included (default 2: one SDK retry). */
  maxAttempts?: number;
}

/**
 * What every SDK client of the service is constructed with, on top of its own settings (region, endpoint,
 * credentials: from the environment in production, from `config` in tests).
 */
export function awsClientConfig<C extends object>(config: C | undefined, settings: AwsClientSettings = {}): C & { maxAttempts: number; requestHandler: NodeHttpHandler } {
  return {
    ...(config as C),
    maxAttempts: settings.maxAttempts ?? 2,
    requestHandler: new NodeHttpHandler({
      connectionTimeout: settings.connectTimeoutMs ?? 1000,
      requestTimeout: settings.requestTimeoutMs ?? 1500,
      // Without this, @smithy/node-http-handler 4.x only logs a warning when requestTimeout passes and the request
      // hangs on (found by the hanging-endpoint tests of both key sources).
      throwOnRequestTimeout: true,
    }),
  };
}

/** The SDK's name for an error (`AccessDeniedException`, `ThrottlingException`, `TimeoutError`, …). */
export function awsErrorName(error: unknown): string {
  return (error as { name?: unknown })?.name && typeof (error as { name: unknown }).name === 'string' ? (error as { name: string }).name : 'Error';
}

export interface KeyErrorContext {
  /** The policy's name for the key. */
  key: string;
  /** The source, as in reasons: `secretsmanager`, `kms`. */
  source: string;
  /** The errors of this service that retrying will not fix. */
  permanent: ReadonlySet<string>;
  /** The operation, for the reason (`kms:Sign:ThrottlingException`); omitted: `source:ErrorName`. */
  operation?: string;
  /** What a permanent failure says after `Key "NAME" is not usable: ` (default: the service's answer). */
  describe?: (errorName: string) => string;
}

/**
 * An AWS SDK failure as the service's error: `key_invalid` when permanent, `key_unavailable` (with `Retry-After`)
 * otherwise.
 */
export function keyError(error: unknown, context: KeyErrorContext): TokenVendingError {
  const name = awsErrorName(error);
  const reason = context.operation === undefined ? `${context.source}:${name}` : `${context.source}:${context.operation}:${name}`;
  if (context.permanent.has(name)) {
    const what = context.describe?.(name) ?? `${context.source} answered ${name}`;
    return new TokenVendingError('key_invalid', `Key "${context.key}" is not usable: ${what}.`, { reason, cause: error });
  }
  return new TokenVendingError('key_unavailable', `Key "${context.key}" cannot be loaded right now; retry shortly.`, {
    reason,
    retryAfter: name === 'ThrottlingException' ? 1 : 2,
    cause: error,
  });
}

// What the ops commands (`asc-token keys`) build their SDK clients with is in ./ops-clients.ts: it reads the proxy
// variables (src/net/), which the Lambda bundle, built from this file, must not carry.
