/**
 * Uploading a build with Apple's Build Uploads API (App Store Connect API 4.1+; docs/design.md#jobs-without-the-key):
 *
 *   GET /v1/apps?filter[bundleId]=B          (unless the app ID is given)
 *   POST /v1/buildUploads                    cfBundleShortVersionString, cfBundleVersion, platform, app
 *   POST /v1/buildUploadFiles                assetType ASSET, fileName, fileSize, uti → uploadOperations[]
 *   every upload operation, as given         several parts at once, each retried
 *   PATCH /v1/buildUploadFiles/{id}          uploaded: true, sourceFileChecksums (SHA-256 of the file)
 *   GET /v1/buildUploads/{id}                until state.state is COMPLETE or FAILED
 */
import { stat } from 'node:fs/promises';
import { basename, extname } from 'node:path';
import { BUNDLE_ID_PATTERN } from '../core/apple.ts';
import { pathSegment } from './auth.ts';
import type { AppStoreConnectClient } from './api.ts';
import { AscError, type AppleError } from './errors.ts';
import { PLATFORMS, readIpaInfo, type BundleInfo, type Platform } from './ipa.ts';
import { checkOperations, chunkBuffers, sendOperations, sha256File } from './transfer.ts';
import { WaitTimeout, formatDuration, waitUntil } from './wait.ts';

export type BuildUploadState = 'AWAITING_UPLOAD' | 'PROCESSING' | 'FAILED' | 'COMPLETE';

export type UploadEvent =
  | { type: 'bundle'; bundleId: string | undefined; version: string; build: string; platform: Platform; fromPlist: string | undefined }
  | { type: 'app'; appId: string; bundleId: string | undefined }
  | { type: 'created'; buildUploadId: string }
  | { type: 'checksum'; sha256: string; ms: number }
  | { type: 'transfer-start'; parts: number; bytes: number }
  | { type: 'transfer-progress'; sent: number; total: number }
  | { type: 'transfer-done'; bytes: number; ms: number }
  | { type: 'part-retry'; part: number; of: number; attempt: number; reason: string; delayMs: number }
  | { type: 'committed'; buildUploadId: string }
  | { type: 'state'; state: string; elapsedMs: number }
  | { type: 'check-failed'; message: string; elapsedMs: number };

export interface UploadBuildOptions {
  client: AppStoreConnectClient;
  /** An .ipa, or a .pkg (which needs bundleId or appId, version and build). */
  file: string;
  /** Skips the app lookup. */
  appId?: string | undefined;
  /** Overrides the Info.plist's `CFBundleIdentifier`. */
  bundleId?: string | undefined;
  /** Overrides `CFBundleShortVersionString`. */
  version?: string | undefined;
  /** Overrides `CFBundleVersion`. */
  build?: string | undefined;
  /** Default: from the Info.plist's `DTPlatformName`, else IOS for an .ipa and MAC_OS for a .pkg. */
  platform?: Platform | undefined;
  /** Wait for Apple's processing (default true); false returns once the upload is committed. */
  wait?: boolean;
  /** Bound on the wait for processing, in ms (default: none). */
  timeoutMs?: number | undefined;
  /** Parts in flight (default 4). */
  concurrency?: number;
  /** Attempts per part (default 5). */
  partAttempts?: number;
  onEvent?: (event: UploadEvent) => void;
  sleep?: (ms: number) => Promise<void>;
  now?: () => number;
}

export interface UploadBuildResult {
  /** The build upload's ID. */
  id: string;
  state: BuildUploadState | string;
  appId: string;
  bundleId: string | undefined;
  version: string;
  build: string;
  platform: Platform;
  fileName: string;
  fileSize: number;
  sha256: string;
  errors: AppleError[];
  warnings: AppleError[];
  infos: AppleError[];
}

