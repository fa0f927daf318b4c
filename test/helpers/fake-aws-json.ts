/**
 * The server side of AWS's JSON 1.1 protocol on loopback, the base of the Secrets Manager and KMS fakes (and of any
 * further AWS JSON service): one POST per call, the operation named by `X-Amz-Target: PREFIX.Operation`, a JSON
 * body, answers in `application/x-amz-json-1.1` with an `x-amzn-requestid`, errors as `{"__type", "message"}` with
 * their status. Like the services, it refuses an unsigned request (no SigV4 Authorization) and another content type.
 * It records every call, and injects faults per call, optionally for one operation only: throttling, 5xx, access
 * denied, a hanging or slow answer, a refused connection, a body that is not JSON. A service's own faults (a
 * decryption failure, a malformed signature) reach its operation, which answers them.
 */
import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { delayUnlessClosed, listenOnLoopback, readBody, stopServer } from './loopback.ts';

/** The faults every AWS JSON fake injects; with `operation`, only into calls of that operation. */
export type AwsJsonFault =
  | { kind: 'throttle'; operation?: string }
  | { kind: 'error5xx'; operation?: string }
  | { kind: 'accessDenied'; operation?: string }
  | { kind: 'hang'; operation?: string }
  | { kind: 'delay'; ms: number; operation?: string }
  | { kind: 'garbage'; operation?: string }
  | { kind: 'refuse'; operation?: string };

/** An answer in the protocol's error shape: `{"__type": type, "message": message}`, with this HTTP status. */
export class AwsJsonError extends Error {
  constructor(
    readonly type: string,
    message: string,
    readonly status = 400,
  ) {
    super(message);
  }
}

/** What differs from one service to the next in the answers to the common faults. */
export interface AwsJsonServiceErrors {
  /** X-Amz-Target's prefix before the operation: `secretsmanager`, `TrentService`. */
  targetPrefix: string;
  throttled: AwsJsonError;
  /** A 5xx fault's answer, and the answer to an unexpected failure of the fake itself. */
  internal: (message: string) => AwsJsonError;
  accessDenied: (operation: string) => AwsJsonError;
}

export interface AwsJsonCall {
  target: string;
  body: Record<string, any>;
  raw: string;
}

export abstract class FakeAwsJsonService<Fault extends { kind: string; operation?: string | undefined }> {
  readonly calls: AwsJsonCall[] = [];
  /** Faults applied to the next matching calls, in order; `persistentFault` applies to every matching call while set. */
  readonly faults: Fault[] = [];
  persistentFault: Fault | undefined;
  endpoint = '';
  readonly #errors: AwsJsonServiceErrors;
  readonly #server = createServer((req, res) => void this.#handle(req, res));
  /** The region the fake stands for (its ARNs; test/helpers/fake-regions.ts routes each region's calls to its fake). */
  readonly region: string;
  readonly #hanging = new Set<ServerResponse>();

  constructor(errors: AwsJsonServiceErrors, region = 'us-east-1') {
    this.#errors = errors;
    this.region = region;
  }

  /** Answer one request that reached another server (test/helpers/fake-regions.ts: one endpoint, a fake per region). */
  handle(req: IncomingMessage, res: ServerResponse): void {
    void this.#handle(req, res);
  }

  async start(): Promise<this> {
    this.endpoint = await listenOnLoopback(this.#server);
    return this;
  }

  async stop(): Promise<void> {
    for (const res of this.#hanging) res.destroy();
    stopServer(this.#server);
  }

  /** Calls of one operation so far. */
  count(target: string): number {
    return this.calls.filter((c) => c.target === target).length;
  }

  /** Answer one call: the output object, or throw an AwsJsonError. `fault` is the call's fault, if any. */
  protected abstract operation(target: string, body: Record<string, any>, fault: Fault | undefined): unknown;

  /** The operation a fault concerns; undefined: every operation. */
  protected faultOperation(fault: Fault): string | undefined {
    return fault.operation;
  }

  #nextFault(target: string): Fault | undefined {
    const matches = (fault: Fault | undefined): fault is Fault => fault !== undefined && [undefined, target].includes(this.faultOperation(fault));
    const index = this.faults.findIndex(matches);
    if (index >= 0) return this.faults.splice(index, 1)[0];
    return matches(this.persistentFault) ? this.persistentFault : undefined;
  }

  async #handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const raw = (await readBody(req)).toString();
    const target = String(req.headers['x-amz-target'] ?? '').replace(`${this.#errors.targetPrefix}.`, '');
    let body: Record<string, any>;
    try {
      body = JSON.parse(raw || '{}');
    } catch {
      return this.#error(res, new AwsJsonError('SerializationException', 'bad json'));
    }
    this.calls.push({ target, body, raw });
    if (!String(req.headers.authorization ?? '').startsWith('AWS4-HMAC-SHA256 ')) return this.#error(res, new AwsJsonError('MissingAuthenticationTokenException', 'unsigned'));
    if (req.headers['content-type'] !== 'application/x-amz-json-1.1') return this.#error(res, new AwsJsonError('UnknownOperationException', 'content type'));
    const fault = this.#nextFault(target);
    const common = fault as AwsJsonFault | undefined;
    switch (common?.kind) {
      case 'throttle':
        return this.#error(res, this.#errors.throttled);
      case 'error5xx':
        return this.#error(res, this.#errors.internal('internal'));
      case 'accessDenied':
        return this.#error(res, this.#errors.accessDenied(target));
      case 'garbage':
        res.writeHead(200, { 'content-type': 'application/x-amz-json-1.1' });
        return void res.end('<html>proxy error</html>');
      case 'refuse':
        return void req.socket.destroy();
      case 'hang':
        this.#hanging.add(res);
        return;
      case 'delay':
        await delayUnlessClosed(req, common.ms);
        if (req.socket.destroyed) return;
        break;
    }
    try {
      const answer = await this.operation(target, body, fault);
      res.writeHead(200, { 'content-type': 'application/x-amz-json-1.1', 'x-amzn-requestid': randomUUID() });
      res.end(JSON.stringify(answer));
    } catch (error) {
      this.#error(res, error instanceof AwsJsonError ? error : this.#errors.internal(String(error)));
    }
  }

  #error(res: ServerResponse, error: AwsJsonError): void {
    res.writeHead(error.status, { 'content-type': 'application/x-amz-json-1.1', 'x-amzn-requestid': randomUUID() });
    res.end(JSON.stringify({ __type: error.type, message: error.message }));
  }
}
