/** The one retry policy (src/client/retry.ts): what is retried, and how long each wait is. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { APPLE_RETRY, SERVICE_RETRY, isRetryableStatus, neverSent, retryAfterMs, retryDelayMs, shouldRetry } from '../../src/client/retry.ts';

describe('what is retried', () => {
  it('408, 429 and the 5xx that mean "try again"; never another 4xx, never 501', () => {
    assert.deepEqual([400, 401, 403, 404, 408, 409, 413, 429, 500, 501, 502, 503, 504, 505].filter(isRetryableStatus), [408, 429, 500, 502, 503, 504]);
  });

  it('a request that must not run twice only when the server did nothing (429, 503) or it never left', () => {
    assert.deepEqual([408, 429, 500, 502, 503, 504].filter((status) => shouldRetry({ status }, false)), [429, 503]);
    assert.deepEqual([408, 429, 500, 502, 503, 504].filter((status) => shouldRetry({ status }, true)), [408, 429, 500, 502, 503, 504]);
    assert.equal(shouldRetry({ status: 400 }, true), false);
    assert.equal(shouldRetry({ networkCode: 'ECONNRESET' }, false), false, 'a reset may come after the server acted');
    assert.equal(shouldRetry({ networkCode: 'ECONNRESET' }, true), true);
    assert.equal(shouldRetry({ networkCode: 'ECONNREFUSED' }, false), true);
    assert.equal(shouldRetry({ networkCode: undefined }, false), false);
    assert.equal(neverSent('ENOTFOUND'), true);
    assert.equal(neverSent('ETIMEDOUT'), false);
  });
});

describe('how long to wait', () => {
  const now = Date.UTC(2026, 11, 7, 12, 0, 0);

  it('Retry-After in seconds or as an HTTP date; anything else is ignored', () => {
    assert.equal(retryAfterMs('7'), 7000);
    assert.equal(retryAfterMs(' 0 '), 0);
    assert.equal(retryAfterMs('Mon, 07 Dec 2026 12:00:30 GMT', now), 30_000);
    assert.equal(retryAfterMs('Mon, 07 Dec 2026 11:59:00 GMT', now), 0, 'a date in the past: now');
    for (const bad of [null, undefined, '', '-1', '1.5', 'soon', '10 seconds', '2026-12-07T12:00:30Z', '9999999999']) assert.equal(retryAfterMs(bad, now), undefined, String(bad));
  });

  it('the server\'s Retry-After within the cap, else exponential back-off with equal jitter within the cap', () => {
    assert.equal(retryDelayMs(1, SERVICE_RETRY, 3000), 3000);
    assert.equal(retryDelayMs(1, SERVICE_RETRY, 60_000), 10_000);
    assert.equal(retryDelayMs(1, APPLE_RETRY, 3_600_000), 60_000);
    for (const [attempt, low, high] of [[1, 500, 1000], [2, 1000, 2000], [3, 2000, 4000], [5, 8000, 16_000], [6, 10_000, 20_000], [9, 10_000, 20_000]] as const) {
      assert.equal(retryDelayMs(attempt, APPLE_RETRY, undefined, () => 0), low, `attempt ${attempt}, low`);
      assert.equal(retryDelayMs(attempt, APPLE_RETRY, undefined, () => 1), high, `attempt ${attempt}, high`);
    }
    assert.equal(retryDelayMs(1, SERVICE_RETRY, undefined, () => 0.5), 300);
  });
});
