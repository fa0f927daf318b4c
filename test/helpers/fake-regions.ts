/**
 * One loopback endpoint for several regions of an AWS JSON service (test/helpers/fake-aws-json.ts): each request goes
 * to the fake of the region its SigV4 signature is scoped to (`Credential=AKID/DATE/REGION/SERVICE/aws4_request`), as
 * AWS's regional endpoints each hold their own region's resources. So one `--endpoint-url` or
 * `AWS_ENDPOINT_URL_KMS` reaches every region, and a client signing for the wrong region reaches the wrong one. A
 * region can be taken down (`down`): its calls then end with a reset connection, as an unreachable region's do.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { listenOnLoopback, stopServer } from './loopback.ts';

interface RegionalFake {
  region: string;
  handle(req: IncomingMessage, res: ServerResponse): void;
}

/** The region a SigV4 Authorization header is scoped to, if any. */
export function signedRegion(authorization: string | undefined): string | undefined {
  return /Credential=[^/,\s]+\/\d{8}\/([a-z0-9-]+)\/[a-z0-9-]+\/aws4_request/.exec(authorization ?? '')?.[1];
}

export class FakeRegions<Fake extends RegionalFake> {
  readonly fakes = new Map<string, Fake>();
  /** Regions whose endpoint does not answer (connection reset). */
  readonly down = new Set<string>();
  /** Calls per region, in order. */
  readonly calls: string[] = [];
  endpoint = '';
  readonly #server = createServer((req, res) => this.#route(req, res));

  constructor(fakes: readonly Fake[]) {
    for (const fake of fakes) this.fakes.set(fake.region, fake);
  }

  get(region: string): Fake {
    const fake = this.fakes.get(region);
    if (fake === undefined) throw new Error(`no fake for ${region}`);
    return fake;
  }

  async start(): Promise<this> {
    this.endpoint = await listenOnLoopback(this.#server);
    return this;
  }

  stop(): void {
    stopServer(this.#server);
  }

  #route(req: IncomingMessage, res: ServerResponse): void {
    const region = signedRegion(req.headers.authorization);
    this.calls.push(region ?? '(unsigned)');
    if (region !== undefined && this.down.has(region)) {
      req.socket.destroy();
      return;
    }
    const fake = region === undefined ? undefined : this.fakes.get(region);
    if (fake === undefined) {
      res.writeHead(400, { 'content-type': 'application/x-amz-json-1.1' });
      res.end(JSON.stringify({ __type: 'UnrecognizedClientException', message: `no such region here: ${region ?? 'unsigned request'}` }));
      return;
    }
    fake.handle(req, res);
  }
}
