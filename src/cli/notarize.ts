/**
 * `asc-token notarize`: macOS software through Apple's Notary API with vended tokens (docs/design.md#jobs-without-the-key), and
 * `--status ID` / `--log ID` to look a submission up later. Flags and printing only; the work is
 * src/asc/notary.ts.
 */
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { notaryBaseUrl } from '../asc/endpoint.ts';
import { AscError } from '../asc/errors.ts';
import { NotarizationError, describeIssues, getSubmission, getSubmissionLog, notarize, notaryClient, type NotarizeEvent, type NotarizeResult, type NotaryLog, type NotarySubmission } from '../asc/notary.ts';
import { NOTARY_S3_SETTING, notaryS3Endpoint } from '../asc/notary-upload.ts';
import type { RateLimit } from '../asc/rate-limit.ts';
import { Progress, mib, type TransferProgress, type WaitProgress } from '../asc/progress.ts';
import { vendedTokenAuth } from '../asc/vended.ts';
import { formatDuration } from '../asc/wait.ts';
import { printable } from '../client/ci-text.ts';
import { TokenClientError } from '../client/token-client.ts';
import { helpText } from './help.ts';
import { CliError, EXIT, UsageError, type CliIo } from './io.ts';
import { JOB_ENV, JOB_EXITS, JOB_OPTIONS, cliErrorFor, jobFlags, profileFrom, rateLimitReporter, serviceUrlsFrom, timeoutMinutesFrom, tokenClient, type VendedDeps } from './vended.ts';

/** How long to wait for Apple's verdict when --timeout is not given. */
export const DEFAULT_TIMEOUT_MINUTES = 60;

export const NOTARIZE_OPTIONS = { ...JOB_OPTIONS, status: { type: 'string' }, log: { type: 'string' } } as const;

export const NOTARIZE_USAGE = helpText({
  usage: `usage: asc-token notarize FILE.zip|FILE.dmg|FILE.pkg [--profile P] [--url URL] [--no-wait] [--timeout MIN] [--output text|json] [--verbose]
       asc-token notarize --status ID | --log ID [--profile P] [--url URL] [--output text|json]`,
  summary: "Notarize macOS software through Apple's Notary API with vended tokens, or look a submission up.",
  about: [
    "Submits FILE, uploads it to the storage Apple names (with Apple's temporary credentials only), waits for the verdict and, when Apple says Invalid or Rejected, prints the issues of its developer log. The profile's scope must be any (the service's scope entries name App Store Connect paths, not the Notary API's): infra/policy.yaml's notarize.",
  ],
  flags: [
    ...jobFlags("Apple's verdict", 'the submission’s ID and status', DEFAULT_TIMEOUT_MINUTES),
    { flag: '--status ID', text: "A submission's status (its ID is the UUID notarize printed): exit 0 Accepted, 7 In Progress, 6 otherwise." },
    { flag: '--log ID', text: "A submission's developer log: its status and every issue Apple lists." },
  ],
  env: [
    ...JOB_ENV,
    ['ASC_NOTARY_URL', "The Notary API's base, for a proxy or a local stand-in (https; http only on loopback). Default: Apple's."],
    [NOTARY_S3_SETTING, "The storage endpoint the upload goes to instead of the one Apple names (a proxy or a local stand-in). Default: Apple's."],
  ],
  exits: JOB_EXITS,
  examples: [
    ['A zipped app, waiting for the verdict (ASC_TOKEN_URL set)', 'ditto -c -k --keepParent Example.app Example.zip && asc-token notarize Example.zip --profile notarize'],
    ['Submit now, ask later', 'ID=$(asc-token notarize Example.dmg --profile notarize --no-wait) && asc-token notarize --status "$ID" --profile notarize'],
  ],
});

/** Apple's submission IDs are UUIDs. */
const SUBMISSION_ID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export interface NotarizeDeps extends VendedDeps {
  now?: () => number;
}

