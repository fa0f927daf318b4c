/**
 * `asc-token keys`: the ops side of keys (docs/design.md#the-secret, docs/design.md#keys-held-by-aws-kms). A key in a
 * Secrets Manager secret (`--secret-id`: src/cli/keys/secret.ts) or held by KMS (`--kms-key-id`: src/cli/keys/kms.ts);
 * either way nothing here prints key material, and key material goes only to an AWS endpoint, loopback, or one the
 * operator named with `--endpoint-url` (src/cli/endpoint-guard.ts).
 */
import type { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { takeEndpointUrl } from '../endpoint-guard.ts';
import { UsageError, type CliIo } from '../io.ts';
import { KEYS_HELP, keysHelp } from './help.ts';
import { kmsKeysCommand, type KmsDeps } from './kms.ts';
import { inRegion, mapFlag, takeRegion } from './regions.ts';
import { secretKeysCommand, secretsManagerClient } from './secret.ts';

/** `keys --help`; `keys SUB --help` is keysHelp's (src/cli/keys/help.ts). */
export const KEYS_USAGE = KEYS_HELP;
export { keysHelp };

export interface KeysDeps extends KmsDeps {
  secretsManager?: SecretsManagerClient;
  /** A region's client (tests: one per region); `secretsManager` when not given. */
  secretsManagerIn?: (region: string) => SecretsManagerClient;
}

export async function keysCommand(args: string[], io: CliIo, deps: KeysDeps = {}): Promise<number> {
  const [sub, ...all] = args;
  // Where key material may go besides AWS's hosts and loopback (src/cli/endpoint-guard.ts).
  const { endpointUrl, rest: withRegion } = takeEndpointUrl(all);
  // One region's copy of the key (docs/design.md#two-regions): an ARN is rewritten for it.
  const { region, rest } = takeRegion(withRegion);
  const guard = { explicit: endpointUrl, note: (text: string) => io.stderr(text) };
  const kms = rest.some((arg) => arg === '--kms-key-id' || arg.startsWith('--kms-key-id='));
  if (kms && rest.some((arg) => arg === '--secret-id' || arg.startsWith('--secret-id='))) {
    throw new UsageError('--secret-id and --kms-key-id exclude each other: a key is in a Secrets Manager secret or in KMS');
  }
  if (kms) return kmsKeysCommand(sub, rest, io, { ...deps, endpointGuard: guard }, region);
  const secretArgs = mapFlag(rest, '--secret-id', (id) => inRegion(id, region));
  const secretId = secretArgs.find((arg, i) => arg.startsWith('--secret-id=') || secretArgs[i - 1] === '--secret-id')?.replace(/^--secret-id=/, '');
  const given = region !== undefined && deps.secretsManagerIn ? deps.secretsManagerIn(region) : deps.secretsManager;
  return secretKeysCommand(sub, secretArgs, io, () => secretsManagerClient(secretId, guard, given, region), region);
}
