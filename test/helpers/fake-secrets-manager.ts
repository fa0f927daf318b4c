/**
 * A Secrets Manager endpoint on loopback speaking the real wire protocol (AWS JSON 1.1, `X-Amz-Target`), so the
 * real SDK client — its serialisation, retries, timeouts and error parsing — is what the tests exercise. Faults
 * are injected per call: throttling, 5xx, slow and hanging responses, access denied, malformed bodies.
 */
import { randomUUID } from 'node:crypto';
import { once } from 'node:events';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export type Fault =
  | { kind: 'throttle' }
  | { kind: 'error5xx' }
  | { kind: 'hang' }
  | { kind: 'delay'; ms: number }
  | { kind: 'accessDenied' }
  | { kind: 'decryptionFailure' }
  | { kind: 'garbage' }
  | { kind: 'refuse' };

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

export class FakeSecretsManager {
  readonly secrets = new Map<string, Secret>();
  readonly calls: Array<{ target: string; body: Record<string, any> }> = [];
  /** Faults applied to the next calls, in order; `persistentFault` applies to every call while set. */
  readonly faults: Fault[] = [];
  persistentFault: Fault | undefined;
  #server = createServer((req, res) => void this.#handle(req, res));
  #hanging = new Set<ServerResponse>();
  endpoint = '';

  async start(): Promise<this> {
    this.#server.listen(0, '127.0.0.1');
    await once(this.#server, 'listening');
    this.endpoint = `http://127.0.0.1:${(this.#server.address() as AddressInfo).port}`;
    return this;
  }

  async stop(): Promise<void> {
    for (const res of this.#hanging) res.destroy();
    this.#server.closeAllConnections();
    this.#server.close();
  }

  count(target = 'GetSecretValue'): number {
    return this.calls.filter((c) => c.target === target).length;
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
    if (from !== undefined && holder && holder.id !== from) throw Object.assign(new Error('stage is on another version'), { type: 'InvalidParameterException' });
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

  async #handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const target = String(req.headers['x-amz-target'] ?? '').replace(/^secretsmanager\./, '');
    let body: Record<string, any> = {};
    try {
      body = JSON.parse(Buffer.concat(chunks).toString() || '{}');
    } catch {
      return this.#error(res, 400, 'SerializationException', 'bad json');
    }
    this.calls.push({ target, body });
    if (!String(req.headers.authorization ?? '').startsWith('AWS4-HMAC-SHA256 ')) return this.#error(res, 400, 'MissingAuthenticationTokenException', 'unsigned');
    const fault = this.faults.shift() ?? this.persistentFault;
    if (fault) {
      switch (fault.kind) {
        case 'throttle':
          return this.#error(res, 400, 'ThrottlingException', 'Rate exceeded');
        case 'error5xx':
          return this.#error(res, 500, 'InternalServiceError', 'internal');
        case 'accessDenied':
          return this.#error(res, 400, 'AccessDeniedException', 'not authorized to perform secretsmanager:GetSecretValue');
        case 'decryptionFailure':
          return this.#error(res, 400, 'DecryptionFailure', 'KMS key disabled');
        case 'garbage':
          res.writeHead(200, { 'content-type': 'application/x-amz-json-1.1' });
          return void res.end('<html>proxy error</html>');
        case 'refuse':
          return void req.socket.destroy();
        case 'hang':
          this.#hanging.add(res);
          return;
        case 'delay':
          await new Promise((r) => setTimeout(r, fault.ms));
          break;
      }
    }
    const secret = this.#find(body.SecretId);
    if (!secret) return this.#error(res, 400, 'ResourceNotFoundException', "Secrets Manager can't find the specified secret.");
    try {
      switch (target) {
        case 'GetSecretValue': {
          const version = body.VersionId
            ? secret.versions.get(body.VersionId)
            : [...secret.versions.values()].find((v) => v.stages.has(body.VersionStage ?? 'AWSCURRENT'));
          if (!version) return this.#error(res, 400, 'ResourceNotFoundException', "Secrets Manager can't find the specified secret value for staging label");
          return this.#ok(res, { ARN: secret.arn, Name: secret.name, VersionId: version.id, VersionStages: [...version.stages], CreatedDate: version.created / 1000, ...(version.secretString === undefined ? { SecretBinary: 'AAEC' } : { SecretString: version.secretString }) });
        }
        case 'PutSecretValue': {
          const id = this.put(secret.name, body.SecretString, body.VersionStages ?? ['AWSCURRENT']);
          return this.#ok(res, { ARN: secret.arn, Name: secret.name, VersionId: id, VersionStages: [...(secret.versions.get(id)?.stages ?? [])] });
        }
        case 'DescribeSecret':
          return this.#ok(res, { ARN: secret.arn, Name: secret.name, VersionIdsToStages: Object.fromEntries([...secret.versions.values()].filter((v) => v.stages.size > 0).map((v) => [v.id, [...v.stages]])) });
        case 'UpdateSecretVersionStage':
          if (body.RemoveFromVersionId !== undefined && body.MoveToVersionId === undefined) this.#move(secret, body.VersionStage, undefined, body.RemoveFromVersionId);
          else this.#move(secret, body.VersionStage, body.MoveToVersionId, body.RemoveFromVersionId);
          return this.#ok(res, { ARN: secret.arn, Name: secret.name });
        default:
          return this.#error(res, 400, 'UnknownOperationException', target);
      }
    } catch (error) {
      return this.#error(res, 400, (error as { type?: string }).type ?? 'InvalidRequestException', (error as Error).message);
    }
  }

  #ok(res: ServerResponse, value: unknown): void {
    res.writeHead(200, { 'content-type': 'application/x-amz-json-1.1', 'x-amzn-requestid': randomUUID() });
    res.end(JSON.stringify(value));
  }

  #error(res: ServerResponse, status: number, type: string, message: string): void {
    res.writeHead(status, { 'content-type': 'application/x-amz-json-1.1', 'x-amzn-requestid': randomUUID() });
    res.end(JSON.stringify({ __type: type, message }));
  }
}
