/**
 * Notarizing macOS software with Apple's Notary API (DESIGN §11), the job of `notarytool submit --wait`, with
 * tokens from an {@link AuthStrategy} (vended ones in CI: no `.p8` on the machine):
 *
 *   SHA-256 of the file                       (.zip, .dmg or .pkg, checked by its first or last bytes)
 *   POST {ASC_NOTARY_URL}/submissions         submissionName, sha256 → id, temporary S3 credentials, bucket, object
 *   the file to s3://bucket/object            Apple's credentials only, us-west-2 (notary-upload.ts)
 *   GET {ASC_NOTARY_URL}/submissions/{id}     until status is not `In Progress` (DESIGN's waiting rule)
 *   GET {ASC_NOTARY_URL}/submissions/{id}/logs → developerLogUrl (a presigned URL: fetched without the token)
 *                                             → the developer log's issues, for `Invalid` and `Rejected`
 *
 * Every identifier, status, bucket, object key and URL in Apple's answers is checked before it goes into a URL, a
 * request or output: a hostile or broken answer cannot add a path segment, a line or an escape sequence.
 */
import { open, stat } from 'node:fs/promises';
import { basename, extname } from 'node:path';
import { pathSegment, type ApiCall } from './auth.ts';
import { AppStoreConnectClient, defaultSleep, type AppStoreConnectClientOptions } from './client.ts';
import { isAllowedAnswerUrl, notaryBaseUrl } from './endpoint.ts';
import { AscError, printable } from './errors.ts';
import { loadS3, partsFor, uploadToNotaryBucket, NOTARY_S3_REGION, type NotaryUploadTarget } from './notary-upload.ts';
import { sha256File } from './transfer.ts';
import { WaitTimeout, formatDuration, waitUntil } from './wait.ts';

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

/**
 * An {@link AppStoreConnectClient} for the Notary API: base `ASC_NOTARY_URL` (default
 * `https://appstoreconnect.apple.com/notary/v2`), calls named `/notary/v2/…` to the auth strategy.
 * @throws TypeError when the base URL is not https (or http on loopback).
 */
export function notaryClient(options: Omit<AppStoreConnectClientOptions, 'scopePrefix' | 'serviceName' | 'urlSetting'>): AppStoreConnectClient {
  return new AppStoreConnectClient({
    ...options,
    baseUrl: options.baseUrl ?? notaryBaseUrl(options.env ?? process.env),
    scopePrefix: NOTARY_PATH,
    serviceName: 'Apple’s notary service',
    urlSetting: 'ASC_NOTARY_URL',
  });
}

/**
 * Check a file before anything is sent: its type by name, then by content (a zip's `PK\x03\x04`, a flat
 * package's `xar!`, a UDIF disk image's `koly` trailer).
 * @throws AscError `invalid_input` saying what is wrong and what to pass instead.
 */
export async function checkNotaryFile(file: string): Promise<{ size: number; mtimeMs: number; fileName: string }> {
  const fileName = basename(file);
  const kind = extname(file).toLowerCase();
  if (!(NOTARY_FILE_TYPES as readonly string[]).includes(kind)) {
    throw new AscError('invalid_input', `${fileName}: notarize takes a .zip, a .dmg or a .pkg`, { hint: 'Zip an app first: ditto -c -k --keepParent Example.app Example.zip' });
  }
  const info = await stat(file).catch((error: NodeJS.ErrnoException) => {
    throw new AscError('invalid_input', `cannot read ${file}: ${error.code === 'ENOENT' ? 'no such file' : error.code}`, { cause: error });
  });
  if (!info.isFile()) throw new AscError('invalid_input', `${file} is not a file`);
  if (info.size === 0) throw new AscError('invalid_input', `${file} is empty`);
  const handle = await open(file, 'r');
  try {
    const head = Buffer.alloc(4);
    await handle.read(head, 0, 4, 0);
    const tail = Buffer.alloc(4);
    if (info.size >= 512) await handle.read(tail, 0, 4, info.size - 512);
    const bad = (what: string, hint: string) => new AscError('invalid_input', `${fileName} is not ${what}`, { hint });
    if (kind === '.zip' && !head.equals(Buffer.from('PK\x03\x04', 'latin1'))) throw bad('a zip archive', 'Make it with: ditto -c -k --keepParent Example.app Example.zip');
    if (kind === '.pkg' && head.toString('latin1') !== 'xar!') throw bad('a flat installer package (xar)', 'Build it with productbuild (or pkgbuild) and sign it with productsign.');
    if (kind === '.dmg' && tail.toString('latin1') !== 'koly') throw bad('a UDIF disk image', 'Make it with: hdiutil create -format UDZO … (and sign it with codesign).');
  } finally {
    await handle.close();
  }
  return { size: info.size, mtimeMs: info.mtimeMs, fileName };
}

