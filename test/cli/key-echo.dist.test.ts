/**
 * Finding #12.1 through the built CLI process (dist/cli.mjs, the real entry point): a key pasted where a path or an
 * ID belongs never comes back in its output, in any position (test/cli/pasted-keys.ts). The whole matrix through
 * main(): key-echo.test.ts.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before, describe, it } from 'node:test';
import { promisify } from 'node:util';
import { assertNoMaterial, generateP256 } from '../helpers/keys.ts';
import { closedUrl } from '../helpers/local-server.ts';
import { trackOutput } from '../helpers/leaks.ts';
import { positions, shapesOf } from './pasted-keys.ts';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const key = generateP256();
const SHAPES = shapesOf(key);
const dir = mkdtempSync(join(tmpdir(), 'asc-echo-'));
writeFileSync(join(dir, 'AuthKey_ABCDE12345.p8'), key.pem);
after(() => rmSync(dir, { recursive: true, force: true }));
let closed: string;
const POSITIONS = positions(() => closed);
before(async () => {
  closed = await closedUrl();
});

describe('the built CLI process', () => {
  it('prints no part of a pasted key, in any position', async () => {
    const runs = POSITIONS.filter(([position]) => !position.startsWith('token')).flatMap(([position, args]) =>
      ['PEM', 'base64 of the .p8 file', 'PEM, escaped newlines'].map(async (shape) => {
        const result = await promisify(execFile)(process.execPath, [join(root, 'dist/cli.mjs'), ...args(SHAPES[shape] as string)], {
          cwd: dir,
          env: { PATH: process.env.PATH, AWS_ENDPOINT_URL_SECRETS_MANAGER: closed, AWS_ENDPOINT_URL_KMS: closed, AWS_REGION: 'us-east-1', AWS_ACCESS_KEY_ID: 'AKIDTEST', AWS_SECRET_ACCESS_KEY: 'x', AWS_MAX_ATTEMPTS: '1' },
        }).then(
          () => assert.fail(`${position} / ${shape} succeeded`),
          (error: { code: number; stdout: string; stderr: string }) => error,
        );
        const out = result.stdout + result.stderr;
        trackOutput(out);
        assert.ok(result.code > 0 && out.length > 0, `${position} / ${shape}`);
        assertNoMaterial(out, key);
      }),
    );
    await Promise.all(runs);
  });
});
