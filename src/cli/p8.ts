/**
 * Reading a `.p8` file for `mint` and `keys import`: key ID from `AuthKey_KEYID.p8`; who the key is to Apple from
 * `--issuer-id` (an App Store Connect team key), `--individual` or `--team-id` (a developer key: APNs, Sign in with
 * Apple, …).
 */
import { readFileSync } from 'node:fs';
import { basename, resolve } from 'node:path';
import type { KeyObject } from 'node:crypto';
import { ISSUER_ID_PATTERN, KEY_ID_PATTERN, TEAM_ID_PATTERN } from '../core/apple.ts';
import { KeyParseError, parsePrivateKey } from '../core/private-key.ts';
import { CliError, EXIT, UsageError } from './io.ts';
import { looksLikeKeyMaterial, shownArgument } from './redact.ts';

const KEY_FILE = /^AuthKey_([A-Z0-9]{10})\.p8$/;

export interface P8Options {
  p8?: string | undefined;
  'key-id'?: string | undefined;
  'issuer-id'?: string | undefined;
  individual?: boolean | undefined;
  'team-id'?: string | undefined;
}

export interface P8Key {
  file: string;
  keyId: string;
  issuerId: string | undefined;
  /** A developer key's Team ID (then `issuerId` is undefined). */
  teamId?: string | undefined;
  privateKey: KeyObject;
}

/** The options every command that reads a `.p8` takes, for parseArgs. */
export const P8_OPTIONS = {
  p8: { type: 'string' },
  'key-id': { type: 'string' },
  'issuer-id': { type: 'string' },
  individual: { type: 'boolean' },
  'team-id': { type: 'string' },
} as const;

const P8_IS_KEY =
  '--p8 takes the path of the .p8 file, and the value given looks like the key itself (not shown). Pass the file; a key on a command line lands in shell history and process lists';

/**
 * The key itself where its path belongs (`--p8 "$(cat AuthKey.p8)"`): say so without showing any of it. Checked
 * on the raw arguments too, because `parseArgs` refuses a value starting with "-----BEGIN" with advice to write
 * `--p8=<the key>`.
 * @throws UsageError
 */
export function refuseKeyAsP8Argument(argv: readonly string[]): void {
  argv.forEach((arg, i) => {
    if ((arg === '--p8' && looksLikeKeyMaterial(argv[i + 1] ?? '')) || (arg.startsWith('--p8=') && looksLikeKeyMaterial(arg.slice(5)))) throw new UsageError(P8_IS_KEY);
  });
}

/** @throws UsageError for missing or malformed options, CliError when the file is unreadable or not a key. */
export function readP8(values: P8Options, cwd: string): P8Key {
  if (!values.p8) throw new UsageError('--p8 FILE is required');
  if (looksLikeKeyMaterial(values.p8)) throw new UsageError(P8_IS_KEY);
  const file = resolve(cwd, values.p8);
  const shownFile = shownArgument(values.p8);
  const keyId = values['key-id'] ?? KEY_FILE.exec(basename(file))?.[1];
  if (keyId === undefined) throw new UsageError(`--key-id is required: ${/[/\\]/.test(values.p8) || /\.[A-Za-z0-9]{1,8}$/.test(values.p8) ? `the file name ${shownArgument(basename(file))}` : 'the value given'} is not AuthKey_KEYID.p8`);
  if (!KEY_ID_PATTERN.test(keyId)) throw new UsageError(`--key-id ${shownArgument(keyId)} is not a 10-character key ID`);
  const given = [values['issuer-id'] !== undefined, Boolean(values.individual), values['team-id'] !== undefined].filter(Boolean).length;
  if (given > 1) throw new UsageError('--issuer-id, --individual and --team-id exclude each other: a key is an App Store Connect team key, an individual key, or a developer key');
  if (given === 0) {
    throw new UsageError(
      'say who the key is to Apple: --issuer-id ID for an App Store Connect team key (Users and Access → Integrations), --individual for an individual key, or --team-id ID for a developer key (APNs, Sign in with Apple, WeatherKit, MusicKit, DeviceCheck)',
    );
  }
  if (values['issuer-id'] !== undefined && !ISSUER_ID_PATTERN.test(values['issuer-id'])) {
    throw new UsageError(`--issuer-id ${shownArgument(values['issuer-id'])} is not an issuer ID (8-4-4-4-12 hex)`);
  }
  if (values['team-id'] !== undefined && !TEAM_ID_PATTERN.test(values['team-id'])) {
    throw new UsageError(`--team-id ${shownArgument(values['team-id'])} is not a Team ID (10 upper-case letters and digits, from Membership details)`);
  }
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new CliError('file_unreadable', `cannot read --p8 ${shownFile}: ${code === 'ENOENT' ? 'no such file' : code}`, EXIT.other, 'pass the path of the AuthKey_KEYID.p8 file downloaded from App Store Connect (Users and Access → Integrations)');
  }
  try {
    return { file, keyId, issuerId: values['issuer-id'], ...(values['team-id'] === undefined ? {} : { teamId: values['team-id'] }), privateKey: parsePrivateKey(text) };
  } catch (error) {
    if (error instanceof KeyParseError) {
      throw new CliError('key_invalid', `--p8 ${shownFile} is not a usable key: ${error.message}`, EXIT.other, 'use the .p8 exactly as App Store Connect gave it (a PKCS#8 P-256 private key); a copy pasted elsewhere may have lost lines');
    }
    throw error;
  }
}
