/**
 * What every command that calls the service shares (token, profiles, upload, notarize, exec): the service URLs from
 * `--url` or `ASC_TOKEN_URL` (one, or several with commas: docs/design.md#two-regions), the AWS credentials, the
 * call's options, and the service's refusals as the CLI's errors, exit codes and hints (src/client/hints.ts).
 */
import { defaultCredentialProvider } from '../client/credentials.ts';
import { TokenClientError } from '../client/errors.ts';
import type { HintContext } from '../client/hints.ts';
import type { CredentialProvider } from '../client/http.ts';
import type { ServiceOptions } from '../client/service.ts';
import { serviceUrls } from '../client/url.ts';
import { userAgent } from '../client/version.ts';
import { CliError, EXIT, UsageError, exitCodeForStatus, type CliIo } from './io.ts';
import { shownArgument } from './redact.ts';

export interface ServiceDeps {
  credentials?: CredentialProvider;
  sleep?: (ms: number) => Promise<void>;
}

/**
 * The service URLs from `--url` or `ASC_TOKEN_URL`: https (http only on loopback), one or several with commas.
 * @throws UsageError saying what is wrong, never quoting a value that could be a key.
 */
export function serviceUrlsFrom(value: string | undefined, io: CliIo): string[] {
  const given = value ?? io.env.ASC_TOKEN_URL;
  if (!given) throw new UsageError('no service URL: pass --url or set ASC_TOKEN_URL');
  for (const url of given.split(',').map((u) => u.trim()).filter((u) => u !== '')) {
    try {
      new URL(url);
    } catch {
      throw new UsageError(`--url ${shownArgument(url)} is not a URL`);
    }
  }
  try {
    return serviceUrls(given);
  } catch (error) {
    throw new UsageError(`--url: ${(error as Error).message}`);
  }
}

/** AWS credentials (the default chain unless given), a missing one reported as the CLI's `no_credentials` (exit 5). */
export function cliCredentials(provider: CredentialProvider = defaultCredentialProvider()): CredentialProvider {
  return async () => {
    try {
      return await provider();
    } catch (error) {
      const profile = process.env.AWS_PROFILE;
      throw new CliError(
        'no_credentials',
        `no AWS credentials found (${(error as Error).message.split('\n')[0]})`,
        EXIT.unavailable,
        profile
          ? `AWS_PROFILE=${shownArgument(profile)} is set: check that the profile exists (\`aws configure list-profiles\`), and for an SSO profile run \`aws sso login --profile ${shownArgument(profile)}\`.`
          : 'In CI, assume a role first (GitHub: aws-actions/configure-aws-credentials); locally, set AWS_PROFILE or AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY.',
      );
    }
  };
}

/** How a command calls the service. */
export function serviceOptions(urls: readonly string[], deps: ServiceDeps): ServiceOptions {
  return { urls, credentials: cliCredentials(deps.credentials), userAgent: userAgent('cli'), ...(deps.sleep ? { sleep: deps.sleep } : {}) };
}

/**
 * The service's refusal or failure as the CLI's error: its code (`unavailable` for no answer), its detail and request
 * ID, the exit code its status means, and the hint for the command that met it.
 * @param prefix put before the detail (`the token service refused: ` where Apple's errors are met too).
 */
export function serviceError(error: TokenClientError, context: HintContext, prefix = ''): CliError {
  const requestId = error.requestId ? ` (request ${error.requestId})` : '';
  const code = error.code === 'network' ? 'unavailable' : error.code;
  return new CliError(code, `${prefix}${error.message}${requestId}`, error.status === 0 ? EXIT.unavailable : error.code === 'bad_response' ? EXIT.other : exitCodeForStatus(error.status), error.hint(context));
}

/** Which URL answered, when there was a choice (stderr: stdout is the token's). */
export function sayWhichUrl(answer: { url: string; failedOver: ReadonlyArray<{ url: string; reason: string }> }, urls: readonly string[], io: CliIo): void {
  if (urls.length < 2) return;
  const failed = answer.failedOver.map((f) => `${f.url}: ${f.reason}`).join('; ');
  io.stderr(`asc-token: served by ${answer.url}${failed ? ` (after ${failed})` : ''}\n`);
}

export { TokenClientError };
