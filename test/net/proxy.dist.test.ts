/**
 * Proxies as a CI job behind a corporate proxy meets them (#24 item 5), each client a fresh process as it runs:
 * the built CLI's `token` to an https service through a CONNECT tunnel (TLS end to end: the proxy sees the host
 * name only); an http one on loopback, never proxied; the Action as the runner runs it (`node action/index.mjs` with
 * INPUT_* variables); `keys show` (the AWS SDK's Secrets Manager client); `notarize` with its S3 upload (the AWS
 * SDK's S3 client) to moto. Each: with the variable, the proxy (test/helpers/connect-proxy.ts) sees the traffic
 * to a host that is not this machine; with NO_PROXY naming the host, or for loopback (never proxied), it sees none
 * and the request still succeeds direct. Hostile proxies, the AWS SDK through a tunnel: proxy-hostile.dist.test.ts.
 * The https service is the local server behind a TLS front for a real-looking name (test/helpers/apple-hosts.ts):
 * the proxy resolves the name itself, as a proxy does. In-process clients: test/net/proxy-clients.test.ts.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { createWriteStream, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import yazl from 'yazl';
import { APPLE_HOSTS, startAppleFront, type AppleFront } from '../helpers/apple-hosts.ts';
import { startProxy, type LoopbackProxy } from '../helpers/connect-proxy.ts';
import { FakeAppStoreConnect } from '../helpers/fake-asc.ts';
import { PLIST, writeIpa } from '../helpers/fake-asc-ipa.ts';
import { DEV_ENV, root, startTokenService, type TokenService } from '../helpers/fake-asc-service.ts';
import { FakeNotary } from '../helpers/fake-notary.ts';
import { startMotoS3, type MotoS3 } from '../helpers/fake-notary-moto.ts';
import { FakeSecretsManager } from '../helpers/fake-secrets-manager.ts';
import { ISSUER_ID, TEAM_KEY_ID, generateP256, secretJson } from '../helpers/keys.ts';
import { trackOutput } from '../helpers/leaks.ts';

const NAME = 'tokens.example.test';
let service: TokenService;
let moto: MotoS3;
let sm: FakeSecretsManager;
let front: AppleFront;
let proxy: LoopbackProxy;
let dir: string;

before(async () => {
  [service, moto, sm, proxy] = await Promise.all([startTokenService(), startMotoS3(), new FakeSecretsManager().start(), startProxy({ resolve: [NAME, ...APPLE_HOSTS] })]);
  front = await startAppleFront(service.url, [NAME]);
  sm.create('asc/main', secretJson(generateP256(), { keyId: 'OLDKEY0001', issuerId: ISSUER_ID }));
  dir = mkdtempSync(join(tmpdir(), 'asc-proxy-dist-'));
  const zip = new yazl.ZipFile();
  zip.addBuffer(randomBytes(64 * 1024), 'Example.app/Contents/MacOS/Example', { compress: false });
  zip.end();
  await new Promise<void>((ok, fail) => zip.outputStream.pipe(createWriteStream(join(dir, 'Example.zip'))).on('close', ok).on('error', fail));
});
after(async () => {
  service?.close();
  proxy?.stop();
  front?.stop();
  await Promise.all([moto?.stop(), sm?.stop()]);
  if (dir) rmSync(dir, { recursive: true, force: true });
});

/** A fresh node process with a clean environment (no proxy variable but those given); what the proxy saw meanwhile. */
async function run(file: string, args: string[], env: Record<string, string>): Promise<{ code: number; stdout: string; stderr: string; seen: string[] }> {
  const before = proxy.seen.length;
  const child = spawn(process.execPath, [...front.nodeArgs, file, ...args], { cwd: dir, env: { PATH: process.env.PATH ?? '', HOME: dir, ...DEV_ENV, ...front.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk) => (stdout += chunk));
  child.stderr.on('data', (chunk) => (stderr += chunk));
  const [code] = (await once(child, 'close')) as [number];
  trackOutput(stderr);
  return { code, stdout, stderr, seen: proxy.seen.slice(before) };
}
const cli = (args: string[], env: Record<string, string>) => run(join(root, 'dist/cli.mjs'), args, env);
const JWT = /^eyJ[\w-]+\.[\w-]+\.[\w-]+$/;

describe('asc-token token (the built CLI, a fresh process)', () => {
  const https = () => front.url(NAME);

  it('HTTPS_PROXY (or https_proxy): an https service is reached through a CONNECT tunnel; the proxy sees only host:port', async () => {
    for (const name of ['HTTPS_PROXY', 'https_proxy']) {
      const result = await cli(['token', 'release', '--url', https(), '--output', 'raw'], { [name]: proxy.url });
      assert.equal(result.code, 0, result.stderr);
      assert.match(result.stdout.trim(), JWT);
      assert.deepEqual(result.seen, [`CONNECT ${new URL(https()).host}`], name);
    }
  });

  it('NO_PROXY naming the domain: straight to the service; no variable: the proxy sees nothing', async () => {
    for (const env of [{ HTTPS_PROXY: proxy.url, NO_PROXY: '.example.test' }, { HTTPS_PROXY: proxy.url, no_proxy: `${NAME}:${new URL(https()).port}` }, {}] as Array<Record<string, string>>) {
      const result = await cli(['token', 'release', '--url', https(), '--output', 'raw'], env);
      assert.equal(result.code, 0, result.stderr);
      assert.match(result.stdout.trim(), JWT);
      assert.deepEqual(result.seen, [], JSON.stringify(env));
    }
  });

  it('an http service on loopback goes straight there whatever the variables say (http_proxy, HTTP_PROXY, HTTPS_PROXY)', async () => {
    for (const env of [{ http_proxy: proxy.url }, { HTTP_PROXY: proxy.url }, { http_proxy: proxy.url, HTTPS_PROXY: proxy.url, NO_PROXY: 'example.com' }] as Array<Record<string, string>>) {
      const result = await cli(['token', 'release', '--url', service.url, '--output', 'raw'], env);
      assert.equal(result.code, 0, result.stderr);
      assert.deepEqual(result.seen, [], JSON.stringify(env));
    }
  });

  it('user:password in the proxy URL is sent as Proxy-Authorization: Basic', async () => {
    const before = proxy.authorizations.length;
    const url = new URL(proxy.url);
    url.username = 'ci-user';
    url.password = 'p@ss:word';
    const result = await cli(['token', 'release', '--url', https(), '--output', 'raw'], { HTTPS_PROXY: url.href });
    assert.equal(result.code, 0, result.stderr);
    assert.deepEqual(proxy.authorizations.slice(before), [`Basic ${Buffer.from('ci-user:p@ss:word').toString('base64')}`]);
  });

  it('a proxy variable that names no usable proxy: exit 2, invalid_proxy, the variable named and its password not printed', async () => {
    const result = await cli(['token', 'release', '--url', https()], { HTTPS_PROXY: 'socks5://ci:hunter2@proxy.corp:1080' });
    assert.equal(result.code, 2, result.stderr);
    assert.match(result.stderr, /^asc-token: invalid_proxy: HTTPS_PROXY is not a proxy this client can use: socks5: proxies are not supported/);
    assert.doesNotMatch(result.stderr, /hunter2/);
  });
});

describe('the Action, as the runner runs it', () => {
  const step = async (env: Record<string, string>) => {
    const files = { GITHUB_OUTPUT: join(dir, 'output'), GITHUB_ENV: join(dir, 'env'), GITHUB_STATE: join(dir, 'state') };
    for (const file of Object.values(files)) writeFileSync(file, '');
    const result = await run(join(root, 'action/index.mjs'), [], { GITHUB_ACTIONS: 'true', RUNNER_TEMP: dir, ...files, INPUT_PROFILE: 'release', INPUT_URL: front.url(NAME), ...env });
    assert.equal(result.code, 0, result.stdout + result.stderr);
    assert.match(readFileSync(files.GITHUB_OUTPUT, 'utf8'), /^token<</m, 'the token output is written');
    return result.seen;
  };

  it('HTTPS_PROXY: the token request goes through the proxy; NO_PROXY or no variable: it does not', async () => {
    assert.deepEqual(await step({ HTTPS_PROXY: proxy.url }), [`CONNECT ${new URL(front.url(NAME)).host}`]);
    assert.deepEqual(await step({ HTTPS_PROXY: proxy.url, NO_PROXY: 'localhost,example.test' }), []);
    assert.deepEqual(await step({}), []);
  });
});

describe("asc-token upload (Apple's API and the parts, through a CONNECT tunnel)", () => {
  it("HTTPS_PROXY: Apple's API calls and every part go through the tunnel, the token service on loopback straight there; NO_PROXY=apple.com: none", async () => {
    await writeIpa(join(dir, 'Example.ipa'), { payloadBytes: 3 * 1024 * 1024 });
    const asc = await new FakeAppStoreConnect({ publicKey: service.service.key.publicKey, keyId: TEAM_KEY_ID, issuerId: ISSUER_ID, apps: [{ id: '1234567890', bundleId: PLIST.CFBundleIdentifier }], now: service.clock.now, partSize: 1024 * 1024 }).start();
    const apple = await startAppleFront(asc.url);
    asc.url = apple.url(); // the upload operations Apple's answers name: on the https front too, as Apple's are
    try {
      const upload = async (env: Record<string, string>, build: string) => {
        const before = proxy.seen.length;
        const child = spawn(process.execPath, [...apple.nodeArgs, join(root, 'dist/cli.mjs'), 'upload', 'Example.ipa', '--no-wait', '--build', build], { cwd: dir, env: { PATH: process.env.PATH ?? '', HOME: dir, ...DEV_ENV, ...apple.env, ASC_TOKEN_URL: service.url, ASC_TOKEN_PROFILE: 'testflight-upload', ASC_API_URL: apple.url(), ...env }, stdio: ['ignore', 'ignore', 'pipe'] });
        let stderr = '';
        child.stderr.on('data', (chunk) => (stderr += chunk));
        const [code] = (await once(child, 'close')) as [number];
        trackOutput(stderr);
        assert.equal(code, 0, stderr);
        return proxy.seen.slice(before);
      };
      const seen = await upload({ HTTPS_PROXY: proxy.url, http_proxy: proxy.url }, '46');
      const host = new URL(apple.url()).host;
      assert.ok(seen.length >= 3 + 3, `the API calls and three parts: ${seen.join(', ')}`);
      assert.ok(seen.every((line) => line === `CONNECT ${host}`), `only Apple's host, never the token service on loopback: ${seen.join(', ')}`);
      assert.deepEqual(await upload({ HTTPS_PROXY: proxy.url, NO_PROXY: 'apple.com' }, '47'), []);
      assert.deepEqual(asc.problems, []);
    } finally {
      apple.stop();
      asc.stop();
    }
  });
});

describe('asc-token keys show (the AWS SDK, ops settings)', () => {
  const show = async (env: Record<string, string>) => {
    const result = await cli(['keys', 'show', '--secret-id', 'asc/main'], { AWS_REGION: 'us-east-1', AWS_ENDPOINT_URL_SECRETS_MANAGER: sm.endpoint, ...env });
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stdout, /AWSCURRENT +key OLDKEY0001/);
    return result.seen;
  };

  it('a Secrets Manager on loopback: straight there with http_proxy or without (the proxy never sees a .p8 or a secret)', async () => {
    assert.deepEqual(await show({ http_proxy: proxy.url }), []);
    assert.deepEqual(await show({ http_proxy: proxy.url, HTTPS_PROXY: proxy.url }), []);
    assert.deepEqual(await show({}), []);
  });
});

