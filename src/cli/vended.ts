/**
 * What the commands that work with vended tokens share (`upload`, `notarize`, `exec`): the profile and the service
 * URLs from flags or the environment, a TokenClient (src/cli/service.ts's credentials, failover between URLs), its
 * refusals as the CLI's errors with the hint for the command, and the App Store Connect side's errors as exit codes
 * 6 and 7.
 */
import { AscError, describeAppleErrors } from '../asc/errors.ts';
import type { HintContext } from '../client/hints.ts';
import { TokenClient, TokenClientError } from '../client/token-client.ts';
import { CliError, EXIT, UsageError, type CliIo } from './io.ts';
import { cliCredentials, serviceError, serviceUrlsFrom, type ServiceDeps } from './service.ts';

export type VendedDeps = ServiceDeps;

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
