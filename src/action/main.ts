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
 * What the service answers is not trusted further than it must be: only an answer whose every field has its
 * documented shape (the check the CLI makes, src/client/validate.ts: a JWT's alphabet, ISO instants, the token's own
 * SHA-256, …) is used — its token registered with `::add-mask::` before anything else is done with it, then written
 * in GitHub's multi-line-safe `NAME<<DELIMITER` form — so a hostile or broken server cannot add lines (variables,
 * outputs) to those files, nor have a word of its choosing masked. Every text from the server that reaches the log
 * is one printable line inside the Action's own `::error` (src/client/ci-text.ts): no workflow command, escape
 * sequence or bidi override of its own.
 */
import { randomUUID } from 'node:crypto';
import { appendFileSync } from 'node:fs';
import { fromEnv } from '@aws-sdk/credential-provider-env';
import { NetworkError, signedRequestWithRetry, type CredentialProvider, type ServiceResponse } from '../client/http.ts';
import { OutputGuard, printable, workflowCommand, type WorkflowCommand } from '../client/ci-text.ts';
import { refusalHint } from '../client/refusal.ts';
import { ERROR_CODE, REQUEST_ID, identifier } from '../client/text.ts';
import { ServiceUrlError, checkServiceUrl } from '../client/url.ts';
import { TokenResponseError, checkTokenResponse } from '../client/validate.ts';
import { userAgent } from '../client/version.ts';
import { PROFILE_NAME } from '../core/names.ts';

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

/** https, or http on loopback only (the local server in tests): src/client/url.ts, as the CLI and TokenClient. */
export function checkUrl(url: string): void {
  let parsed: URL;
  try {
    parsed = checkServiceUrl(url);
  } catch (error) {
    if (error instanceof ServiceUrlError) throw new ActionError(`\`url\`: ${error.message}`, 'Give the API base including the stage, e.g. https://ID.execute-api.REGION.amazonaws.com/prod.');
    throw error;
  }
  if (parsed.username || parsed.password) throw new ActionError('`url` must not carry a user name or password');
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
  // Only what has its shape (a code, a request ID) and one printable line of detail, as the CLI shows a refusal.
  const code = identifier(problem.code, ERROR_CODE) ?? `http_${response.status}`;
  const detail = typeof problem.detail === 'string' ? printable(problem.detail, 1000) : `HTTP ${response.status} without a problem body (is \`url\` the asc-token-vending API?)`;
  const id = identifier(problem.requestId, REQUEST_ID);
  const requestId = id === undefined ? '' : ` (request ${id})`;
  const hint = response.status === 403 && code === 'forbidden' ? refusalHint(detail, 'token') : undefined;
  return new ActionError(`${code}: ${detail}${requestId}`, hint);
}

/** The whole step. Resolves to the exit code (0, or 1 after an `::error::`). */
export async function run(io: ActionIo): Promise<number> {
  const { env } = io;
  // The step's log: the commands the Action issues on lines of their own, and every other text guarded so that no
  // line of it is a command or carries an escape sequence (src/client/ci-text.ts).
  const guard = new OutputGuard();
  const say = (text: string) => io.log(guard.clean(text));
  const command = (name: WorkflowCommand, data: string, properties?: Record<string, string>) => {
    io.log(`${guard.midLine ? '\n' : ''}${workflowCommand(name, data, properties)}\n`);
    guard.lineWritten();
  };
  try {
    const outputFile = env.GITHUB_OUTPUT;
    const envFile = env.GITHUB_ENV;
    if (!outputFile || !envFile) throw new ActionError('GITHUB_OUTPUT and GITHUB_ENV are not set: this entry runs as a GitHub Actions step (uses: in a workflow)');
    const req = readInputs(env);
    const response = await request(req, io);
    if (response.status !== 200) throw refusal(response);
    let answer;
    try {
      // Every field its documented shape (src/client/validate.ts, as the CLI checks it), or nothing is written — and
      // nothing masked: an answer that is not a token must not hide a word of its choosing for the rest of the job.
      answer = checkTokenResponse(response.json);
    } catch (error) {
      if (error instanceof TokenResponseError) throw new ActionError(`refused the service's answer: ${error.message}; nothing was written`, 'Check `url`: it must be the asc-token-vending API.');
      throw error;
    }
    const { token, expiresAt } = answer;
    // Masked before anything is done with it: from here on the runner hides it in every line of the job's log.
    command('add-mask', token);
    fileCommand(outputFile, [
      ['token', token],
      ['expires-at', expiresAt],
    ]);
    fileCommand(envFile, [
      ['ASC_TOKEN', token],
      ['ASC_TOKEN_EXPIRES_AT', expiresAt],
    ]);
    say(`App Store Connect token for profile ${req.profile}, key ${answer.keyId}, expires ${expiresAt}, sha256 ${answer.tokenSha256.slice(0, 12)}…: output \`token\` and ASC_TOKEN for the following steps\n`);
    return 0;
  } catch (error) {
    const message = error instanceof ActionError ? error.message : `unexpected error: ${(error as Error)?.message ?? String(error)}`;
    command('error', message, { title: 'asc-token-vending' });
    if (error instanceof ActionError && error.hint) command('notice', error.hint, { title: 'asc-token-vending hint' });
    return 1;
  }
}
