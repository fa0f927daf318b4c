/**
 * A Secrets Manager endpoint on loopback speaking the real wire protocol (AWS JSON 1.1, `X-Amz-Target`:
 * test/helpers/fake-aws-json.ts), so the real SDK client — its serialisation, retries, timeouts and error parsing —
 * is what the tests exercise. Faults are injected per call: throttling, 5xx, slow and hanging responses, access
 * denied, malformed bodies, and Secrets Manager's own DecryptionFailure.
 */
import { randomUUID } from 'node:crypto';
import { AwsJsonError, FakeAwsJsonService, type AwsJsonFault } from './fake-aws-json.ts';

export type Fault = AwsJsonFault | { kind: 'decryptionFailure'; operation?: string };

interface Version {
  id: string;
  secretString: string | undefined;
  stages: Set<string>;
  created: number;
}
interface Secret {
  name: string;
  arn: string;
  versions: Map<string, Version>;
  /** A replicated secret: the primary's region; on the primary, its replicas (each in another region's fake). */
  primaryRegion?: string;
  replicas?: Array<{ fake: FakeSecretsManager; secret: Secret }>;
}

export class FakeSecretsManager extends FakeAwsJsonService<Fault> {
  readonly secrets = new Map<string, Secret>();
  /** While true, writes to a primary reach its replicas only at `resumeReplication()` (replication lag). */
  replicationPaused = false;

  constructor(region = 'us-east-1') {
    super({
      targetPrefix: 'secretsmanager',
      throttled: new AwsJsonError('ThrottlingException', 'Rate exceeded'),
      internal: (message) => new AwsJsonError('InternalServiceError', message, 500),
      accessDenied: (operation) => new AwsJsonError('AccessDeniedException', `not authorized to perform secretsmanager:${operation}`),
    }, region);
  }

  override count(target = 'GetSecretValue'): number {
    return super.count(target);
  }

  /** Create a secret with one AWSCURRENT version. */
  create(name: string, secretString: string | undefined): string {
    const secret: Secret = { name, arn: `arn:aws:secretsmanager:${this.region}:111122223333:secret:${name}-AbCdEf`, versions: new Map() };
    this.secrets.set(name, secret);
    return this.put(name, secretString, ['AWSCURRENT']);
  }

  /**
   * Replicate a secret into another region's fake, as `ReplicaRegions` does: the replica has the same name and ARN
   * but for the region, holds the same versions and stages, follows every later write to the primary (unless
   * `replicationPaused`), and refuses writes of its own.
   */
  replicateTo(name: string, replica: FakeSecretsManager): void {
    const secret = this.#find(name);
    if (!secret) throw new Error(`no secret ${name}`);
    const copy: Secret = { name, arn: secret.arn.replace(`:${this.region}:`, `:${replica.region}:`), versions: new Map(), primaryRegion: this.region };
    replica.secrets.set(name, copy);
    secret.primaryRegion = this.region;
    (secret.replicas ??= []).push({ fake: replica, secret: copy });
    this.#sync(secret);
  }

  /** Let paused replication catch up. */
  resumeReplication(): void {
    this.replicationPaused = false;
    for (const secret of this.secrets.values()) this.#sync(secret);
  }

