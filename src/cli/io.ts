/** What a command touches outside itself, injectable so tests run commands in-process. */
export interface CliIo {
  stdout: (text: string) => void;
  stderr: (text: string) => void;
  env: Record<string, string | undefined>;
  cwd: string;
  now: () => number;
  /** Whether stderr is a terminal (progress draws a bar there, and prints lines otherwise). */
  stderrIsTTY?: boolean;
  /** Terminal width for the progress bar. */
  columns?: number;
  /**
   * A workflow command the CLI means to issue (`::add-mask::TOKEN` for `--output github`), on stdout as its own line.
   * Everything else written to stdout and stderr is guarded so that no line of it is one (src/cli/main.ts).
   */
  command?: (name: 'add-mask', data: string) => void;
}

/** Exit codes (docs/design.md#exit-codes): 6 Apple refused or failed the job, 7 `--timeout` reached while Apple worked. */
export const EXIT = { ok: 0, other: 1, usage: 2, refused: 3, badRequest: 4, unavailable: 5, appleRefused: 6, timeout: 7 } as const;

export class UsageError extends Error {
  override readonly name = 'UsageError';
}

/** A failure with a stable code, an exit status and a hint of what to do. */
export class CliError extends Error {
  override readonly name = 'CliError';
  constructor(
    readonly code: string,
    message: string,
    readonly exitCode: number,
    readonly hint?: string,
  ) {
    super(message);
  }
}

export function exitCodeForStatus(status: number): number {
  if (status === 403) return EXIT.refused;
  if (status >= 400 && status < 500 && status !== 429) return EXIT.badRequest;
  if (status >= 500 || status === 429) return EXIT.unavailable;
  return EXIT.other;
}