/** A build upload that ended badly (`build_failed`, `timeout`), with what is known about it. */
export class BuildUploadError extends AscError {
  constructor(
    code: 'build_failed' | 'timeout',
    message: string,
    readonly result: UploadBuildResult,
    hint: string,
  ) {
    super(code, message, { appleErrors: result.errors, hint });
  }
}

/** Apple: "one to three period-separated integers" for both CFBundleShortVersionString and CFBundleVersion. */
const VERSION = /^\d{1,9}(\.\d{1,9}){0,2}$/;

interface BuildUploadDocument {
  data?: { id?: unknown; attributes?: { state?: { state?: unknown; errors?: unknown; warnings?: unknown; infos?: unknown } } };
}

/**
 * @throws AscError `invalid_input` (before any call to Apple), `app_not_found`, `apple_refused`, `upload_refused`,
 * `apple_unavailable`, `bad_response`; BuildUploadError `build_failed` / `timeout`; TokenClientError from vended
 * tokens.
 */
export async function uploadBuild(options: UploadBuildOptions): Promise<UploadBuildResult> {
  const { client } = options;
  const emit = options.onEvent ?? (() => {});
  const now = options.now ?? Date.now;
  const file = options.file;
  const fileName = basename(file);
  const kind = extname(file).toLowerCase();
  if (kind !== '.ipa' && kind !== '.pkg') throw new AscError('invalid_input', `${fileName}: upload takes an .ipa (iOS, tvOS, visionOS) or a .pkg (macOS)`);
  const before = await stat(file).catch((error: NodeJS.ErrnoException) => {
    throw new AscError('invalid_input', `cannot read ${file}: ${error.code === 'ENOENT' ? 'no such file' : error.code}`, { cause: error });
  });
  if (!before.isFile()) throw new AscError('invalid_input', `${file} is not a file`);
  if (before.size === 0) throw new AscError('invalid_input', `${file} is empty`);

  // What the build is: the Info.plist, overridden by options.
  const info: Partial<BundleInfo> = kind === '.ipa' ? await readIpaInfo(file, fileName) : {};
  const bundleId = options.bundleId ?? info.bundleId;
  const version = options.version ?? info.version;
  const build = options.build ?? info.build;
  const platform = options.platform ?? info.platform ?? (kind === '.pkg' ? 'MAC_OS' : 'IOS');
  const from = info.plistPath ? `${info.plistPath} has no` : `${fileName} is a .pkg: pass`;
  const missing = ([[version, 'CFBundleShortVersionString', '--version 1.2.3'], [build, 'CFBundleVersion', '--build 45'], [options.appId ?? bundleId, 'CFBundleIdentifier', '--bundle-id com.example.app (or --app-id ID)']] as const).filter(([value]) => value === undefined);
  const named = missing.map(([, key]) => key).join(', ').replace(/, (?=[^,]+$)/, info.plistPath ? ' or ' : ' and ');
  if (version === undefined || build === undefined || missing.length > 0) throw new AscError('invalid_input', `${from} ${named}`, { hint: `Pass ${missing.map(([, , flag]) => flag).join(' ')}.` });
  if (!VERSION.test(version)) throw new AscError('invalid_input', `version ${JSON.stringify(version)} is not one to three period-separated integers (CFBundleShortVersionString, e.g. 1.4.0)`);
  if (!VERSION.test(build)) throw new AscError('invalid_input', `build ${JSON.stringify(build)} is not one to three period-separated integers (CFBundleVersion, e.g. 45)`);
  if (bundleId !== undefined && !BUNDLE_ID_PATTERN.test(bundleId)) throw new AscError('invalid_input', `bundle ID ${JSON.stringify(bundleId)} is not a reverse-DNS identifier (e.g. com.example.app)`);
  if (!(PLATFORMS as readonly string[]).includes(platform)) throw new AscError('invalid_input', `platform must be one of ${PLATFORMS.join(', ')}`);
  if (options.appId !== undefined && !/^[A-Za-z0-9-]{1,64}$/.test(options.appId)) throw new AscError('invalid_input', `app ID ${JSON.stringify(options.appId)} is not an App Store Connect app ID (the number in the app's URL)`);
  emit({ type: 'bundle', bundleId, version, build, platform, fromPlist: info.plistPath });

  // The checksum and the transfer's buffers (and the GC they cost) while the calls go to Apple: BENCHMARKS.md, parts.
  const buffers = chunkBuffers(options.concurrency);
  const hashStarted = now();
  const checksum = sha256File(file).then((sha256) => ({ sha256, ms: now() - hashStarted }));
  checksum.catch(() => {}); // awaited below; meanwhile a failure must not be an unhandled rejection

  // The app.
  let appId = options.appId;
  if (appId === undefined) {
    const apps = await client.request<{ data?: Array<{ id?: unknown; attributes?: { bundleId?: unknown } }> }>({
      method: 'GET',
      path: '/v1/apps',
      query: [['filter[bundleId]', bundleId as string]],
    });
    const match = (apps?.data ?? []).find((app) => app.attributes?.bundleId === bundleId) ?? (apps?.data?.length === 1 && apps.data[0]?.attributes?.bundleId === undefined ? apps.data[0] : undefined);
    if (typeof match?.id !== 'string') {
      throw new AscError('app_not_found', `no app with bundle ID ${bundleId} in this key's App Store Connect team`, {
        hint: 'Create the app in App Store Connect (Apps → +) first, check the bundle ID, or pass --app-id.',
      });
    }
    appId = idFrom(match.id, 'app ID');
  }
  emit({ type: 'app', appId, bundleId });

  // The build upload and its file.
  const created = await client.request<BuildUploadDocument>(
    { method: 'POST', path: '/v1/buildUploads' },
    {
      body: {
        data: {
          type: 'buildUploads',
          attributes: { cfBundleShortVersionString: version, cfBundleVersion: build, platform },
          relationships: { app: { data: { type: 'apps', id: appId } } },
        },
      },
    },
  );
  const id = idFrom(created?.data?.id, 'build upload ID');
  emit({ type: 'created', buildUploadId: id });
  const uploadFile = await client.request<{ data?: { id?: unknown; attributes?: { uploadOperations?: unknown } } }>(
    { method: 'POST', path: '/v1/buildUploadFiles' },
    {
      body: {
        data: {
          type: 'buildUploadFiles',
          attributes: { assetType: 'ASSET', fileName, fileSize: before.size, uti: kind === '.ipa' ? 'com.apple.ipa' : 'com.apple.pkg' },
          relationships: { buildUpload: { data: { type: 'buildUploads', id } } },
        },
      },
    },
  );
  const fileId = idFrom(uploadFile?.data?.id, 'build upload file ID');
  const operations = checkOperations(uploadFile?.data?.attributes?.uploadOperations, before.size, client.baseUrl);

  // The bytes.
  const { sha256, ms: hashMs } = await checksum.catch((error: NodeJS.ErrnoException) => {
    throw new AscError('invalid_input', `cannot read ${fileName}: ${error.code ?? error.message}`, { cause: error });
  });
  emit({ type: 'checksum', sha256, ms: hashMs });
  emit({ type: 'transfer-start', parts: operations.length, bytes: before.size });
  const started = now();
  await sendOperations({
    file,
    size: before.size,
    operations,
    buffers,
    ...(options.concurrency === undefined ? {} : { concurrency: options.concurrency }),
    ...(options.partAttempts === undefined ? {} : { attempts: options.partAttempts }),
    ...(options.sleep ? { sleep: options.sleep } : {}),
    onBytes: (sent) => emit({ type: 'transfer-progress', sent, total: before.size }),
    onRetry: (retry) => emit({ type: 'part-retry', ...retry }),
  });
  const after = await stat(file);
  if (after.size !== before.size || after.mtimeMs !== before.mtimeMs) {
    throw new AscError('invalid_input', `${fileName} changed while it was being uploaded; nothing was committed`, { hint: 'Run the upload again once the file is final.' });
  }
  emit({ type: 'transfer-done', bytes: before.size, ms: now() - started });

  // Commit.
  await client.request(
    { method: 'PATCH', path: `/v1/buildUploadFiles/${fileId}` },
    { body: { data: { type: 'buildUploadFiles', id: fileId, attributes: { uploaded: true, sourceFileChecksums: { file: { hash: sha256, algorithm: 'SHA_256' } } } } } },
  );
  emit({ type: 'committed', buildUploadId: id });

  const result = (document: BuildUploadDocument | undefined): UploadBuildResult => {
    const state = document?.data?.attributes?.state;
    return {
      id,
      state: stateName(state?.state),
      appId: appId as string,
      bundleId,
      version,
      build,
      platform,
      fileName,
      fileSize: before.size,
      sha256,
      errors: details(state?.errors),
      warnings: details(state?.warnings),
      infos: details(state?.infos),
    };
  };
  const check = () => client.request<BuildUploadDocument>({ method: 'GET', path: `/v1/buildUploads/${id}` });
  if (options.wait === false) return result(await check());

  let final: UploadBuildResult;
  try {
    final = result(
      await waitUntil({
        check,
        done: (document) => {
          const state = document?.data?.attributes?.state?.state;
          return state === 'COMPLETE' || state === 'FAILED';
        },
        ...(options.timeoutMs === undefined ? {} : { timeoutMs: options.timeoutMs }),
        ...(options.sleep ? { sleep: options.sleep } : {}),
        now,
        onStatus: (document, elapsedMs) => emit({ type: 'state', state: stateName(document?.data?.attributes?.state?.state), elapsedMs }),
        onCheckFailed: (error, elapsedMs) => emit({ type: 'check-failed', message: (error as Error).message, elapsedMs }),
      }),
    );
  } catch (error) {
    if (error instanceof WaitTimeout) {
      const last = result(error.lastStatus as BuildUploadDocument | undefined);
      throw new BuildUploadError(
        'timeout',
        `Apple was still processing build upload ${id} (${last.state}) after ${formatDuration(error.elapsedMs)}; the upload itself is committed`,
        last,
        'Processing goes on without this command: look in App Store Connect → TestFlight, or wait longer with a larger --timeout next time.',
      );
    }
    throw error;
  }
  if (final.state === 'FAILED') {
    throw new BuildUploadError('build_failed', `Apple could not process build upload ${id} (${bundleId ?? `app ${appId}`} ${version} (${build}))`, final, 'Fix what Apple lists, raise the build number (CFBundleVersion) and upload again.');
  }
  return final;
}

/**
 * A build upload state as Apple names them (`PROCESSING`, `COMPLETE`, …). A state Apple adds later is waited on
 * like any other; anything that is not a state name (a line break, an escape sequence) is `UNKNOWN`, so it never
 * reaches a terminal or a CI log.
 * @internal
 */
export function stateName(value: unknown): string {
  return typeof value === 'string' && /^[A-Z][A-Z_]{0,39}$/.test(value) ? value : 'UNKNOWN';
}

function idFrom(value: unknown, what: string): string {
  if (typeof value !== 'string') throw new AscError('bad_response', `App Store Connect's answer has no ${what}`);
  try {
    return pathSegment(value, what);
  } catch (error) {
    throw new AscError('bad_response', (error as Error).message);
  }
}

function details(value: unknown): AppleError[] {
  if (!Array.isArray(value)) return [];
  return value
    .filter((d): d is Record<string, unknown> => typeof d === 'object' && d !== null)
    .map((d) => ({ code: typeof d.code === 'string' ? d.code : 'UNKNOWN', ...(typeof d.description === 'string' ? { detail: d.description } : {}) }));
}
