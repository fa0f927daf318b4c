/**
 * The runbook "Rotating a KMS-held key" (README), end to end, as ops and callers do it: the CLI imports each .p8
 * into its own KMS key and verifies it with App Store Connect, the alias the policy names moves, and the service
 * signs with the new key within one cache TTL — under continuous load, with no failed request and every token's
 * kid matching the key that signed it. Twice: through the real handler in process, and through the local server
 * (dist/local.mjs, as `npm start` runs it) with KEY_SOURCE=policy and AWS_ENDPOINT_URL_KMS.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before, describe, it } from 'node:test';
import { CreateKeyCommand, KMSClient, UpdateAliasCommand } from '@aws-sdk/client-kms';
import { main } from '../../src/cli/main.ts';
import { signedRequest } from '../../src/client/http.ts';
import { createHandler } from '../../src/handler.ts';
import { createRuntime } from '../../src/runtime.ts';
import { FakeKms } from '../helpers/fake-kms.ts';
import { startFakeApple } from '../helpers/fake-apple.ts';
import { withRequest } from '../helpers/fixtures.ts';
import { assertNoMaterial, generateP256, verifyEs256, type TestKey } from '../helpers/keys.ts';
import { trackOutput } from '../helpers/leaks.ts';
import { npmStartArgs } from '../helpers/local-server.ts';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const ISSUER = '69a6de70-03db-47e3-e053-5b8c7c11a4d1';
const oldKey = generateP256();
const newKey = generateP256();
const publicKeys: Record<string, TestKey> = { OLDKEY0001: oldKey, NEWKEY0001: newKey };
const dir = mkdtempSync(join(tmpdir(), 'asc-kms-runbook-'));
writeFileSync(join(dir, 'AuthKey_OLDKEY0001.p8'), oldKey.pem);
writeFileSync(join(dir, 'AuthKey_NEWKEY0001.p8'), newKey.pem);
const POLICY = `version: 1
keys:
  main: { kmsKeyId: alias/asc/main, keyId: OLDKEY0001, issuerId: ${ISSUER} }
profiles:
  release:
    key: main
    scope: any
    callers: [arn:aws:iam::123456789012:role/Admin, arn:aws:iam::000000000000:role/local-developer]
`;
writeFileSync(join(dir, 'policy.yaml'), POLICY);

let kms: FakeKms;
let apple: Awaited<ReturnType<typeof startFakeApple>>;
let ops: KMSClient;
before(async () => {
  kms = await new FakeKms().start();
  apple = await startFakeApple(new Map([['OLDKEY0001', oldKey.publicKey], ['NEWKEY0001', newKey.publicKey]]));
  ops = new KMSClient({ endpoint: kms.endpoint, region: 'us-east-1', credentials: { accessKeyId: 'AKIDOPS', secretAccessKey: 'x' }, maxAttempts: 1 });
});
after(async () => {
  await kms.stop();
  apple.stop();
  rmSync(dir, { recursive: true, force: true });
});

async function cli(...argv: string[]) {
  let out = '';
  const code = await main(argv, { stdout: (t) => (out += t), stderr: (t) => (out += t), env: {}, cwd: dir, now: Date.now }, { kms: ops });
  for (const key of [oldKey, newKey]) assertNoMaterial(out, key);
  trackOutput(out);
  assert.equal(code, 0, `asc-token ${argv.join(' ')}: ${out}`);
  return out;
}

/** Ops: a new KMS key for the .p8 (as infra/kms-key.yml makes it), import, verify with Apple. Returns its ARN. */
async function importIntoNewKey(p8: string, aliasName?: string): Promise<string> {
  const created = await ops.send(new CreateKeyCommand({ KeySpec: 'ECC_NIST_P256', KeyUsage: 'SIGN_VERIFY', Origin: 'EXTERNAL', Description: p8 }));
  const arn = created.KeyMetadata?.Arn as string;
  if (aliasName) kms.aliases.set(aliasName, created.KeyMetadata?.KeyId as string);
  await cli('keys', 'import', '--kms-key-id', arn, '--p8', p8, '--issuer-id', ISSUER);
  assert.match(await cli('keys', 'verify', '--kms-key-id', arn, '--apple-url', apple.url), /ok: App Store Connect accepted/);
  return arn;
}

/** The token's kid, after checking it was signed by that kid's key. */
function checkedKid(token: string): string {
  const kid = JSON.parse(Buffer.from(token.split('.')[0] as string, 'base64url').toString()).kid as string;
  const key = publicKeys[kid];
  assert.ok(key, `unknown kid ${kid}`);
  verifyEs256(token, key.publicKey);
  return kid;
}