export async function notarizeCommand(args: string[], io: CliIo, deps: NotarizeDeps = {}): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    options: NOTARIZE_OPTIONS,
    strict: true,
    allowPositionals: true,
  });
  const output = values.output ?? 'text';
  if (output !== 'text' && output !== 'json') throw new UsageError('--output must be text or json');
  const lookup = values.status !== undefined ? 'status' : values.log !== undefined ? 'log' : undefined;
  if (values.status !== undefined && values.log !== undefined) throw new UsageError('--status and --log exclude each other: run one, then the other');
  if (lookup !== undefined) {
    if (positionals.length > 0) throw new UsageError(`--${lookup} ID looks a submission up: it takes no FILE`);
    if (values['no-wait'] || values.timeout !== undefined) throw new UsageError(`--no-wait and --timeout are for submitting a FILE, not for --${lookup}`);
    const id = (lookup === 'status' ? values.status : values.log) as string;
    if (!SUBMISSION_ID.test(id)) {
      throw new CliError('invalid_input', `submission ID ${JSON.stringify(printable(id, 60))} is not an identifier (a UUID such as 2efe2717-52ef-43a5-96dc-0797e4ca1041)`, EXIT.usage, 'Use the ID `asc-token notarize` printed (its --output json has it as id), or the one in App Store Connect.');
    }
  } else if (positionals.length !== 1) {
    throw new UsageError('name exactly one FILE (.zip, .dmg or .pkg), or look a submission up with --status ID or --log ID');
  }
  const timeoutMinutes = timeoutMinutesFrom(values, 'Apple’s verdict', DEFAULT_TIMEOUT_MINUTES);
  const profile = profileFrom(values.profile, io);
  const url = serviceUrlsFrom(values.url, io);
  let baseUrl: URL;
  try {
    baseUrl = notaryBaseUrl(io.env);
    if (lookup === undefined) notaryS3Endpoint(io.env);
  } catch (error) {
    const setting = (error as Error).message.includes(NOTARY_S3_SETTING) ? NOTARY_S3_SETTING : 'ASC_NOTARY_URL';
    throw new CliError('invalid_setting', (error as Error).message, EXIT.usage, `Unset ${setting} to use Apple’s, or point it at an https endpoint.`);
  }

  // On Node 20 the AWS SDK's S3 client announces, on stderr in the middle of the progress, that SDK versions
  // published after January 2027 will need Node 22. It concerns the SDK's future releases, not the one bundled here
  // (package.json's engines say what this CLI runs on); the CLI owns its process and turns the notice off.
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
  const progress = new Progress({ write: io.stderr, tty: io.stderrIsTTY === true, columns: io.columns, now: deps.now ?? io.now });
  let announced = false;
  const auth = vendedTokenAuth({
    tokens: tokenClient(url, deps),
    profile,
    onToken: () => {
      if (announced || lookup !== undefined) return;
      announced = true;
      progress.step(auth.mode === 'per-call' ? `tokens: profile ${profile}, one per notary call, each scoped to that call` : `tokens: profile ${profile}, refreshed before they expire`);
    },
  });
  const budget = rateLimitReporter(progress, values.verbose === true && lookup === undefined);
  const client = notaryClient({
    auth,
    baseUrl,
    ...(deps.sleep ? { sleep: deps.sleep } : {}),
    onRateLimit: budget.onRateLimit,
    onRetry: ({ call, attempt, reason, delayMs }) => progress.step(`notary service: ${call} failed (${reason}); retry ${attempt} in ${formatDuration(delayMs)}`),
  });
  const refusedScope = (error: unknown): unknown => {
    // The service's scope entries name App Store Connect API paths (/v1/…): a profile with patterns cannot grant
    // a token scoped to a Notary API call. Say so, rather than the generic hint about scope syntax.
    if (error instanceof TokenClientError && (error.code === 'invalid_scope' || error.code === 'scope_not_allowed' || error.code === 'scope_required') && auth.mode === 'per-call') {
      const cli = cliErrorFor(error, 'notarize') as CliError;
      return new CliError(
        cli.code,
        cli.message,
        cli.exitCode,
        `Profile ${profile} has scope patterns, and the service's scope entries name App Store Connect API paths (/v1/…), not the Notary API's (/notary/v2/…): notarize with a profile whose scope is \`any\`, such as infra/policy.yaml's \`notarize\` (docs/notarize.md#notarizing-without-the-key).`,
      );
    }
    return cliErrorFor(error, 'notarize');
  };

  if (lookup === 'status') {
    try {
      const submission = await getSubmission(client, values.status as string);
      printSubmission(submission, output, io);
      return submission.status === 'Accepted' ? EXIT.ok : submission.status === 'In Progress' ? EXIT.timeout : EXIT.appleRefused;
    } catch (error) {
      throw refusedScope(error);
    }
  }
  if (lookup === 'log') {
    try {
      printLog(values.log as string, await getSubmissionLog(client, values.log as string, deps.sleep ? { sleep: deps.sleep } : {}), output, io);
      return EXIT.ok;
    } catch (error) {
      throw refusedScope(error);
    }
  }

  const onEvent = eventPrinter(progress);
  try {
    const result = await notarize({
      client,
      file: resolve(io.cwd, positionals[0] as string),
      wait: !values['no-wait'],
      timeoutMs: timeoutMinutes * 60_000,
      env: io.env,
      onEvent,
      ...(deps.sleep ? { sleep: deps.sleep } : {}),
      ...(deps.now ? { now: deps.now } : {}),
    });
    onEvent.end();
    budget.end();
    if (values['no-wait']) {
      progress.step(`submitted; Apple is notarizing it: asc-token notarize --status ${result.id}`);
      io.stdout(output === 'json' ? `${JSON.stringify({ ...result, rateLimit: budget.last ?? null }, null, 2)}\n` : `${result.id}\n`);
    } else {
      printResult(result, output, io, budget.last);
    }
    return EXIT.ok;
  } catch (error) {
    onEvent.end();
    budget.end();
    if (error instanceof NotarizationError) {
      printResult(error.result, output, io, budget.last);
      if (error.code === 'notarization_failed') {
        if (error.result.issues.length > 0) progress.step(`the developer log lists ${error.result.issues.length} issue${error.result.issues.length === 1 ? '' : 's'}:`);
        for (const line of describeIssues(error.result.issues)) progress.step(`  - ${line}`);
        if (error.logFailure) progress.step(`the developer log could not be fetched: ${error.logFailure}`);
      }
      throw new CliError(error.code, error.message, error.code === 'timeout' ? EXIT.timeout : EXIT.appleRefused, error.hint);
    }
    if (error instanceof AscError && error.code === 'invalid_input') throw new CliError(error.code, error.message, EXIT.usage, error.hint);
    throw refusedScope(error);
  }
}

