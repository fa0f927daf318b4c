/**
 * Progress on a terminal or in a CI log (docs/design.md#jobs-without-the-key): on a TTY a bar redrawn in place; elsewhere one line per
 * step, a line at each quarter of a transfer, and while waiting a line per state change and a heartbeat every
 * five minutes (so a CI log never looks stalled, nor fills with dots). Writes to stderr only: stdout stays for
 * the result.
 */
import { formatDuration } from './wait.ts';

export interface ProgressOptions {
  write: (text: string) => void;
  /** Draw a bar in place (a terminal) instead of printing lines (a log). */
  tty: boolean;
  columns?: number;
  now?: () => number;
}

export interface TransferProgress {
  /** Bytes done so far (may go down when a part is retried). */
  update(done: number): void;
  finish(): void;
}

export interface WaitProgress {
  status(state: string, elapsedMs: number): void;
  finish(): void;
}

const HEARTBEAT_MS = 5 * 60_000;

export class Progress {
  readonly #options: ProgressOptions;
  readonly #now: () => number;
  #drawn = false;

  constructor(options: ProgressOptions) {
    this.#options = options;
    this.#now = options.now ?? Date.now;
  }

  /** A line of its own (clears a bar being drawn). */
  step(message: string): void {
    this.#clear();
    this.#options.write(`${message}\n`);
  }

  transfer(label: string, total: number): TransferProgress {
    const start = this.#now();
    let lastDraw = 0;
    let quarter = 0;
    const rate = (done: number) => {
      const seconds = (this.#now() - start) / 1000;
      return seconds > 0 ? `${mib(done / seconds)}/s` : '';
    };
    return {
      update: (done) => {
        if (this.#options.tty) {
          const now = this.#now();
          if (now - lastDraw < 100 && done < total) return;
          lastDraw = now;
          const fraction = total === 0 ? 1 : done / total;
          const text = `${label} ${Math.floor(fraction * 100).toString().padStart(3)}%  ${mib(done)}/${mib(total)}  ${rate(done)}`;
          const width = Math.max(10, Math.min(40, (this.#options.columns ?? 80) - text.length - 4));
          const filled = Math.round(fraction * width);
          this.#draw(`[${'#'.repeat(filled)}${'-'.repeat(width - filled)}] ${text}`);
        } else {
          const reached = total === 0 ? 4 : Math.floor((done / total) * 4);
          if (reached > quarter) {
            quarter = reached;
            this.#options.write(`${label} ${reached * 25}%  ${mib(done)}/${mib(total)}  ${rate(done)}\n`);
          }
        }
      },
      finish: () => this.#clear(),
    };
  }

  waiting(label: string): WaitProgress {
    let lastState = '';
    let lastLine = 0;
    // On a terminal the clock ticks between checks (which come up to 30 s apart), so the line never looks stuck.
    let ticker: NodeJS.Timeout | undefined;
    let since = { elapsedMs: 0, at: 0 };
    const draw = () => this.#draw(`${label}: ${lastState} (${formatDuration(since.elapsedMs + this.#now() - since.at)})`);
    return {
      status: (state, elapsedMs) => {
        if (this.#options.tty) {
          lastState = state;
          since = { elapsedMs, at: this.#now() };
          draw();
          if (ticker === undefined) {
            ticker = setInterval(draw, 1000);
            ticker.unref();
          }
          return;
        }
        if (state !== lastState || elapsedMs - lastLine >= HEARTBEAT_MS) {
          this.#options.write(`${label}: ${state} (${formatDuration(elapsedMs)})\n`);
          lastLine = elapsedMs;
        }
        lastState = state;
      },
      finish: () => {
        clearInterval(ticker);
        ticker = undefined;
        this.#clear();
      },
    };
  }

  #draw(text: string): void {
    const columns = this.#options.columns ?? 80;
    this.#options.write(`\r\x1b[K${text.length >= columns ? text.slice(0, columns - 1) : text}`);
    this.#drawn = true;
  }

  #clear(): void {
    if (!this.#drawn) return;
    this.#options.write('\r\x1b[K');
    this.#drawn = false;
  }
}

/** Bytes as MiB with one decimal (KiB below one MiB). */
export function mib(bytes: number): string {
  return bytes < 1024 * 1024 ? `${(bytes / 1024).toFixed(1)} KiB` : `${(bytes / 1024 / 1024).toFixed(1)} MiB`;
}
