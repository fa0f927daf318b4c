/**
 * The per-container key cache (docs/design.md#reliability): each key is fetched at most once per TTL, concurrent requests share
 * one in-flight fetch, a failed refresh keeps serving the last good key for a grace period (stale-if-error), and
 * a failed fetch with nothing usable cached answers `key_unavailable` at once for a short back-off instead of
 * letting every request wait on a struggling backend.
 */
import { TokenVendingError, isTokenVendingError } from '../core/errors.ts';
import type { SigningKey } from '../core/signing-key.ts';

/** What a backend returns for one key. */
export interface FetchedKey {
  key: SigningKey;
  /** The backend's version of the secret; the same version is not parsed twice. */
  versionId: string | undefined;
  /** Things an operator should fix that do not stop the key from signing (logged once per load). */
  warnings?: string[];
}

/** A backend: Secrets Manager or KMS in AWS, files under `.local/keys/` locally. */
export interface KeyFetcher {
  /** The source's name for metrics and health (`secretsmanager`, `kms`, `local`; a mix: `secretsmanager+kms`). */
  readonly kind: string;
  /** `previous` is the key currently cached, so a backend can skip re-importing an unchanged version. */
  fetch(name: string, previous: FetchedKey | undefined): Promise<FetchedKey>;
  /** The source of one key, where a fetcher routes keys to several (default: `kind`). */
  sourceOf?(name: string): string;
  /** What the source last learnt about a key, for health (never material): e.g. `{ kms: { keyState, … } }`. */
  details?(name: string): Record<string, unknown> | undefined;
}

/** While a stale key is served because the source fails, how often the source is tried again. */
export const STALE_RETRY_SECONDS = 30;

export interface KeyStoreOptions {
  fetcher: KeyFetcher;
  /** Key names the store serves (the policy's `keys`). */
  names: readonly string[];
  ttlSeconds: number;
  staleGraceSeconds: number;
  /** After a failed fetch with nothing cached, answer 503 without calling the backend for this long. */
  failureBackoffSeconds?: number;
  now?: () => number;
  /** Observability hooks: called after every backend call. */
  onFetch?: (event: { name: string; source: string; ok: boolean; durationMs: number; error?: unknown; servedStale: boolean; warnings?: string[] }) => void;
}

export interface KeyHealth {
  name: string;
  /** Where the key is held: `secretsmanager`, `kms` or `local`. */
  source: string;
  keyId: string | null;
  loadedAt: string | null;
  /** Seconds since the key was loaded. */
  age: number | null;
  /** True when the TTL has passed and the key is served only because a refresh failed. */
  stale: boolean;
  status: 'ok' | 'stale' | 'unavailable' | 'invalid' | 'not_loaded';
  error?: string;
  /** What an operator should fix that does not stop the key from signing (a KMS key's tags differing from the policy). */
  warnings?: string[];
  /** A KMS key: what DescribeKey said at the last load (never material). */
  kms?: unknown;
}

interface Entry {
  fetched?: FetchedKey;
  loadedAt?: number;
  inflight?: Promise<SigningKey>;
  failedAt?: number;
  error?: TokenVendingError;
}

export class KeyStore {
  readonly #options: Required<Omit<KeyStoreOptions, 'onFetch'>> & Pick<KeyStoreOptions, 'onFetch'>;
  readonly #entries = new Map<string, Entry>();

  constructor(options: KeyStoreOptions) {
    this.#options = { failureBackoffSeconds: 2, now: Date.now, ...options };
    for (const name of options.names) this.#entries.set(name, {});
  }

  get kind(): string {
    return this.#options.fetcher.kind;
  }

  /** Where the key named `name` is held. */
  sourceOf(name: string): string {
    return this.#options.fetcher.sourceOf?.(name) ?? this.#options.fetcher.kind;
  }

