/**
 * `asc-token keys` as built (dist/cli.mjs) with the SDK's own configuration: Secrets Manager found through
 * AWS_ENDPOINT_URL_SECRETS_MANAGER and credentials in the environment, and a clear error without a region. The
 * rotation runbook through main(): test/cli/keys.test.ts.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before, describe, it } from 'node:test';
import { promisify } from 'node:util';
import { FakeSecretsManager } from '../helpers/fake-secrets-manager.ts';
import { generateP256, secretJson } from '../helpers/keys.ts';
import { trackOutput } from '../helpers/leaks.ts';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const dir = mkdtempSync(join(tmpdir(), 'asc-keys-'));
let sm: FakeSecretsManager;
before(async () => {
  sm = await new FakeSecretsManager().start();
  sm.create('asc/main', secretJson(generateP256(), { keyId: 'OLDKEY0001', issuerId: '69a6de70-03db-47e3-e053-5b8c7c11a4d1' }));
});
after(async () => {
  await sm.stop();
  rmSync(dir, { recursive: true, force: true });
});

describe('keys: the built CLI with the SDK\'s own configuration', () => {
  it('finds Secrets Manager through AWS_ENDPOINT_URL_SECRETS_MANAGER and credentials in the environment', async () => {
    const env = { PATH: process.env.PATH ?? '', AWS_REGION: 'us-east-1', AWS_ACCESS_KEY_ID: 'AKIDOPS', AWS_SECRET_ACCESS_KEY: 'x', AWS_ENDPOINT_URL_SECRETS_MANAGER: sm.endpoint };
    const { stdout } = await promisify(execFile)(process.execPath, [join(root, 'dist/cli.mjs'), 'keys', 'show', '--secret-id', 'asc/main'], { env });
    trackOutput(stdout);
    assert.match(stdout, /AWSCURRENT +key OLDKEY0001 +team key/);
  });

  it('without a region: a usage error that says how to set one; a secret ARN brings its own region', async () => {
    const env = { PATH: process.env.PATH ?? '', HOME: dir, AWS_ACCESS_KEY_ID: 'AKIDOPS', AWS_SECRET_ACCESS_KEY: 'x', AWS_ENDPOINT_URL_SECRETS_MANAGER: sm.endpoint };
    const run = (...argv: string[]) =>
      promisify(execFile)(process.execPath, [join(root, 'dist/cli.mjs'), ...argv], { env }).then(
        (r) => ({ code: 0, ...r }),
        (e: { code: number; stdout: string; stderr: string }) => e,
      );
    const bare = await run('keys', 'show', '--secret-id', 'asc/main');
    trackOutput(bare.stderr);
    assert.equal(bare.code, 2, bare.stderr);
    assert.match(bare.stderr, /no_region: no AWS region is configured\nhint: set AWS_REGION/);
    const arn = await run('keys', 'show', '--secret-id', 'arn:aws:secretsmanager:eu-west-1:111122223333:secret:asc/main-AbCdEf');
    trackOutput(arn.stderr);
    assert.doesNotMatch(arn.stderr, /no_region/);
  });
});
