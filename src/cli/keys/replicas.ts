/**
 * A key secret replicated to other regions (Secrets Manager `ReplicaRegions`, docs/design.md#two-regions): Secrets
 * Manager takes writes only in the primary's region and copies every version and stage to the replicas itself, so
 * `keys import` and `keys promote` write the primary only — asked of a replica, they say where the primary is
 * instead of writing — and then name the replicas, each to be checked with `keys verify --region R`.
 */
import { DescribeSecretCommand, type SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { printable } from '../../client/ci-text.ts';
import { CliError, EXIT, type CliIo } from '../io.ts';

export interface Replication {
  /** The region the command talks to. */
  region: string | undefined;
  /** The primary's region; undefined for a secret that is not replicated. */
  primaryRegion: string | undefined;
  /** The replicas, as the primary reports them: region and status (InSync, InProgress, Failed). */
  replicas: Array<{ region: string; status: string; message?: string }>;
}

/** What DescribeSecret says of the secret's replication, in the client's region. */
export async function replicationOf(sm: SecretsManagerClient, secretId: string): Promise<Replication> {
  const described = await sm.send(new DescribeSecretCommand({ SecretId: secretId }));
  const region = await sm.config.region().catch(() => undefined);
  return {
    region,
    primaryRegion: described.PrimaryRegion === undefined ? undefined : printable(described.PrimaryRegion, 40),
    replicas: (described.ReplicationStatus ?? []).map((r) => ({
      region: printable(r.Region ?? '?', 40),
      status: printable(r.Status ?? '?', 40),
      ...(r.StatusMessage ? { message: printable(r.StatusMessage, 300) } : {}),
    })),
  };
}

/**
 * @throws CliError `replica_secret` when the client's region holds a replica: Secrets Manager would refuse the write,
 * and the fix is the primary's region.
 */
export async function primaryOnly(sm: SecretsManagerClient, secretId: string, what: string): Promise<Replication> {
  const replication = await replicationOf(sm, secretId);
  if (replication.primaryRegion !== undefined && replication.region !== undefined && replication.primaryRegion !== replication.region) {
    throw new CliError(
      'replica_secret',
      `${secretId} in ${replication.region} is a replica of the secret in ${replication.primaryRegion}: Secrets Manager takes ${what} only in the primary's region, and the replicas follow it`,
      EXIT.other,
      `run the same command with --region ${replication.primaryRegion}, then check this region with asc-token keys verify --secret-id ${secretId} --region ${replication.region}`,
    );
  }
  return replication;
}

/** After a write to a replicated primary: the replicas follow; how to check each. */
export function sayReplicas(replication: Replication, secretId: string, stage: 'pending' | 'current', io: CliIo): void {
  if (replication.replicas.length === 0) return;
  io.stdout(
    `replicas follow the primary (${replication.primaryRegion ?? replication.region ?? 'this region'}) on their own: ${replication.replicas
      .map((r) => `${r.region} (${r.status}${r.message ? `: ${r.message}` : ''})`)
      .join(', ')}\n`,
  );
  for (const r of replication.replicas) io.stdout(`check: asc-token keys verify --secret-id ${secretId} --stage ${stage} --region ${r.region}\n`);
}
