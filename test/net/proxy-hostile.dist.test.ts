/**
 * A proxy is a party on the path, not a trusted one (#24 review): each client a fresh process as it runs — the built
 * CLI's `token`, `upload` (the App Store Connect client), `keys show` (the AWS SDK) and the Action.
 *
 * - A proxy that answers CONNECT with anything but 200 (a `100 Continue` then a forged `200 OK`, 201 with a body,
 *   407, 302, 403, not HTTP) opens no tunnel: the request fails as `proxy_refused`, nothing of the proxy's body is
 *   taken for the target's answer or printed (test/helpers/hostile-proxy.ts).
 * - Through the tunnel the target's certificate is checked against the target, an IP address included (not against
 *   the proxy's name).
 * - This machine (127.0.0.1, localhost) is never sent to a proxy: `http:` is allowed only there.
 * - DEBUG=* prints nothing of the proxy URL (its password) or its answers: `debug` is not in the bundles.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { startAppleFront, type AppleFront } from '../helpers/apple-hosts.ts';
import { startProxy, type LoopbackProxy } from '../helpers/connect-proxy.ts';
import { DEV_ENV, root, startTokenService, type TokenService } from '../helpers/fake-asc-service.ts';
import { writeIpa } from '../helpers/fake-asc-ipa.ts';
import { FakeSecretsManager } from '../helpers/fake-secrets-manager.ts';
import { forged, startHostileProxy, type HostileProxy } from '../helpers/hostile-proxy.ts';
import { ISSUER_ID, generateP256, secretJson } from '../helpers/keys.ts';
import { trackOutput } from '../helpers/leaks.ts';

const MARK = 'FORGEDxBYxTHExPROXY';
const FORGED_TOKEN = { token: `eyJhbGciOiJFUzI1NiJ9.${MARK}.AAAA`, tokenType: 'Bearer', profile: 'release', keyId: 'ATTACKER01', audience: 'appstoreconnect-v1', scope: null, issuedAt: new Date().toISOString(), expiresAt: new Date(Date.now() + 600e3).toISOString(), expiresIn: 600, refreshAfter: new Date(Date.now() + 300e3).toISOString(), tokenSha256: '0'.repeat(64), data: [{ id: MARK, type: 'apps', attributes: { bundleId: MARK } }], SecretString: MARK, ARN: MARK, Name: MARK, Versions: [] };
/** What the error says each answer was (its status only, never its text or body). */
const SAID: Record<string, string> = { '100 then a forged 200': 'the proxy answered HTTP 100', '201 with a body': 'the proxy answered HTTP 201', '407': 'the proxy answered HTTP 407', '302': 'the proxy answered HTTP 302', '403': 'the proxy answered HTTP 403', 'not HTTP': 'the proxy gave no HTTP answer' };
/** The CONNECT answers that are not a tunnel, by name. */
const ANSWERS: Record<string, string> = {
  '100 then a forged 200': forged('200 OK', FORGED_TOKEN, 'HTTP/1.1 100 Continue\r\n\r\n'),
  '201 with a body': forged('201 Created', FORGED_TOKEN),
  '407': forged('407 Proxy Authentication Required', FORGED_TOKEN).replace('\r\n', '\r\nProxy-Authenticate: Basic realm="x"\r\n'),
  '302': forged('302 Found', FORGED_TOKEN).replace('\r\n', `\r\nLocation: https://${MARK}.example/\r\n`),
  '403': forged('403 Forbidden', FORGED_TOKEN),
  'not HTTP': `${MARK} 200\r\n${MARK}\r\n\r\n`,
};
const API = 'https://abc123.execute-api.eu-west-1.amazonaws.com/prod';
let service: TokenService;
let hostile: HostileProxy;
let dir: string;

