/**
 * `asc-token mint`: offline minting from a `.p8` file, for development and for checking a key by hand. In
 * production the key stays in Secrets Manager and callers use `asc-token token`.
 */
import { basename } from 'node:path';
import { parseArgs } from 'node:util';
import { API_RULES, isApiKind } from '../core/apple.ts';
import { isTokenVendingError } from '../core/errors.ts';
import { mintToken, tokenResponse } from '../core/mint.ts';
import { parseRequestedScope } from '../core/scope.ts';
import { CliError, EXIT, UsageError, exitCodeForStatus, type CliIo } from './io.ts';
import { readP8 } from './p8.ts';
import { parseOutput, printToken } from './output.ts';

export const MINT_USAGE = `usage: asc-token mint --p8 FILE [--key-id ID] [--issuer-id ID | --individual]
                      [--api app-store-connect|enterprise|app-store-server] [--bundle-id B]
                      [--scope "GET /v1/apps"]... [--ttl SECONDS] [--output raw|json|env|github]`;

export async function mintCommand(args: string[], io: CliIo): Promise<number> {
  const { values } = parseArgs({
    args,
    options: {
      p8: { type: 'string' },
      'key-id': { type: 'string' },
      'issuer-id': { type: 'string' },
      individual: { type: 'boolean' },
      api: { type: 'string' },
      'bundle-id': { type: 'string' },
      scope: { type: 'string', multiple: true },
      ttl: { type: 'string' },
      output: { type: 'string' },
    },
    strict: true,
    allowPositionals: false,
  });
  const output = parseOutput(values.output);
  const api = values.api ?? 'app-store-connect';
  if (!isApiKind(api)) throw new UsageError('--api must be app-store-connect, enterprise or app-store-server');
  if (API_RULES[api].bundleId && values['bundle-id'] === undefined) throw new UsageError(`--bundle-id is required for ${api} tokens`);
  if (!API_RULES[api].bundleId && values['bundle-id'] !== undefined) throw new UsageError(`--bundle-id is only for app-store-server tokens`);
  const ttl = values.ttl === undefined ? Math.min(600, API_RULES[api].maxTtl) : Number(values.ttl);
  if (values.ttl !== undefined && !/^\d+$/.test(values.ttl)) throw new UsageError('--ttl must be a whole number of seconds');

  const { file, keyId, issuerId, privateKey } = readP8(values, io.cwd);
  try {
    const scope = values.scope === undefined ? null : parseRequestedScope(values.scope);
    const minted = await mintToken(
      { kind: 'local', name: basename(file), keyId, issuerId, privateKey },
      { api, scope, ttl, bundleId: values['bundle-id'] },
      { now: io.now() },
    );
    printToken(tokenResponse(minted), output, io);
    return EXIT.ok;
  } catch (error) {
    if (isTokenVendingError(error)) throw new CliError(error.code, error.detail, error.code === 'key_invalid' ? EXIT.other : exitCodeForStatus(error.status));
    throw error;
  }
}