describe('asc-token notarize (the Notary API and the S3 upload, the AWS SDK)', () => {
  const notarize = async (env: (s3: string) => Record<string, string>) => {
    const notary = await new FakeNotary({ publicKey: service.service.key.publicKey, keyId: TEAM_KEY_ID, issuerId: ISSUER_ID, s3: moto, now: service.clock.now }).start();
    try {
      const result = await cli(['notarize', 'Example.zip', '--no-wait'], { ASC_TOKEN_URL: service.url, ASC_TOKEN_PROFILE: 'notarize', ASC_NOTARY_URL: notary.baseUrl, ASC_NOTARY_S3_URL: moto.endpoint, ...env(new URL(moto.endpoint).host) });
      assert.equal(result.code, 0, result.stderr);
      assert.deepEqual(notary.problems, []);
      assert.ok([...notary.submissions.values()][0]?.uploaded, 'the object reached the bucket');
      const to = (host: string) => result.seen.filter((line) => line.includes(` http://${host}/`)).length;
      return { seen: result.seen, tokens: to(new URL(service.url).host), notary: to(new URL(notary.baseUrl).host), s3: to(new URL(moto.endpoint).host) };
    } finally {
      notary.stop();
    }
  };

  it('all on loopback (the token service, the Notary API, S3): straight there with http_proxy and HTTPS_PROXY set, or without', async () => {
    for (const env of [{ http_proxy: proxy.url, HTTPS_PROXY: proxy.url }, {}] as Array<Record<string, string>>) {
      const { seen, tokens, notary, s3 } = await notarize(() => env);
      assert.deepEqual(seen, [], JSON.stringify(env));
      assert.equal(tokens + notary + s3, 0);
    }
  });
});
