/**
 * The attack of issue #20 (finding 1) as a job runs it, with the built CLI: an .ipa entry named like the runner's
 * legacy stop-commands cannot pause command processing, so a later `--output github` still masks the token. The
 * in-process printers' tests are ci-log.test.ts.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { promisify } from 'node:util';
import { PLIST, writeIpa } from '../helpers/fake-asc-ipa.ts';
import { DEV_ENV, root, startTokenService, type TokenService } from '../helpers/fake-asc-service.ts';
import { trackOutput, trackToken } from '../helpers/leaks.ts';
import { simulateRunner } from '../helpers/runner-commands.ts';

const run = promisify(execFile);
let dir: string;
let tokens: TokenService;
before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'asc-ci-log-'));
  tokens = await startTokenService();
});
after(() => {
  tokens.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('the issue\'s attack, as a job runs it (issue #20, finding 1)', () => {
  it('an entry named Payload/##[stop-commands]pause1.app/Info.plist cannot pause the runner: a later --output github still masks the token', async () => {
    const ipa = join(dir, 'pause.ipa');
    await writeIpa(ipa, { appName: '##[stop-commands]pause1', plist: { ...PLIST, CFBundleVersion: '' } });
    const env = { PATH: process.env.PATH ?? '', ...DEV_ENV, ASC_TOKEN_URL: tokens.url, ASC_TOKEN_PROFILE: 'release', GITHUB_ENV: join(dir, 'job_env') };
    writeFileSync(env.GITHUB_ENV, '');
    const upload = await run(process.execPath, [join(root, 'dist/cli.mjs'), 'upload', ipa], { env }).then(
      () => assert.fail('the upload succeeded'),
      (error: { code: number; stdout: string; stderr: string }) => error,
    );
    assert.equal(upload.code, 2, upload.stderr);
    const token = await run(process.execPath, [join(root, 'dist/cli.mjs'), 'token', 'release', '--output', 'github'], { env });
    const minted = /^::add-mask::(.+)$/m.exec(token.stdout)?.[1] ?? '';
    trackToken(minted);
    trackOutput(upload.stderr + token.stderr);
    assert.match(minted, /^eyJ/);
    // The runner reads each step's stdout and stderr, in order.
    const runner = simulateRunner([upload.stdout, upload.stderr, token.stdout, token.stderr]);
    assert.equal(runner.waitingFor, undefined, `the runner is paused, waiting for ${runner.waitingFor}`);
    assert.deepEqual(runner.masks, [minted], 'the token is masked in the job log');
    assert.deepEqual(runner.processed.map((c) => c.command), ['add-mask']);
    assert.equal(createHash('sha256').update(minted).digest('hex').length, 64);
  });
});
