/**
 * Key pools (docs/design.md#key-pools): a profile may name several keys of one team; Apple counts its API budget per
 * key, so each token comes from the key that issued the fewest in this instance in the last hour (ties at random).
 * Counted in minute buckets: memory stays a few numbers per key whatever the rate.
 */

const WINDOW_MINUTES = 60;

export class KeyPool {
  /** Key name → minute (since the epoch) → tokens issued. */
  readonly #issued = new Map<string, Map<number, number>>();
  readonly #random: () => number;

  constructor(options: { random?: () => number } = {}) {
    this.#random = options.random ?? Math.random;
  }

  /** Tokens the key issued in the hour before `now` (milliseconds). */
  issuedLastHour(name: string, now: number): number {
    const buckets = this.#issued.get(name);
    if (buckets === undefined) return 0;
    const current = Math.floor(now / 60_000);
    let total = 0;
    for (const [minute, count] of buckets) {
      if (minute <= current - WINDOW_MINUTES) buckets.delete(minute);
      else total += count;
    }
    return total;
  }

  /** The pool's keys in the order to try them: fewest issued in the last hour first, ties in random order. */
  order(names: readonly string[], now: number): string[] {
    if (names.length < 2) return [...names];
    return names
      .map((name) => ({ name, issued: this.issuedLastHour(name, now), tie: this.#random() }))
      .sort((a, b) => a.issued - b.issued || a.tie - b.tie)
      .map((entry) => entry.name);
  }

  /** Count a token for the key (`-1`: take back one counted for a key that then failed to load). */
  record(name: string, now: number, tokens = 1): void {
    let buckets = this.#issued.get(name);
    if (buckets === undefined) {
      buckets = new Map();
      this.#issued.set(name, buckets);
    }
    const minute = Math.floor(now / 60_000);
    buckets.set(minute, Math.max(0, (buckets.get(minute) ?? 0) + tokens));
  }
}
