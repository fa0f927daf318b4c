/**
 * Issue #20, finding 7 (keys): a `.p8` must not go, silently, wherever an `AWS_ENDPOINT_URL*` variable left in the
 * job points. The built CLI, with Secrets Manager and KMS served on loopback under real host names over TLS
 * (test/helpers/apple-hosts.ts: only name resolution faked): an AWS host is used as configured and nothing is said;
 * any other host is refused (exit 2) before a request — so before any key material — unless named with
 * `--endpoint-url`, and then it is named on stderr before anything is sent; loopback is named too. Which host names
 * are AWS's, one by one: test/cli/endpoint-guard.test.ts.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { startAppleFront, type AppleFront } from '../helpers/apple-hosts.ts';
import { root } from '../helpers/fake-asc-service.ts';
import { FakeKms } from '../helpers/fake-kms.ts';
import { FakeSecretsManager } from '../helpers/fake-secrets-manager.ts';
import { assertNoMaterial, generateP256, secretJson } from '../helpers/keys.ts';
import { trackOutput } from '../helpers/leaks.ts';

const ISSUER = '69a6de70-03db-47e3-e053-5b8c7c11a4d1';
const key = generateP256();
let dir: string;
let sm: FakeSecretsManager;
let kms: FakeKms;
let smFront: AppleFront;
let kmsFront: AppleFront;
before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'asc-key-endpoints-'));
  writeFileSync(join(dir, 'AuthKey_NEWKEY0001.p8'), key.pem);
  sm = await new FakeSecretsManager().start();
  kms = await new FakeKms().start();
  smFront = await startAppleFront(sm.endpoint, ['secretsmanager.us-east-1.amazonaws.com', 'secrets.minio.example', 'secretsmanager.us-east-1.api.aws']);
  kmsFront = await startAppleFront(kms.endpoint, ['kms.us-east-1.amazonaws.com', 'kms.emulator.example', 'kms.cn-north-1.amazonaws.com.cn']);
});
after(async () => {
  smFront.stop();
  kmsFront.stop();
  await sm.stop();
  await kms.stop();
  rmSync(dir, { recursive: true, force: true });
});

async function cli(front: AppleFront, args: string[], env: Record<string, string>) {
  const result = await new Promise<{ code: number; stdout: string; stderr: string }>((resolve) => {
    execFile(process.execPath, [...front.nodeArgs, join(root, 'dist/cli.mjs'), ...args], { cwd: dir, env: { PATH: process.env.PATH ?? '', HOME: dir, AWS_REGION: 'us-east-1', AWS_ACCESS_KEY_ID: 'AKIDOPS', AWS_SECRET_ACCESS_KEY: 'x', ...front.env, ...env } }, (error, stdout, stderr) =>
      resolve({ code: error ? Number((error as { code?: number }).code) : 0, stdout, stderr }),
    );
  });
  assertNoMaterial(result.stdout + result.stderr, key);
  trackOutput(result.stdout + result.stderr);
  return result;
}

const importSecret = ['keys', 'import', '--secret-id', 'asc/main', '--p8', 'AuthKey_NEWKEY0001.p8', '--issuer-id', ISSUER];

describe('key commands and where their endpoint is (issue #20, finding 7)', () => {
  it('Secrets Manager at a host that is not AWS (AWS_ENDPOINT_URL left for MinIO): refused before any request, the .p8 sent nowhere', async () => {
    sm.secrets.clear();
    sm.create('asc/main', secretJson(generateP256(), { keyId: 'OLDKEY0001', issuerId: ISSUER }));
    const calls = sm.calls.length;
    for (const env of [{ AWS_ENDPOINT_URL: smFront.url('secrets.minio.example') }, { AWS_ENDPOINT_URL_SECRETS_MANAGER: smFront.url('secrets.minio.example') }] as Array<Record<string, string>>) {
      for (const args of [importSecret, ['keys', 'show', '--secret-id', 'asc/main'], ['keys', 'verify', '--secret-id', 'asc/main', '--stage', 'current'], ['keys', 'promote', '--secret-id', 'asc/main']]) {
        const result = await cli(smFront, args, env);
        assert.equal(result.code, 2, `${args[1]}: ${result.stderr}`);
        assert.match(result.stderr, /^asc-token: untrusted_endpoint: Secrets Manager is configured at https:\/\/secrets\.minio\.example:\d+, which is not an AWS endpoint: nothing is sent there unless you name it with --endpoint-url\nhint: If that is where your Secrets Manager really is .*pass --endpoint-url https:\/\/secrets\.minio\.example:\d+; otherwise unset AWS_ENDPOINT_URL_SECRETS_MANAGER \/ AWS_ENDPOINT_URL/);
        assert.equal(result.stdout, '');
      }
    }
    assert.equal(sm.calls.length, calls, 'a request reached the endpoint');
  });

  it('named with --endpoint-url, it is used — and named on stderr before the key goes', async () => {
    sm.secrets.clear();
    sm.create('asc/main', secretJson(generateP256(), { keyId: 'OLDKEY0001', issuerId: ISSUER }));
    const url = smFront.url('secrets.minio.example');
    const result = await cli(smFront, [...importSecret, '--endpoint-url', url], { AWS_ENDPOINT_URL: url });
    assert.equal(result.code, 0, result.stderr);
    assert.equal(result.stderr, `asc-token: Secrets Manager endpoint: ${url} (not an AWS host, named with --endpoint-url)\n`);
    assert.match(result.stdout, /^imported key NEWKEY0001/);
    assert.equal(sm.count('PutSecretValue'), 1);
    const other = await cli(smFront, ['keys', 'show', '--secret-id', 'asc/main', `--endpoint-url=${url}`], {});
    assert.equal(other.code, 0, other.stderr);
    assert.match(other.stdout, /AWSPENDING +key NEWKEY0001/);
  });

  it('an AWS host (amazonaws.com, amazonaws.com.cn, api.aws) is used as configured, and nothing is said', async () => {
    sm.secrets.clear();
    sm.create('asc/main', secretJson(generateP256(), { keyId: 'OLDKEY0001', issuerId: ISSUER }));
    for (const host of ['secretsmanager.us-east-1.amazonaws.com', 'secretsmanager.us-east-1.api.aws']) {
      const result = await cli(smFront, ['keys', 'show', '--secret-id', 'asc/main'], { AWS_ENDPOINT_URL_SECRETS_MANAGER: smFront.url(host) });
      assert.equal(result.code, 0, result.stderr);
      assert.equal(result.stderr, '');
    }
    const key2 = kms.importDirectly(kms.createKey(), generateP256().privateKey, { 'AscTokenVending:KeyId': 'KMSKEY0001', 'AscTokenVending:IssuerId': ISSUER });
    const shown = await cli(kmsFront, ['keys', 'show', '--kms-key-id', key2.arn], { AWS_ENDPOINT_URL_KMS: kmsFront.url('kms.cn-north-1.amazonaws.com.cn') });
    assert.equal(shown.code, 0, shown.stderr);
    assert.equal(shown.stderr, '');
  });

  it('KMS at a host that is not AWS: refused before the import (nothing wrapped, nothing sent) unless named with --endpoint-url', async () => {
    const target = kms.createKey({ alias: 'alias/asc/endpoint-test' });
    const calls = kms.calls.length;
    const args = ['keys', 'import', '--kms-key-id', target.arn, '--p8', 'AuthKey_NEWKEY0001.p8', '--issuer-id', ISSUER];
    const url = kmsFront.url('kms.emulator.example');
    const refused = await cli(kmsFront, args, { AWS_ENDPOINT_URL_KMS: url });
    assert.equal(refused.code, 2, refused.stderr);
    assert.match(refused.stderr, /^asc-token: untrusted_endpoint: KMS is configured at https:\/\/kms\.emulator\.example:\d+, which is not an AWS endpoint/);
    assert.equal(kms.calls.length, calls, 'a request reached the endpoint');
    const named = await cli(kmsFront, [...args, '--endpoint-url', url], { AWS_ENDPOINT_URL_KMS: url });
    assert.equal(named.code, 0, named.stderr);
    assert.equal(named.stderr, `asc-token: KMS endpoint: ${url} (not an AWS host, named with --endpoint-url)\n`);
    assert.equal(kms.count('ImportKeyMaterial'), 1);
  });

  it('--endpoint-url itself: https (http only on loopback), no credentials; another endpoint than the one named is still refused', async () => {
    for (const [value, message] of [
      ['http://secrets.minio.example', /--endpoint-url must be https: \(http: only on loopback\), not http:\/\/secrets\.minio\.example/],
      ['https://u:p@secrets.minio.example', /must not carry credentials/],
      ['not a url', /--endpoint-url is not a URL/],
    ] as const) {
      const result = await cli(smFront, ['keys', 'show', '--secret-id', 'asc/main', '--endpoint-url', value], {});
      assert.equal(result.code, 2, result.stderr);
      assert.match(result.stderr, message);
    }
    assert.match((await cli(smFront, ['keys', 'show', '--secret-id', 'asc/main', '--endpoint-url'], {})).stderr, /--endpoint-url takes a URL/);
    assert.match((await cli(smFront, ['keys', 'show', '--secret-id', 'asc/main', '--endpoint-url', 'https://a.example', '--endpoint-url=https://b.example'], {})).stderr, /give --endpoint-url once/);
  });


  it('an attacker\'s API on amazonaws.com (an API Gateway) as AWS_ENDPOINT_URL: refused like any host that is not the service\'s', async () => {
    const front = await startAppleFront(sm.endpoint, ['abc123defg.execute-api.us-east-1.amazonaws.com']);
    try {
      const calls = sm.calls.length;
      const result = await cli(front, importSecret, { AWS_ENDPOINT_URL: front.url() });
      assert.equal(result.code, 2, result.stderr);
      assert.match(result.stderr, /untrusted_endpoint: Secrets Manager is configured at https:\/\/abc123defg\.execute-api\.us-east-1\.amazonaws\.com:\d+, which is not an AWS endpoint/);
      assert.equal(sm.calls.length, calls);
    } finally {
      front.stop();
    }
  });
});
