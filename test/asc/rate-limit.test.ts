/** Apple's X-Rate-Limit header, as App Store Connect sends it and as it must not be misread. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseRateLimit } from '../../src/asc/rate-limit.ts';

describe('X-Rate-Limit', () => {
  it('reads the hourly limit and what is left, in Apple\'s form and with spaces or in another order', () => {
    assert.deepEqual(parseRateLimit('user-hour-lim:3500;user-hour-rem:3499;'), { hourlyLimit: 3500, remaining: 3499 });
    assert.deepEqual(parseRateLimit(' user-hour-rem: 0 ; user-hour-lim: 3500'), { hourlyLimit: 3500, remaining: 0 });
    assert.deepEqual(parseRateLimit('user-hour-lim:3500;user-hour-rem:9999;'), { hourlyLimit: 3500, remaining: 3500 }, 'never more left than the limit');
  });

  it('is undefined when absent, incomplete or not numbers', () => {
    for (const value of [null, undefined, '', 'user-hour-lim:3500;', 'user-hour-rem:10', 'user-hour-lim:-1;user-hour-rem:1', 'user-hour-lim:1e3;user-hour-rem:1', `user-hour-lim:1;user-hour-rem:1;${'x'.repeat(300)}`]) {
      assert.equal(parseRateLimit(value), undefined, String(value));
    }
  });
});
