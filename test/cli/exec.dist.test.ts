/**
 * `asc-token exec` as built (dist/cli.mjs), a process of its own: $ASC_TOKEN_FILE kept fresh while COMMAND runs and
 * removed when it ends, signals to asc-token passed to COMMAND, a COMMAND killed by a signal. Tokens come from the
 * local server. In process through main(): test/cli/exec.test.ts.
 */
import assert from 'node:assert/strict';
import { execFile, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { promisify } from 'node:util';
import { DEV_ENV, root, startTokenService, type TokenService } from '../helpers/fake-asc-service.ts';
import { verifyEs256 } from '../helpers/keys.ts';
import { trackOutput } from '../helpers/leaks.ts';

const run = promisify(execFile);
let service: TokenService;
before(async () => {
  service = await startTokenService();
});
after(() => service.close());

const cliEnv = () => ({ PATH: process.env.PATH ?? '', ...DEV_ENV, ASC_TOKEN_URL: service.url, ASC_TOKEN_PROFILE: 'release' });
const claims = (token: string) => verifyEs256(token, service.service.key.publicKey).payload;

describe('asc-token exec', () => {
  it('keeps $ASC_TOKEN_FILE fresh while COMMAND runs (rewritten before each refreshAfter), and removes it at the end', async () => {
    // The service's clock runs 688.5 s behind, so its tokens' refreshAfter falls ~1.5 s from now: the file must change
    // while the child watches it.
    service.clock.offset = -688_500;
    const child = `
      const { readFileSync, statSync } = require('node:fs');
      const file = process.env.ASC_TOKEN_FILE;
      const first = readFileSync(file, 'utf8');
      const modes = [statSync(file).mode & 0o777, statSync(require('node:path').dirname(file)).mode & 0o777];
      const deadline = Date.now() + 20000;
      (function poll() {
        const now = readFileSync(file, 'utf8');
        if (now !== first) {
          console.log(JSON.stringify({ env: process.env.ASC_TOKEN, first, second: now, file, modes, expiresAt: process.env.ASC_TOKEN_EXPIRES_AT }));
          process.exit(3);
        }
        if (Date.now() > deadline) process.exit(99);
        setTimeout(poll, 50);
      })();`;
    try {
      const failure = await run(process.execPath, [join(root, 'dist/cli.mjs'), 'exec', '--', process.execPath, '-e', child], { env: cliEnv() }).catch((error) => error);
      trackOutput(failure.stderr); // asc-token's own output; stdout is the test child's report, tokens included on purpose
      assert.equal(failure.code, 3, `COMMAND's exit code: ${failure.stderr}`);
      const seen = JSON.parse(failure.stdout);
      assert.equal(seen.first, seen.env, 'the file starts with $ASC_TOKEN');
      assert.notEqual(seen.second, seen.first);
      assert.ok((claims(seen.first).exp as number) < (claims(seen.second).exp as number));
      assert.deepEqual(seen.modes, [0o600, 0o700]);
      assert.match(seen.expiresAt, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
      assert.equal(existsSync(seen.file), false, 'the token file is removed');
      assert.equal(existsSync(join(seen.file, '..')), false, 'and its directory');
      assert.match(failure.stderr, /warning: profile release gives tokens valid for 18\d s, less than ten minutes/);
    } finally {
      service.clock.offset = 0;
    }
  });

  it('ASC_TOKEN is valid for at least ten minutes at start, and a signal to asc-token reaches COMMAND', async () => {
    const child = `
      const claims = JSON.parse(Buffer.from(process.env.ASC_TOKEN.split('.')[1], 'base64url'));
      process.on('SIGTERM', () => { console.log('got SIGTERM'); process.exit(0); });
      console.log(JSON.stringify({ validFor: claims.exp - Date.now() / 1000 }));
      setInterval(() => {}, 1000);`;
    const proc = spawn(process.execPath, [join(root, 'dist/cli.mjs'), 'exec', '--profile', 'release', '--', process.execPath, '-e', child], { env: cliEnv(), stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    proc.stderr.on('data', (c) => (err += c));
    const first = await new Promise<string>((resolve) => proc.stdout.on('data', (c) => ((out += c), out.includes('\n') && resolve(out))));
    assert.ok(JSON.parse(first).validFor >= 600, first);
    proc.kill('SIGTERM');
    const [code, signal] = await new Promise<[number | null, string | null]>((resolve) => proc.on('exit', (c, s) => resolve([c, s])));
    trackOutput(err);
    assert.deepEqual([code, signal], [0, null], err);
    assert.match(out, /got SIGTERM/);
    assert.equal(err, '');
  });

  it('a COMMAND killed by a signal ends asc-token with 128 + its number, as a shell reports it', async () => {
    const proc = spawn(process.execPath, [join(root, 'dist/cli.mjs'), 'exec', '--', process.execPath, '-e', 'console.log("up"); setInterval(() => {}, 1000)'], { env: cliEnv(), stdio: ['ignore', 'pipe', 'inherit'] });
    await new Promise((resolve) => proc.stdout.once('data', resolve));
    proc.kill('SIGINT');
    const code = await new Promise((resolve) => proc.on('exit', resolve));
    assert.equal(code, 130);
  });
});
