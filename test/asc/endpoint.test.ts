/**
 * Which URLs from Apple's answers may be requested (src/asc/endpoint.ts, issue #20 finding 4): https anywhere but
 * this machine; this machine, however it is written, only when the API that answered is on loopback too. The
 * built CLI against Apple's host names is in test/cli/answer-urls.test.ts.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { isAllowedAnswerUrl, isLocalHost } from '../../src/asc/endpoint.ts';

describe('URLs in Apple\'s answers', () => {
  it('the rule: https anywhere but this machine; this machine (http or https) only when the API is on loopback too', () => {
    const apple = new URL('https://api.appstoreconnect.apple.com');
    const local = new URL('http://127.0.0.1:8080');
    for (const url of ['http://127.0.0.1:2375/v1.41/containers/create', 'https://127.0.0.1/x', 'http://localhost/', 'https://LOCALHOST./', 'http://a.localhost/', 'http://[::1]/', 'https://[::]/', 'https://0.0.0.0/', 'https://0.1.2.3/', 'https://[::ffff:127.0.0.1]/', 'https://[::ffff:0.0.0.0]/', 'http://2130706433/']) {
      assert.equal(isAllowedAnswerUrl(new URL(url), apple), false, url);
      assert.equal(isAllowedAnswerUrl(new URL(url), undefined), false, url);
      assert.equal(isAllowedAnswerUrl(new URL(url), local), true, url);
    }
    for (const url of ['https://upload.example.com/p', 'https://[2001:db8::1]/', 'https://128.0.0.1/', 'https://[::ffff:8.8.8.8]/']) {
      assert.equal(isAllowedAnswerUrl(new URL(url), apple), true, url);
      assert.equal(isAllowedAnswerUrl(new URL(url), local), true, url);
    }
    for (const url of ['http://upload.example.com/p', 'ftp://127.0.0.1/', 'file:///etc/passwd', 'http://10.0.0.1/']) {
      assert.equal(isAllowedAnswerUrl(new URL(url), apple), false, url);
      assert.equal(isAllowedAnswerUrl(new URL(url), local), false, url);
    }
    assert.equal(isLocalHost('[::ffff:7f00:1]'), true);
    assert.equal(isLocalHost('[::ffff:808:808]'), false);
    assert.equal(isLocalHost('localhost.example.com'), false);
  });
});
