/**
 * `asc-token upload`: a build to App Store Connect with vended tokens (docs/design.md#jobs-without-the-key). Flags and printing only; the
 * work is src/asc/upload.ts.
 */
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { AppStoreConnectClient } from '../asc/api.ts';
import { apiBaseUrl } from '../asc/endpoint.ts';
import { describeAppleErrors } from '../asc/errors.ts';
import { PLATFORMS, type Platform } from '../asc/ipa.ts';
import type { RateLimit } from '../asc/rate-limit.ts';
import { Progress, mib, type TransferProgress, type WaitProgress } from '../asc/progress.ts';
import { BuildUploadError, uploadBuild, type UploadBuildResult, type UploadEvent } from '../asc/upload.ts';
import { vendedTokenAuth } from '../asc/vended.ts';
import { formatDuration } from '../asc/wait.ts';
import { helpText } from './help.ts';
import { CliError, EXIT, UsageError, type CliIo } from './io.ts';
import { JOB_ENV, JOB_EXITS, JOB_OPTIONS, cliErrorFor, jobFlags, profileFrom, rateLimitReporter, serviceUrlsFrom, timeoutMinutesFrom, tokenClient, type VendedDeps } from './vended.ts';

/** How long to wait for Apple's processing when --timeout is not given. */
export const DEFAULT_TIMEOUT_MINUTES = 60;

export const UPLOAD_OPTIONS = {
  ...JOB_OPTIONS,
  'app-id': { type: 'string' },
  'bundle-id': { type: 'string' },
  version: { type: 'string' },
  build: { type: 'string' },
  platform: { type: 'string' },
} as const;

export const UPLOAD_USAGE = helpText({
  usage: `usage: asc-token upload FILE.ipa|FILE.pkg [--profile P] [--url URL] [--app-id ID | --bundle-id B]
                        [--version V] [--build N] [--platform IOS|MAC_OS|TV_OS|VISION_OS]
                        [--no-wait] [--timeout MIN] [--output text|json] [--verbose]`,
  summary: 'Upload a build to App Store Connect with vended tokens, and wait for Apple to process it.',
  about: [
    "Apple's Build Uploads API, with tokens from the profile: one per call, scoped to that call, when the profile has scope patterns (infra/policy.yaml's testflight-upload is the smallest that works). The bundle ID, version and build come from the .ipa's Info.plist; the flags override them, and a .pkg needs them all.",
  ],
  flags: [
    ...jobFlags("Apple's processing", 'the build upload’s ID and state', DEFAULT_TIMEOUT_MINUTES),
    { flag: '--app-id ID', text: "The app's App Store Connect ID (the number in its URL); saves looking it up.", default: 'the app with the bundle ID' },
    { flag: '--bundle-id B', text: "The app's bundle ID.", default: "the .ipa's CFBundleIdentifier" },
    { flag: '--version V', text: 'The version (CFBundleShortVersionString), e.g. 1.4.0.', default: "the .ipa's" },
    { flag: '--build N', text: 'The build number (CFBundleVersion), e.g. 45.', default: "the .ipa's" },
    { flag: '--platform IOS|MAC_OS|TV_OS|VISION_OS', text: 'The platform.', default: "from the .ipa's Info.plist (IOS when it names none); MAC_OS for a .pkg" },
  ],
  env: [...JOB_ENV, ['ASC_API_URL', "App Store Connect's API base, for a proxy or a local stand-in (https; http only on loopback). Default: Apple's."]],
  exits: JOB_EXITS,
  examples: [
    ['An .ipa, as CI uploads it (ASC_TOKEN_URL set)', 'asc-token upload build/App.ipa --profile testflight-upload'],
    ['A macOS .pkg, without waiting for processing', 'asc-token upload App.pkg --bundle-id com.example.app --version 1.4.0 --build 45 --no-wait'],
  ],
});

export interface UploadDeps extends VendedDeps {
  now?: () => number;
}

