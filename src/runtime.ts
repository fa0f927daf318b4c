/**
 * Wiring: configuration, policy, key store, logger and metrics → the app. Shared by the Lambda handler and the
 * local server so both run exactly the same code.
 */
import { resolve } from 'node:path';
import { loadConfig, type Config } from './config.ts';
import { createApp } from './http/app.ts';
import type { ApiRequest } from './http/event.ts';
import type { ApiResponse } from './http/response.ts';
import type { KMSClientConfig } from '@aws-sdk/client-kms';
import type { SecretsManagerClientConfig } from '@aws-sdk/client-secrets-manager';
import { KmsKeyFetcher } from './keys/kms.ts';
import { LocalKeyFetcher } from './keys/local.ts';
import { RoutingKeyFetcher } from './keys/routes.ts';
import { SecretsManagerKeyFetcher } from './keys/secrets-manager.ts';
import { KeyStore, type KeyFetcher } from './keys/store.ts';
import { createLogger, stdoutSink, type Logger, type LogSink } from './log.ts';
import { createEmfMetrics, type Metrics } from './metrics.ts';
import { compilePolicy, type Policy } from './policy/policy.ts';
import { loadPolicyFile } from './policy/load.ts';

/** Set by the build (esbuild `define`): the policy validated at build time, as a plain document. */
declare const __ASC_EMBEDDED_POLICY__: unknown;

export interface Runtime {
  config: Config;
  policy: Policy;
  keys: KeyStore;
  logger: Logger;
  metrics: Metrics;
  handle: (request: ApiRequest) => Promise<ApiResponse>;
}

export interface RuntimeOptions {
  env?: Record<string, string | undefined>;
  /** Defaults for settings the environment does not give (the local server defaults to local keys). */
  defaults?: { keySource?: Config['keySource'] };
  /** Directory of `KEY_SOURCE=local` keys. */
  localKeyDirectory?: string;
  sink?: LogSink;
  /** Where EMF metric lines go (default: with the logs). The local server drops them unless LOG_LEVEL=DEBUG. */
  metricsSink?: LogSink;
  /** One fetcher for every key (tests); the default follows KEY_SOURCE and each key's source in the policy. */
  fetcher?: KeyFetcher;
  /** AWS client settings per key source (tests, special endpoints); production takes them from the environment. */
  clientConfig?: { secretsManager?: SecretsManagerClientConfig; kms?: KMSClientConfig };
  now?: () => number;
}

/** The policy in force: `POLICY_FILE` if set, else the one embedded at build, else `infra/policy.yaml`. */
export function resolvePolicy(config: Config): Policy {
  if (config.policyFile) return loadPolicyFile(resolve(config.policyFile));
  if (typeof __ASC_EMBEDDED_POLICY__ !== 'undefined') return compilePolicy(__ASC_EMBEDDED_POLICY__, 'embedded policy');
  return loadPolicyFile(resolve('infra/policy.yaml'));
}

/**
 * The key sources: `KEY_SOURCE=local` keeps every key (KMS entries too) in `.local/keys/NAME.json`, offline;
 * `KEY_SOURCE=secretsmanager` means the policy's AWS sources, each key from its own: Secrets Manager for a `secretId`,
 * KMS for a `kmsKeyId` (the KMS client is loaded only when the policy has such a key).
 */
function createFetcher(config: Config, policy: Policy, options: RuntimeOptions, metrics: Metrics): KeyFetcher {
  if (config.keySource === 'local') return new LocalKeyFetcher(options.localKeyDirectory ?? resolve('.local/keys'));
  const keys = [...policy.keys.values()];
  const routes = new Map<string, KeyFetcher>();
  const secrets = new Map(keys.flatMap((k) => (k.source === 'secretsmanager' ? [[k.name, k.secretId] as const] : [])));
  if (secrets.size > 0) {
    const sm = new SecretsManagerKeyFetcher({ secretIds: secrets, ...(options.clientConfig?.secretsManager ? { clientConfig: options.clientConfig.secretsManager } : {}) });
    for (const name of secrets.keys()) routes.set(name, sm);
  }
  const kmsKeys = new Map(keys.flatMap((k) => (k.source === 'kms' ? [[k.name, { kmsKeyId: k.kmsKeyId, identity: { keyId: k.keyId, issuerId: k.issuerId } }] as const] : [])));
  if (kmsKeys.size > 0) {
    const kms = new KmsKeyFetcher({
      keys: kmsKeys,
      ...(options.clientConfig?.kms ? { clientConfig: options.clientConfig.kms } : {}),
      ...(options.now ? { now: options.now } : {}),
      onSign: ({ ok, durationMs }) => {
        metrics.timing('KeySignLatency', durationMs, { source: 'kms' });
        if (!ok) metrics.count('KeySignFailures', { source: 'kms' });
      },
    });
    for (const name of kmsKeys.keys()) routes.set(name, kms);
  }
  const fetchers = new Set(routes.values());
  return fetchers.size === 1 ? ([...fetchers][0] as KeyFetcher) : new RoutingKeyFetcher(routes);
}

/** @throws ConfigError or PolicyError: the caller decides how to report them. */
export function createRuntime(options: RuntimeOptions = {}): Runtime {
  const config = loadConfig(options.env ?? process.env, options.defaults);
  const policy = resolvePolicy(config);
  const sink = options.sink ?? stdoutSink;
  const logger = createLogger({ level: config.logLevel, sink });
  const metrics = createEmfMetrics({ sink: options.metricsSink ?? sink });
  const fetcher = options.fetcher ?? createFetcher(config, policy, options, metrics);
  const keys = new KeyStore({
    fetcher,
    names: [...policy.keys.keys()],
    ttlSeconds: config.keyCacheTtlSeconds,
    staleGraceSeconds: config.keyStaleGraceSeconds,
    ...(options.now ? { now: options.now } : {}),
    onFetch: ({ name, source, ok, durationMs, error, servedStale, warnings }) => {
      metrics.timing('KeyFetchLatency', durationMs, { source });
      if (!ok) {
        metrics.count('KeyFetchFailures', { source });
        logger.error('key fetch failed', { key: name, source, servedStale, error });
      } else {
        logger.info('key loaded', { key: name, source, durationMs });
        for (const warning of warnings ?? []) logger.warn('key needs attention', { key: name, source, warning });
      }
    },
  });
  const handle = createApp({ policy, keys, logger, metrics, skew: config.iatSkewSeconds, ...(options.now ? { now: options.now } : {}) });
  return { config, policy, keys, logger, metrics, handle };
}
