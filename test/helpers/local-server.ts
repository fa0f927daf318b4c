/** The local server on an ephemeral loopback port, for tests. */
import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import { createLocalServer, type LambdaHandler } from '../../src/local/server.ts';
import type { LocalCredential } from '../../src/local/verify.ts';

export async function startLocalServer(handler: LambdaHandler, credentials: LocalCredential[]): Promise<{ url: string; close: () => void }> {
  const server = createLocalServer({ handler, credentials });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: () => {
      server.close();
      server.closeAllConnections();
    },
  };
}

/** A loopback URL where nothing listens (a server was there a moment ago). */
export async function closedUrl(): Promise<string> {
  const probe = await startLocalServer(async () => ({ statusCode: 500, headers: {}, body: '' }), []);
  probe.close();
  return probe.url;
}
