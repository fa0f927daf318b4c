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
import { OutputGuard, workflowCommand, type WorkflowCommand } from '../client/ci-text.ts';
import { TokenClientError } from '../client/errors.ts';
import type { CredentialProvider } from '../client/http.ts';
import { requestToken } from '../client/tokens.ts';
import { ServiceUrlError, serviceUrls } from '../client/url.ts';
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
  /** One service URL or several (one per region: tried in order, docs/design.md#two-regions). */
  urls: string[];
  scope?: string[];
  ttl?: number;
  clientId?: string;
}

export function readInputs(env: Env): Request {
  const profile = input(env, 'profile') || (env.ASC_TOKEN_PROFILE ?? '').trim();
  if (!profile) throw new ActionError('no profile: set the `profile` input (or ASC_TOKEN_PROFILE)');
  if (!PROFILE_NAME.test(profile)) throw new ActionError('`profile` must be a profile name: letters, digits, ".", "-" and "_" (at most 64)');
  const url = input(env, 'url') || (env.ASC_TOKEN_URL ?? '').trim();
  if (!url) throw new ActionError('no service URL: set the `url` input (or ASC_TOKEN_URL) to the API base including the stage');
  const request: Request = { profile, urls: checkUrls(url) };
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
  const clientId = input(env, 'client-id');
  if (clientId !== '') {
    if (!/^[A-Za-z0-9.-]{1,155}$/.test(clientId)) throw new ActionError('`client-id` must be a Services ID or app ID, e.g. com.example.web');
    request.clientId = clientId;
  }
  return request;
}

/**
 * One URL or several with commas; each https, or http on loopback only (the local server in tests):
 * src/client/url.ts, as the CLI and TokenClient.
 */
export function checkUrls(value: string): string[] {
  let urls: string[];
  try {
    urls = serviceUrls(value);
  } catch (error) {
    if (error instanceof ServiceUrlError) throw new ActionError(`\`url\`: ${error.message}`, 'Give the API base including the stage, e.g. https://ID.execute-api.REGION.amazonaws.com/prod (several, one per region, with commas).');
    throw error;
  }
  for (const url of urls) {
    const parsed = new URL(url);
    if (parsed.username || parsed.password) throw new ActionError('`url` must not carry a user name or password');
  }
  return urls;
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

/**
 * The token, every field of the answer checked (src/client/tokens.ts, as the CLI and TokenClient do) before
 * anything is written — or masked: an answer that is not a token must not hide a word of its choosing for the rest
 * of the job.
 */
async function request(req: Request, io: ActionIo) {
  try {
    return await requestToken(
      { urls: req.urls, credentials: io.credentials ?? environmentCredentials(), userAgent: userAgent('github-action'), ...(io.sleep ? { sleep: io.sleep } : {}) },
      req.profile,
      { scope: req.scope, ttl: req.ttl, clientId: req.clientId },
    );
  } catch (error) {
    if (!(error instanceof TokenClientError)) throw error;
    const requestId = error.requestId ? ` (request ${error.requestId})` : '';
    const written = error.code === 'bad_response' ? '; nothing was written' : '';
    throw new ActionError(`${error.code}: ${error.message}${requestId}${written}`, error.hint('action'));
  }
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
    const answer = await request(req, io);
    const { token, expiresAt } = answer;
    // Masked before anything is done with it: from here on the runner hides it in every line of the job's log.
    command('add-mask', token);
    fileCommand(outputFile, [
      ['token', token],
      ['expires-at', expiresAt],
      ['url', answer.url],
    ]);
    fileCommand(envFile, [
      ['ASC_TOKEN', token],
      ['ASC_TOKEN_EXPIRES_AT', expiresAt],
    ]);
    const from = req.urls.length > 1 ? ` from ${answer.url}${answer.failedOver.length ? ` (after ${answer.failedOver.map((f) => `${f.url}: ${f.reason}`).join('; ')})` : ''}` : '';
    say(`Token for profile ${req.profile}, key ${answer.keyId}, expires ${expiresAt}, sha256 ${answer.tokenSha256.slice(0, 12)}…${from}: output \`token\` and ASC_TOKEN for the following steps\n`);
    return 0;
  } catch (error) {
    const message = error instanceof ActionError ? error.message : `unexpected error: ${(error as Error)?.message ?? String(error)}`;
    command('error', message, { title: 'asc-token-vending' });
    if (error instanceof ActionError && error.hint) command('notice', error.hint, { title: 'asc-token-vending hint' });
    return 1;
  }
}
