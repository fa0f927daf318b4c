/**
 * `asc-token keys` and each of its subcommands: their flags (what secret.ts and kms.ts parse) and their help
 * (src/cli/help.ts), one help per subcommand, covering both homes of a key (`--secret-id`, `--kms-key-id`).
 */
import { helpText, type CommandHelp, type HelpFlag } from '../help.ts';
import { P8_OPTIONS } from '../p8.ts';

/** The flags of `keys SUB --secret-id`, for parseArgs. */
export const SECRET_OPTIONS = {
  import: { 'secret-id': { type: 'string' }, ...P8_OPTIONS, promote: { type: 'boolean' } },
  show: { 'secret-id': { type: 'string' } },
  verify: { 'secret-id': { type: 'string' }, stage: { type: 'string' }, 'apple-url': { type: 'string' } },
  promote: { 'secret-id': { type: 'string' }, force: { type: 'boolean' } },
} as const;

/** The flags of `keys SUB --kms-key-id`, for parseArgs. */
export const KMS_OPTIONS = {
  import: { 'kms-key-id': { type: 'string' }, ...P8_OPTIONS, 'valid-to': { type: 'string' }, regions: { type: 'string' } },
  verify: { 'kms-key-id': { type: 'string' }, 'apple-url': { type: 'string' }, 'key-id': { type: 'string' }, 'issuer-id': { type: 'string' }, individual: { type: 'boolean' }, 'team-id': { type: 'string' } },
  show: { 'kms-key-id': { type: 'string' } },
} as const;

const SECRET_ID: HelpFlag = { flag: '--secret-id ID', text: 'The Secrets Manager secret holding the key: its name (asc/main) or ARN (an ARN names its region). This or --kms-key-id is required.' };
const KMS_KEY_ID: HelpFlag = { flag: '--kms-key-id ID', text: 'The KMS key holding the key: its key ID, key ARN, alias/NAME or alias ARN.' };
const ENDPOINT_URL: HelpFlag = {
  flag: '--endpoint-url URL',
  text: 'Secrets Manager or KMS somewhere other than AWS (an emulator, a MinIO): needed for any endpoint that is neither an AWS host nor loopback, so key material goes only where you chose.',
  default: "AWS's endpoint for the region",
};
const REGION: HelpFlag = {
  flag: '--region R',
  text: "That region's copy of the key: a secret's replica, a multi-Region KMS key's replica (an ARN is rewritten for it). import and promote write the primary only (docs/two-regions.md).",
  default: 'AWS_REGION, or the ARN’s',
};
const APPLE_URL: HelpFlag = { flag: '--apple-url URL', text: "App Store Connect's API base for the proof (a proxy, a local stand-in).", default: 'https://api.appstoreconnect.apple.com' };
const P8_FLAGS: HelpFlag[] = [
  { flag: '--p8 FILE', text: 'The AuthKey_KEYID.p8 file (its path, never the key itself). Required.' },
  { flag: '--key-id ID', text: 'The 10-character key ID.', default: 'from the file name AuthKey_KEYID.p8' },
  { flag: '--issuer-id ID', text: 'An App Store Connect team key: its issuer ID. One of --issuer-id, --individual, --team-id is required.' },
  { flag: '--individual', text: 'An App Store Connect individual key.' },
  { flag: '--team-id ID', text: 'A developer key (APNs, Sign in with Apple, WeatherKit, MusicKit, DeviceCheck): the Team ID.' },
];

const ENV: Array<[string, string]> = [
  ['AWS_REGION', 'The region of Secrets Manager or KMS, unless the ID is an ARN (which names it).'],
  ['AWS_PROFILE, AWS_ACCESS_KEY_ID, …', "The ops role's credentials (infra/ops-role.yml), by the AWS SDK's default chain."],
  ['AWS_ENDPOINT_URL, AWS_ENDPOINT_URL_SECRETS_MANAGER, AWS_ENDPOINT_URL_KMS', 'Where the SDK sends requests; anything but AWS or loopback also needs --endpoint-url.'],
];

const EXITS: Array<[number, string]> = [
  [0, 'ok'],
  [1, 'no such secret or KMS key, no pending version, a key that is not usable, an AWS error'],
  [2, 'usage: a flag is missing or wrong; no region'],
  [3, 'AWS refused the ops role (access denied), or Apple refused the key (verify)'],
  [5, 'unavailable: AWS or Apple unreachable, no AWS credentials'],
];

const keys = (help: Omit<CommandHelp, 'env' | 'exits'>): string => helpText({ ...help, env: ENV, exits: EXITS });

