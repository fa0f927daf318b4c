/**
 * `asc-token token` and `asc-token profiles`: SigV4-signed calls to the service with the AWS default credential
 * chain, retried with jitter on 429, 5xx and network errors.
 */
import { parseArgs } from 'node:util';
import { NetworkError, signedRequestWithRetry, type CredentialProvider, type ServiceResponse } from '../client/http.ts';
import { defaultCredentialProvider } from '../client/credentials.ts';
import { refusalHint } from '../client/refusal.ts';
import { CliError, EXIT, UsageError, exitCodeForStatus, type CliIo } from './io.ts';
import { checkServiceUrl } from '../client/url.ts';
import { parseOutput, printToken } from './output.ts';
import { shownArgument } from './redact.ts';
import { ERROR_CODE, REQUEST_ID, identifier, printable } from '../client/text.ts';
import { TokenResponseError, checkProfilesResponse, type ProfilesResponse } from '../client/validate.ts';

export const TOKEN_USAGE = `usage: asc-token token PROFILE [--url URL] [--scope "GET /v1/apps"]... [--ttl SECONDS]
                       [--output raw|json|env|github]`;
export const PROFILES_USAGE = 'usage: asc-token profiles [--url URL]';

export interface RemoteDeps {
  credentials?: CredentialProvider;
  sleep?: (ms: number) => Promise<void>;
}

const HINTS: Record<string, string> = {
  scope_not_allowed: 'Ask only for entries the profile grants: `asc-token profiles` lists them.',
  scope_required: 'This profile grants wildcard entries: pass the concrete ones with --scope "GET /v1/apps/ID/builds".',
  invalid_scope: 'Scope entries look like "GET /v1/apps?filter[platform]=IOS": method, one space, path.',
  ttl_out_of_range: 'Pick a --ttl within the profile\'s range (`asc-token profiles` shows it), or omit it for the default.',
  key_unavailable: 'The service cannot read its key right now; retry in a minute. If it persists, ops should check Secrets Manager.',
  key_invalid: 'The key stored for this profile is not usable (the detail says why): ops check it with `asc-token keys show --secret-id ID` (or `--kms-key-id ID`); against `npm start`, delete the broken `.local/keys/NAME.json` and restart for a new throwaway key.',
  internal: 'The service failed; give the request ID to its operators.',
  throttled: 'The API is rate limited; the CLI already retried with back-off. If this is steady, ask for a higher stage throttle (throttleRate).',
  not_found: 'Check --url: it must be the API base URL including the stage, e.g. https://ID.execute-api.REGION.amazonaws.com/prod.',
};

/**
 * The service URL from `--url` or `ASC_TOKEN_URL`: a URL, https (http only on loopback). Shared by every command
 * that asks the service for tokens.
 * @throws UsageError saying what is wrong, never quoting a value that could be a key.
 */
export function serviceUrl(value: string | undefined, io: CliIo): string {
  const url = value ?? io.env.ASC_TOKEN_URL;
  if (!url) throw new UsageError('no service URL: pass --url or set ASC_TOKEN_URL');
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new UsageError(`--url ${shownArgument(url)} is not a URL`);
  }
  try {
    checkServiceUrl(parsed);
  } catch (error) {
    throw new UsageError(`--url: ${(error as Error).message}`);
  }
  return url;
}

