/**
 * The GitHub Action (`action.yml` at the repository root): one App Store Connect token from the service for the
 * rest of the job, with no install step — the runner runs the committed bundle `action/index.mjs`
 * (`npm run build:action` makes it from this file).
 *
 * The runner hands inputs over as `INPUT_*` variables and reads results from files: `GITHUB_OUTPUT` (the step's
 * outputs `token` and `expires-at`) and `GITHUB_ENV` (`ASC_TOKEN`, `ASC_TOKEN_EXPIRES_AT` for later steps). The
 * request is SigV4-signed with the credentials aws-actions/configure-aws-credentials puts in the environment, and
 * retried like the CLI's (src/client/http.ts).
 *
 * What the service answers is not trusted further than it must be: the token is registered with `::add-mask::`
 * before anything else is done with it, and only values of the expected shape (a JWT's alphabet, an ISO instant)
 * are written, in GitHub's multi-line-safe `NAME<<DELIMITER` form, so a hostile or broken server cannot add lines
 * (variables, outputs) to those files or workflow commands to the log. Every text from the server that reaches
 * the log goes through a workflow command's escaping.
 */
import { createHash, randomUUID } from 'node:crypto';
import { appendFileSync } from 'node:fs';
import { fromEnv } from '@aws-sdk/credential-provider-env';
import { NetworkError, signedRequestWithRetry, type CredentialProvider, type ServiceResponse } from '../client/http.ts';
import { refusalHint } from '../client/refusal.ts';
import { userAgent } from '../client/version.ts';

export type Env = Record<string, string | undefined>;

export interface ActionIo {
  env: Env;
  /** The step's log (stdout): workflow commands and the summary line. */
  log: (text: string) => void;
  credentials?: CredentialProvider;
  sleep?: (ms: number) => Promise<void>;
}

/** A failure to report with `::error::`; `hint` says what to do. */
export class ActionError extends Error {
  override readonly name = 'ActionError';
  constructor(
    message: string,
    readonly hint?: string,
  ) {
    super(message);
  }
}

/** Profile names as the policy allows them (src/policy/policy.ts PROFILE_NAME; a test keeps the two equal). */
export const PROFILE_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;
/** A compact JWS: three base64url parts. Nothing else may reach a file or the log as a token. */
export const JWT = /^[A-Za-z0-9_-]{2,4096}\.[A-Za-z0-9_-]{2,4096}\.[A-Za-z0-9_-]{2,4096}$/;
/** An ISO 8601 instant in UTC, as the service writes `expiresAt`. */
export const INSTANT = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d{1,9})?Z$/;
const KEY_ID = /^[A-Za-z0-9]{1,32}$/;
const LOOPBACK = /^(127\.\d{1,3}\.\d{1,3}\.\d{1,3}|localhost|\[::1\])$/;

/** A workflow command's data, escaped as the runner expects (the toolkit's escapeData). */
export function escapeData(text: string): string {
  return text.replace(/%/g, '%25').replace(/\r/g, '%0D').replace(/\n/g, '%0A');
}

/** `INPUT_NAME` as the runner sets it: the input's name upper-cased, spaces as `_`. */
function input(env: Env, name: string): string {
  return (env[`INPUT_${name.replace(/ /g, '_').toUpperCase()}`] ?? '').trim();
}

interface Request {
  profile: string;
  url: string;
  scope?: string[];
  ttl?: number;
}

export function readInputs(env: Env): Request {
  const profile = input(env, 'profile') || (env.ASC_TOKEN_PROFILE ?? '').trim();
  if (!profile) throw new ActionError('no profile: set the `profile` input (or ASC_TOKEN_PROFILE)');
  if (!PROFILE_NAME.test(profile)) throw new ActionError('`profile` must be a profile name: letters, digits, ".", "-" and "_" (at most 64)');
  const url = input(env, 'url') || (env.ASC_TOKEN_URL ?? '').trim();
  if (!url) throw new ActionError('no service URL: set the `url` input (or ASC_TOKEN_URL) to the API base including the stage');
  checkUrl(url);
  const request: Request = { profile, url };
  const scope = input(env, 'scope')
    .split(/\r?\n/)
    .map((line) => line.trim())
    .filter((line) => line !== '');
  if (scope.length > 0) request.scope = scope;
  const ttl = input(env, 'ttl');
  if (ttl !== '') {
    if (!/^\d{1,8}$/.test(ttl)) throw new ActionError('`ttl` must be a whole number of seconds');
    request.ttl = Number(ttl);
  }
  return request;
}

/** https, or http on loopback only (a local server in tests): SigV4 headers and the token must not travel in clear. */
export function checkUrl(url: string): void {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new ActionError('`url` is not a URL: give the API base including the stage, e.g. https://ID.execute-api.REGION.amazonaws.com/prod');
  }
  if (parsed.username || parsed.password) throw new ActionError('`url` must not carry a user name or password');
  if (parsed.protocol === 'https:') return;
  if (parsed.protocol === 'http:' && LOOPBACK.test(parsed.hostname)) return;
  throw new ActionError(`\`url\` must be https: (http: is accepted only on loopback), not ${parsed.protocol}//${parsed.host}`);
}

