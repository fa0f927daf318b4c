/**
 * What the Notary API flow (src/asc/notary.ts) takes and gives: Apple's statuses, the file types it accepts, a
 * submission, the developer log's issues, the result and events of `notarize`, and its error.
 */
import type { AppStoreConnectClient } from './api.ts';
import { AscError } from './errors.ts';

/** The path Apple serves the Notary API under: what a per-call token's scope names (`POST /notary/v2/submissions`). */
export const NOTARY_PATH = '/notary/v2';
export const NOTARY_STATUSES = ['In Progress', 'Accepted', 'Invalid', 'Rejected'] as const;
export type NotaryStatus = (typeof NOTARY_STATUSES)[number];
/** What notarize takes: the containers Apple's notary service accepts. */
export const NOTARY_FILE_TYPES = ['.zip', '.dmg', '.pkg'] as const;

export interface NotarySubmission {
  id: string;
  status: NotaryStatus;
  /** The submission's name (the file name it was submitted with), control characters replaced. */
  name: string | null;
  createdDate: string | null;
}

/** One entry of the developer log's `issues`, every text control-character-free and bounded. */
export interface NotaryIssue {
  /** `error` or `warning`. */
  severity: string;
  code: string | null;
  /** Where in the upload, e.g. `Example.zip/Example.app/Contents/MacOS/Example`. */
  path: string | null;
  message: string;
  /** Apple's page about the issue (https only). */
  docUrl: string | null;
  architecture: string | null;
}

export interface NotaryLog {
  status: string | null;
  statusSummary: string | null;
  statusCode: number | null;
  jobId: string | null;
  archiveFilename: string | null;
  sha256: string | null;
  issues: NotaryIssue[];
  /** The log as Apple wrote it (parsed JSON), for `--log ID --output json`. */
  document: unknown;
}

export interface NotarizeResult {
  id: string;
  status: NotaryStatus;
  name: string | null;
  createdDate: string | null;
  fileName: string;
  fileSize: number;
  sha256: string;
  /** From the developer log, when it was fetched (`Invalid`, `Rejected`). */
  statusSummary: string | null;
  issues: NotaryIssue[];
}

export type NotarizeEvent =
  | { type: 'file'; fileName: string; bytes: number }
  | { type: 'checksum'; sha256: string; ms: number }
  | { type: 'submitted'; id: string }
  | { type: 'transfer-start'; bytes: number; parts: number; bucket: string; region: string }
  | { type: 'transfer-progress'; sent: number; total: number }
  | { type: 'transfer-done'; bytes: number; ms: number }
  | { type: 'status'; status: string; elapsedMs: number }
  | { type: 'check-failed'; message: string; elapsedMs: number }
  | { type: 'log'; issues: number }
  | { type: 'log-failed'; message: string };

export interface NotarizeOptions {
  /** A client for the Notary API: {@link notaryClient}. */
  client: AppStoreConnectClient;
  /** A .zip, .dmg or .pkg. */
  file: string;
  /** Wait for Apple's verdict (default true); false returns after the upload with one status check. */
  wait?: boolean;
  /** Bound on the wait, in ms (default: none). */
  timeoutMs?: number | undefined;
  /** Read for `ASC_NOTARY_S3_URL` (default `process.env`): src/asc/notary-upload.ts. */
  env?: Record<string, string | undefined>;
  /** S3 part size and parts in flight (defaults 8 MiB and 4). */
  partSize?: number;
  queueSize?: number;
  onEvent?: (event: NotarizeEvent) => void;
  sleep?: (ms: number) => Promise<void>;
  now?: () => number;
}

/** A notarization that ended badly (`notarization_failed`: Invalid or Rejected; `timeout`), with what is known. */
export class NotarizationError extends AscError {
  constructor(
    code: 'notarization_failed' | 'timeout',
    message: string,
    readonly result: NotarizeResult,
    hint: string,
    /** Why the developer log could not be fetched, if it could not. */
    readonly logFailure?: string,
  ) {
    super(code, message, { hint });
  }
}
