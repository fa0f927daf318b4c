/**
 * Configuration from the environment (docs/design.md#configuration). A bad value is an error at start that names
 * the variable.
 */
import { MAX_SKEW_SECONDS } from './core/claims.ts';
import { KEY_SOURCE_ALIASES, KEY_SOURCE_MODES, type KeySourceMode } from './key-sources/source.ts';
import { LOG_LEVELS, type LogLevel } from './log.ts';

export interface Config {
  policyFile: string | undefined;
  keyCacheTtlSeconds: number;
  keyStaleGraceSeconds: number;
  iatSkewSeconds: number;
  logLevel: LogLevel;
  /** `policy`: each key from the source its policy entry names (Secrets Manager, KMS); `local`: `.local/keys/`. */
  keySource: KeySourceMode;
}

export class ConfigError extends Error {
  override readonly name = 'ConfigError';
}

type Env = Record<string, string | undefined>;

function integer(env: Env, name: string, fallback: number, min: number, max: number): number {
  const raw = env[name];
  if (raw === undefined || raw.trim() === '') return fallback;
  if (!/^\s*[0-9]+\s*$/.test(raw)) throw new ConfigError(`${name}=${JSON.stringify(raw)} is not a whole number of seconds (${min}–${max})`);
  const value = Number(raw);
  if (value < min || value > max) throw new ConfigError(`${name}=${value} is out of range: use ${min}–${max}`);
  return value;
}

/** @throws ConfigError naming the variable. */
export function loadConfig(env: Env = process.env, defaults: { keySource?: KeySourceMode } = {}): Config {
  const level = (env.LOG_LEVEL ?? 'INFO').trim().toUpperCase();
  if (!(LOG_LEVELS as string[]).includes(level)) throw new ConfigError(`LOG_LEVEL=${JSON.stringify(env.LOG_LEVEL)}: use one of ${LOG_LEVELS.join(', ')}`);
  const given = (env.KEY_SOURCE ?? defaults.keySource ?? 'policy').trim().toLowerCase();
  const source = Object.hasOwn(KEY_SOURCE_ALIASES, given) ? KEY_SOURCE_ALIASES[given] : given;
  if (!(KEY_SOURCE_MODES as readonly string[]).includes(source)) {
    throw new ConfigError(`KEY_SOURCE=${JSON.stringify(env.KEY_SOURCE)}: use policy (each key from the source the policy names) or local (.local/keys/)`);
  }
  const policyFile = env.POLICY_FILE?.trim() || undefined;
  return {
    policyFile,
    keyCacheTtlSeconds: integer(env, 'KEY_CACHE_TTL_SECONDS', 300, 1, 86_400),
    keyStaleGraceSeconds: integer(env, 'KEY_STALE_GRACE_SECONDS', 3600, 0, 604_800),
    iatSkewSeconds: integer(env, 'IAT_SKEW_SECONDS', 30, 0, MAX_SKEW_SECONDS),
    logLevel: level as LogLevel,
    keySource: source as KeySourceMode,
  };
}