before(async () => {
  [service, hostile] = await Promise.all([startTokenService(), startHostileProxy()]);
  dir = mkdtempSync(join(tmpdir(), 'asc-proxy-hostile-'));
  await writeIpa(join(dir, 'Example.ipa'), { payloadBytes: 64 * 1024 });
});
after(() => {
  service?.close();
  hostile?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

async function run(file: string, args: string[], env: Record<string, string>, nodeArgs: string[] = []): Promise<{ code: number; stdout: string; stderr: string }> {
  const child = spawn(process.execPath, [...nodeArgs, file, ...args], { cwd: dir, env: { PATH: process.env.PATH ?? '', HOME: dir, ...DEV_ENV, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk) => (stdout += chunk));
  child.stderr.on('data', (chunk) => (stderr += chunk));
  const [code] = (await once(child, 'close')) as [number];
  trackOutput(stderr);
  return { code, stdout, stderr };
}
const cli = (args: string[], env: Record<string, string>, nodeArgs?: string[]) => run(join(root, 'dist/cli.mjs'), args, env, nodeArgs);
const action = async (env: Record<string, string>) => {
  const files = { GITHUB_OUTPUT: join(dir, 'output'), GITHUB_ENV: join(dir, 'env'), GITHUB_STATE: join(dir, 'state') };
  for (const file of Object.values(files)) writeFileSync(file, '');
  const result = await run(join(root, 'action/index.mjs'), [], { GITHUB_ACTIONS: 'true', RUNNER_TEMP: dir, ...files, INPUT_PROFILE: 'release', INPUT_URL: API, ...env });
  return { ...result, written: Object.values(files).map((file) => readFileSync(file, 'utf8')).join('') };
};
/** Nothing of the proxy's answer was taken or printed. */
function untouched(result: { stdout: string; stderr: string; written?: string }, label: string) {
  for (const text of [result.stdout, result.stderr, result.written ?? '']) assert.doesNotMatch(text, new RegExp(MARK), `${label}: the proxy's bytes came through: ${text}`);
}

describe('a CONNECT answer other than 200 opens no tunnel and is never read as the target\'s answer', () => {
  for (const [name, answer] of Object.entries(ANSWERS)) {
    it(`${name}: token fails proxy_refused (exit 5), the forged token neither printed nor accepted`, async () => {
      hostile.answer = answer;
      const result = await cli(['token', 'release', '--url', API, '--output', 'raw'], { HTTPS_PROXY: hostile.url });
      assert.equal(result.code, 5, result.stdout + result.stderr);
      assert.ok(result.stderr.includes(`unavailable: cannot reach ${API} (proxy_refused: ${SAID[name]})`), result.stderr);
      untouched(result, name);
    });
  }

  it('the Action: fails, and neither $GITHUB_ENV nor its outputs get the forged token', async () => {
    for (const name of ['100 then a forged 200', '201 with a body', '407']) {
      hostile.answer = ANSWERS[name] as string;
      const result = await action({ HTTPS_PROXY: hostile.url });
      assert.notEqual(result.code, 0, `${name}: ${result.stdout}`);
      assert.match(result.stdout + result.stderr, /proxy_refused/, name);
      untouched(result, name);
    }
  });

  it("upload: Apple's API through the proxy fails proxy_refused; the forged answer is not taken", async () => {
    for (const name of ['100 then a forged 200']) {
      hostile.answer = ANSWERS[name] as string;
      const result = await cli(['upload', 'Example.ipa', '--no-wait'], { ASC_TOKEN_URL: service.url, ASC_TOKEN_PROFILE: 'testflight-upload', HTTPS_PROXY: hostile.url });
      assert.notEqual(result.code, 0, `${name}: ${result.stdout}${result.stderr}`);
      assert.ok(result.stderr.includes(`(proxy_refused: ${SAID[name]})`), result.stderr);
      untouched(result, name);
      assert.ok(hostile.seen.at(-1)?.startsWith('CONNECT api.appstoreconnect.apple.com:443 '), `${name}: ${hostile.seen.at(-1)}`);
    }
  });

  it('keys show (the AWS SDK): fails, nothing of the forged secret shown', async () => {
    for (const name of ['100 then a forged 200', '201 with a body', 'not HTTP']) {
      hostile.answer = ANSWERS[name] as string;
      const result = await cli(['keys', 'show', '--secret-id', 'asc/main'], { AWS_REGION: 'us-east-1', HTTPS_PROXY: hostile.url });
      assert.equal(result.code, 5, `${name}: ${result.stdout}${result.stderr}`);
      const said = (SAID[name] as string).replace('the proxy answered ', 'with ').replace('the proxy gave', 'gave');
      assert.match(result.stderr, /^asc-token: unavailable: Secrets Manager: ProxyTunnelError: the proxy 127\.0\.0\.1:\d+ /);
      assert.ok(result.stderr.includes(said), result.stderr);
      untouched(result, name);
      assert.ok(hostile.seen.at(-1)?.startsWith('CONNECT secretsmanager.us-east-1.amazonaws.com:443 '), `${name}: ${hostile.seen.at(-1)}`);
    }
  });
});

describe('through the tunnel the certificate is checked against the target', () => {
  let front: AppleFront;
  let proxy: LoopbackProxy;
  before(async () => {
    proxy = await startProxy({ resolve: ['192.0.2.10', 'proxy.example.test'] });
    // The proxy's name is the one on the target's certificate: checked against the proxy, it would pass.
    front = await startAppleFront(service.url, ['proxy.example.test']);
  });
  after(() => {
    front?.stop();
    proxy?.stop();
  });

  it('an IP-address target whose certificate names another host (the proxy\'s): refused, as without the proxy', async () => {
    const port = new URL(front.url()).port;
    const viaProxy = `http://proxy.example.test:${new URL(proxy.url).port}`;
    const through = await cli(['token', 'release', '--url', `https://192.0.2.10:${port}`, '--output', 'raw'], { ...front.env, HTTPS_PROXY: viaProxy }, front.nodeArgs);
    assert.equal(through.code, 5, through.stdout + through.stderr);
    assert.match(through.stderr, /ERR_TLS_CERT_ALTNAME_INVALID/);
    assert.ok(proxy.seen.length >= 1 && proxy.seen.every((line) => line === `CONNECT 192.0.2.10:${port}`), `it went through the proxy: ${proxy.seen.join(', ')}`);
    const direct = await cli(['token', 'release', '--url', `https://127.0.0.1:${port}`, '--output', 'raw'], front.env, front.nodeArgs);
    assert.equal(direct.code, 5, direct.stdout + direct.stderr);
    assert.match(direct.stderr, /ERR_TLS_CERT_ALTNAME_INVALID/);
    const named = await cli(['token', 'release', '--url', front.url(), '--output', 'raw'], { ...front.env, HTTPS_PROXY: viaProxy }, front.nodeArgs);
    assert.equal(named.code, 0, `the control: the name on the certificate passes through the proxy: ${named.stderr}`);
  });
});

describe('this machine is never sent to a proxy (http: is allowed only there)', () => {
  let sm: FakeSecretsManager;
  before(async () => {
    sm = await new FakeSecretsManager().start();
    sm.create('asc/main', secretJson(generateP256(), { keyId: 'OLDKEY0001', issuerId: ISSUER_ID }));
  });
  after(async () => sm?.stop());

  it('token --url http://127.0.0.1… and http://localhost… with http_proxy and HTTPS_PROXY set: straight there', async () => {
    hostile.answer = ANSWERS['403'] as string;
    const before = hostile.seen.length;
    for (const url of [service.url, service.url.replace('127.0.0.1', 'localhost')]) {
      const result = await cli(['token', 'release', '--url', url, '--output', 'raw'], { http_proxy: hostile.url, HTTPS_PROXY: hostile.url });
      assert.equal(result.code, 0, result.stderr);
      assert.match(result.stdout.trim(), /^eyJ[\w-]+\.[\w-]+\.[\w-]+$/);
    }
    assert.deepEqual(hostile.seen.slice(before), []);
  });

  it('keys show and keys import to a Secrets Manager on 127.0.0.1 with http_proxy set: straight there (the .p8 never reaches the proxy)', async () => {
    hostile.answer = ANSWERS['403'] as string;
    const before = hostile.seen.length;
    const env = { AWS_REGION: 'us-east-1', AWS_ENDPOINT_URL_SECRETS_MANAGER: sm.endpoint, http_proxy: hostile.url };
    const shown = await cli(['keys', 'show', '--secret-id', 'asc/main'], env);
    assert.equal(shown.code, 0, shown.stderr);
    assert.match(shown.stdout, /AWSCURRENT +key OLDKEY0001/);
    const key = generateP256();
    writeFileSync(join(dir, 'AuthKey_NEWKEY0002.p8'), key.pem);
    const imported = await cli(['keys', 'import', '--secret-id', 'asc/main', '--p8', 'AuthKey_NEWKEY0002.p8', '--issuer-id', ISSUER_ID], { ...env, HTTPS_PROXY: hostile.url });
    assert.equal(imported.code, 0, imported.stderr);
    assert.match((await cli(['keys', 'show', '--secret-id', 'asc/main'], env)).stdout, /NEWKEY0002/, 'the key reached the local Secrets Manager');
    assert.deepEqual(hostile.seen.slice(before), []);
  });
});

describe('DEBUG=* prints nothing of the proxy', () => {
  it('neither the proxy URL\'s password nor its CONNECT answer (token, the Action)', async () => {
    hostile.answer = ANSWERS['407'] as string;
    const proxyUrl = hostile.url.replace('http://', 'http://alice:S3cretPw@');
    const token = await cli(['token', 'release', '--url', API, '--output', 'raw'], { HTTPS_PROXY: proxyUrl, DEBUG: '*' });
    const step = await action({ HTTPS_PROXY: proxyUrl, DEBUG: '*' });
    for (const [label, result] of [['token', token], ['the Action', step]] as const) {
      assert.doesNotMatch(result.stdout + result.stderr, /S3cretPw|alice|HttpsProxyAgent|https-proxy-agent|Proxy-Authenticate|realm/, label);
      assert.notEqual(result.code, 0, label);
    }
  });
});
