/** The build validates the policy it embeds: an invalid policy fails it and lists every problem. */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, it } from 'node:test';
import { promisify } from 'node:util';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '../..');

describe('npm run build', () => {
  it('fails on an invalid policy, listing every problem, and writes nothing', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'asc-build-'));
    try {
      writeFileSync(join(dir, 'policy.yaml'), 'version: 1\nkeys: { main: { secretId: asc/main } }\nprofiles:\n  a: { key: nope, scope: [GET /apps], callers: [] }\n');
      const result = await promisify(execFile)(process.execPath, [join(root, 'node_modules/tsx/dist/cli.mjs'), 'scripts/build.ts'], {
        cwd: root,
        env: { ...process.env, BUILD_POLICY_FILE: join(dir, 'policy.yaml'), BUILD_OUT_DIR: join(dir, 'dist') },
      }).then(
        () => assert.fail('the build succeeded'),
        (error) => error,
      );
      assert.equal(result.code, 1);
      assert.match(result.stderr, /build failed: .*policy.yaml: the policy has 3 problems:\n {2}- profiles.a.key: .*\n {2}- profiles.a.scope\[0\]: .*\n {2}- profiles.a.callers: /);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
