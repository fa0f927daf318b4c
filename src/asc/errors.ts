/**
 * The one error type of the App Store Connect side. Each failure a caller can act on has a stable `code`; Apple's
 * own JSON:API errors (or a failed build's `errors[]`) ride along in `appleErrors`. Messages never carry a token,
 * a signed upload URL's query string, or a response body Apple's storage sent back.
 */
import { printable } from '../client/text.ts';

export type AscErrorCode =
  /** Bad input found before calling Apple: not an .ipa/.pkg, no Info.plist, missing or malformed keys. */
  | 'invalid_input'
  /** Apple answered 4xx (after one forced token refresh for a 401): Apple's errors are in `appleErrors`. */
  | 'apple_refused'
  /** No app with the bundle ID in the key's team. */
  | 'app_not_found'
  /** Apple's upload storage refused a part (4xx other than 408/429). */
  | 'upload_refused'
  /** Apple finished processing with `FAILED`: its reasons are in `appleErrors`. */
  | 'build_failed'
  /** Apple's notary service finished with `Invalid` or `Rejected`: the developer log's issues ride along. */
  | 'notarization_failed'
  /** The notarization upload to Apple's S3 bucket failed after the AWS SDK's retries. */
  | 'upload_failed'
  /** 5xx, 429 or no answer after the last retry. */
  | 'apple_unavailable'
  /** Apple answered something this client cannot use (not JSON:API, missing fields, upload operations that do not cover the file). */
  | 'bad_response'
  /** The wait bound passed while Apple was still processing. */
  | 'timeout';

/** One of Apple's errors: a JSON:API error object, or a build upload's `StateDetail` (`code`, `description`). */
export interface AppleError {
  code: string;
  status?: string;
  title?: string;
  detail?: string;
  /** Apple's ID of this error occurrence (give it to Apple's support). */
  id?: string;
}

export class AscError extends Error {
  override readonly name = 'AscError';
  constructor(
    readonly code: AscErrorCode,
    message: string,
    readonly details: {
      /** HTTP status of Apple's answer; 0 when there was none. */
      status?: number;
      appleErrors?: AppleError[];
      /** What a person can do about it. */
      hint?: string;
      cause?: unknown;
    } = {},
  ) {
    super(message, details.cause === undefined ? undefined : { cause: details.cause });
  }

  get status(): number {
    return this.details.status ?? 0;
  }

  get appleErrors(): AppleError[] {
    return this.details.appleErrors ?? [];
  }

  get hint(): string | undefined {
    return this.details.hint;
  }
}

/** `CODE: detail` lines for Apple's errors, for people (control characters removed, long texts cut). */
export function describeAppleErrors(errors: readonly AppleError[]): string[] {
  return errors.map((e) => {
    const text = [e.title, e.detail].filter((t) => t !== undefined && t !== '').join(' — ');
    return `${printable(e.code, 120)}${text ? `: ${printable(text, 1000)}` : ''}${e.id ? ` (id ${printable(e.id, 80)})` : ''}`;
  });
}

/** Text from Apple quoted back to a terminal: one line, no control characters, bounded length. */
export { printable };
