/**
 * `asc-token exec` as built (dist/cli.mjs), a process of its own: $ASC_TOKEN_FILE kept fresh while COMMAND runs and
 * removed when it ends, signals to asc-token passed to COMMAND, a COMMAND killed by a signal. Tokens come from the
 * local server. In process through main(): test/cli/exec.test.ts.
 */
import assert from 'node:assert/strict';
import { execFile, spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { constants } from 'node:os';
import { dirname, join } from 'node:path';
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

/** Whether a process is gone: no such ID, or a zombie no one reaps (an orphan in a container without an init). */
function gone(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch {
    return true;
  }
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'latin1');
    return stat.slice(stat.lastIndexOf(') ') + 2).startsWith('Z');
  } catch {
    return true;
  }
}

/** Wait (polling, at most `ms`) until `done()`; false if it never was. Not a timing assertion: a bound on a wait. */
async function until(done: () => boolean, ms = 20_000): Promise<boolean> {
  const deadline = Date.now() + ms;
  while (!done()) {
    if (Date.now() > deadline) return false;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return true;
}

/**
 * The built CLI running COMMAND (a node script, which reports its pid and token file once the script has set itself
 * up — its signal handlers installed): resolves then, with the asc-token process, COMMAND's later output, and
 * asc-token's end.
 */
async function launch(script: string) {
  const report = `process.stdout.write(JSON.stringify({ pid: process.pid, file: process.env.ASC_TOKEN_FILE }) + '\\n');`;
  const proc = spawn(process.execPath, [join(root, 'dist/cli.mjs'), 'exec', '--profile', 'release', '--', process.execPath, '-e', `${script}${report}`], { env: cliEnv(), stdio: ['pipe', 'pipe', 'pipe'] }) as ChildProcessWithoutNullStreams;
  let out = '';
  let err = '';
  proc.stdout.on('data', (c) => (out += c));
  proc.stderr.on('data', (c) => (err += c));
  const ended = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => proc.on('exit', (code, signal) => resolve({ code, signal })));
  assert.ok(await until(() => out.includes('\n')), `COMMAND did not start: ${err}`);
  const info = JSON.parse(out.slice(0, out.indexOf('\n'))) as { pid: number; file: string };
  assert.ok(existsSync(info.file));
  return { proc, info, ended, out: () => out.slice(out.indexOf('\n') + 1), err: () => err };
}

/**
 * The signals that end a Node process on this platform, found by sending each to a plain `node` and seeing it die —
 * less those no process can catch (SIGKILL, SIGSTOP), those Node says a listener must not take (SIGILL, SIGBUS,
 * SIGFPE, SIGSEGV: a real fault would leave the process stuck) and SIGPROF (V8's profiler samples with it), which
 * the watchdog covers instead.
 */
async function terminatingSignals(): Promise<NodeJS.Signals[]> {
  const candidates = (Object.keys(constants.signals) as NodeJS.Signals[]).filter((s) => !['SIGKILL', 'SIGSTOP', 'SIGTSTP', 'SIGTTIN', 'SIGTTOU', 'SIGILL', 'SIGBUS', 'SIGFPE', 'SIGSEGV', 'SIGPROF', 'SIGIOT', 'SIGPOLL'].includes(s));
  const ending = await Promise.all(
    candidates.map(async (signal) => {
      const node = spawn(process.execPath, ['-e', 'process.stdout.write("up"); setTimeout(() => {}, 5000)'], { stdio: ['ignore', 'pipe', 'ignore'] });
      await new Promise((resolve) => node.stdout.once('data', resolve));
      node.kill(signal);
      const [, ended] = await new Promise<[number | null, NodeJS.Signals | null]>((resolve) => node.on('exit', (code, by) => resolve([code, by])));
      return ended === signal ? signal : undefined;
    }),
  );
  return ending.filter((s): s is NodeJS.Signals => s !== undefined);
}

