/** `asc-token mint` from the built bundle (dist/cli.mjs). Every option through main(): test/cli/mint.test.ts. */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, describe, it } from 'node:test';
import { promisify } from 'node:util';
import { generateP256, verifyEs256 } from '../helpers/keys.ts';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const dir = mkdtempSync(join(tmpdir(), 'asc-cli-'));
after(() => rmSync(dir, { recursive: true, force: true }));
const key = generateP256();
writeFileSync(join(dir, 'AuthKey_ABCDE12345.p8'), key.pem);
const ISSUER = '69a6de70-03db-47e3-e053-5b8c7c11a4d1';

describe('asc-token mint', () => {
  it('runs from the built bundle: node dist/cli.mjs mint', async () => {
    const { stdout } = await promisify(execFile)(process.execPath, [join(root, 'dist/cli.mjs'), 'mint', '--p8', 'AuthKey_ABCDE12345.p8', '--issuer-id', ISSUER], { cwd: dir });
    verifyEs256(stdout.trim(), key.publicKey);
    const failure = await promisify(execFile)(process.execPath, [join(root, 'dist/cli.mjs'), 'mint'], { cwd: dir }).catch((error) => error);
    assert.equal(failure.code, 2);
  });
});
