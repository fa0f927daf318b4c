/** The local server on an ephemeral loopback port, for tests. */
import { once } from 'node:events';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { AddressInfo } from 'node:net';
import { createLocalServer, type LambdaHandler, type LocalServerOptions } from '../../src/local/server.ts';
import type { LocalCredential } from '../../src/local/verify.ts';

export async function startLocalServer(
  handler: LambdaHandler,
  credentials: LocalCredential[],
  options: Pick<LocalServerOptions, 'onRefused' | 'bodyTimeoutMs'> = {},
): Promise<{ url: string; close: () => void }> {
  const server = createLocalServer({ handler, credentials, ...options });
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

/**
 * The node arguments `npm start` runs the server with, read from package.json's `start` script (after its build
 * step), so the end-to-end test and the benchmark run exactly what a user does: e.g.
 * `['--max-semi-space-size=4', '/repo/dist/local.mjs']`.
 */
export function npmStartArgs(root: string): string[] {
  const script = (JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { scripts: { start: string } }).scripts.start;
  const server = /&&\s*node\s+(.+)$/.exec(script)?.[1];
  if (server === undefined) throw new Error(`package.json's start script does not end in "&& node …": ${script}`);
  return server.trim().split(/\s+/).map((arg) => (arg.startsWith('-') ? arg : join(root, arg)));
}
