/** The artifact itself: dist/handler.mjs exports `handler` and answers with the policy embedded at build. */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, it } from 'node:test';
import { promisify } from 'node:util';
import { withRequest } from '../helpers/fixtures.ts';
import { FakeSecretsManager } from '../helpers/fake-secrets-manager.ts';
import { generateP256, secretJson, verifyEs256 } from '../helpers/keys.ts';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '../..');

/** Invoke the bundle's handler in a fresh process (a cold container) with one event per line of output. */
async function invokeBundle(events: unknown[], env: Record<string, string>) {
  const script = `const { handler } = await import(${JSON.stringify(join(root, 'dist/handler.mjs'))});
    for (const event of JSON.parse(process.argv[1])) process.stdout.write('@@' + JSON.stringify(await handler(event, { awsRequestId: 'x' })) + '\\n');`;
  const base = { ...process.env, LOG_LEVEL: 'SILENT' } as Record<string, string | undefined>;
  for (const name of ['POLICY_FILE', 'KEY_SOURCE', 'AWS_PROFILE', 'AWS_SESSION_TOKEN']) delete base[name];
  const { stdout } = await promisify(execFile)(process.execPath, ['--input-type=module', '-e', script, JSON.stringify(events)], {
    env: { ...base, AWS_REGION: 'us-east-1', AWS_ACCESS_KEY_ID: 'AKIDTEST', AWS_SECRET_ACCESS_KEY: 'test', ...env },
  });
  // Audit records share stdout with the responses (as in Lambda, where both are log lines); keep the responses.
  return stdout.split('\n').filter((line) => line.startsWith('@@')).map((line) => JSON.parse(line.slice(2)));
}

const releaseEvent = () =>
  withRequest('http-v2-iam-auth.captured.powertools-ts.json', { method: 'POST', path: '/v1/tokens/release', userArn: 'arn:aws:sts::111122223333:assumed-role/release-pipeline/run-7' });

describe('dist/handler.mjs on Secrets Manager (AWS_ENDPOINT_URL_SECRETS_MANAGER on loopback)', () => {
  it('mints with the key from the secret the policy names, fetching it once', async () => {
    const fake = await new FakeSecretsManager().start();
    try {
      const key = generateP256();
      fake.create('asc/main', secretJson(key, { keyId: 'MAINKEY001' }));
      const responses = await invokeBundle([releaseEvent(), releaseEvent(), releaseEvent()], { AWS_ENDPOINT_URL_SECRETS_MANAGER: fake.endpoint });
      for (const response of responses) {
        assert.equal(response.statusCode, 200, response.body);
        const { header } = verifyEs256(JSON.parse(response.body).token, key.publicKey);
        assert.equal(header.kid, 'MAINKEY001');
      }
      assert.equal(fake.count(), 1);
    } finally {
      await fake.stop();
    }
  });

  it('a cold start with Secrets Manager down answers 503 key_unavailable with Retry-After', async () => {
    const fake = await new FakeSecretsManager().start();
    fake.persistentFault = { kind: 'hang' };
    try {
      const [response] = await invokeBundle([releaseEvent()], { AWS_ENDPOINT_URL_SECRETS_MANAGER: fake.endpoint });
      assert.equal(response.statusCode, 503, response.body);
      assert.equal(JSON.parse(response.body).code, 'key_unavailable');
      assert.match(response.headers['retry-after'], /^\d+$/);
    } finally {
      await fake.stop();
    }
  });
});

describe('dist/handler.mjs with a run-time POLICY_FILE', () => {
  it('reads it as JSON (YAML\'s JSON form) and uses it instead of the embedded policy', async () => {
    const { mkdtempSync, writeFileSync, rmSync } = await import('node:fs');
    const { tmpdir } = await import('node:os');
    const dir = mkdtempSync(join(tmpdir(), 'asc-bundle-'));
    try {
      const policy = { version: 1, keys: { main: { secretId: 'asc/main' } }, profiles: { only: { key: 'main', scope: 'any', callers: ['arn:aws:iam::111122223333:role/github-ios-build'] } } };
      writeFileSync(join(dir, 'policy.json'), JSON.stringify(policy));
      writeFileSync(join(dir, 'policy.yaml'), 'version: 1\n');
      const profiles = withRequest('rest-v1-iam-auth.captured.powertools-ts.json', { method: 'GET', path: '/v1/profiles', userArn: 'arn:aws:sts::111122223333:assumed-role/github-ios-build/run-42' });
      const [json] = await invokeBundle([profiles], { POLICY_FILE: join(dir, 'policy.json') });
      assert.deepEqual(JSON.parse(json.body).profiles.map((p: { name: string }) => p.name), ['only']);
      const [yaml] = await invokeBundle([profiles], { POLICY_FILE: join(dir, 'policy.yaml') });
      assert.equal(yaml.statusCode, 500);
      assert.equal(JSON.parse(yaml.body).code, 'internal');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('dist/handler.mjs', () => {
  it('serves GET /v1/profiles from the embedded infra/policy.yaml', async () => {
    const event = withRequest('rest-v1-iam-auth.captured.powertools-ts.json', {
      method: 'GET',
      path: '/v1/profiles',
      userArn: 'arn:aws:sts::111122223333:assumed-role/github-ios-build/run-42',
    });
    const script = `const { handler } = await import(${JSON.stringify(join(root, 'dist/handler.mjs'))});
      const response = await handler(JSON.parse(process.argv[1]), { awsRequestId: 'x' });
      process.stdout.write(JSON.stringify(response));`;
    const env = { ...process.env, LOG_LEVEL: 'SILENT' } as Record<string, string | undefined>;
    delete env.POLICY_FILE;
    const { stdout } = await promisify(execFile)(process.execPath, ['--input-type=module', '-e', script, JSON.stringify(event)], { env });
    const response = JSON.parse(stdout);
    assert.equal(response.statusCode, 200, stdout);
    assert.equal(response.isBase64Encoded, false);
    const body = JSON.parse(response.body);
    assert.equal(body.caller.principal, 'arn:aws:iam::111122223333:role/github-ios-build');
    assert.deepEqual(body.profiles.map((p: { name: string }) => p.name), ['testflight-readonly']);
  });
});
