/**
 * Issue #20, finding 4: an answer from Apple's https API must not send the CLI to a service on this machine. The
 * built CLI talks to "Apple" at its real host names over TLS (test/helpers/apple-hosts.ts: only name resolution is
 * faked, every byte stays on loopback); Apple's answers then name an upload operation, or the developer log, at
 * `http://127.0.0.1:PORT` (a Docker daemon's 2375, say) or another spelling of this machine. Nothing is sent there.
 * With the API itself on loopback (tests, a local proxy), loopback answers are still followed (the other tests); the
 * rule itself, host by host, is in test/asc/endpoint.test.ts.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { startAppleFront } from '../helpers/apple-hosts.ts';
import { FakeAppStoreConnect } from '../helpers/fake-asc.ts';
import { PLIST, writeIpa } from '../helpers/fake-asc-ipa.ts';
import { DEV_ENV, root, startTokenService, type TokenService } from '../helpers/fake-asc-service.ts';
import { ISSUER_ID, TEAM_KEY_ID } from '../helpers/keys.ts';
import { trackOutput } from '../helpers/leaks.ts';

let service: TokenService;
let dir: string;
/** A service on this machine that must never be reached (what a Docker daemon on :2375 would be). */
let trap: Server;
let trapUrl: string;
const trapped: string[] = [];
before(async () => {
  service = await startTokenService();
  dir = mkdtempSync(join(tmpdir(), 'asc-answer-urls-'));
  trap = createServer((req, res) => {
    trapped.push(`${req.method} ${req.url}`);
    req.resume();
    res.end('{}');
  });
  trap.listen(0, '127.0.0.1');
  await once(trap, 'listening');
  trapUrl = `http://127.0.0.1:${(trap.address() as AddressInfo).port}`;
});
after(() => {
  service.close();
  trap.close();
  rmSync(dir, { recursive: true, force: true });
});

/** The built CLI, resolving Apple's names to the front. */
async function cli(front: Awaited<ReturnType<typeof startAppleFront>>, argv: string[], env: Record<string, string>) {
  const result = await new Promise<{ code: number; stdout: string; stderr: string }>((resolve) => {
    execFile(process.execPath, [...front.nodeArgs, join(root, 'dist/cli.mjs'), ...argv], { env: { PATH: process.env.PATH ?? '', HOME: dir, ...DEV_ENV, ASC_TOKEN_URL: service.url, ...front.env, ...env } }, (error, stdout, stderr) =>
      resolve({ code: error ? Number((error as { code?: number }).code) : 0, stdout, stderr }),
    );
  });
  trackOutput(result.stdout + result.stderr);
  return result;
}

describe('URLs in Apple\'s answers (issue #20, finding 4)', () => {
  it('upload: Apple\'s https API answers upload operations at http://127.0.0.1:PORT — refused before a byte is sent', async () => {
    const asc = await new FakeAppStoreConnect({ publicKey: service.service.key.publicKey, keyId: TEAM_KEY_ID, issuerId: ISSUER_ID, apps: [{ id: '1234567890', bundleId: PLIST.CFBundleIdentifier }], requireScope: true, now: service.clock.now }).start();
    const front = await startAppleFront(asc.url);
    try {
      const ipa = join(dir, 'Example.ipa');
      await writeIpa(ipa);
      const result = await cli(front, ['upload', ipa], { ASC_TOKEN_PROFILE: 'testflight-upload', ASC_API_URL: front.url() });
      assert.equal(result.code, 1, result.stderr);
      assert.match(result.stderr, /bad_response: Apple's upload operations for this file cannot be used: operation 1 is not an https URL off this machine \(http:\/\/127\.0\.0\.1:\d+\)/);
      assert.deepEqual(asc.partRequests, [], 'no part was sent to the loopback URL');
      assert.deepEqual(asc.problems, []);
      assert.ok(asc.requests.some((r) => r.path === '/v1/buildUploadFiles'), 'the answer came from the API over https');
    } finally {
      front.stop();
      asc.stop();
    }
  });

  it('notarize --log: a developerLogUrl (or a redirect) on this machine, from Apple\'s https API — not fetched', async () => {
    const id = '2efe2717-52ef-43a5-96dc-0797e4ca1041';
    let developerLogUrl = '';
    const notary = createServer((req, res) => {
      req.resume();
      const body = req.url?.endsWith('/logs') ? { data: { id, type: 'submissionsLog', attributes: { developerLogUrl } } } : { errors: [{ status: '404', code: 'NOT_FOUND' }] };
      res.writeHead(req.url?.endsWith('/logs') ? 200 : 404, { 'content-type': 'application/json' }).end(JSON.stringify(body));
    });
    notary.listen(0, '127.0.0.1');
    await once(notary, 'listening');
    const front = await startAppleFront(`http://127.0.0.1:${(notary.address() as AddressInfo).port}`);
    try {
      const port = new URL(trapUrl).port;
      for (const url of [`${trapUrl}/log.json`, `https://127.0.0.1:${port}/log.json`, `http://localhost:${port}/log.json`, `http://[::1]:${port}/`, `https://0.0.0.0:${port}/`, `https://[::ffff:127.0.0.1]:${port}/`, `http://2130706433:${port}/`]) {
        developerLogUrl = url;
        const before = trapped.length;
        const result = await cli(front, ['notarize', '--log', id], { ASC_TOKEN_PROFILE: 'notarize', ASC_NOTARY_URL: `${front.url('appstoreconnect.apple.com')}/notary/v2` });
        assert.equal(result.code, 1, `${url}: ${result.stderr}`);
        assert.match(result.stderr, /bad_response: Apple’s notary service answered a developerLogUrl this client does not fetch \(https?:\/\/.*\): https only, off this machine/, url);
        assert.equal(trapped.length, before, `${url} was fetched`);
      }
    } finally {
      front.stop();
      notary.close();
    }
  });

});
