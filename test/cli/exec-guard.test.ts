/**
 * The exec watchdog (src/cli/exec-guard.ts) on its own: it ends only the process it was told about, by start time,
 * and removes the token's directory either way. The built CLI under real signals is in test/cli/exec.test.ts.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { FORWARDED_SIGNALS, processStart, startWatchdog } from '../../src/cli/exec-guard.ts';

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

async function until(done: () => boolean, ms = 20_000): Promise<boolean> {
  const deadline = Date.now() + ms;
  while (!done()) {
    if (Date.now() > deadline) return false;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return true;
}

describe('the exec watchdog', () => {
  it('forwards the signals the exec test finds ending node, and none it must not take', () => {
    for (const signal of ['SIGTERM', 'SIGINT', 'SIGHUP', 'SIGALRM', 'SIGXCPU', 'SIGVTALRM', 'SIGUSR1', 'SIGUSR2']) assert.ok(FORWARDED_SIGNALS.includes(signal as NodeJS.Signals), signal);
    for (const signal of ['SIGKILL', 'SIGSTOP', 'SIGSEGV', 'SIGBUS', 'SIGFPE', 'SIGILL', 'SIGPROF', 'SIGPIPE', 'SIGXFSZ', 'SIGCHLD', 'SIGWINCH']) assert.ok(!FORWARDED_SIGNALS.includes(signal as NodeJS.Signals), signal);
  });

  it('kills only the process it was told about: not one whose start time differs (a recycled ID)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'asc-watchdog-'));
    writeFileSync(join(dir, 'token'), 'x');
    const sleeper = spawn(process.execPath, ['-e', 'setInterval(() => {}, 1000)'], { stdio: 'ignore' });
    try {
      await until(() => processStart(sleeper.pid as number) !== undefined);
      const other = startWatchdog(dir);
      other.watch(sleeper.pid as number, '12345');
      other.release();
      assert.ok(await until(() => !existsSync(dir)), 'the directory is removed either way');
      await new Promise((resolve) => setTimeout(resolve, 500));
      assert.equal(gone(sleeper.pid as number), false, 'a process with another start time was killed');
      const own = startWatchdog(mkdtempSync(join(tmpdir(), 'asc-watchdog-')));
      own.watch(sleeper.pid as number);
      own.release();
      assert.ok(await until(() => sleeper.exitCode !== null || sleeper.signalCode !== null), 'the process it was told about is ended');
      assert.equal(sleeper.signalCode, 'SIGTERM');
    } finally {
      sleeper.kill('SIGKILL');
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
