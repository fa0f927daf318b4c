/**
 * Wiring: configuration, policy, key store, logger and metrics → the app. Shared by the Lambda handler and the
 * local server so both run exactly the same code.
 */
import { resolve } from 'node:path';
import { loadConfig, type Config } from './config.ts';
import type { ApiRequest } from './http/event.ts';
import type { ApiResponse } from './http/response.ts';
import { SharedTokens } from './core/shared-tokens.ts';
import { createService } from './http/service.ts';
import { createKeyFetcher } from './key-sources/registry.ts';
import { KeyStore, type KeyFetcher } from './key-sources/store.ts';
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
  /** This instance's shared tokens (APNs, DeviceCheck): one signature per key and refresh window. */
  sharedTokens: SharedTokens;
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
  /**
   * SDK client settings per key source, by its name (`secretsmanager`, `kms`): tests and special endpoints;
   * production takes them from the environment.
   */
  clientConfig?: Readonly<Record<string, object>>;
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
  // KEY_SOURCE=policy: each key from the source its policy entry names (src/key-sources/registry.ts); =local: every
  // key from .local/keys/, offline.
  const fetcher =
    options.fetcher ??
    createKeyFetcher(policy.keys.values(), config.keySource, {
      clientConfigs: options.clientConfig,
      metrics,
      now: options.now,
      directory: options.localKeyDirectory ?? resolve('.local/keys'),
    });
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
  const sharedTokens = new SharedTokens();
  const handle = createService({ policy, keys, logger, metrics, skew: config.iatSkewSeconds, sharedTokens, ...(options.now ? { now: options.now } : {}) });
  return { config, policy, keys, sharedTokens, logger, metrics, handle };
}
