/**
 * What `upload` and `exec` share: the profile and service URL from flags or the environment, a TokenClient whose
 * failures become the CLI's exit codes, and the App Store Connect side's errors as exit codes 6 and 7.
 */
import { TokenClient, TokenClientError } from '../client/token-client.ts';
import type { CredentialProvider } from '../client/http.ts';
import { AscError, describeAppleErrors } from '../asc/errors.ts';
import { CliError, EXIT, UsageError, exitCodeForStatus, type CliIo } from './io.ts';
import { cliCredentials, serviceUrl } from './remote.ts';

export interface VendedDeps {
  credentials?: CredentialProvider;
  sleep?: (ms: number) => Promise<void>;
}

const TOKEN_HINTS: Record<string, string> = {
  forbidden: 'Your AWS principal may not use this profile: `asc-token profiles` shows who the service thinks you are and what you may use.',
  scope_not_allowed: 'The profile does not grant this call: the platform owner adds its pattern to the profile (README.md#uploading-to-testflight-without-the-key).',
  scope_required: 'This profile grants wildcard entries: name the concrete ones with --scope "GET /v1/apps/ID/builds".',
  invalid_scope: 'Scope entries look like "GET /v1/apps?filter[platform]=IOS": method, one space, path.',
  ttl_out_of_range: 'The profile\'s ttl range does not allow this lifetime (`asc-token profiles` shows it).',
  key_unavailable: 'The service cannot read its key right now; retry in a minute. If it persists, ops should check Secrets Manager.',
  key_invalid: 'The key stored for this profile is not usable (the detail says why): ops check it with `asc-token keys show --secret-id ID` (or `--kms-key-id ID`); against `npm start`, delete the broken `.local/keys/NAME.json` and restart for a new throwaway key.',
  network: 'Check --url / ASC_TOKEN_URL and your network.',
  not_found: 'Check --url: it must be the API base URL including the stage, e.g. https://ID.execute-api.REGION.amazonaws.com/prod.',
};

export function profileFrom(value: string | undefined, io: CliIo): string {
  const profile = value ?? io.env.ASC_TOKEN_PROFILE;
  if (!profile) throw new UsageError('no profile: pass --profile or set ASC_TOKEN_PROFILE');
  return profile;
}

/** The service URL from `--url` or `ASC_TOKEN_URL`, checked as for `asc-token token`. */
export { serviceUrl };

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

export function tokenClient(url: string, deps: VendedDeps): TokenClient {
  const credentials = cliCredentials(deps.credentials);
  return new TokenClient({ url, credentials });
}

/** The CLI's error for a failure of the token service or of Apple; anything else is returned as it is. */
export function cliErrorFor(error: unknown): unknown {
  if (error instanceof TokenClientError) {
    const requestId = error.requestId ? ` (request ${error.requestId})` : '';
    return new CliError(error.code, `the token service refused: ${error.message}${requestId}`, error.status === 0 ? EXIT.unavailable : exitCodeForStatus(error.status), TOKEN_HINTS[error.code]);
  }
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