describe('runbook: rotating a KMS-held key', () => {
  it('through the real handler: import → verify → move the alias, under load; the new kid within one TTL, no failed request', async () => {
    kms.keys.clear();
    kms.aliases.clear();
    await importIntoNewKey('AuthKey_OLDKEY0001.p8', 'alias/asc/main');
    const now = { value: Date.now() };
    const handler = createHandler({
      init: () =>
        createRuntime({
          env: { POLICY_FILE: join(dir, 'policy.yaml'), KEY_SOURCE: 'policy', KEY_CACHE_TTL_SECONDS: '5', LOG_LEVEL: 'SILENT' },
          sink: trackOutput,
          clientConfig: { kms: { endpoint: kms.endpoint, region: 'us-east-1', credentials: { accessKeyId: 'AKIDFN', secretAccessKey: 'x' } } },
          now: () => now.value,
        }),
    });
    const kids: string[] = [];
    let moved = -1;
    for (let round = 0; round < 30; round++) {
      if (round === 8) {
        const arn = await importIntoNewKey('AuthKey_NEWKEY0001.p8');
        await ops.send(new UpdateAliasCommand({ AliasName: 'alias/asc/main', TargetKeyId: arn }));
        moved = kids.length;
      }
      const responses = await Promise.all(Array.from({ length: 20 }, () => handler(withRequest('rest-v1-iam-auth.captured.powertools-ts.json', { method: 'POST', path: '/v1/tokens/release' }), { awsRequestId: 'r' })));
      for (const response of responses) {
        assert.equal(response.statusCode, 200, response.body);
        kids.push(checkedKid(JSON.parse(response.body).token));
      }
      now.value += 500;
    }
    assert.ok(kids.slice(0, moved).every((kid) => kid === 'OLDKEY0001'));
    const first = kids.indexOf('NEWKEY0001');
    assert.ok(first >= moved && first <= moved + 20 * 10, `the new kid ${first - moved} tokens after the alias moved (one TTL is 10 rounds of 20)`);
    assert.ok(kids.slice(first).every((kid) => kid === 'NEWKEY0001'), 'no token with the old kid after the switch');
  });

  it('through the local server (npm start) with AWS_ENDPOINT_URL_KMS: the same rotation, and health shows it', async () => {
    kms.keys.clear();
    kms.aliases.clear();
    await importIntoNewKey('AuthKey_OLDKEY0001.p8', 'alias/asc/main');
    const credentials = { accessKeyId: 'AKLOCALRUNBOOK01', secretAccessKey: 'runbook-secret' };
    writeFileSync(join(dir, 'credentials.json'), JSON.stringify([{ ...credentials, principalArn: 'arn:aws:sts::000000000000:assumed-role/local-developer/ops' }]));
    const env = {
      PATH: process.env.PATH ?? '',
      PORT: '0',
      POLICY_FILE: join(dir, 'policy.yaml'),
      LOCAL_CREDENTIALS_FILE: join(dir, 'credentials.json'),
      KEY_SOURCE: 'policy',
      KEY_CACHE_TTL_SECONDS: '1',
      AWS_ENDPOINT_URL_KMS: kms.endpoint,
      AWS_REGION: 'us-east-1',
      AWS_ACCESS_KEY_ID: 'AKIDFN',
      AWS_SECRET_ACCESS_KEY: 'x',
      LOG_LEVEL: 'WARN',
    };
    const server = spawn(process.execPath, npmStartArgs(root), { cwd: dir, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    server.stdout?.on('data', (chunk) => (output += chunk));
    server.stderr?.on('data', (chunk) => (output += chunk));
    try {
      const url = await new Promise<string>((ready, fail) => {
        const timer = setTimeout(() => fail(new Error(`no banner within 20 s: ${output}`)), 20_000);
        server.stdout?.on('data', () => {
          const match = /local server: (http:\/\/127\.0\.0\.1:\d+)/.exec(output);
          if (match && output.includes('Ctrl-C')) {
            clearTimeout(timer);
            ready(match[1] as string);
          }
        });
        server.on('exit', (code) => fail(new Error(`the server exited (${code}): ${output}`)));
      });
      assert.match(output, / {2}keys {7}from the policy's sources: main=OLDKEY0001 \(kms\)\n/);
      const mint = async () => {
        const response = await signedRequest({ method: 'POST', baseUrl: url, path: '/v1/tokens/release', credentials: async () => credentials, region: 'us-east-1' });
        assert.equal(response.status, 200, response.text);
        return checkedKid((response.json as { token: string }).token);
      };
      const before = await Promise.all(Array.from({ length: 10 }, mint));
      assert.ok(before.every((kid) => kid === 'OLDKEY0001'));

      const arn = await importIntoNewKey('AuthKey_NEWKEY0001.p8');
      await ops.send(new UpdateAliasCommand({ AliasName: 'alias/asc/main', TargetKeyId: arn }));
      // Load until the new kid appears: a liveness bound, not a speed assertion (the TTL is 1 s).
      const kids: string[] = [];
      for (const deadline = Date.now() + 30_000; !kids.includes('NEWKEY0001'); ) {
        assert.ok(Date.now() < deadline, 'the new key never took over');
        kids.push(...(await Promise.all(Array.from({ length: 5 }, mint))));
      }
      const afterSwitch = await Promise.all(Array.from({ length: 10 }, mint));
      assert.ok(afterSwitch.every((kid) => kid === 'NEWKEY0001'));

      const health = await signedRequest({ method: 'GET', baseUrl: url, path: '/v1/health', credentials: async () => credentials, region: 'us-east-1' });
      assert.equal(health.status, 200, health.text);
      const [main] = (health.json as { keys: Array<Record<string, any>> }).keys;
      assert.equal(main?.source, 'kms');
      assert.equal(main?.keyId, 'NEWKEY0001');
      assert.equal(main?.kms.keyArn, arn);
      assert.equal(main?.kms.keyState, 'Enabled');
      assert.match(main?.warnings[0], /is tagged key NEWKEY0001, .* but the policy says key OLDKEY0001/);
      assert.match(output, /"level":"WARN".*"message":"key needs attention"/);
    } finally {
      server.kill('SIGTERM');
      trackOutput(output);
    }
  });
});
