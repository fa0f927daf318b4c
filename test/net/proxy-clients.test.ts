/**
 * In process: TokenClient and `upload` (the token service, Apple's API and the parts) on loopback with proxy
 * variables set — never through the proxy (src/net/proxy.ts, isThisMachine): `http:` is allowed only to loopback
 * because it never leaves the machine. A forward proxy on loopback counts what passes (test/helpers/connect-proxy.ts).
 * Through a CONNECT tunnel to hosts that are not this machine, the built CLI and the Action:
 * test/net/proxy.dist.test.ts and test/net/proxy-hostile.dist.test.ts.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { main } from '../../src/cli/main.ts';
import { TokenClient } from '../../src/client/token-client.ts';
import { startProxy, type LoopbackProxy } from '../helpers/connect-proxy.ts';
import { FakeAppStoreConnect } from '../helpers/fake-asc.ts';
import { PLIST, writeIpa } from '../helpers/fake-asc-ipa.ts';
import { credentials, startTokenService, type TokenService } from '../helpers/fake-asc-service.ts';
import { ISSUER_ID, TEAM_KEY_ID } from '../helpers/keys.ts';

const APP = { id: '1234567890', bundleId: PLIST.CFBundleIdentifier };
const VARIABLES = ['https_proxy', 'HTTPS_PROXY', 'http_proxy', 'HTTP_PROXY', 'no_proxy', 'NO_PROXY', 'ALL_PROXY', 'all_proxy'];
let service: TokenService;
let proxy: LoopbackProxy;
let dir: string;

before(async () => {
  [service, proxy] = await Promise.all([startTokenService(), startProxy()]);
  dir = mkdtempSync(join(tmpdir(), 'asc-proxy-'));
  await writeIpa(join(dir, 'Example.ipa'), { payloadBytes: 3 * 1024 * 1024 });
});
after(async () => {
  service?.close();
  proxy?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

/** Run with exactly these proxy variables in process.env (the clients read it, as in a real process), then restore. */
async function withProxyEnv<T>(variables: Record<string, string>, run: () => Promise<T>): Promise<T> {
  const saved = Object.fromEntries(VARIABLES.map((name) => [name, process.env[name]]));
  for (const name of VARIABLES) delete process.env[name];
  Object.assign(process.env, variables);
  try {
    return await run();
  } finally {
    for (const name of VARIABLES) {
      if (saved[name] === undefined) delete process.env[name];
      else process.env[name] = saved[name];
    }
  }
}

/** What the proxy saw during `run`. */
async function passing(run: () => Promise<unknown>): Promise<string[]> {
  const before = proxy.seen.length;
  await run();
  return proxy.seen.slice(before);
}

async function cli(argv: string[], env: Record<string, string>) {
  let stdout = '';
  let stderr = '';
  const clock = { t: Date.now() };
  const code = await main(
    argv,
    { stdout: (t) => (stdout += t), stderr: (t) => (stderr += t), env: { ASC_TOKEN_URL: service.url, ...env }, cwd: dir, now: Date.now, stderrIsTTY: false, columns: 100 },
    { credentials, sleep: async (ms) => void (clock.t += ms), now: () => clock.t },
  );
  return { code, stdout, stderr };
}

describe('loopback is never sent to a proxy (http: is allowed only there)', () => {
  const token = async () => {
    const response = await new TokenClient({ url: service.url, credentials, region: 'eu-west-1' }).getToken('release');
    assert.match(response.token, /^eyJ/, 'a token');
  };

  it('TokenClient: http_proxy, HTTPS_PROXY, a NO_PROXY that names something else, or none: the proxy sees nothing', async () => {
    for (const variables of [{ http_proxy: proxy.url }, { http_proxy: proxy.url, HTTPS_PROXY: proxy.url, NO_PROXY: 'example.com' }, { HTTP_PROXY: proxy.url }, {}] as Array<Record<string, string>>) {
      assert.deepEqual(await withProxyEnv(variables, () => passing(token)), [], JSON.stringify(variables));
    }
  });

  it('TokenClient at http://localhost:PORT with http_proxy: straight there', async () => {
    const seen = await withProxyEnv({ http_proxy: proxy.url }, () =>
      passing(async () => {
        const response = await new TokenClient({ url: service.url.replace('127.0.0.1', 'localhost'), credentials, region: 'eu-west-1' }).getToken('release');
        assert.match(response.token, /^eyJ/, 'a token');
      }),
    );
    assert.deepEqual(seen, []);
  });

  it("upload to Apple's API on loopback with http_proxy and HTTPS_PROXY: the token service, the API and every part go straight there", async () => {
    const asc = await new FakeAppStoreConnect({ publicKey: service.service.key.publicKey, keyId: TEAM_KEY_ID, issuerId: ISSUER_ID, apps: [APP], now: service.clock.now, partSize: 1024 * 1024 }).start();
    try {
      const seen = await withProxyEnv({ http_proxy: proxy.url, HTTPS_PROXY: proxy.url }, () =>
        passing(async () => {
          const result = await cli(['upload', 'Example.ipa', '--no-wait'], { ASC_API_URL: asc.url, ASC_TOKEN_PROFILE: 'testflight-upload' });
          assert.equal(result.code, 0, result.stderr);
        }),
      );
      assert.deepEqual(asc.problems, []);
      assert.deepEqual(seen, []);
    } finally {
      asc.stop();
    }
  });
});
