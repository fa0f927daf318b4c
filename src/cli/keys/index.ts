/**
 * `asc-token keys`: the ops side of keys (docs/design.md#the-secret, docs/design.md#keys-held-by-aws-kms). A key in a
 * Secrets Manager secret (`--secret-id`: src/cli/keys/secret.ts) or held by KMS (`--kms-key-id`: src/cli/keys/kms.ts);
 * either way nothing here prints key material, and key material goes only to an AWS endpoint, loopback, or one the
 * operator named with `--endpoint-url` (src/cli/endpoint-guard.ts).
 */
import type { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { takeEndpointUrl } from '../endpoint-guard.ts';
import { UsageError, type CliIo } from '../io.ts';
import { kmsKeysCommand, type KmsDeps } from './kms.ts';
import { inRegion, mapFlag, takeRegion } from './regions.ts';
import { secretKeysCommand, secretsManagerClient } from './secret.ts';

export const KEYS_USAGE = `usage: asc-token keys import --secret-id ID --p8 FILE [--key-id ID] [--issuer-id ID | --individual | --team-id ID] [--promote]
       asc-token keys verify --secret-id ID [--stage pending|current] [--apple-url URL]
       asc-token keys promote --secret-id ID [--force]
       asc-token keys show --secret-id ID
       asc-token keys import --kms-key-id ID --p8 FILE [--key-id ID] [--issuer-id ID | --individual | --team-id ID] [--valid-to DATE]
                             [--regions R1,R2]
       asc-token keys verify --kms-key-id ID [--apple-url URL]
       asc-token keys show --kms-key-id ID
       (each takes [--endpoint-url URL]: Secrets Manager or KMS somewhere other than AWS; needed for any endpoint
        that is neither an AWS host nor loopback; and [--region R]: that region's copy of the key, a replica;
        --regions: import into a multi-Region key's primary and each replica, each proved)`;

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