/**
 * Submit, upload and (by default) wait for Apple's verdict.
 * @throws AscError `invalid_input` (before any call to Apple), `apple_refused`, `apple_unavailable`, `bad_response`,
 * `upload_failed`; NotarizationError `notarization_failed` (with the log's issues) / `timeout`; TokenClientError
 * from vended tokens.
 */
export async function notarize(options: NotarizeOptions): Promise<NotarizeResult> {
  const { client } = options;
  const emit = options.onEvent ?? (() => {});
  const now = options.now ?? Date.now;
  const before = await checkNotaryFile(options.file);
  const { fileName, size } = before;
  emit({ type: 'file', fileName, bytes: size });

  // The token for the submission is fetched while the file is hashed: a profile the service refuses, or missing
  // AWS credentials, fail at once rather than after reading a large file. The S3 client loads meanwhile too.
  loadS3().catch(() => {}); // a failure to load shows where the upload awaits it
  const submitCall: ApiCall = { method: 'POST', path: '/submissions' };
  const started = now();
  const [sha256] = await Promise.all([
    sha256File(options.file).catch((error: NodeJS.ErrnoException) => {
      throw new AscError('invalid_input', `cannot read ${fileName}: ${error.code ?? error.message}`, { cause: error });
    }),
    client.prepare(submitCall),
  ]);
  emit({ type: 'checksum', sha256, ms: now() - started });

  const created = await client.request<unknown>(submitCall, { body: { submissionName: fileName, sha256 } }).catch(rehint);
  const { id, target } = checkNewSubmission(created);
  emit({ type: 'submitted', id });

  const parts = partsFor(size, options.partSize);
  emit({ type: 'transfer-start', bytes: size, parts, bucket: target.bucket, region: NOTARY_S3_REGION });
  const sending = now();
  try {
    await uploadToNotaryBucket({
      file: options.file,
      size,
      target,
      ...(options.env ? { env: options.env } : {}),
      ...(options.partSize === undefined ? {} : { partSize: options.partSize }),
      ...(options.queueSize === undefined ? {} : { queueSize: options.queueSize }),
      onBytes: (sent) => emit({ type: 'transfer-progress', sent, total: size }),
    });
  } catch (error) {
    if (error instanceof AscError && error.code === 'upload_failed') {
      throw new AscError('upload_failed', `${error.message}; submission ${id} will not be processed`, { status: error.status, cause: error.cause, ...(error.hint ? { hint: error.hint } : {}) });
    }
    throw error;
  }
  const after = await stat(options.file);
  if (after.size !== before.size || after.mtimeMs !== before.mtimeMs) {
    throw new AscError('invalid_input', `${fileName} changed while it was being uploaded: Apple would check other bytes than the SHA-256 submitted`, { hint: 'Run notarize again once the file is final.' });
  }
  emit({ type: 'transfer-done', bytes: size, ms: now() - sending });

  const result = (submission: NotarySubmission | undefined, log?: NotaryLog): NotarizeResult => ({
    id,
    status: submission?.status ?? 'In Progress',
    name: submission?.name ?? null,
    createdDate: submission?.createdDate ?? null,
    fileName,
    fileSize: size,
    sha256,
    statusSummary: log?.statusSummary ?? null,
    issues: log?.issues ?? [],
  });
  const check = () => getSubmission(client, id);
  if (options.wait === false) return result(await check());

  let final: NotarySubmission;
  try {
    final = await waitUntil({
      check,
      done: (submission) => submission.status !== 'In Progress',
      ...(options.timeoutMs === undefined ? {} : { timeoutMs: options.timeoutMs }),
      ...(options.sleep ? { sleep: options.sleep } : {}),
      now,
      onStatus: (submission, elapsedMs) => emit({ type: 'status', status: submission.status, elapsedMs }),
      onCheckFailed: (error, elapsedMs) => emit({ type: 'check-failed', message: (error as Error).message, elapsedMs }),
    });
  } catch (error) {
    if (error instanceof WaitTimeout) {
      const last = result(error.lastStatus as NotarySubmission | undefined);
      throw new NotarizationError(
        'timeout',
        `Apple was still notarizing submission ${id} (${last.status}) after ${formatDuration(error.elapsedMs)}; the file is uploaded`,
        last,
        `Apple goes on without this command: look it up later with \`asc-token notarize --status ${id}\` (and \`--log ${id}\`), or wait longer with a larger --timeout.`,
      );
    }
    throw error;
  }
  if (final.status === 'Accepted') return result(final);

  // Invalid or Rejected: the developer log says why.
  let log: NotaryLog | undefined;
  let logFailure: string | undefined;
  try {
    log = await getSubmissionLog(client, id, { ...(options.sleep ? { sleep: options.sleep } : {}) });
    emit({ type: 'log', issues: log.issues.length });
  } catch (error) {
    logFailure = (error as Error).message;
    emit({ type: 'log-failed', message: logFailure });
  }
  const failed = result(final, log);
  throw new NotarizationError(
    'notarization_failed',
    `Apple's notary service answered ${final.status} for ${fileName} (submission ${id})${failed.statusSummary ? `: ${failed.statusSummary}` : ''}`,
    failed,
    `Fix what the log lists (every binary signed with a Developer ID certificate, the hardened runtime and a secure timestamp), then notarize again. The whole log: asc-token notarize --log ${id}`,
    logFailure,
  );
}