describe('asc-token exec and signals (issue #20, finding 5)', () => {
  it('every catchable signal that would end asc-token reaches COMMAND, is waited on, and the token file is removed', async () => {
    const signals = await terminatingSignals();
    for (const expected of ['SIGTERM', 'SIGINT', 'SIGHUP', 'SIGALRM', 'SIGXCPU', 'SIGVTALRM'] as const) assert.ok(signals.includes(expected), `${expected} ends node: ${signals.join()}`);
    for (let i = 0; i < signals.length; i += 4) {
      await Promise.all(
        signals.slice(i, i + 4).map(async (signal) => {
          // COMMAND takes its time to end after the signal: asc-token must wait for it, not leave first.
          const run = await launch(`process.on('${signal}', () => { console.log('got ${signal}'); setTimeout(() => process.exit(3), 300); }); setInterval(() => {}, 1000);`);
          run.proc.kill(signal);
          const ended = await run.ended;
          trackOutput(run.err());
          assert.deepEqual(ended, { code: 3, signal: null }, `${signal}: ${run.err()}`);
          assert.match(run.out(), new RegExp(`got ${signal}`));
          assert.equal(existsSync(dirname(run.info.file)), false, `${signal}: the token's directory is left`);
          assert.ok(gone(run.info.pid));
        }),
      );
    }
  });

  it('a COMMAND that a forwarded signal kills ends asc-token with 128 + its number, the file removed (SIGALRM, SIGTERM, SIGHUP, SIGXCPU, SIGVTALRM)', async () => {
    for (const signal of ['SIGALRM', 'SIGTERM', 'SIGHUP', 'SIGXCPU', 'SIGVTALRM'] as const) {
      const run = await launch('setInterval(() => {}, 1000);');
      run.proc.kill(signal);
      const ended = await run.ended;
      trackOutput(run.err());
      assert.deepEqual(ended, { code: 128 + constants.signals[signal], signal: null }, signal);
      assert.equal(existsSync(dirname(run.info.file)), false, `${signal}: the token's directory is left`);
      assert.ok(gone(run.info.pid), `${signal}: COMMAND is still running`);
    }
  });

  it('SIGPIPE and SIGXFSZ, which Node ignores, end nothing: COMMAND runs on and ends as it would, then the file goes', async () => {
    const run = await launch(`process.stdin.once('data', () => process.exit(4));`);
    run.proc.kill('SIGPIPE');
    run.proc.kill('SIGXFSZ');
    await new Promise((resolve) => setTimeout(resolve, 300));
    assert.equal(existsSync(run.info.file), true);
    assert.equal(gone(run.info.pid), false);
    run.proc.stdin.end('go\n');
    assert.deepEqual(await run.ended, { code: 4, signal: null });
    trackOutput(run.err());
    assert.equal(existsSync(dirname(run.info.file)), false);
  });

  it('asc-token killed with SIGKILL (or a fault, SIGSEGV, or SIGPROF): the watchdog ends COMMAND and removes the token file', async () => {
    for (const signal of ['SIGKILL', 'SIGSEGV', 'SIGPROF'] as const) {
      const run = await launch('setInterval(() => {}, 1000);');
      run.proc.kill(signal);
      assert.equal((await run.ended).signal, signal);
      trackOutput(run.err());
      assert.ok(await until(() => gone(run.info.pid)), `${signal}: COMMAND outlived asc-token`);
      assert.ok(await until(() => !existsSync(dirname(run.info.file))), `${signal}: the token's directory is left`);
    }
  });

  it('a COMMAND that ignores SIGTERM gets SIGKILL from the watchdog (5 s later)', async () => {
    const run = await launch(`process.on('SIGTERM', () => console.log('ignored SIGTERM')); setInterval(() => {}, 1000);`);
    run.proc.kill('SIGKILL');
    await run.ended;
    trackOutput(run.err());
    assert.ok(await until(() => gone(run.info.pid)), 'COMMAND outlived asc-token');
    assert.match(run.out(), /ignored SIGTERM/);
  });

});
