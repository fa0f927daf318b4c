/**
 * What a newcomer does: start the local server with no configuration at all, paste the banner's commands, get a
 * token. Runs the built server in a fresh directory with the arguments `npm start` gives it (`npm run test:all` builds first).
 */
import assert from 'node:assert/strict';
import { spawn, execFile } from 'node:child_process';
import { appendFileSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
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
/** Everything the server wrote since it started (stdout and stderr), for the reload tests to wait on. */
let output = '';

/** Wait until the server has written `text` after `from` (an index into `output`). */
function written(text: string, from: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`the server did not write ${JSON.stringify(text)} within 10 s:\n${output.slice(from)}`)), 10_000);
    const check = () => {
      if (!output.slice(from).includes(text)) return;
      clearTimeout(timer);
      child.stdout?.off('data', check);
      child.stderr?.off('data', check);
      resolve();
    };
    child.stdout?.on('data', check);
    child.stderr?.on('data', check);
    check();
  });
}

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'asc-start-'));
  const env = { ...process.env, PORT: '0' } as Record<string, string | undefined>;
  for (const name of ['POLICY_FILE', 'LOCAL_CREDENTIALS_FILE', 'KEY_SOURCE', 'LOG_LEVEL']) delete env[name];
  child = spawn(process.execPath, npmStartArgs(root), { cwd: dir, env, stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr?.on('data', (chunk) => (stderr += chunk));
  child.stdout?.on('data', (chunk) => (output += chunk));
  child.stderr?.on('data', (chunk) => (output += chunk));
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

describe('npm start picks up edits without a restart', () => {
  const curl = (profile: string, user?: string) => {
    const command = (banner.split('\n').find((line) => line.trim().startsWith('curl ')) as string).trim().replace(/\/v1\/tokens\/[\w-]+$/, `/v1/tokens/${profile}`);
    return run('sh', ['-c', user ? command.replace(/--user '[^']*'/, `--user '${user}'`) : command], { cwd: dir }).then(({ stdout }) => JSON.parse(stdout) as Record<string, unknown>);
  };

  it('the banner says so', () => {
    assert.match(banner, /Edits to \.local\/policy\.yaml and \.local\/credentials\.json take effect at once \(or send SIGHUP: kill -HUP \d+\)/);
  });

  it('a profile added to .local/policy.yaml can be used as soon as the server says it reloaded', async () => {
    assert.equal((await curl('added')).code, 'forbidden');
    const from = output.length;
    appendFileSync(join(dir, '.local/policy.yaml'), '  added:\n    key: dev\n    scope: any\n    callers: [arn:aws:iam::000000000000:role/local-developer]\n');
    await written('reloaded (.local/policy.yaml changed): 3 profiles', from);
    assert.equal((await curl('added')).profile, 'added');
  });

  it('a policy that no longer compiles keeps the previous one, and says why', async () => {
    const good = readFileSync(join(dir, '.local/policy.yaml'), 'utf8');
    const from = output.length;
    writeFileSync(join(dir, '.local/policy.yaml'), `${good}  broken: { key: nope }\n`);
    await written('kept the previous configuration (.local/policy.yaml changed)', from);
    assert.match(output.slice(from), /profiles\.broken\.key: names no key under keys: "nope"/);
    assert.equal((await curl('added')).profile, 'added');
    writeFileSync(join(dir, '.local/policy.yaml'), good);
    await written('reloaded', from);
  });

  it('an identity added to .local/credentials.json is known at once; SIGHUP reloads too', async () => {
    const file = join(dir, '.local/credentials.json');
    const identities = JSON.parse(readFileSync(file, 'utf8')) as Array<Record<string, string>>;
    const added = { accessKeyId: 'AKLOCALRELOAD0000001', secretAccessKey: 'reload-secret', principalArn: 'arn:aws:sts::000000000000:assumed-role/local-developer/second' };
    assert.equal((await curl('dev', `${added.accessKeyId}:${added.secretAccessKey}`)).code, 'forbidden');
    let from = output.length;
    writeFileSync(file, JSON.stringify([...identities, added]));
    await written('2 identities', from);
    assert.equal((await curl('dev', `${added.accessKeyId}:${added.secretAccessKey}`)).profile, 'dev');
    from = output.length;
    child.kill('SIGHUP');
    await written('reloaded (SIGHUP)', from);
  });
});
