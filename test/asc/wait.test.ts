/** Waiting by the rule of docs/design.md#waiting-for-apple, and progress for a terminal and for a CI log. */
import assert from 'node:assert/strict';
import { describe, it, mock } from 'node:test';
import { AscError } from '../../src/asc/errors.ts';
import { Progress } from '../../src/asc/progress.ts';
import { WaitTimeout, backoff, formatDuration, waitUntil } from '../../src/asc/wait.ts';

function fakeTime() {
  const clock = { t: 0 };
  const sleeps: number[] = [];
  return { clock, sleeps, now: () => clock.t, sleep: async (ms: number) => void (sleeps.push(ms), (clock.t += ms)) };
}

describe('waitUntil', () => {
  it('checks first within 5 s, then backs off to at most 30 s', async () => {
    const time = fakeTime();
    let checks = 0;
    const result = await waitUntil({ check: async () => ++checks, done: (n) => n === 9, ...time });
    assert.equal(result, 9);
    assert.deepEqual(time.sleeps, [1000, 2000, 4000, 8000, 16_000, 30_000, 30_000, 30_000, 30_000]);
    assert.deepEqual([...take(backoff(3000, 10_000), 4)], [3000, 6000, 10_000, 10_000]);
  });

  it('the bound covers the whole wait: a last check at the deadline, then WaitTimeout with the last status', async () => {
    const time = fakeTime();
    await assert.rejects(waitUntil({ check: async () => 'PROCESSING', done: () => false, timeoutMs: 90_000, ...time }), (error: unknown) => {
      assert.ok(error instanceof WaitTimeout && error instanceof AscError);
      assert.equal(error.code, 'timeout');
      assert.equal(error.lastStatus, 'PROCESSING');
      assert.equal(error.elapsedMs, 90_000);
      return true;
    });
    assert.deepEqual(time.sleeps, [1000, 2000, 4000, 8000, 16_000, 30_000, 29_000]);
  });

  it('tolerates Apple being unavailable for a check; other errors end the wait', async () => {
    const time = fakeTime();
    const failures: unknown[] = [];
    let n = 0;
    const result = await waitUntil({
      check: async () => {
        if (++n === 2) throw new AscError('apple_unavailable', 'HTTP 503');
        return n;
      },
      done: (v) => v >= 3,
      onCheckFailed: (error) => failures.push(error),
      ...time,
    });
    assert.equal(result, 3);
    assert.equal(failures.length, 1);
    await assert.rejects(waitUntil({ check: async () => Promise.reject(new AscError('apple_refused', 'HTTP 404')), done: () => true, ...time }), /HTTP 404/);
  });

  it('formats durations for people', () => {
    assert.deepEqual([0, 45_400, 185_000, 3_720_000].map(formatDuration), ['0s', '45s', '3m 05s', '1h 02m']);
  });
});

describe('Progress', () => {
  it('in a log: one line per step, a line per quarter of a transfer, state changes while waiting', () => {
    let out = '';
    let t = 0;
    const progress = new Progress({ write: (s) => (out += s), tty: false, now: () => t });
    progress.step('build upload: 1');
    const transfer = progress.transfer('uploading', 4 * 1024 * 1024);
    for (let sent = 0; sent <= 4 * 1024 * 1024; sent += 512 * 1024) {
      transfer.update(sent);
      t += 100;
    }
    transfer.finish();
    const waiting = progress.waiting('processing');
    waiting.status('PROCESSING', 1000);
    waiting.status('PROCESSING', 3000);
    waiting.status('PROCESSING', 301_000);
    waiting.status('COMPLETE', 302_000);
    assert.equal(out.includes('\r'), false);
    assert.deepEqual(out.trim().split('\n'), [
      'build upload: 1',
      'uploading 25%  1.0 MiB/4.0 MiB  5.0 MiB/s',
      'uploading 50%  2.0 MiB/4.0 MiB  5.0 MiB/s',
      'uploading 75%  3.0 MiB/4.0 MiB  5.0 MiB/s',
      'uploading 100%  4.0 MiB/4.0 MiB  5.0 MiB/s',
      'processing: PROCESSING (1s)',
      'processing: PROCESSING (5m 01s)',
      'processing: COMPLETE (5m 02s)',
    ]);
  });

  it('on a terminal: a bar redrawn in place, cleared before the next line', () => {
    let out = '';
    let t = 0;
    const progress = new Progress({ write: (s) => (out += s), tty: true, columns: 70, now: () => t });
    const transfer = progress.transfer('uploading', 100 * 1024 * 1024);
    t = 1000;
    transfer.update(50 * 1024 * 1024);
    t = 1050;
    transfer.update(51 * 1024 * 1024); // within 100 ms: not redrawn
    t = 2000;
    transfer.update(100 * 1024 * 1024);
    progress.step('uploaded');
    const frames = out.split('\r\x1b[K').filter(Boolean);
    assert.equal(frames.length, 3);
    assert.match(frames[0]!, /^\[#+-+\] uploading  50%  50\.0 MiB\/100\.0 MiB  50\.0 MiB\/s$/);
    assert.match(frames[1]!, /^\[#+\] uploading 100%/);
    assert.equal(frames[2], 'uploaded\n');
    assert.ok(frames.every((f) => f.length < 70));
  });
});

describe('Progress while waiting on a terminal', () => {
  it('ticks the clock every second between checks, and stops when done', () => {
    mock.timers.enable({ apis: ['setInterval'] });
    try {
      let out = '';
      let t = 0;
      const waiting = new Progress({ write: (s) => (out += s), tty: true, now: () => t }).waiting('processing');
      waiting.status('PROCESSING', 61_000);
      for (let i = 0; i < 3; i++) {
        t += 1000;
        mock.timers.tick(1000);
      }
      waiting.finish();
      t += 5000;
      mock.timers.tick(5000);
      assert.deepEqual(out.split('\r\x1b[K').filter(Boolean), ['processing: PROCESSING (1m 01s)', 'processing: PROCESSING (1m 02s)', 'processing: PROCESSING (1m 03s)', 'processing: PROCESSING (1m 04s)']);
    } finally {
      mock.timers.reset();
    }
  });
});

function* take<T>(items: Iterable<T>, n: number): Generator<T> {
  for (const item of items) {
    if (n-- <= 0) return;
    yield item;
  }
}
