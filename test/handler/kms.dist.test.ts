/**
 * The built Lambda bundle (dist/handler.mjs) with a policy that holds keys in Secrets Manager and in KMS at once,
 * KMS found through AWS_ENDPOINT_URL_KMS on loopback: it mints with the KMS key and loads it once, and never touches
 * Secrets Manager for it. The handler in process: test/handler/kms.test.ts.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before, describe, it } from 'node:test';
import { promisify } from 'node:util';
import { TAGS } from '../../src/key-sources/kms-fetcher.ts';
import { FakeKms } from '../helpers/fake-kms.ts';
import { FakeSecretsManager } from '../helpers/fake-secrets-manager.ts';
import { withRequest } from '../helpers/fixtures.ts';
import { ISSUER_ID, generateP256, secretJson, verifyEs256 } from '../helpers/keys.ts';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const REST = 'rest-v1-iam-auth.captured.powertools-ts.json';
const ADMIN = 'arn:aws:iam::123456789012:role/Admin';
const kmsKeyA = generateP256();
const POLICY = {
  version: 1,
  keys: {
    main: { secretId: 'asc/main' },
    signer: { kmsKeyId: 'alias/asc/signer', keyId: 'POLICYKEY1', issuerId: ISSUER_ID },
  },
  profiles: {
    'via-secret': { key: 'main', scope: ['GET /v1/builds'], callers: [ADMIN] },
    'via-kms': { key: 'signer', scope: ['GET /v1/builds'], callers: [ADMIN] },
  },
};

let sm: FakeSecretsManager;
let kms: FakeKms;
let dir: string;
before(async () => {
  sm = await new FakeSecretsManager().start();
  kms = await new FakeKms().start();
  dir = mkdtempSync(join(tmpdir(), 'asc-kms-'));
  writeFileSync(join(dir, 'policy.json'), JSON.stringify(POLICY));
  sm.create('asc/main', secretJson(generateP256(), { keyId: 'SECRETKEY1' }));
  kms.importDirectly(kms.createKey({ alias: 'alias/asc/signer' }), kmsKeyA.privateKey, { [TAGS.keyId]: 'KMSKEYAAAA', [TAGS.issuerId]: ISSUER_ID });
});
after(async () => {
  await sm.stop();
  await kms.stop();
  rmSync(dir, { recursive: true, force: true });
});

describe('dist/handler.mjs with a KMS key (AWS_ENDPOINT_URL_KMS on loopback)', () => {
  it('mints with the KMS key the policy names, and loads it once', async () => {
    const script = `const { handler } = await import(${JSON.stringify(join(root, 'dist/handler.mjs'))});
      for (const event of JSON.parse(process.argv[1])) process.stdout.write('@@' + JSON.stringify(await handler(event, { awsRequestId: 'x' })) + '\\n');`;
    const base = { ...process.env, LOG_LEVEL: 'SILENT' } as Record<string, string | undefined>;
    for (const name of ['KEY_SOURCE', 'AWS_PROFILE', 'AWS_SESSION_TOKEN']) delete base[name];
    const events = Array.from({ length: 3 }, () => withRequest(REST, { method: 'POST', path: '/v1/tokens/via-kms' }));
    const { stdout } = await promisify(execFile)(process.execPath, ['--input-type=module', '-e', script, JSON.stringify(events)], {
      env: { ...base, POLICY_FILE: join(dir, 'policy.json'), AWS_REGION: 'us-east-1', AWS_ACCESS_KEY_ID: 'AKIDTEST', AWS_SECRET_ACCESS_KEY: 'test', AWS_ENDPOINT_URL_KMS: kms.endpoint, AWS_ENDPOINT_URL_SECRETS_MANAGER: sm.endpoint },
    });
    const responses = stdout.split('\n').filter((line) => line.startsWith('@@')).map((line) => JSON.parse(line.slice(2)));
    assert.equal(responses.length, 3);
    for (const response of responses) {
      assert.equal(response.statusCode, 200, response.body);
      assert.equal(verifyEs256(JSON.parse(response.body).token, kmsKeyA.publicKey).header.kid, 'KMSKEYAAAA');
    }
    assert.deepEqual([kms.count('DescribeKey'), kms.count('GetPublicKey'), kms.count('ListResourceTags'), kms.count('Sign')], [1, 1, 1, 3]);
    assert.equal(sm.calls.length, 0);
  });
});
