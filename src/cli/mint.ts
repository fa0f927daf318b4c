/**
 * `asc-token mint`: offline minting from a `.p8` file, for development and for checking a key by hand. In
 * production the key stays in Secrets Manager and callers use `asc-token token`.
 */
import { basename } from 'node:path';
import { parseArgs } from 'node:util';
import { isTokenVendingError } from '../core/errors.ts';
import { DEFAULT_KIND, KINDS, KIND_NAMES, KIND_PROFILE_FIELDS, isKindName, kindsTaking, type ProfileField } from '../core/kinds.ts';
import { mintToken } from '../core/sign.ts';
import { parseRequestedScope } from '../core/scope.ts';
import { tokenResponse } from '../http/token-response.ts';
import { CliError, EXIT, UsageError, exitCodeForStatus, type CliIo } from './io.ts';
import { P8_OPTIONS, readP8 } from './p8.ts';
import { parseOutput, printToken } from './output.ts';

/** Each kind's profile fields as flags (src/core/kinds.ts): `--bundle-id BUNDLE_ID`. */
const FIELD_FLAGS: readonly ProfileField[] = KIND_PROFILE_FIELDS;

export const MINT_USAGE = `usage: asc-token mint --p8 FILE [--key-id ID] [--issuer-id ID | --individual | --team-id ID]
                      [--api ${KIND_NAMES.join('|')}]${FIELD_FLAGS.map((f) => ` [--${f.flag} ${f.placeholder}]`).join('')}
                      [--scope "GET /v1/apps"]... [--ttl SECONDS] [--output raw|json|env|github]`;

export async function mintCommand(args: string[], io: CliIo): Promise<number> {
  const { values } = parseArgs({
    args,
    options: {
      ...P8_OPTIONS,
      api: { type: 'string' },
      scope: { type: 'string', multiple: true },
      ttl: { type: 'string' },
      output: { type: 'string' },
      ...Object.fromEntries(FIELD_FLAGS.map((f) => [f.flag, { type: 'string' as const }])),
    },
    strict: true,
    allowPositionals: false,
  });
  const output = parseOutput(values.output);
  const api = values.api ?? DEFAULT_KIND;
  if (!isKindName(api)) throw new UsageError(`--api must be ${KIND_NAMES.slice(0, -1).join(', ')} or ${KIND_NAMES.at(-1)}`);
  const kind = KINDS[api];
  const fields: Record<string, unknown> = {};
  for (const field of FIELD_FLAGS) {
    const raw = (values as Record<string, unknown>)[field.flag];
    const own = kind.profileFields.includes(field);
    if (raw === undefined) {
      if (own && field.required) throw new UsageError(`--${field.flag} is required for ${api} tokens`);
      continue;
    }
    if (!own) throw new UsageError(`--${field.flag} is only for ${kindsTaking(field.name).join(', ')} tokens`);
    const parsed = field.parse(raw);
    if ('problem' in parsed) throw new UsageError(`--${field.flag} must be ${parsed.problem}`);
    fields[field.name] = parsed.value;
  }
  const ttl = values.ttl === undefined ? Math.min(kind.ttl.default, kind.ttl.max) : Number(values.ttl);
  if (values.ttl !== undefined && !/^\d+$/.test(values.ttl)) throw new UsageError('--ttl must be a whole number of seconds');

  const { file, keyId, issuerId, teamId, privateKey } = readP8(values, io.cwd);
  try {
    const scope = values.scope === undefined ? null : parseRequestedScope(values.scope);
    // The kind's request fields (a Sign in with Apple client ID) from its profile fields: the one given.
    for (const field of kind.requestFields) {
      const resolved = field.resolve(undefined, fields);
      if ('refused' in resolved) throw new UsageError(resolved.detail);
      fields[field.name] = resolved.value;
    }
    const minted = await mintToken({ kind: 'local', name: basename(file), keyId, issuerId, ...(teamId === undefined ? {} : { teamId }), privateKey }, { kind: api, scope, ttl, fields }, { now: io.now() });
    printToken(tokenResponse(minted), output, io);
    return EXIT.ok;
  } catch (error) {
    if (isTokenVendingError(error)) throw new CliError(error.code, error.detail, error.code === 'key_invalid' ? EXIT.other : exitCodeForStatus(error.status));
    throw error;
  }
}
