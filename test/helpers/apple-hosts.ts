/**
 * Real host names — Apple's (`api.appstoreconnect.apple.com`, `appstoreconnect.apple.com`) or any others — served on
 * 127.0.0.1 for a CLI process under test: a TLS front with a certificate for those names made at test time
 * (openssl), forwarding to a fake on loopback; the process resolves the names there (test/helpers/hosts-shim.mjs) and
 * trusts the certificate (NODE_EXTRA_CA_CERTS). The CLI then sees what it sees in production — an https endpoint
 * that is not on loopback — while every byte stays on this machine. The one thing faked is name resolution.
 */
import { execFileSync } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createServer } from 'node:tls';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';

export const APPLE_HOSTS = ['api.appstoreconnect.apple.com', 'appstoreconnect.apple.com'];

export interface AppleFront {
  /** `https://HOST:PORT` for one of the front's host names (default the first). */
  url(host?: string): string;
  /** What the CLI process's environment needs: the names to resolve locally and the certificate to trust. */
  env: Record<string, string>;
  /** node arguments before the CLI's file. */
  nodeArgs: string[];
  stop(): void;
}

/** A TLS front on 127.0.0.1 for `hosts` (default Apple's), forwarding every connection to `target` (http://127.0.0.1:PORT). */
export async function startAppleFront(target: string, hosts: readonly string[] = APPLE_HOSTS): Promise<AppleFront> {
  const dir = mkdtempSync(join(tmpdir(), 'asc-apple-front-'));
  const key = join(dir, 'key.pem');
  const cert = join(dir, 'cert.pem');
  execFileSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', key, '-out', cert, '-days', '1', '-subj', `/CN=${hosts[0]}`, '-addext', `subjectAltName=${hosts.map((h) => `DNS:${h}`).join(',')}`], { stdio: 'ignore' });
  const port = Number(new URL(target).port);
  const server = createServer({ key: readFileSync(key), cert: readFileSync(cert) }, (socket) => {
    const upstream = connect(port, '127.0.0.1');
    socket.pipe(upstream).pipe(socket);
    socket.on('error', () => upstream.destroy());
    upstream.on('error', () => socket.destroy());
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const frontPort = (server.address() as AddressInfo).port;
  return {
    url: (host = hosts[0] as string) => `https://${host}:${frontPort}`,
    env: { ASC_TEST_LOOPBACK_HOSTS: hosts.join(','), NODE_EXTRA_CA_CERTS: cert },
    nodeArgs: ['--import', fileURLToPath(new URL('./hosts-shim.mjs', import.meta.url))],
    stop: () => {
      server.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
