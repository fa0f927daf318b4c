/**
 * Printing a token response: `raw` (the token alone), `json`, `env` (KEY=value lines) or `github` (masked in the
 * log and written to $GITHUB_ENV). Whatever the format, nothing but `raw`/`json`/`env` on stdout ever carries the
 * whole token, and `github` never prints it unmasked. Every field is checked before it is printed or written
 * (src/client/validate.ts): a hostile service cannot add lines to $GITHUB_ENV or to an `eval`ed `env` output.
 */
import { appendFileSync } from 'node:fs';
import { TokenResponseError, checkTokenResponse, type TokenResponse } from '../client/validate.ts';
import type { CliIo } from './io.ts';
import { CliError, EXIT, UsageError } from './io.ts';

export const OUTPUTS = ['raw', 'json', 'env', 'github'] as const;
export type OutputFormat = (typeof OUTPUTS)[number];

export function parseOutput(value: string | undefined): OutputFormat {
  const format = value ?? 'raw';
  if (!(OUTPUTS as readonly string[]).includes(format)) throw new UsageError(`--output must be one of ${OUTPUTS.join(', ')}`);
  return format as OutputFormat;
}

/**
 * @throws CliError `bad_response` when the response is not a well-formed token response; nothing is printed or
 * written then.
 */
export function printToken(answer: unknown, format: OutputFormat, io: CliIo, about: { url?: string } = {}): void {
  let response: TokenResponse;
  try {
    response = checkTokenResponse(answer);
  } catch (error) {
    if (error instanceof TokenResponseError) throw new CliError('bad_response', `refused the service's answer: ${error.message}; nothing was written`, EXIT.other, 'Check --url / ASC_TOKEN_URL: it must be the asc-token-vending API.');
    throw error;
  }
  switch (format) {
    case 'raw':
      io.stdout(`${response.token}\n`);
      return;
    case 'json':
      io.stdout(`${JSON.stringify(about.url === undefined ? response : { ...response, url: about.url }, null, 2)}\n`);
      return;
    case 'env':
      io.stdout(`ASC_TOKEN=${response.token}\nASC_TOKEN_EXPIRES_AT=${response.expiresAt}\n`);
      return;
    case 'github': {
      const file = io.env.GITHUB_ENV;
      if (!file) throw new UsageError('--output github writes to $GITHUB_ENV, which is not set: run it in a GitHub Actions step, or use --output env');
      // Mask first, so the token is hidden in every later line of the job log.
      if (!io.command) throw new Error('--output github needs the CLI\'s workflow-command channel (main)');
      io.command('add-mask', response.token);
      appendFileSync(file, `ASC_TOKEN=${response.token}\nASC_TOKEN_EXPIRES_AT=${response.expiresAt}\n`);
      const about = [response.profile ? `profile ${response.profile}` : undefined, `key ${response.keyId}`, `expires ${response.expiresAt}`, `sha256 ${response.tokenSha256.slice(0, 12)}…`];
      io.stdout(`ASC_TOKEN is set for the following steps (${about.filter(Boolean).join(', ')})\n`);
    }
  }
}
