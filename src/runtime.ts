/**
 * Wiring: configuration, policy, key store, logger and metrics → the app. Shared by the Lambda handler and the
 * local server so both run exactly the same code.
 */
import { resolve } from 'node:path';
import { loadConfig, type Config } from './config.ts';
import { createApp } from './http/app.ts';
import type { ApiRequest } from './http/event.ts';
import type { ApiResponse } from './http/response.ts';
import { LocalKeyFetcher } from './keys/local.ts';
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
  fetcher?: KeyFetcher;
  now?: () => number;
}

/** The policy in force: `POLICY_FILE` if set, else the one embedded at build, else `infra/policy.yaml`. */
export function resolvePolicy(config: Config): Policy {
  if (config.policyFile) return loadPolicyFile(resolve(config.policyFile));
  if (typeof __ASC_EMBEDDED_POLICY__ !== 'undefined') return compilePolicy(__ASC_EMBEDDED_POLICY__, 'embedded policy');
  return loadPolicyFile(resolve('infra/policy.yaml'));
}

/** @throws ConfigError or PolicyError: the caller decides how to report them. */
export function createRuntime(options: RuntimeOptions = {}): Runtime {
  const config = loadConfig(options.env ?? process.env, options.defaults);
  const policy = resolvePolicy(config);
  const sink = options.sink ?? stdoutSink;
  const logger = createLogger({ level: config.logLevel, sink });
  const metrics = createEmfMetrics({ sink: options.metricsSink ?? sink });
  const fetcher =
    options.fetcher ??
    (config.keySource === 'local'
      ? new LocalKeyFetcher(options.localKeyDirectory ?? resolve('.local/keys'))
      : new SecretsManagerKeyFetcher({ secretIds: new Map([...policy.keys.values()].map((k) => [k.name, k.secretId])) }));
  const keys = new KeyStore({
    fetcher,
    names: [...policy.keys.keys()],
    ttlSeconds: config.keyCacheTtlSeconds,
    staleGraceSeconds: config.keyStaleGraceSeconds,
    ...(options.now ? { now: options.now } : {}),
    onFetch: ({ name, ok, durationMs, error, servedStale }) => {
      metrics.timing('KeyFetchLatency', durationMs, { source: fetcher.kind });
      if (!ok) {
        metrics.count('KeyFetchFailures', { source: fetcher.kind });
        logger.error('key fetch failed', { key: name, servedStale, error });
      } else {
        logger.info('key loaded', { key: name, source: fetcher.kind, durationMs });
      }
    },
  });
  const handle = createApp({ policy, keys, logger, metrics, skew: config.iatSkewSeconds, ...(options.now ? { now: options.now } : {}) });
  return { config, policy, keys, logger, metrics, handle };
}