  #sync(secret: Secret): void {
    if (this.replicationPaused) return;
    for (const { secret: copy } of secret.replicas ?? []) {
      copy.versions = new Map([...secret.versions].map(([id, v]) => [id, { ...v, stages: new Set(v.stages) }]));
    }
  }

  #isReplica(secret: Secret): boolean {
    return secret.primaryRegion !== undefined && secret.primaryRegion !== this.region;
  }

  /** Add a version with the given stages, moving those labels (and AWSPREVIOUS with AWSCURRENT) as AWS does. */
  put(name: string, secretString: string | undefined, stages: string[] = ['AWSCURRENT']): string {
    const secret = this.#find(name);
    if (!secret) throw new Error(`no secret ${name}`);
    const id = randomUUID();
    secret.versions.set(id, { id, secretString, stages: new Set(), created: Date.now() });
    for (const stage of stages) this.#move(secret, stage, id);
    return id;
  }

  #move(secret: Secret, stage: string, to: string | undefined, from?: string): void {
    const holder = [...secret.versions.values()].find((v) => v.stages.has(stage));
    if (from !== undefined && holder && holder.id !== from) throw new AwsJsonError('InvalidParameterException', 'stage is on another version');
    if (holder) holder.stages.delete(stage);
    if (to === undefined) return;
    if (stage === 'AWSCURRENT' && holder && holder.id !== to) {
      for (const v of secret.versions.values()) v.stages.delete('AWSPREVIOUS');
      holder.stages.add('AWSPREVIOUS');
    }
    secret.versions.get(to)?.stages.add(stage);
  }

  #find(id: unknown): Secret | undefined {
    return [...this.secrets.values()].find((s) => s.name === id || s.arn === id);
  }

  protected operation(target: string, body: Record<string, any>, fault: Fault | undefined): unknown {
    if (fault?.kind === 'decryptionFailure') throw new AwsJsonError('DecryptionFailure', 'KMS key disabled');
    const secret = this.#find(body.SecretId);
    if (!secret) throw new AwsJsonError('ResourceNotFoundException', "Secrets Manager can't find the specified secret.");
    switch (target) {
      case 'GetSecretValue': {
        const version = body.VersionId
          ? secret.versions.get(body.VersionId)
          : [...secret.versions.values()].find((v) => v.stages.has(body.VersionStage ?? 'AWSCURRENT'));
        if (!version) throw new AwsJsonError('ResourceNotFoundException', "Secrets Manager can't find the specified secret value for staging label");
        return { ARN: secret.arn, Name: secret.name, VersionId: version.id, VersionStages: [...version.stages], CreatedDate: version.created / 1000, ...(version.secretString === undefined ? { SecretBinary: 'AAEC' } : { SecretString: version.secretString }) };
      }
      case 'PutSecretValue': {
        if (this.#isReplica(secret)) throw replicaWrite(secret);
        const id = this.put(secret.name, body.SecretString, body.VersionStages ?? ['AWSCURRENT']);
        this.#sync(secret);
        return { ARN: secret.arn, Name: secret.name, VersionId: id, VersionStages: [...(secret.versions.get(id)?.stages ?? [])] };
      }
      case 'DescribeSecret':
        return {
          ARN: secret.arn,
          Name: secret.name,
          VersionIdsToStages: Object.fromEntries([...secret.versions.values()].filter((v) => v.stages.size > 0).map((v) => [v.id, [...v.stages]])),
          ...(secret.primaryRegion ? { PrimaryRegion: secret.primaryRegion } : {}),
          ...(secret.replicas ? { ReplicationStatus: secret.replicas.map((r) => ({ Region: r.fake.region, KmsKeyId: 'alias/asc-token-vending/replica', Status: this.replicationPaused ? 'InProgress' : 'InSync' })) } : {}),
        };
      case 'UpdateSecretVersionStage':
        if (this.#isReplica(secret)) throw replicaWrite(secret);
        if (body.RemoveFromVersionId !== undefined && body.MoveToVersionId === undefined) this.#move(secret, body.VersionStage, undefined, body.RemoveFromVersionId);
        else this.#move(secret, body.VersionStage, body.MoveToVersionId, body.RemoveFromVersionId);
        this.#sync(secret);
        return { ARN: secret.arn, Name: secret.name };
      default:
        throw new AwsJsonError('UnknownOperationException', target);
    }
  }
}

/** Secrets Manager's answer to a write sent to a replica's region. */
function replicaWrite(secret: Secret): AwsJsonError {
  return new AwsJsonError('InvalidRequestException', `Operation is not permitted on a replica secret. Call must be made in the primary secret's Region (${secret.primaryRegion}).`);
}
