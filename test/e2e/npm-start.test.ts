/**
 * What a newcomer does: start the local server with no configuration at all, paste the banner's commands, get a
 * token. Runs the built server in a fresh directory with the arguments `npm start` gives it (`npm run test:all` builds first).
 */
import assert from 'node:assert/strict';
import { spawn, execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before, describe, it } from 'node:test';
import { promisify } from 'node:util';
import { verifyEs256 } from '../helpers/keys.ts';
import { npmStartArgs } from '../helpers/local-server.ts';
import { parseSecret } from '../../src/core/secret.ts';
import { createPublicKey } from 'node:crypto';

const run = promisify(execFile);
const root = resolve(dirname(fileURLToPath(import.meta.url)), '../..');

let dir: string;
let child: ReturnType<typeof spawn>;
let banner = '';

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'asc-start-'));
  const env = { ...process.env, PORT: '0' } as Record<string, string | undefined>;
  for (const name of ['POLICY_FILE', 'LOCAL_CREDENTIALS_FILE', 'KEY_SOURCE', 'LOG_LEVEL']) delete env[name];
  child = spawn(process.execPath, npmStartArgs(root), { cwd: dir, env, stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr?.on('data', (chunk) => (stderr += chunk));
  await new Promise<void>((ready, fail) => {
    const timer = setTimeout(() => fail(new Error(`no banner within 20 s: ${banner}${stderr}`)), 20_000);
    child.stdout?.on('data', (chunk) => {
      banner += chunk;
      if (banner.includes('Ctrl-C stops the server')) {
        clearTimeout(timer);
        ready();
      }
    });
    child.on('exit', (code) => fail(new Error(`server exited with ${code}: ${stderr}`)));
  });
});

after(() => {
  child?.kill('SIGTERM');
  rmSync(dir, { recursive: true, force: true });
});

describe('npm start with no configuration', () => {
  it('generates a dev key, policy and identity under .local/, private to the user', () => {
    for (const file of ['.local/keys/dev.json', '.local/policy.yaml', '.local/credentials.json']) assert.ok(statSync(join(dir, file)).isFile(), file);
    assert.equal(statSync(join(dir, '.local/keys/dev.json')).mode & 0o077, 0);
    assert.equal(statSync(join(dir, '.local/credentials.json')).mode & 0o077, 0);
    assert.match(banner, /may use {4}dev, dev-readonly/);
  });

  it('the banner\'s curl command, pasted into a shell, returns a token signed by the dev key', { skip: process.platform === 'win32' }, async () => {
    const command = banner.split('\n').find((line) => line.trim().startsWith('curl '));
    assert.ok(command, banner);
    const { stdout } = await run('sh', ['-c', command.trim()], { cwd: dir });
    const response = JSON.parse(stdout);
    const key = parseSecret('dev', readFileSync(join(dir, '.local/keys/dev.json'), 'utf8'));
    const { header, payload } = verifyEs256(response.token, createPublicKey(key.privateKey));
    assert.equal(header.kid, key.keyId);
    assert.equal(payload.iss, key.issuerId);
    assert.equal(response.profile, 'dev');
  });

  it('the banner\'s asc-token command works too', async () => {
    const command = banner.split('\n').find((line) => line.includes('node dist/cli.mjs token'));
    assert.ok(command, banner);
    // The banner runs the CLI from a checkout; here the checkout is `root`.
    const { stdout } = await run('sh', ['-c', command.trim().replace('node dist/cli.mjs', `node ${join(root, 'dist/cli.mjs')}`)], { cwd: dir });
    assert.equal(JSON.parse(stdout).profile, 'dev');
  });
});