/**
 * One status check.
 * @throws AscError `apple_refused` (e.g. 404 for an ID the key's team does not have), `bad_response` for an answer
 * that is not a submission with a known status.
 */
export async function getSubmission(client: AppStoreConnectClient, id: string): Promise<NotarySubmission> {
  const segment = submissionId(id, 'invalid_input');
  const document = await client.request<unknown>({ method: 'GET', path: `/submissions/${segment}` }).catch(rehint);
  const data = (document as { data?: { id?: unknown; attributes?: Record<string, unknown> } } | undefined)?.data;
  const answered = submissionId(data?.id, 'bad_response');
  if (answered.toLowerCase() !== segment.toLowerCase()) throw new AscError('bad_response', `Apple's notary service answered about submission ${answered}, not ${segment}`);
  const status = data?.attributes?.status;
  if (typeof status !== 'string' || !(NOTARY_STATUSES as readonly string[]).includes(status)) {
    throw new AscError('bad_response', `Apple's notary service answered a status this client does not know for submission ${segment}: ${typeof status === 'string' ? JSON.stringify(printable(status, 40)) : 'none'}`, {
      hint: 'Look the submission up in App Store Connect; if Apple added a status, report it.',
    });
  }
  const name = data?.attributes?.name;
  const createdDate = data?.attributes?.createdDate;
  return {
    id: segment,
    status: status as NotaryStatus,
    name: typeof name === 'string' ? printable(name, 255) : null,
    createdDate: typeof createdDate === 'string' && /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,9})?(Z|[+-]\d{2}:?\d{2})$/.test(createdDate) ? createdDate : null,
  };
}

export interface LogFetchOptions {
  /** Largest log accepted, in bytes (default 16 MiB). */
  maxBytes?: number;
  /** Attempts on network failures and 5xx (default 3). */
  attempts?: number;
  sleep?: (ms: number) => Promise<void>;
}

/**
 * The developer log of a finished submission: its URL from Apple (`GET /submissions/{id}/logs`), then the log
 * itself from that presigned URL, without the bearer token, https only (this machine only when the Notary API's
 * base is on loopback too), at most three redirects (each checked the same way), bounded in size.
 * @throws AscError `apple_refused` (404 while the submission is still in progress), `bad_response`,
 * `apple_unavailable`.
 */
export async function getSubmissionLog(client: AppStoreConnectClient, id: string, options: LogFetchOptions = {}): Promise<NotaryLog> {
  const segment = submissionId(id, 'invalid_input');
  const document = await client.request<unknown>({ method: 'GET', path: `/submissions/${segment}/logs` }).catch((error: unknown) => {
    if (error instanceof AscError && error.code === 'apple_refused' && error.status === 404) {
      throw new AscError('apple_refused', error.message, { status: 404, appleErrors: error.appleErrors, hint: `Apple writes the log once a submission is finished: check it with \`asc-token notarize --status ${segment}\`.` });
    }
    return rehint(error);
  });
  const raw = (document as { data?: { attributes?: { developerLogUrl?: unknown } } } | undefined)?.data?.attributes?.developerLogUrl;
  const url = logUrl(raw, client.baseUrl);
  const text = await fetchLog(url, options, client.baseUrl);
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw new AscError('bad_response', `the developer log of submission ${segment} is not JSON`);
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw new AscError('bad_response', `the developer log of submission ${segment} is not a JSON object`);
  return parseDeveloperLog(parsed as Record<string, unknown>);
}

