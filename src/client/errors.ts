/** The clients' one error: a refusal or failure of the service, with its stable `code` to branch on. */
import { hintFor, type HintContext } from './hints.ts';
import type { Problem } from './problem.ts';

/** A refusal or failure, with the service's stable `code` (docs/design.md#error-codes) to branch on. */
export class TokenClientError extends Error {
  override readonly name = 'TokenClientError';
  constructor(
    /** The service's error code (`forbidden`, `scope_not_allowed`, …), or `network` / `bad_response`. */
    readonly code: string,
    message: string,
    /** HTTP status, 0 when no answer arrived. */
    readonly status: number,
    readonly requestId?: string,
    options?: { cause?: unknown; url?: string },
  ) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.url = options?.url;
  }

  /** The service URL that answered (or, with no answer, the first one tried). */
  readonly url: string | undefined;

  /** What to do about it (src/client/hints.ts), as the given kind of caller would do it. */
  hint(context: HintContext = 'client'): string | undefined {
    return hintFor({ code: this.code, status: this.status, detail: this.message }, context);
  }

  /** A refusal of the service's, as its problem answer said it. */
  static from(problem: Problem, url: string): TokenClientError {
    return new TokenClientError(problem.code, problem.detail, problem.status, problem.requestId, { url });
  }
}
