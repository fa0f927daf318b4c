/**
 * `asc-token exec -- COMMAND…`: run a command with a token (docs/design.md#jobs-without-the-key). COMMAND gets `ASC_TOKEN` (valid for at
 * least ten minutes at start) and `ASC_TOKEN_FILE`, a file that always holds a valid token: rewritten atomically
 * before each `refreshAfter` while COMMAND runs, removed when it ends. The exit code is COMMAND's; a signal that
 * would end this process is passed on to it and waited on; a COMMAND killed by a signal ends this process with
 * 128 + the signal's number, as a shell reports it. If this process ends without being able to (SIGKILL), a watchdog
 * ends COMMAND and removes the file (src/cli/exec-guard.ts).
 */
import { spawn } from 'node:child_process';
import { chmodSync, mkdtempSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { constants, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { TokenClientError, type TokenRequestOptions, type TokenResponse } from '../client/token-client.ts';
import { formatDuration } from '../asc/wait.ts';
import { FORWARDED_SIGNALS, startWatchdog, type Watchdog } from './exec-guard.ts';
import { PROFILE_FLAG, SERVICE_EXITS, URL_FLAG, helpText } from './help.ts';
import { EXIT, UsageError, type CliIo } from './io.ts';
import { JOB_ENV, cliErrorFor, profileFrom, serviceUrlsFrom, tokenClient, type VendedDeps } from './vended.ts';

export const EXEC_OPTIONS = { profile: { type: 'string' }, url: { type: 'string' }, scope: { type: 'string', multiple: true } } as const;

export const EXEC_USAGE = helpText({
  usage: 'usage: asc-token exec [--profile P] [--url URL] [--scope "GET /v1/apps"]... -- COMMAND [ARGS...]',
  summary: 'Run COMMAND with a token in $ASC_TOKEN and a file that always holds a fresh one.',
  about: [
    'COMMAND gets ASC_TOKEN (valid for at least ten minutes at start), ASC_TOKEN_EXPIRES_AT, and ASC_TOKEN_FILE: a private file rewritten with a new token before each one expires, removed when COMMAND ends. Long jobs read the file. Signals to asc-token are passed on to COMMAND.',
  ],
  flags: [PROFILE_FLAG, URL_FLAG, { flag: '--scope "METHOD PATH"', text: 'Narrow the tokens to these calls (repeat for several).', default: "the profile's scope" }],
  env: JOB_ENV,
  exits: [
    ['N', "COMMAND's own exit code once it ran; 128 + the signal's number when a signal ended it"],
    [126, 'COMMAND could not be run'],
    [127, 'COMMAND was not found'],
    ...SERVICE_EXITS.filter(([code]) => code !== 0).map(([code, text]): [number, string] => [code, `before COMMAND started: ${text}`]),
  ],
  examples: [
    ['A script that calls App Store Connect with curl', 'asc-token exec --profile release -- sh -c \'curl -sf -H "Authorization: Bearer $(cat "$ASC_TOKEN_FILE")" https://api.appstoreconnect.apple.com/v1/apps\''],
    ['A tool that reads ASC_TOKEN, with the token narrowed to one call', 'asc-token exec --profile release --scope "GET /v1/apps" -- ./list-apps.sh'],
  ],
});

/** ASC_TOKEN must be valid this long when COMMAND starts. */
const MIN_VALIDITY_SECONDS = 600;
/** The lifetime asked for first: ten minutes of validity plus the service's default clock-skew allowance, and room. */
const PREFERRED_TTL = 900;

export interface ExecDeps extends VendedDeps {
  /** Where the token file's private directory is made (default: the OS temp directory). */
  tmpdir?: string;
}

export async function execCommand(args: string[], io: CliIo, deps: ExecDeps = {}): Promise<number> {
  const dashes = args.indexOf('--');
  if (dashes < 0 || dashes === args.length - 1) throw new UsageError('put the command after --: asc-token exec --profile P -- COMMAND [ARGS...]');
  const { values, positionals } = parseArgs({
    args: args.slice(0, dashes),
    options: EXEC_OPTIONS,
    strict: true,
    allowPositionals: true,
  });
  if (positionals.length > 0) throw new UsageError(`unexpected ${JSON.stringify(positionals[0])} before --`);
  const [command, ...commandArgs] = args.slice(dashes + 1) as [string, ...string[]];
  const profile = profileFrom(values.profile, io);
  const tokens = tokenClient(serviceUrlsFrom(values.url, io), deps);
  const now = io.now;
  const scope = values.scope === undefined ? {} : { scope: values.scope };

  // The first token: ask for enough lifetime; a profile that cannot give it gets its default, with a warning.
  let request: TokenRequestOptions = { ...scope, ttl: PREFERRED_TTL };
  let token: TokenResponse;
  try {
    try {
      token = await tokens.getToken(profile, request);
    } catch (error) {
      // ttl_out_of_range: the profile's max is lower; invalid_request: a kind that takes no ttl (APNs, DeviceCheck
      // share one token per window). Either way the profile's own lifetime is what there is.
      if (!(error instanceof TokenClientError && (error.code === 'ttl_out_of_range' || error.code === 'invalid_request'))) throw error;
      request = { ...scope };
      token = await tokens.getToken(profile, request);
    }
  } catch (error) {
    throw cliErrorFor(error, 'exec');
  }
  const validFor = Math.floor((Date.parse(token.expiresAt) - now()) / 1000);
  if (validFor < MIN_VALIDITY_SECONDS) {
    io.stderr(`asc-token: warning: profile ${profile} gives tokens valid for ${validFor} s, less than ten minutes: read $ASC_TOKEN_FILE for a fresh one\n`);
  }

  const dir = mkdtempSync(join(deps.tmpdir ?? tmpdir(), 'asc-token-'));
  const watchdog = startWatchdog(dir);
  const file = join(dir, 'token');
  const write = (response: TokenResponse) => {
    const temporary = join(dir, `.token-${process.pid}`);
    writeFileSync(temporary, response.token, { mode: 0o600 });
    chmodSync(temporary, 0o600);
    renameSync(temporary, file); // atomic: a reader sees the old token or the new one, never half of either
  };
  let timer: NodeJS.Timeout | undefined;
  let stopped = false;
  try {
    write(token);
    const schedule = (current: TokenResponse, failures = 0) => {
      if (stopped) return;
      const refreshAt = Date.parse(current.refreshAfter);
      // After a failure, try again every 15 s until the token in the file expires (then warn each time).
      const delay = failures === 0 ? Math.max(1000, refreshAt - now()) : 15_000;
      timer = setTimeout(() => {
        tokens.getToken(profile, request).then(
          (next) => {
            if (stopped) return;
            write(next);
            schedule(next);
          },
          (error: unknown) => {
            const left = Math.floor((Date.parse(current.expiresAt) - now()) / 1000);
            io.stderr(`asc-token: warning: could not refresh the token (${(error as Error).message.split('\n')[0]}); ${left > 0 ? `the one in $ASC_TOKEN_FILE is valid for ${formatDuration(left * 1000)} more` : 'the one in $ASC_TOKEN_FILE has expired'}; trying again in 15 s\n`);
            schedule(current, failures + 1);
          },
        );
      }, delay);
      timer.unref();
    };
    schedule(token);
    return await run(command, commandArgs, { ...io.env, ASC_TOKEN: token.token, ASC_TOKEN_FILE: file, ASC_TOKEN_EXPIRES_AT: token.expiresAt }, io, watchdog);
  } finally {
    stopped = true;
    clearTimeout(timer);
    rmSync(dir, { recursive: true, force: true });
    watchdog.release();
  }
}

/** Run COMMAND with inherited stdio, passing signals on; resolves to its exit code (128 + n for a signal). */
function run(command: string, args: string[], env: Record<string, string | undefined>, io: CliIo, watchdog: Watchdog): Promise<number> {
  return new Promise((resolve) => {
    const child = spawn(command, args, { stdio: 'inherit', env });
    if (child.pid !== undefined) watchdog.watch(child.pid);
    const forward = new Map(FORWARDED_SIGNALS.map((signal) => [signal, () => child.kill(signal)]));
    for (const [signal, handler] of forward) process.on(signal, handler);
    const done = (code: number) => {
      for (const [signal, handler] of forward) process.off(signal, handler);
      resolve(code);
    };
    child.on('error', (error: NodeJS.ErrnoException) => {
      const notFound = error.code === 'ENOENT';
      io.stderr(`asc-token: ${notFound ? 'command not found' : 'cannot run command'}: ${command} (${error.code ?? error.message})\n`);
      done(notFound ? 127 : 126);
    });
    child.on('exit', (code, signal) => {
      if (signal !== null) done(128 + (constants.signals[signal] ?? 0));
      else done(code ?? EXIT.other);
    });
  });
}