const SUBCOMMANDS: Record<string, string> = {
  import: keys({
    usage: `usage: asc-token keys import --secret-id ID --p8 FILE [--key-id ID] [--issuer-id ID | --individual | --team-id ID] [--promote]
       asc-token keys import --kms-key-id ID --p8 FILE [--key-id ID] [--issuer-id ID | --individual | --team-id ID] [--valid-to DATE] [--regions R1,R2]
       (each takes [--region R] [--endpoint-url URL])`,
    summary: 'Put a .p8 key into its Secrets Manager secret or KMS key.',
    about: [
      'Into a secret: a new version, staged AWSPENDING until `keys verify` and `keys promote` (or at once with --promote). Into KMS: the key is wrapped for a KMS key created without material (infra/kms-key.yml), imported, and proved by a signature. Nothing prints key material.',
    ],
    flags: [
      SECRET_ID,
      KMS_KEY_ID,
      ...P8_FLAGS,
      { flag: '--promote', text: 'With --secret-id: make the new version AWSCURRENT at once (services use it within KEY_CACHE_TTL_SECONDS).', default: 'AWSPENDING' },
      { flag: '--valid-to DATE', text: 'With --kms-key-id: when KMS deletes the imported material (2027-06-30 or an ISO 8601 time, at most 365 days ahead).', default: 'never expires' },
      { flag: '--regions R1,R2', text: "With --kms-key-id: import into a multi-Region key's primary and each replica (KMS copies no imported material), each proved by a signature; every region is checked before anything is sent." },
      REGION,
      ENDPOINT_URL,
    ],
    examples: [
      ['A new team key, pending until verified', 'asc-token keys import --secret-id asc/main --p8 AuthKey_ABC123DEFG.p8 --issuer-id 57246542-96fe-1a63-e053-0824d011072a'],
      ['Into a KMS key', 'asc-token keys import --kms-key-id alias/asc/main --p8 AuthKey_ABC123DEFG.p8 --issuer-id 57246542-96fe-1a63-e053-0824d011072a'],
    ],
  }),
  verify: keys({
    usage: `usage: asc-token keys verify --secret-id ID [--stage pending|current] [--apple-url URL]
       asc-token keys verify --kms-key-id ID [--apple-url URL] [--key-id ID --issuer-id ID | --individual | --team-id ID]`,
    summary: 'Prove a stored key works: Apple accepts a token it signs.',
    about: ['An App Store Connect key signs a token for GET /v1/apps that App Store Connect must accept; a developer key signs one that must verify with its public key.'],
    flags: [
      SECRET_ID,
      { flag: '--stage pending|current', text: 'With --secret-id: which version to prove.', default: 'pending' },
      KMS_KEY_ID,
      { flag: '--key-id ID', text: 'With --kms-key-id: the key ID, when the KMS key has no AscTokenVending tags (with one of the three below).', default: 'from the tags' },
      { flag: '--issuer-id ID', text: 'With --key-id: a team key’s issuer ID.' },
      { flag: '--individual', text: 'With --key-id: an individual key.' },
      { flag: '--team-id ID', text: 'With --key-id: a developer key’s Team ID.' },
      APPLE_URL,
      REGION,
      ENDPOINT_URL,
    ],
    examples: [
      ['The pending key, before promoting it', 'asc-token keys verify --secret-id asc/main --stage pending'],
      ['A KMS-held key', 'asc-token keys verify --kms-key-id alias/asc/main'],
    ],
  }),
  promote: keys({
    usage: 'usage: asc-token keys promote --secret-id ID [--force]',
    summary: "Make the secret's pending key current; the current one becomes previous.",
    about: ['Services switch within KEY_CACHE_TTL_SECONDS (default 300 s); tokens already issued stay valid until they expire. A KMS key has no stages: rotate by moving the alias the policy names.'],
    flags: [SECRET_ID, { flag: '--force', text: 'Promote a pending version that is not a usable key.' }, REGION, ENDPOINT_URL],
    examples: [
      ['After keys verify --stage pending', 'asc-token keys promote --secret-id asc/main'],
      ['A secret in another region, by ARN', 'asc-token keys promote --secret-id arn:aws:secretsmanager:eu-west-1:111122223333:secret:asc/main-AbCdEf'],
    ],
  }),
  show: keys({
    usage: `usage: asc-token keys show --secret-id ID
       asc-token keys show --kms-key-id ID`,
    summary: 'Describe the keys a secret or KMS key holds: key IDs, issuers or teams, stages, versions.',
    about: ['Never the key material.'],
    flags: [SECRET_ID, KMS_KEY_ID, REGION, ENDPOINT_URL],
    examples: [
      ['Every staged version of a secret', 'asc-token keys show --secret-id asc/main'],
      ['A KMS key: its state, identity tags and public key fingerprint', 'asc-token keys show --kms-key-id alias/asc/main'],
    ],
  }),
};

export const KEYS_HELP = keys({
  usage: `usage: asc-token keys import --secret-id ID --p8 FILE [--key-id ID] [--issuer-id ID | --individual | --team-id ID] [--promote]
       asc-token keys verify --secret-id ID [--stage pending|current] [--apple-url URL]
       asc-token keys promote --secret-id ID [--force]
       asc-token keys show --secret-id ID
       asc-token keys import --kms-key-id ID --p8 FILE [--key-id ID] [--issuer-id ID | --individual | --team-id ID] [--valid-to DATE] [--regions R1,R2]
       asc-token keys verify --kms-key-id ID [--apple-url URL]
       asc-token keys show --kms-key-id ID
       (each takes [--endpoint-url URL] [--region R])`,
  summary: 'Put keys into Secrets Manager or KMS, prove them, rotate them (the ops side).',
  about: ['Subcommands: import, verify, promote, show; `asc-token keys SUBCOMMAND --help` for each. Rotation: import (pending), verify --stage pending, promote.'],
  flags: [SECRET_ID, KMS_KEY_ID, REGION, ENDPOINT_URL],
  examples: [
    ['What a secret holds', 'asc-token keys show --secret-id asc/main'],
    ['The help of one subcommand', 'asc-token keys import --help'],
  ],
});

/** The help for `keys ARGS…`: the subcommand's own, else that of `keys`. */
export function keysHelp(args: string[]): string {
  const sub = args[0];
  return sub !== undefined && Object.hasOwn(SUBCOMMANDS, sub) ? (SUBCOMMANDS[sub] as string) : KEYS_HELP;
}