/** The fields of a developer log that people read, checked and made printable. */
export function parseDeveloperLog(log: Record<string, unknown>): NotaryLog {
  const text = (value: unknown, max: number) => (typeof value === 'string' ? printable(value, max) : null);
  const issues = Array.isArray(log.issues) ? log.issues : [];
  return {
    status: text(log.status, 40),
    statusSummary: text(log.statusSummary, 500),
    statusCode: typeof log.statusCode === 'number' && Number.isFinite(log.statusCode) ? log.statusCode : null,
    jobId: text(log.jobId, 80),
    archiveFilename: text(log.archiveFilename, 255),
    sha256: typeof log.sha256 === 'string' && /^[0-9a-fA-F]{64}$/.test(log.sha256) ? log.sha256 : null,
    issues: issues
      .filter((i): i is Record<string, unknown> => typeof i === 'object' && i !== null && !Array.isArray(i))
      .slice(0, 1000)
      .map((i) => ({
        severity: text(i.severity, 20) ?? 'issue',
        code: typeof i.code === 'number' && Number.isFinite(i.code) ? String(i.code) : text(i.code, 60),
        path: text(i.path, 1000),
        message: text(i.message, 2000) ?? '(no message)',
        docUrl: typeof i.docUrl === 'string' && /^https:\/\/[^\s]+$/.test(i.docUrl) && i.docUrl.length <= 500 ? printable(i.docUrl, 500) : null,
        architecture: text(i.architecture, 40),
      })),
    document: log,
  };
}

/** One line per issue, for people: `error: PATH (ARCH): MESSAGE See DOCURL`, at most `max` of them. */
export function describeIssues(issues: readonly NotaryIssue[], max = 50): string[] {
  const lines = issues.slice(0, max).map((issue) => {
    const where = issue.path ? ` in ${issue.path}${issue.architecture ? ` (${issue.architecture})` : ''}` : issue.architecture ? ` (${issue.architecture})` : '';
    return `${issue.severity}${where}: ${issue.message}${issue.docUrl ? ` See ${issue.docUrl}` : ''}`;
  });
  if (issues.length > max) lines.push(`… and ${issues.length - max} more`);
  return lines;
}

/** Apple's submission IDs (UUIDs) as path segments: nothing that could add a segment, a query or a line. */
function submissionId(value: unknown, code: 'invalid_input' | 'bad_response'): string {
  const what = code === 'invalid_input' ? 'submission ID' : 'Apple’s notary service answered a submission ID that';
  if (typeof value !== 'string') throw new AscError(code, `${code === 'invalid_input' ? 'no submission ID' : 'Apple’s notary service answered without a submission ID'}`);
  try {
    pathSegment(value, 'id');
  } catch {
    throw new AscError(code, `${what} ${JSON.stringify(printable(value, 60))} is not an identifier (a UUID such as 2efe2717-52ef-43a5-96dc-0797e4ca1041)`);
  }
  if (value.length > 64) throw new AscError(code, `${what} is longer than 64 characters`);
  return value;
}

const BUCKET = /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/;
const OBJECT_KEY = /^[A-Za-z0-9!_.*'()=+,:@-]+(\/[A-Za-z0-9!_.*'()=+,:@-]+)*$/;
const ACCESS_KEY_ID = /^[A-Z0-9]{16,128}$/;
const SECRET = /^[A-Za-z0-9/+=_-]{16,8192}$/;

/**
 * The submission's ID and S3 target from `POST /submissions`, every field checked.
 * @throws AscError `bad_response` naming the field that cannot be used.
 */
export function checkNewSubmission(document: unknown): { id: string; target: NotaryUploadTarget } {
  const data = (document as { data?: { id?: unknown; attributes?: Record<string, unknown> } } | undefined)?.data;
  const id = submissionId(data?.id, 'bad_response');
  const a = data?.attributes ?? {};
  const bad = (what: string) =>
    new AscError('bad_response', `Apple's notary service answered submission ${id} with ${what}`, { hint: 'Run it again; if it persists, report it with the submission ID.' });
  if (typeof a.bucket !== 'string' || !BUCKET.test(a.bucket) || a.bucket.includes('..')) throw bad('no usable S3 bucket name');
  if (typeof a.object !== 'string' || a.object.length > 1024 || !OBJECT_KEY.test(a.object) || a.object.split('/').some((s) => s === '.' || s === '..')) throw bad('no usable S3 object key');
  if (typeof a.awsAccessKeyId !== 'string' || !ACCESS_KEY_ID.test(a.awsAccessKeyId)) throw bad('no usable awsAccessKeyId');
  if (typeof a.awsSecretAccessKey !== 'string' || !SECRET.test(a.awsSecretAccessKey)) throw bad('no usable awsSecretAccessKey');
  if (typeof a.awsSessionToken !== 'string' || !SECRET.test(a.awsSessionToken)) throw bad('no usable awsSessionToken');
  return {
    id,
    target: { bucket: a.bucket, object: a.object, credentials: { accessKeyId: a.awsAccessKeyId, secretAccessKey: a.awsSecretAccessKey, sessionToken: a.awsSessionToken } },
  };
}

