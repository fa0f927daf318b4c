/**
 * Notarizing macOS software with Apple's Notary API (docs/design.md#jobs-without-the-key), the job of `notarytool submit --wait`, with
 * tokens from an {@link AuthStrategy} (vended ones in CI: no `.p8` on the machine):
 *
 *   SHA-256 of the file                       (.zip, .dmg or .pkg, checked by its first or last bytes)
 *   POST {ASC_NOTARY_URL}/submissions         submissionName, sha256 → id, temporary S3 credentials, bucket, object
 *   the file to s3://bucket/object            Apple's credentials only, us-west-2 (notary-upload.ts)
 *   GET {ASC_NOTARY_URL}/submissions/{id}     until status is not `In Progress` (docs/design.md#waiting-for-apple)
 *   GET {ASC_NOTARY_URL}/submissions/{id}/logs → developerLogUrl (a presigned URL: fetched without the token)
 *                                             → the developer log's issues, for `Invalid` and `Rejected`
 *
 * Every identifier, status, bucket, object key and URL in Apple's answers is checked before it goes into a URL, a
 * request or output: a hostile or broken answer cannot add a path segment, a line or an escape sequence.
 */
import { open, stat } from 'node:fs/promises';
import { basename, extname } from 'node:path';
import type { ApiCall } from './auth.ts';
import { AppStoreConnectClient, type AppStoreConnectClientOptions } from './api.ts';
import { notaryBaseUrl } from './endpoint.ts';
import { AscError } from './errors.ts';
import { loadS3, partsFor, uploadToNotaryBucket, NOTARY_S3_REGION } from './notary-upload.ts';
import { sha256File } from './transfer.ts';
import { WaitTimeout, formatDuration, waitUntil } from './wait.ts';
import { checkNewSubmission, getSubmission, rehint } from './notary-answers.ts';
import { getSubmissionLog } from './notary-log.ts';
import { NOTARY_FILE_TYPES, NOTARY_PATH, NotarizationError, type NotarizeOptions, type NotarizeResult, type NotaryLog, type NotarySubmission } from './notary-types.ts';

export * from './notary-types.ts';
export { checkNewSubmission, getSubmission } from './notary-answers.ts';
export { describeIssues, getSubmissionLog, parseDeveloperLog, type LogFetchOptions } from './notary-log.ts';

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
