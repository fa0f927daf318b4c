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
import { helpText } from './help.ts';
import { CliError, EXIT, UsageError, exitCodeForStatus, type CliIo } from './io.ts';
import { P8_OPTIONS, readP8 } from './p8.ts';
import { parseOutput, printToken } from './output.ts';

/** Each kind's profile fields as flags (src/core/kinds.ts): `--bundle-id BUNDLE_ID`. */
const FIELD_FLAGS: readonly ProfileField[] = KIND_PROFILE_FIELDS;

export const MINT_OPTIONS = {
  ...P8_OPTIONS,
  api: { type: 'string' },
  scope: { type: 'string', multiple: true },
  ttl: { type: 'string' },
  output: { type: 'string' },
  ...Object.fromEntries(FIELD_FLAGS.map((f) => [f.flag, { type: 'string' as const }])),
} as const;

export const MINT_USAGE = helpText({
  usage: `usage: asc-token mint --p8 FILE [--key-id ID] [--issuer-id ID | --individual | --team-id ID]
                      [--api ${KIND_NAMES.join('|')}]${FIELD_FLAGS.map((f) => ` [--${f.flag} ${f.placeholder}]`).join('')}
                      [--scope "GET /v1/apps"]... [--ttl SECONDS] [--output raw|json|env|github]`,
  summary: 'Sign a token offline with a .p8 key you hold (development, checking a key).',
  about: ['Nothing is sent anywhere. In production the key stays in Secrets Manager or KMS and callers use `asc-token token`.'],
  flags: [
    { flag: '--p8 FILE', text: 'The AuthKey_KEYID.p8 file from App Store Connect or the developer account (its path, never the key itself). Required.' },
    { flag: '--key-id ID', text: 'The 10-character key ID.', default: 'from the file name AuthKey_KEYID.p8' },
    { flag: '--issuer-id ID', text: 'An App Store Connect team key: its issuer ID (Users and Access → Integrations). One of --issuer-id, --individual, --team-id is required.' },
    { flag: '--individual', text: 'An App Store Connect individual key (no issuer).' },
    { flag: '--team-id ID', text: 'A developer key (APNs, Sign in with Apple, WeatherKit, MusicKit, DeviceCheck…): the Team ID of the account.' },
    { flag: `--api ${KIND_NAMES.join('|')}`, text: 'The kind of token: which Apple API it is for, and so its claims and lifetimes.', default: DEFAULT_KIND },
    ...FIELD_FLAGS.map((f) => ({ flag: `--${f.flag} ${f.placeholder}`, text: `The ${f.name} of ${kindsTaking(f.name).join(' and ')} tokens${f.required ? ' (required for them)' : ''}.` })),
    { flag: '--scope "METHOD PATH"', text: 'A scope entry for an App Store Connect token (repeat for several).', default: 'no scope claim' },
    { flag: '--ttl SECONDS', text: 'Lifetime, within the kind’s limit (1200 s for App Store Connect).', default: "the kind's default (600 s for App Store Connect)" },
    { flag: '--output raw|json|env|github', text: 'As for `asc-token token`: the token alone, the whole answer, ASC_TOKEN= lines, or masked into $GITHUB_ENV.', default: 'raw' },
  ],
  env: [['GITHUB_ENV', 'The file --output github appends ASC_TOKEN to.']],
  exits: [
    [0, 'ok'],
    [1, 'the file cannot be read or is not a P-256 private key'],
    [2, 'usage: a flag is missing or wrong'],
    [4, 'a scope or lifetime the kind of token does not take'],
  ],
  examples: [
    ['An App Store Connect token from a team key, for one call', 'asc-token mint --p8 AuthKey_ABC123DEFG.p8 --issuer-id 57246542-96fe-1a63-e053-0824d011072a --scope "GET /v1/apps"'],
    ['An APNs provider token from a developer key', 'asc-token mint --p8 AuthKey_ABC123DEFG.p8 --team-id A1B2C3D4E5 --api apns'],
  ],
});

export async function mintCommand(args: string[], io: CliIo): Promise<number> {
  const { values } = parseArgs({
    args,
    options: MINT_OPTIONS,
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