function logUrl(raw: unknown, apiBase: URL): URL {
  let url: URL;
  try {
    url = new URL(String(raw));
  } catch {
    throw new AscError('bad_response', 'Apple’s notary service answered without a usable developerLogUrl');
  }
  if (raw === undefined || !isAllowedAnswerUrl(url, apiBase) || url.username || url.password) {
    throw new AscError('bad_response', `Apple’s notary service answered a developerLogUrl this client does not fetch (${url.protocol}//${printable(url.host, 80)}): https only, off this machine`);
  }
  return url;
}

/** GET the presigned log URL: no Authorization header, bounded, redirects followed only where the URL itself may go. */
async function fetchLog(start: URL, options: LogFetchOptions, apiBase: URL): Promise<string> {
  const maxBytes = options.maxBytes ?? 16 * 1024 * 1024;
  const attempts = options.attempts ?? 3;
  const sleep = options.sleep ?? defaultSleep;
  for (let attempt = 1; ; attempt++) {
    let failure: string;
    try {
      let url = start;
      for (let hop = 0; ; hop++) {
        const response = await fetch(url, { redirect: 'manual', headers: { accept: 'application/json' }, signal: AbortSignal.timeout(60_000) });
        if (response.status >= 300 && response.status < 400 && response.headers.get('location')) {
          await response.body?.cancel();
          const next = new URL(response.headers.get('location') as string, url);
          if (hop >= 3 || !isAllowedAnswerUrl(next, apiBase) || next.username || next.password) {
            throw new AscError('bad_response', `the developer log's URL redirects to a place this client does not follow (${next.protocol}//${printable(next.host, 80)})`);
          }
          url = next;
          continue;
        }
        if (response.status >= 400 && response.status < 500) {
          await response.body?.cancel();
          throw new AscError('apple_refused', `Apple's storage answered HTTP ${response.status} for the developer log (${url.host})`, {
            status: response.status,
            hint: 'The log URL is short-lived: ask for it again with asc-token notarize --log ID.',
          });
        }
        if (response.status !== 200) {
          await response.body?.cancel();
          failure = `HTTP ${response.status}`;
          break;
        }
        return await readBounded(response, maxBytes);
      }
    } catch (error) {
      if (error instanceof AscError) throw error;
      failure = (error as { cause?: { code?: string } })?.cause?.code ?? (error as Error).name ?? 'network error';
    }
    if (attempt >= attempts) throw new AscError('apple_unavailable', `the developer log could not be fetched from ${start.host} (${failure}, ${attempts} attempts)`, { hint: 'Try again later with asc-token notarize --log ID.' });
    await sleep(1000 * 2 ** (attempt - 1));
  }
}

async function readBounded(response: Response, maxBytes: number): Promise<string> {
  const declared = Number(response.headers.get('content-length'));
  if (Number.isFinite(declared) && declared > maxBytes) {
    await response.body?.cancel();
    throw new AscError('bad_response', `the developer log is ${declared} bytes, more than the ${maxBytes} this client reads`);
  }
  const chunks: Uint8Array[] = [];
  let total = 0;
  if (response.body) {
    for await (const chunk of response.body as unknown as AsyncIterable<Uint8Array>) {
      total += chunk.byteLength;
      if (total > maxBytes) throw new AscError('bad_response', `the developer log is more than the ${maxBytes} bytes this client reads`);
      chunks.push(chunk);
    }
  }
  return Buffer.concat(chunks).toString('utf8');
}

/** Apple's 4xx from the Notary API with a hint that fits it (the client's hints are written for App Store Connect's API). */
function rehint(error: unknown): never {
  if (error instanceof AscError && error.code === 'apple_refused') {
    const hint = NOTARY_HINTS[error.status];
    if (hint) throw new AscError('apple_refused', error.message, { status: error.status, appleErrors: error.appleErrors, hint, cause: error.cause });
  }
  throw error;
}

const NOTARY_HINTS: Record<number, string> = {
  401: 'Apple refused the token even after a fresh one: the key may be revoked, or be an individual key the notary service does not take (use a team key).',
  403: 'The key’s App Store Connect role does not allow notarization (Developer, App Manager or Admin can), or the team has not accepted the latest agreements in App Store Connect.',
  404: 'No such submission for this key’s team: check the ID (asc-token notarize printed it), and that the profile uses a key of the team that submitted it.',
};