async function call(request: Parameters<typeof signedRequestWithRetry>[0], deps: RemoteDeps): Promise<ServiceResponse> {
  try {
    return await signedRequestWithRetry(request, deps.sleep ? { sleep: deps.sleep } : {});
  } catch (error) {
    if (error instanceof NetworkError) throw new CliError('unavailable', error.message, EXIT.unavailable, 'Check --url / ASC_TOKEN_URL and your network.');
    throw error;
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

/** A refusal, with only what has its shape from the answer: a code, one printable line of detail, a request ID. */
function failure(response: ServiceResponse, command: 'token' | 'profiles'): CliError {
  const body = (response.json ?? {}) as { code?: unknown; detail?: unknown; requestId?: unknown };
  const code = identifier(body.code, ERROR_CODE) ?? `http_${response.status}`;
  const detail = typeof body.detail === 'string' ? printable(body.detail, 500) : `HTTP ${response.status} without a problem body (is --url the asc-token-vending API?)`;
  const id = identifier(body.requestId, REQUEST_ID);
  const requestId = id === undefined ? '' : ` (request ${id})`;
  // A 403 is refused by the signature check, IAM or the policy: each has its own fix (src/client/refusal.ts).
  const hint = code === 'forbidden' ? refusalHint(detail, command) : HINTS[code];
  return new CliError(code, `${detail}${requestId}`, exitCodeForStatus(response.status), hint);
}

export async function tokenCommand(args: string[], io: CliIo, deps: RemoteDeps = {}): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    options: { url: { type: 'string' }, scope: { type: 'string', multiple: true }, ttl: { type: 'string' }, output: { type: 'string' } },
    strict: true,
    allowPositionals: true,
  });
  if (positionals.length !== 1) throw new UsageError('name exactly one PROFILE');
  const profile = positionals[0] as string;
  const output = parseOutput(values.output);
  if (output === 'github' && !io.env.GITHUB_ENV) throw new UsageError('--output github writes to $GITHUB_ENV, which is not set: run it in a GitHub Actions step, or use --output env');
  const body: { scope?: string[]; ttl?: number } = {};
  if (values.scope !== undefined) body.scope = values.scope;
  if (values.ttl !== undefined) {
    if (!/^\d+$/.test(values.ttl)) throw new UsageError('--ttl must be a whole number of seconds');
    body.ttl = Number(values.ttl);
  }
  const response = await call(
    {
      method: 'POST',
      baseUrl: serviceUrl(values.url, io),
      path: `/v1/tokens/${encodeURIComponent(profile)}`,
      body: Object.keys(body).length > 0 ? JSON.stringify(body) : undefined,
      credentials: cliCredentials(deps.credentials),
      region: undefined,
    },
    deps,
  );
  if (response.status !== 200) throw failure(response, 'token');
  printToken(response.json, output, io);
  return EXIT.ok;
}

export async function profilesCommand(args: string[], io: CliIo, deps: RemoteDeps = {}): Promise<number> {
  const { values } = parseArgs({ args, options: { url: { type: 'string' }, output: { type: 'string' } }, strict: true, allowPositionals: false });
  if (values.output !== undefined && values.output !== 'json' && values.output !== 'text') throw new UsageError('--output must be text or json');
  const response = await call(
    { method: 'GET', baseUrl: serviceUrl(values.url, io), path: '/v1/profiles', credentials: cliCredentials(deps.credentials) },
    deps,
  );
  if (response.status !== 200) throw failure(response, 'profiles');
  let result: ProfilesResponse;
  try {
    result = checkProfilesResponse(response.json);
  } catch (error) {
    if (error instanceof TokenResponseError) throw new CliError('bad_response', `refused the service's answer: ${error.message}`, EXIT.other, 'Check --url / ASC_TOKEN_URL: it must be the asc-token-vending API.');
    throw error;
  }
  if (values.output === 'json') {
    io.stdout(`${JSON.stringify(result, null, 2)}\n`);
    return EXIT.ok;
  }
  io.stdout(`caller  ${result.caller.principal}${result.caller.session ? ` (session ${result.caller.session})` : ''}\n`);
  if (result.profiles.length === 0) {
    io.stdout('no profile lists this caller; ask the platform owner to add it to a profile\'s callers\n');
    return EXIT.ok;
  }
  for (const p of result.profiles) {
    io.stdout(`\n${p.name}  (${p.api}, ttl ${p.ttl.default}s, max ${p.ttl.max}s)${p.description ? `\n  ${p.description}` : ''}\n`);
    io.stdout(p.scope === 'any' ? '  scope: any (no scope claim)\n' : p.scope.map((s) => `  ${s}\n`).join(''));
  }
  return EXIT.ok;
}