function printResult(result: NotarizeResult, output: string, io: CliIo, rateLimit: RateLimit | undefined): void {
  if (output === 'json') {
    io.stdout(`${JSON.stringify({ ...result, rateLimit: rateLimit ?? null }, null, 2)}\n`);
    return;
  }
  io.stdout(`submission ${result.id}: ${result.status} — ${result.fileName}\n`);
}

function printSubmission(submission: NotarySubmission, output: string, io: CliIo): void {
  if (output === 'json') {
    io.stdout(`${JSON.stringify(submission, null, 2)}\n`);
    return;
  }
  io.stdout(`submission ${submission.id}: ${submission.status} — ${submission.name ?? '(no name)'}${submission.createdDate ? `, submitted ${submission.createdDate}` : ''}\n`);
}

function printLog(id: string, log: NotaryLog, output: string, io: CliIo): void {
  if (output === 'json') {
    io.stdout(`${JSON.stringify(log.document, null, 2)}\n`);
    return;
  }
  const head = [`submission ${id}: ${log.status ?? 'status not in the log'}`];
  if (log.statusSummary) head.push(log.statusSummary);
  if (log.archiveFilename) head.push(log.archiveFilename);
  io.stdout(`${head.join(' — ')}\n`);
  if (log.issues.length === 0) {
    io.stdout('no issues\n');
    return;
  }
  for (const line of describeIssues(log.issues, 1000)) io.stdout(`  - ${line}\n`);
}

/** NotarizeEvents → progress on stderr. */
function eventPrinter(progress: Progress): ((event: NotarizeEvent) => void) & { end: () => void } {
  let transfer: TransferProgress | undefined;
  let waiting: WaitProgress | undefined;
  const print = (event: NotarizeEvent) => {
    switch (event.type) {
      case 'file':
        progress.step(`file: ${event.fileName} (${mib(event.bytes)})`);
        return;
      case 'checksum':
        progress.step(`checksum: SHA-256 ${event.sha256.slice(0, 16)}… (${formatDuration(event.ms)})`);
        return;
      case 'submitted':
        progress.step(`submission: ${event.id}`);
        return;
      case 'transfer-start':
        progress.step(`uploading ${mib(event.bytes)} to Apple's notary storage (${event.bucket}, ${event.region}) in ${event.parts} part${event.parts === 1 ? '' : 's'}`);
        transfer = progress.transfer('uploading', event.bytes);
        return;
      case 'transfer-progress':
        transfer?.update(event.sent);
        return;
      case 'transfer-done':
        transfer?.finish();
        transfer = undefined;
        progress.step(`uploaded ${mib(event.bytes)} in ${formatDuration(event.ms)}`);
        return;
      case 'status':
        waiting ??= progress.waiting('notarizing');
        waiting.status(event.status, event.elapsedMs);
        return;
      case 'check-failed':
        progress.step(`status check failed (${event.message}); trying again`);
        return;
      case 'log':
        waiting?.finish();
        return;
      case 'log-failed':
        waiting?.finish();
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
