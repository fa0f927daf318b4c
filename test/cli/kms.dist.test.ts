/**
 * `asc-token keys … --kms-key-id` as built (dist/cli.mjs) with the SDK's own configuration: KMS found through
 * AWS_ENDPOINT_URL_KMS and credentials in the environment; import, then show. Import, show and verify through
 * main(): test/cli/kms.test.ts.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before, describe, it } from 'node:test';
import { promisify } from 'node:util';
import { FakeKms } from '../helpers/fake-kms.ts';
import { assertNoMaterial, generateP256 } from '../helpers/keys.ts';
import { trackOutput } from '../helpers/leaks.ts';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const ISSUER = '69a6de70-03db-47e3-e053-5b8c7c11a4d1';
const newKey = generateP256();
const dir = mkdtempSync(join(tmpdir(), 'asc-kms-cli-'));
writeFileSync(join(dir, 'AuthKey_NEWKEY0001.p8'), newKey.pem);

let kms: FakeKms;
before(async () => {
  kms = await new FakeKms().start();
  kms.createKey({ alias: 'alias/asc/next' });
});
after(async () => {
  await kms.stop();
  rmSync(dir, { recursive: true, force: true });
});

describe('keys --kms-key-id: the built CLI with the SDK\'s own configuration', () => {
  it('finds KMS through AWS_ENDPOINT_URL_KMS and credentials in the environment, and imports', async () => {
    const env = { PATH: process.env.PATH ?? '', AWS_REGION: 'us-east-1', AWS_ACCESS_KEY_ID: 'AKIDOPS', AWS_SECRET_ACCESS_KEY: 'x', AWS_ENDPOINT_URL_KMS: kms.endpoint };
    const run = (...args: string[]) => promisify(execFile)(process.execPath, [join(root, 'dist/cli.mjs'), ...args], { env, cwd: dir });
    const imported = await run('keys', 'import', '--kms-key-id', 'alias/asc/next', '--p8', 'AuthKey_NEWKEY0001.p8', '--issuer-id', ISSUER);
    trackOutput(imported.stdout + imported.stderr);
    assertNoMaterial(imported.stdout + imported.stderr, newKey);
    assert.match(imported.stdout, /^imported key NEWKEY0001 .*\ntagged .*\nproved: /m);
    const { stdout } = await run('keys', 'show', '--kms-key-id', 'alias/asc/next');
    trackOutput(stdout);
    assert.match(stdout, / {2}identity {5}key NEWKEY0001, team key/);
  });
});