function environmentCredentials(): CredentialProvider {
  const provider = fromEnv();
  return async () => {
    try {
      return await provider();
    } catch {
      throw new ActionError(
        'no AWS credentials in the environment (AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY)',
        'Run aws-actions/configure-aws-credentials before this step, with role-to-assume and `permissions: id-token: write` for OIDC.',
      );
    }
  };
}

/** GitHub's multi-line-safe file command: `NAME<<DELIMITER`, the value, `DELIMITER`. */
function fileCommand(file: string, values: Array<[string, string]>): void {
  let text = '';
  for (const [name, value] of values) {
    const delimiter = `ghadelimiter_${randomUUID()}`;
    if (name.includes(delimiter) || value.includes(delimiter)) throw new ActionError('a value collided with its delimiter'); // unreachable for validated values
    text += `${name}<<${delimiter}\n${value}\n${delimiter}\n`;
  }
  appendFileSync(file, text);
}

async function request(req: Request, io: ActionIo): Promise<ServiceResponse> {
  const body: { scope?: string[]; ttl?: number } = {};
  if (req.scope) body.scope = req.scope;
  if (req.ttl !== undefined) body.ttl = req.ttl;
  try {
    return await signedRequestWithRetry(
      {
        method: 'POST',
        baseUrl: req.url,
        path: `/v1/tokens/${encodeURIComponent(req.profile)}`,
        body: Object.keys(body).length > 0 ? JSON.stringify(body) : undefined,
        credentials: io.credentials ?? environmentCredentials(),
        userAgent: userAgent('github-action'),
      },
      io.sleep ? { sleep: io.sleep } : {},
    );
  } catch (error) {
    if (error instanceof NetworkError) throw new ActionError(error.message, 'Check `url` and that the runner can reach the API (a private API needs a runner inside its VPC).');
    throw error;
  }
}

function refusal(response: ServiceResponse): ActionError {
  const problem = (response.json ?? {}) as { code?: unknown; detail?: unknown; requestId?: unknown };
  const code = typeof problem.code === 'string' ? problem.code.slice(0, 64) : `http_${response.status}`;
  const detail = typeof problem.detail === 'string' ? problem.detail.slice(0, 1000) : `HTTP ${response.status} without a problem body (is \`url\` the asc-token-vending API?)`;
  const requestId = typeof problem.requestId === 'string' ? ` (request ${problem.requestId.slice(0, 64)})` : '';
  const hint = response.status === 403 && code === 'forbidden' ? refusalHint(detail, 'token') : undefined;
  return new ActionError(`${code}: ${detail}${requestId}`, hint);
}

/** The whole step. Resolves to the exit code (0, or 1 after an `::error::`). */
export async function run(io: ActionIo): Promise<number> {
  const { env } = io;
  try {
    const outputFile = env.GITHUB_OUTPUT;
    const envFile = env.GITHUB_ENV;
    if (!outputFile || !envFile) throw new ActionError('GITHUB_OUTPUT and GITHUB_ENV are not set: this entry runs as a GitHub Actions step (uses: in a workflow)');
    const req = readInputs(env);
    const response = await request(req, io);
    if (response.status !== 200) throw refusal(response);
    const answer = response.json as { token?: unknown; expiresAt?: unknown; keyId?: unknown } | undefined;
    const token = answer?.token;
    if (typeof token !== 'string') throw new ActionError('the service answered 200 without a token (is `url` the asc-token-vending API?)');
    // Masked first: from here on the runner hides it in every line of the job's log.
    io.log(`::add-mask::${escapeData(token)}\n`);
    if (!JWT.test(token)) throw new ActionError('the service answered with a token that is not a JWT; nothing was written');
    const expiresAt = answer?.expiresAt;
    if (typeof expiresAt !== 'string' || !INSTANT.test(expiresAt) || !Number.isFinite(Date.parse(expiresAt))) {
      throw new ActionError('the service answered with an expiresAt that is not an ISO 8601 UTC instant; nothing was written');
    }
    fileCommand(outputFile, [
      ['token', token],
      ['expires-at', expiresAt],
    ]);
    fileCommand(envFile, [
      ['ASC_TOKEN', token],
      ['ASC_TOKEN_EXPIRES_AT', expiresAt],
    ]);
    const keyId = typeof answer?.keyId === 'string' && KEY_ID.test(answer.keyId) ? `, key ${answer.keyId}` : '';
    const sha256 = createHash('sha256').update(token).digest('hex');
    io.log(`App Store Connect token for profile ${req.profile}${keyId}, expires ${expiresAt}, sha256 ${sha256.slice(0, 12)}…: output \`token\` and ASC_TOKEN for the following steps\n`);
    return 0;
  } catch (error) {
    const message = error instanceof ActionError ? error.message : `unexpected error: ${(error as Error)?.message ?? String(error)}`;
    io.log(`::error title=asc-token-vending::${escapeData(message)}\n`);
    if (error instanceof ActionError && error.hint) io.log(`::notice title=asc-token-vending hint::${escapeData(error.hint)}\n`);
    return 1;
  }
}