  /**
   * The signing key named `name`.
   * @throws TokenVendingError `key_unavailable` (with `retryAfter`) or `key_invalid`.
   */
  get(name: string): Promise<SigningKey> {
    const entry = this.#entries.get(name);
    if (entry === undefined) {
      return Promise.reject(new TokenVendingError('internal', 'The profile names a key the store does not serve.', { reason: `unknown_key:${name}` }));
    }
    const now = this.#options.now();
    if (entry.fetched && entry.loadedAt !== undefined && now - entry.loadedAt < this.#options.ttlSeconds * 1000) {
      return Promise.resolve(entry.fetched.key);
    }
    if (entry.inflight) return entry.inflight;
    if (entry.failedAt !== undefined && entry.error) {
      const sinceFailure = now - entry.failedAt;
      if (!entry.fetched && sinceFailure < this.#options.failureBackoffSeconds * 1000) return Promise.reject(entry.error);
      // Serving a stale key while the source fails: try the source again only every STALE_RETRY_SECONDS, so that
      // an outage costs one slow request per interval instead of every request waiting on a hanging fetch.
      if (entry.fetched && this.#usable(entry, now) && sinceFailure < STALE_RETRY_SECONDS * 1000) return Promise.resolve(entry.fetched.key);
    }
    entry.inflight = this.#refresh(name, entry).finally(() => {
      entry.inflight = undefined;
    });
    return entry.inflight;
  }

  async #refresh(name: string, entry: Entry): Promise<SigningKey> {
    const started = this.#options.now();
    try {
      const fetched = await this.#options.fetcher.fetch(name, entry.fetched);
      entry.fetched = fetched;
      entry.loadedAt = this.#options.now();
      entry.failedAt = undefined;
      entry.error = undefined;
      this.#options.onFetch?.({ name, source: this.sourceOf(name), ok: true, durationMs: this.#options.now() - started, servedStale: false, ...(fetched.warnings?.length ? { warnings: fetched.warnings } : {}) });
      return fetched.key;
    } catch (cause) {
      const now = this.#options.now();
      const error = this.#asKeyError(name, cause);
      entry.failedAt = now;
      entry.error = error;
      const usable = this.#usable(entry, now);
      this.#options.onFetch?.({ name, source: this.sourceOf(name), ok: false, durationMs: now - started, error: cause, servedStale: Boolean(usable) });
      if (usable && entry.fetched) return entry.fetched.key;
      throw error;
    }
  }

  /** Within TTL + grace: good enough to sign with while the source fails. */
  #usable(entry: Entry, now: number): boolean {
    return entry.fetched !== undefined && entry.loadedAt !== undefined && now - entry.loadedAt < (this.#options.ttlSeconds + this.#options.staleGraceSeconds) * 1000;
  }

  #asKeyError(name: string, cause: unknown): TokenVendingError {
    if (isTokenVendingError(cause) && (cause.code === 'key_invalid' || cause.code === 'key_unavailable')) return cause;
    return new TokenVendingError('key_unavailable', `Key "${name}" cannot be loaded right now; retry shortly.`, {
      reason: 'fetch_failed',
      retryAfter: Math.max(1, this.#options.failureBackoffSeconds),
      cause,
    });
  }

  /**
   * Load the named keys (default: every key) through the cache — so no more fetches than `get` would make: one per
   * TTL, shared, with the failure back-off — and report each one's state. Never includes material.
   */
  async health(only?: readonly string[]): Promise<KeyHealth[]> {
    const names = [...this.#entries.keys()].filter((name) => only === undefined || only.includes(name));
    await Promise.allSettled(names.map((name) => this.get(name)));
    const now = this.#options.now();
    return names.map((name) => {
      const entry = this.#entries.get(name) as Entry;
      const age = entry.loadedAt === undefined ? null : Math.floor((now - entry.loadedAt) / 1000);
      const stale = age !== null && age >= this.#options.ttlSeconds;
      const health: KeyHealth = {
        name,
        source: this.sourceOf(name),
        keyId: entry.fetched?.key.keyId ?? null,
        loadedAt: entry.loadedAt === undefined ? null : new Date(entry.loadedAt).toISOString(),
        age,
        stale,
        status: entry.fetched ? (stale ? 'stale' : 'ok') : entry.error ? (entry.error.code === 'key_invalid' ? 'invalid' : 'unavailable') : 'not_loaded',
      };
      if (entry.error) health.error = entry.error.code === 'key_invalid' ? entry.error.detail : entry.error.code;
      if (entry.fetched?.warnings?.length) health.warnings = entry.fetched.warnings;
      return { ...health, ...this.#options.fetcher.details?.(name) };
    });
  }
}
