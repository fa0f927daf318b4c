/**
 * A policy can hold keys in several sources at once (Secrets Manager secrets and KMS keys): each key name is
 * served by the fetcher of its source, behind the one key store (TTL, single flight, stale-if-error per key).
 */
import { TokenVendingError } from '../core/errors.ts';
import type { FetchedKey, KeyFetcher } from './store.ts';

export class RoutingKeyFetcher implements KeyFetcher {
  readonly kind: string;
  readonly #routes: ReadonlyMap<string, KeyFetcher>;

  /** @param routes key name → the fetcher of its source. */
  constructor(routes: ReadonlyMap<string, KeyFetcher>) {
    this.#routes = routes;
    this.kind = [...new Set([...routes.values()].map((fetcher) => fetcher.kind))].join('+');
  }

  fetch(name: string, previous: FetchedKey | undefined): Promise<FetchedKey> {
    const fetcher = this.#routes.get(name);
    if (fetcher === undefined) return Promise.reject(new TokenVendingError('internal', 'Unknown key.', { reason: `no source for key ${name}` }));
    return fetcher.fetch(name, previous);
  }

  sourceOf(name: string): string {
    const fetcher = this.#routes.get(name);
    return fetcher?.sourceOf?.(name) ?? fetcher?.kind ?? this.kind;
  }

  details(name: string): Record<string, unknown> | undefined {
    return this.#routes.get(name)?.details?.(name);
  }
}
