/**
 * `asc-token mint`: offline minting from a `.p8` file, for development and for checking a key by hand. In
 * production the key stays in Secrets Manager and callers use `asc-token token`.
 */
import { readFileSync } from 'node:fs';
import { basename, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { API_RULES, ISSUER_ID_PATTERN, KEY_ID_PATTERN, isApiKind } from '../core/apple.ts';
import { isTokenVendingError } from '../core/errors.ts';
import { KeyParseError, parsePrivateKey } from '../core/key.ts';
import { mintToken, tokenResponse } from '../core/mint.ts';
import { parseRequestedScope } from '../core/scope.ts';
import { CliError, EXIT, UsageError, exitCodeForStatus, type CliIo } from './io.ts';
import { parseOutput, printToken } from './output.ts';

export const MINT_USAGE = `usage: asc-token mint --p8 FILE [--key-id ID] [--issuer-id ID | --individual]
                      [--api app-store-connect|enterprise|app-store-server] [--bundle-id B]
                      [--scope "GET /v1/apps"]... [--ttl SECONDS] [--output raw|json|env|github]`;

const KEY_FILE = /^AuthKey_([A-Z0-9]{10})\.p8$/;

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
  if (!values.p8) throw new UsageError('--p8 FILE is required');
  const output = parseOutput(values.output);
  const file = resolve(io.cwd, values.p8);
  const keyId = values['key-id'] ?? KEY_FILE.exec(basename(file))?.[1];
  if (keyId === undefined) throw new UsageError(`--key-id is required: the file name ${basename(file)} is not AuthKey_KEYID.p8`);
  if (!KEY_ID_PATTERN.test(keyId)) throw new UsageError(`--key-id ${JSON.stringify(keyId)} is not a 10-character App Store Connect key ID`);
  if (values.individual && values['issuer-id'] !== undefined) throw new UsageError('--issuer-id and --individual exclude each other');
  if (!values.individual && values['issuer-id'] === undefined) {
    throw new UsageError('--issuer-id is required for a team key (App Store Connect → Users and Access → Integrations); use --individual for an individual key');
  }
  if (values['issuer-id'] !== undefined && !ISSUER_ID_PATTERN.test(values['issuer-id'])) {
    throw new UsageError(`--issuer-id ${JSON.stringify(values['issuer-id'])} is not an issuer ID (8-4-4-4-12 hex)`);
  }
  const api = values.api ?? 'app-store-connect';
  if (!isApiKind(api)) throw new UsageError('--api must be app-store-connect, enterprise or app-store-server');
  if (API_RULES[api].bundleId && values['bundle-id'] === undefined) throw new UsageError(`--bundle-id is required for ${api} tokens`);
  if (!API_RULES[api].bundleId && values['bundle-id'] !== undefined) throw new UsageError(`--bundle-id is only for app-store-server tokens`);
  const ttl = values.ttl === undefined ? Math.min(600, API_RULES[api].maxTtl) : Number(values.ttl);
  if (values.ttl !== undefined && !/^\d+$/.test(values.ttl)) throw new UsageError('--ttl must be a whole number of seconds');

  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new CliError('file_unreadable', `cannot read ${values.p8}: ${code === 'ENOENT' ? 'no such file' : code}`, EXIT.other);
  }
  let privateKey;
  try {
    privateKey = parsePrivateKey(text);
  } catch (error) {
    if (error instanceof KeyParseError) throw new CliError('key_invalid', `${values.p8} is not a usable key: ${error.message}`, EXIT.other);
    throw error;
  }
  try {
    const scope = values.scope === undefined ? null : parseRequestedScope(values.scope);
    const minted = await mintToken(
      { name: basename(file), keyId, issuerId: values['issuer-id'], privateKey },
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
