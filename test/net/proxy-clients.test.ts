/**
 * Every client's requests through a proxy (#24 item 5), in process: TokenClient and `upload` (the token service,
 * Apple's API and the parts). Each through a forward proxy on loopback that counts what passes (test/helpers/connect-proxy.ts):
 * with `http_proxy` every request goes through it; what NO_PROXY lists does not; with no variable (or only the
 * upper-case HTTP_PROXY, which curl ignores) it sees nothing. The targets are plain http on 127.0.0.1, so the proxy
 * sees absolute-form requests; the CONNECT tunnel for https targets, the built CLI (`token`, `keys`, `notarize` with
 * its S3 upload to moto) and the Action: test/net/proxy.dist.test.ts.
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

const hostOf = (url: string) => new URL(url).host;
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

describe('TokenClient through a proxy', () => {
  const token = async () => {
    const response = await new TokenClient({ url: service.url, credentials, region: 'eu-west-1' }).getToken('release');
    assert.match(response.token, /^eyJ/, 'a token');
  };

  it('http_proxy: the token request goes through the proxy, signed for the service (the proxy does not break SigV4)', async () => {
    const seen = await withProxyEnv({ http_proxy: proxy.url }, () => passing(token));
    assert.deepEqual(seen, [`POST ${service.url}/v1/tokens/release`]);
  });

  it('NO_PROXY naming the host (or host:port) bypasses it; one naming another host, localhost or another port does not', async () => {
    const port = new URL(service.url).port;
    for (const list of ['127.0.0.1', `127.0.0.1:${port}`, 'example.com,127.0.0.0/8', '*']) {
      assert.deepEqual(await withProxyEnv({ http_proxy: proxy.url, NO_PROXY: list }, () => passing(token)), [], `NO_PROXY=${list}`);
    }
    for (const list of ['localhost', 'example.com', `127.0.0.1:${Number(port) + 1}`, '0.0.1']) {
      assert.equal((await withProxyEnv({ http_proxy: proxy.url, no_proxy: list }, () => passing(token))).length, 1, `no_proxy=${list}`);
    }
  });

  it('without proxy variables, with only HTTP_PROXY (curl ignores it) or only HTTPS_PROXY (for https), the proxy sees nothing', async () => {
    for (const variables of [{}, { HTTP_PROXY: proxy.url }, { HTTPS_PROXY: proxy.url, https_proxy: proxy.url }] as Array<Record<string, string>>) {
      assert.deepEqual(await withProxyEnv(variables, () => passing(token)), [], JSON.stringify(Object.keys(variables)));
    }
  });

  it('user:password in the proxy URL is sent as Proxy-Authorization: Basic', async () => {
    const before = proxy.authorizations.length;
    const url = new URL(proxy.url);
    url.username = 'ci-user';
    url.password = 'p@ss:word';
    await withProxyEnv({ http_proxy: url.href }, token);
    assert.deepEqual(proxy.authorizations.slice(before), [`Basic ${Buffer.from('ci-user:p@ss:word').toString('base64')}`]);
  });
});

describe('upload through a proxy: the token service, Apple\'s API and every part', () => {
  /** `upload --no-wait` with the variables `variables(Apple's host:port)` gives; what the proxy saw, per host. */
  const upload = async (variables: (asc: string) => Record<string, string>) => {
    const asc = await new FakeAppStoreConnect({ publicKey: service.service.key.publicKey, keyId: TEAM_KEY_ID, issuerId: ISSUER_ID, apps: [APP], now: service.clock.now, partSize: 1024 * 1024 }).start();
    try {
      const seen = await withProxyEnv(variables(hostOf(asc.url)), () =>
        passing(async () => {
          const result = await cli(['upload', 'Example.ipa', '--no-wait'], { ASC_API_URL: asc.url, ASC_TOKEN_PROFILE: 'testflight-upload' });
          assert.equal(result.code, 0, result.stderr);
        }),
      );
      assert.deepEqual(asc.problems, []);
      const at = (host: string, method: string) => seen.filter((line) => line.startsWith(`${method} http://${host}/`)).length;
      return { seen, tokens: at(hostOf(service.url), 'POST'), api: at(hostOf(asc.url), 'POST') + at(hostOf(asc.url), 'PATCH') + at(hostOf(asc.url), 'GET'), parts: at(hostOf(asc.url), 'PUT') };
    } finally {
      asc.stop();
    }
  };

  it('http_proxy: all of it goes through the proxy', async () => {
    const { seen, tokens, api, parts } = await upload(() => ({ http_proxy: proxy.url }));
    assert.ok(tokens >= 1, `the token request: ${seen.join(', ')}`);
    assert.ok(api >= 3, `Apple's API calls: ${seen.join(', ')}`);
    assert.ok(parts >= 3, `the parts (3 MiB in 1 MiB parts): ${seen.join(', ')}`);
    assert.equal(seen.length, tokens + api + parts, `nothing else: ${seen.join(', ')}`);
  });

  it("NO_PROXY naming Apple's host:port sends Apple's API and the parts direct; the token request still goes through the proxy", async () => {
    const { seen, tokens, api, parts } = await upload((asc) => ({ http_proxy: proxy.url, NO_PROXY: `example.com, ${asc}` }));
    assert.ok(tokens >= 1, `the token request: ${seen.join(', ')}`);
    assert.equal(api + parts, 0, `Apple's host bypassed the proxy: ${seen.join(', ')}`);
  });

  it('no proxy variable: the proxy sees nothing', async () => {
    const { seen } = await upload(() => ({}));
    assert.deepEqual(seen, []);
  });
});
