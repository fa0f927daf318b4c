/**
 * Shared tokens (docs/design.md#shared-tokens): APNs and DeviceCheck tokens are the same for every caller of a key for
 * a whole refresh window, so an instance signs each once and serves it from memory. Kept per key object (a new
 * version of a key is a new object: its tokens are signed anew) and per signing input; a signature that fails is
 * forgotten, so the next request tries again; windows whose tokens Apple no longer accepts are dropped.
 */
import type { SigningKey } from './signing-key.ts';

interface Entry {
  iat: number;
  token: Promise<string>;
}

export class SharedTokens {
  readonly #byKey = new WeakMap<SigningKey, Map<string, Entry>>();
  readonly #lifetime: number;
  #signatures = 0;

  /** @param lifetime seconds after its `iat` that Apple accepts a token: older entries are dropped. */
  constructor(lifetime = 3600) {
    this.#lifetime = lifetime;
  }

  /** How many signatures this cache has started (for tests and metrics). */
  get signatures(): number {
    return this.#signatures;
  }

  /**
   * The token for this signing input: the one being or already signed, else `sign()`'s.
   * @param signingInput the header and claims, exactly as signed: equal inputs give equal tokens.
   */
  get(key: SigningKey, iat: number, signingInput: string, sign: () => Promise<string>): Promise<string> {
    let entries = this.#byKey.get(key);
    if (entries === undefined) {
      entries = new Map();
      this.#byKey.set(key, entries);
    }
    const cached = entries.get(signingInput);
    if (cached !== undefined) return cached.token;
    for (const [input, entry] of entries) if (entry.iat + this.#lifetime <= iat) entries.delete(input);
    this.#signatures++;
    const token = sign();
    entries.set(signingInput, { iat, token });
    token.catch(() => {
      if (entries.get(signingInput)?.token === token) entries.delete(signingInput);
    });
    return token;
  }
}
