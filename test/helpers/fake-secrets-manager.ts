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
}

export class FakeSecretsManager extends FakeAwsJsonService<Fault> {
  readonly secrets = new Map<string, Secret>();

  constructor() {
    super({
      targetPrefix: 'secretsmanager',
      throttled: new AwsJsonError('ThrottlingException', 'Rate exceeded'),
      internal: (message) => new AwsJsonError('InternalServiceError', message, 500),
      accessDenied: (operation) => new AwsJsonError('AccessDeniedException', `not authorized to perform secretsmanager:${operation}`),
    });
  }

  override count(target = 'GetSecretValue'): number {
    return super.count(target);
  }

  /** Create a secret with one AWSCURRENT version. */
  create(name: string, secretString: string | undefined): string {
    const secret: Secret = { name, arn: `arn:aws:secretsmanager:us-east-1:111122223333:secret:${name}-AbCdEf`, versions: new Map() };
    this.secrets.set(name, secret);
    return this.put(name, secretString, ['AWSCURRENT']);
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
        const id = this.put(secret.name, body.SecretString, body.VersionStages ?? ['AWSCURRENT']);
        return { ARN: secret.arn, Name: secret.name, VersionId: id, VersionStages: [...(secret.versions.get(id)?.stages ?? [])] };
      }
      case 'DescribeSecret':
        return { ARN: secret.arn, Name: secret.name, VersionIdsToStages: Object.fromEntries([...secret.versions.values()].filter((v) => v.stages.size > 0).map((v) => [v.id, [...v.stages]])) };
      case 'UpdateSecretVersionStage':
        if (body.RemoveFromVersionId !== undefined && body.MoveToVersionId === undefined) this.#move(secret, body.VersionStage, undefined, body.RemoveFromVersionId);
        else this.#move(secret, body.VersionStage, body.MoveToVersionId, body.RemoveFromVersionId);
        return { ARN: secret.arn, Name: secret.name };
      default:
        throw new AwsJsonError('UnknownOperationException', target);
    }
  }
}
