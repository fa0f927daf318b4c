/**
 * Waiting for Apple (build processing, notarization) by the rule of docs/design.md#waiting-for-apple: the first status check within 5 s,
 * then backing off to at most 30 s between checks; an optional bound on the whole wait. Transient failures of a
 * check (Apple unavailable) are tolerated while time remains.
 */
import { AscError } from './errors.ts';
import { defaultSleep } from './api.ts';

export interface WaitOptions<T> {
  /** One status check. */
  check: () => Promise<T>;
  /** Whether the status is final. */
  done: (status: T) => boolean;
  /** Bound on the whole wait in ms; undefined waits as long as it takes. */
  timeoutMs?: number;
  /** Before the first check (default 1000; docs/design.md#waiting-for-apple: within 5 s). */
  firstDelayMs?: number;
  /** Longest pause between checks (default 30,000). */
  maxDelayMs?: number;
  /** Whether a failed check is worth another try (default: AscError `apple_unavailable`). */
  transient?: (error: unknown) => boolean;
  /** Told about every check's status, and how long the wait has lasted. */
  onStatus?: (status: T, elapsedMs: number) => void;
  /** Told about a failed check that will be tried again. */
  onCheckFailed?: (error: unknown, elapsedMs: number) => void;
  sleep?: (ms: number) => Promise<void>;
  now?: () => number;
}

/** The pauses: `first`, then doubling, capped at `max`. */
export function* backoff(first: number, max: number): Generator<number, never> {
  for (let delay = first; ; delay = Math.min(max, delay * 2)) yield delay;
}

/**
 * Check until `done`; resolves to the final status.
 * @throws WaitTimeout (AscError `timeout`, with the last status seen) when the bound passes first; the error of
 * a check that is not transient.
 */
export async function waitUntil<T>(options: WaitOptions<T>): Promise<T> {
  const now = options.now ?? Date.now;
  const sleep = options.sleep ?? defaultSleep;
  const transient = options.transient ?? ((error: unknown) => error instanceof AscError && error.code === 'apple_unavailable');
  const start = now();
  const deadline = options.timeoutMs === undefined ? Infinity : start + options.timeoutMs;
  let last: T | undefined;
  for (const delay of backoff(options.firstDelayMs ?? 1000, options.maxDelayMs ?? 30_000)) {
    await sleep(Math.max(0, Math.min(delay, deadline - now())));
    try {
      last = await options.check();
      options.onStatus?.(last, now() - start);
      if (options.done(last)) return last;
    } catch (error) {
      if (!transient(error) || now() >= deadline) throw error;
      options.onCheckFailed?.(error, now() - start);
    }
    if (now() >= deadline) throw new WaitTimeout(now() - start, last);
  }
  throw new Error('unreachable');
}

export class WaitTimeout<T = unknown> extends AscError {
  constructor(
    readonly elapsedMs: number,
    readonly lastStatus: T | undefined,
  ) {
    super('timeout', `still not finished after ${formatDuration(elapsedMs)}`);
  }
}

/** `45s`, `3m 05s`, `1h 02m`. */
export function formatDuration(ms: number): string {
  const s = Math.max(0, Math.round(ms / 1000));
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m ${String(s % 60).padStart(2, '0')}s`;
  return `${Math.floor(s / 3600)}h ${String(Math.floor((s % 3600) / 60)).padStart(2, '0')}m`;
}