export async function uploadCommand(args: string[], io: CliIo, deps: UploadDeps = {}): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    options: UPLOAD_OPTIONS,
    strict: true,
    allowPositionals: true,
  });
  if (positionals.length !== 1) throw new UsageError('name exactly one FILE (.ipa or .pkg)');
  const output = values.output ?? 'text';
  if (output !== 'text' && output !== 'json') throw new UsageError('--output must be text or json');
  if (values['app-id'] !== undefined && values['bundle-id'] !== undefined) throw new UsageError('--app-id and --bundle-id exclude each other');
  const platform = values.platform?.toUpperCase();
  if (platform !== undefined && !(PLATFORMS as readonly string[]).includes(platform)) throw new UsageError(`--platform must be one of ${PLATFORMS.join(', ')}`);
  const timeoutMinutes = timeoutMinutesFrom(values, 'processing', DEFAULT_TIMEOUT_MINUTES);
  const profile = profileFrom(values.profile, io);
  const url = serviceUrlsFrom(values.url, io);
  let baseUrl: URL;
  try {
    baseUrl = apiBaseUrl(io.env);
  } catch (error) {
    throw new CliError('invalid_setting', (error as Error).message, EXIT.usage, 'Unset ASC_API_URL to use Apple’s API, or point it at an https proxy.');
  }

  const progress = new Progress({ write: io.stderr, tty: io.stderrIsTTY === true, columns: io.columns, now: deps.now ?? io.now });
  const auth = vendedTokenAuth({
    tokens: tokenClient(url, deps),
    profile,
    onToken: () => {
      if (announced) return;
      announced = true;
      progress.step(auth.mode === 'per-call' ? `tokens: profile ${profile}, one per App Store Connect call, each scoped to that call` : `tokens: profile ${profile}, refreshed before they expire`);
    },
  });
  let announced = false;
  const budget = rateLimitReporter(progress, values.verbose === true);
  const client = new AppStoreConnectClient({
    auth,
    baseUrl,
    ...(deps.sleep ? { sleep: deps.sleep } : {}),
    onRateLimit: budget.onRateLimit,
    onRetry: ({ call, attempt, reason, delayMs }) => progress.step(`App Store Connect: ${call} failed (${reason}); retry ${attempt} in ${formatDuration(delayMs)}`),
  });
  const onEvent = eventPrinter(progress);
  try {
    const result = await uploadBuild({
      client,
      file: resolve(io.cwd, positionals[0] as string),
      appId: values['app-id'],
      bundleId: values['bundle-id'],
      version: values.version,
      build: values.build,
      platform: platform as Platform | undefined,
      wait: !values['no-wait'],
      timeoutMs: timeoutMinutes * 60_000,
      onEvent,
      ...(deps.sleep ? { sleep: deps.sleep } : {}),
      ...(deps.now ? { now: deps.now } : {}),
    });
    onEvent.end();
    for (const line of describeAppleErrors(result.warnings)) progress.step(`warning from Apple: ${line}`);
    budget.end();
    printResult(result, output, io, budget.last);
    return EXIT.ok;
  } catch (error) {
    onEvent.end();
    budget.end();
    if (error instanceof BuildUploadError && output === 'json') printResult(error.result, output, io, budget.last);
    throw cliErrorFor(error, 'upload');
  }
}

function printResult(result: UploadBuildResult, output: string, io: CliIo, rateLimit: RateLimit | undefined): void {
  if (output === 'json') {
    io.stdout(`${JSON.stringify({ ...result, rateLimit: rateLimit ?? null }, null, 2)}\n`);
    return;
  }
  const what = `${result.bundleId ?? `app ${result.appId}`} ${result.version} (${result.build}), ${result.platform}`;
  io.stdout(`build upload ${result.id}: ${result.state} — ${what}\n`);
}

/** UploadEvents → progress on stderr. */
function eventPrinter(progress: Progress): ((event: UploadEvent) => void) & { end: () => void } {
  let transfer: TransferProgress | undefined;
  let waiting: WaitProgress | undefined;
  const print = (event: UploadEvent) => {
    switch (event.type) {
      case 'bundle':
        progress.step(`build: ${event.bundleId ?? 'bundle ID not given'} ${event.version} (${event.build}), ${event.platform}${event.fromPlist ? ` — from ${event.fromPlist}` : ''}`);
        return;
      case 'app':
        progress.step(`app: ${event.appId}`);
        return;
      case 'created':
        progress.step(`build upload: ${event.buildUploadId}`);
        return;
      case 'checksum':
        progress.step(`checksum: SHA-256 ${event.sha256.slice(0, 16)}… (${formatDuration(event.ms)})`);
        return;
      case 'transfer-start':
        progress.step(`uploading ${mib(event.bytes)} in ${event.parts} part${event.parts === 1 ? '' : 's'}`);
        transfer = progress.transfer('uploading', event.bytes);
        return;
      case 'transfer-progress':
        transfer?.update(event.sent);
        return;
      case 'part-retry':
        progress.step(`part ${event.part} of ${event.of} failed (${event.reason}); retry ${event.attempt} in ${formatDuration(event.delayMs)}`);
        return;
      case 'transfer-done':
        transfer?.finish();
        transfer = undefined;
        progress.step(`uploaded ${mib(event.bytes)} in ${formatDuration(event.ms)}`);
        return;
      case 'committed':
        progress.step('upload committed; Apple is processing the build');
        return;
      case 'state':
        waiting ??= progress.waiting('processing');
        waiting.status(event.state, event.elapsedMs);
        return;
      case 'check-failed':
        progress.step(`status check failed (${event.message}); trying again`);
        return;
    }
  };
  return Object.assign(print, {
    end: () => {
      transfer?.finish();
      waiting?.finish();
    },
  });
}
