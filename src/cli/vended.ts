/**
 * What the commands that work with vended tokens share (`upload`, `notarize`, `exec`): the profile and the service
 * URLs from flags or the environment, a TokenClient (src/cli/service.ts's credentials, failover between URLs), its
 * refusals as the CLI's errors with the hint for the command, and the App Store Connect side's errors as exit codes
 * 6 and 7.
 */
import { AscError, describeAppleErrors } from '../asc/errors.ts';
import type { Progress } from '../asc/progress.ts';
import type { RateLimit } from '../asc/rate-limit.ts';
import type { HintContext } from '../client/hints.ts';
import { TokenClient, TokenClientError } from '../client/token-client.ts';
import { PROFILE_FLAG, SERVICE_ENV, SERVICE_EXITS, URL_FLAG, type HelpFlag } from './help.ts';
import { CliError, EXIT, UsageError, type CliIo } from './io.ts';
import { cliCredentials, serviceError, serviceUrlsFrom, type ServiceDeps } from './service.ts';

export type VendedDeps = ServiceDeps;

/** The flags of the commands that run a job at Apple (`upload`, `notarize`), beside their own. */
export const JOB_OPTIONS = {
  profile: { type: 'string' },
  url: { type: 'string' },
  'no-wait': { type: 'boolean' },
  timeout: { type: 'string' },
  output: { type: 'string' },
  verbose: { type: 'boolean' },
} as const;

/** JOB_OPTIONS in help (src/cli/help.ts): `job` is what Apple does after the upload, `result` what is printed. */
export function jobFlags(job: string, result: string, timeoutMinutes: number): HelpFlag[] {
  return [
    PROFILE_FLAG,
    URL_FLAG,
    { flag: '--no-wait', text: `Return once the upload is done, without waiting for ${job}.` },
    { flag: '--timeout MIN', text: `How long to wait for ${job}, in minutes (fractions allowed: 0.5 is 30 s); past it, exit 7 with the ID to look up later.`, default: String(timeoutMinutes) },
    { flag: '--output text|json', text: `text: ${result} on stdout, progress on stderr; json: the whole result (Apple's rate limit included).`, default: 'text' },
    { flag: '--verbose', text: "Also print Apple's hourly request budget for the key, when first stated and at the end." },
  ];
}

/** What upload and notarize read from the environment besides Apple's endpoints. */
export const JOB_ENV: Array<[string, string]> = [['ASC_TOKEN_PROFILE', 'The profile when --profile is not given.'], ...SERVICE_ENV];

/** The exit codes of a job at Apple. */
export const JOB_EXITS: Array<[number, string]> = [
  ...SERVICE_EXITS.map(([code, text]): [number, string] => [code, code === 2 ? `${text}, or bad input found before calling Apple` : code === 5 ? `${text}, Apple unreachable after retries` : text]),
  [6, 'Apple refused or failed the job'],
  [7, '--timeout reached while Apple was still working'],
];

export function profileFrom(value: string | undefined, io: CliIo): string {
  const profile = value ?? io.env.ASC_TOKEN_PROFILE;
  if (!profile) throw new UsageError('no profile: pass --profile or set ASC_TOKEN_PROFILE');
  return profile;
}

/** The service URLs from `--url` or `ASC_TOKEN_URL`, checked as for `asc-token token`. */
export { serviceUrlsFrom };

/**
 * `--timeout` in minutes (fractions allowed), the default when absent; none with `--no-wait`.
 * @throws UsageError
 */
export function timeoutMinutesFrom(values: { timeout?: string | undefined; 'no-wait'?: boolean | undefined }, what: string, fallback: number): number {
  if (values.timeout === undefined) return fallback;
  const minutes = Number(values.timeout);
  if (!/^\d*\.?\d+$/.test(values.timeout) || !(minutes > 0)) throw new UsageError('--timeout is minutes, more than 0 (fractions allowed: 0.5 is 30 s)');
  if (values['no-wait']) throw new UsageError(`--timeout bounds the wait for ${what}; with --no-wait there is none`);
  return minutes;
}

export function tokenClient(urls: readonly string[], deps: VendedDeps): TokenClient {
  return new TokenClient({ url: urls, credentials: cliCredentials(deps.credentials), ...(deps.sleep ? { sleep: deps.sleep } : {}) });
}

/**
 * The CLI's error for a failure of the token service or of Apple; anything else is returned as it is.
 * @param context the command, for the hint (src/client/hints.ts).
 */
export function cliErrorFor(error: unknown, context: HintContext): unknown {
  if (error instanceof TokenClientError) return serviceError(error, context, 'the token service refused: ');
  if (error instanceof AscError) {
    const lines = describeAppleErrors(error.appleErrors).map((line) => `\n  - ${line}`);
    const message = `${error.message}${lines.length > 0 ? `; Apple says:${lines.join('')}` : ''}`;
    return new CliError(error.code, message, exitFor(error), error.hint);
  }
  return error;
}

function exitFor(error: AscError): number {
  switch (error.code) {
    case 'invalid_input':
      return EXIT.usage;
    case 'apple_refused':
    case 'app_not_found':
    case 'upload_refused':
    case 'build_failed':
    case 'notarization_failed':
      return EXIT.appleRefused;
    case 'timeout':
      return EXIT.timeout;
    case 'apple_unavailable':
    case 'upload_failed':
      return EXIT.unavailable;
    default:
      return EXIT.other;
  }
}

/**
 * Apple's hourly request budget for the key, as the Apple client learns it (src/asc/rate-limit.ts): with `--verbose`
 * a line when it is first stated and one at the end; whatever the flags, one warning when less than a tenth is left
 * (every pipeline sharing the key spends the same budget). `last` is what goes into `--output json`.
 */
export function rateLimitReporter(progress: Progress, verbose: boolean): { onRateLimit: (limit: RateLimit) => void; end: () => void; readonly last: RateLimit | undefined } {
  let last: RateLimit | undefined;
  let warned = false;
  const line = (limit: RateLimit) => `${limit.remaining} of ${limit.hourlyLimit} requests left this hour for this key`;
  return {
    onRateLimit: (limit) => {
      if (verbose && last === undefined) progress.step(`Apple's rate limit: ${line(limit)}`);
      last = limit;
      if (!warned && limit.remaining < limit.hourlyLimit / 10) {
        warned = true;
        progress.step(`warning: ${line(limit)}; past it Apple answers 429 until the hour turns (a key pool spreads pipelines over several keys: docs/design.md#key-pools)`);
      }
    },
    end: () => {
      if (verbose && last !== undefined) progress.step(`Apple's rate limit: ${line(last)}`);
    },
    get last() {
      return last;
    },
  };
}
