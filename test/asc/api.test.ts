/**
 * The App Store Connect client: token per call from a strategy, one forced refresh after a 401, retries on
 * 429/5xx/network (never a POST Apple may have acted on), Apple's errors kept, https only.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { pathAndQuery, scopeOf, type ApiCall, type AuthStrategy } from '../../src/asc/auth.ts';
import { AppStoreConnectClient } from '../../src/asc/api.ts';
import { apiBaseUrl, isLoopback, notaryBaseUrl, secureBaseUrl } from '../../src/asc/endpoint.ts';
import { AscError, describeAppleErrors } from '../../src/asc/errors.ts';
import { localKeyAuth } from '../../src/asc/local.ts';
import { FakeAppStoreConnect } from '../helpers/fake-asc.ts';
import { ISSUER_ID, TEAM_KEY_ID, generateP256 } from '../helpers/keys.ts';
import { startFlood } from '../helpers/flood-server.ts';
import { closedUrl as nothingListening } from '../helpers/local-server.ts';

const key = generateP256();
const clock = { t: Date.now() };
const now = () => clock.t;
let asc: FakeAppStoreConnect;
before(async () => {
  asc = await new FakeAppStoreConnect({ publicKey: key.publicKey, keyId: TEAM_KEY_ID, issuerId: ISSUER_ID, apps: [{ id: '42', bundleId: 'com.example.app' }], now, maxTokenAgeSeconds: 300 }).start();
});
after(() => asc.stop());

const APPS: ApiCall = { method: 'GET', path: '/v1/apps', query: [['filter[bundleId]', 'com.example.app']] };

function client(options: { auth?: AuthStrategy; sleeps?: number[]; attempts?: number } = {}) {
  return new AppStoreConnectClient({
    auth: options.auth ?? localKeyAuth({ keyId: TEAM_KEY_ID, issuerId: ISSUER_ID, privateKey: key.privateKey, now }),
    baseUrl: asc.url,
    ...(options.attempts ? { attempts: options.attempts } : {}),
    sleep: async (ms) => void options.sleeps?.push(ms),
  });
}

describe('AppStoreConnectClient', () => {
  it('a token Apple finds too old: one forced refresh, then the call succeeds', async () => {
    const c = client();
    const before = asc.requests.length;
    await c.request(APPS);
    clock.t += 400_000; // the strategy's cached token is before its refresh time, but Apple (the fake) says it is too old
    const rejected = asc.rejectedAsOld;
    const result = await c.request<{ data: Array<{ id: string }> }>(APPS);
    assert.equal(result.data[0]?.id, '42');
    assert.equal(asc.rejectedAsOld, rejected + 1);
    const calls = asc.requests.slice(before);
    assert.deepEqual(calls.map((r) => r.status), [200, 401, 200]);
    assert.equal(calls[0]!.tokenSha256, calls[1]!.tokenSha256, 'the cached token first');
    assert.notEqual(calls[1]!.tokenSha256, calls[2]!.tokenSha256, 'then a new one');
    assert.deepEqual(asc.problems, []);
  });

  it('a 401 for the fresh token too: apple_refused 401 with Apple’s error, after exactly one refresh', async () => {
    const other = generateP256();
    const before = asc.requests.length;
    await assert.rejects(client({ auth: localKeyAuth({ keyId: TEAM_KEY_ID, issuerId: ISSUER_ID, privateKey: other.privateKey, now }) }).request(APPS), (error: unknown) => {
      assert.ok(error instanceof AscError);
      assert.equal(error.code, 'apple_refused');
      assert.equal(error.status, 401);
      assert.equal(error.appleErrors[0]?.code, 'NOT_AUTHORIZED');
      assert.match(describeAppleErrors(error.appleErrors)[0]!, /^NOT_AUTHORIZED: Authentication credentials are missing or invalid\. — Provide a properly configured/);
      return true;
    });
    assert.equal(asc.requests.length - before, 2);
    asc.problems.length = 0; // the two refusals above are the point of this test
  });

  it('retries 5xx and 429 with back-off (honouring Retry-After), then returns the answer', async () => {
    const sleeps: number[] = [];
    asc.apiFaults.push({ status: 503 }, { status: 429, retryAfter: 7 }, { status: 500 });
    const result = await client({ sleeps }).request<{ data: unknown[] }>(APPS);
    assert.equal(result.data.length, 1);
    assert.equal(sleeps.length, 3);
    assert.ok(sleeps[1]! >= 3500 && sleeps[1]! <= 7000, `Retry-After 7 s gave ${sleeps[1]} ms`);
  });

  it('gives up after the last attempt: apple_unavailable with the status', async () => {
    asc.apiFaults.push({ status: 502 }, { status: 502 });
    await assert.rejects(client({ attempts: 2 }).request(APPS), (error: unknown) => error instanceof AscError && error.code === 'apple_unavailable' && error.status === 502);
  });

  it('never repeats a POST Apple may have acted on (500), but does after 503 and 429', async () => {
    const call: ApiCall = { method: 'POST', path: '/v1/buildUploads' };
    const body = { data: { type: 'buildUploads', attributes: { cfBundleShortVersionString: '1.0', cfBundleVersion: '1', platform: 'IOS' }, relationships: { app: { data: { type: 'apps', id: '42' } } } } };
    let before = asc.requests.length;
    asc.apiFaults.push({ status: 500 });
    await assert.rejects(client().request(call, { body }), (error: unknown) => error instanceof AscError && error.status === 500);
    assert.equal(asc.requests.length - before, 1);
    before = asc.requests.length;
    asc.apiFaults.push({ status: 503 }, { status: 429 });
    const created = await client().request<{ data: { id: string } }>(call, { body });
    assert.match(created.data.id, /^[0-9a-f-]{36}$/);
    assert.equal(asc.requests.length - before, 3);
    assert.deepEqual(asc.problems, []);
  });

  it('no answer at all: apple_unavailable naming the cause, after retrying a GET', async () => {
    const sleeps: number[] = [];
    const c = new AppStoreConnectClient({ auth: localKeyAuth({ keyId: TEAM_KEY_ID, issuerId: ISSUER_ID, privateKey: key.privateKey }), baseUrl: await nothingListening(), attempts: 3, sleep: async (ms) => void sleeps.push(ms) });
    await assert.rejects(c.request(APPS), (error: unknown) => error instanceof AscError && error.code === 'apple_unavailable' && error.status === 0 && /ECONNREFUSED/.test(error.message));
    assert.equal(sleeps.length, 2);
  });

  it('errors from the token source pass through untouched', async () => {
    const failing: AuthStrategy = { getToken: async () => Promise.reject(Object.assign(new Error('denied'), { code: 'forbidden' })) };
    await assert.rejects(client({ auth: failing }).request(APPS), /denied/);
  });
});

describe('answers read with a cap (issue #20, finding 3)', () => {
  /** src/asc/api.ts's cap, 8 MiB (stated here, not imported: the test says what the client must do). */
  const MAX_ANSWER_BYTES = 8 * 1024 * 1024;
  const auth = () => localKeyAuth({ keyId: TEAM_KEY_ID, issuerId: ISSUER_ID, privateKey: key.privateKey, now });
  const tooLarge = (status: number) => (error: unknown) => {
    assert.ok(error instanceof AscError, String(error));
    assert.equal(error.code, 'bad_response');
    assert.equal(error.status, status);
    assert.equal(error.message, `App Store Connect answered GET /v1/apps with HTTP ${status} and more than ${MAX_ANSWER_BYTES} bytes: more than this client reads, so it stopped reading`);
    assert.match(error.hint ?? '', /^Check ASC_API_URL/);
    return true;
  };

  it('an endless answer: bad_response once 8 MiB have arrived, and the rest is never read', async () => {
    for (const status of [200, 403]) {
      const flood = await startFlood({ status });
      try {
        const closed = flood.nextClose();
        await assert.rejects(new AppStoreConnectClient({ auth: auth(), baseUrl: flood.url, attempts: 1 }).request(APPS), tooLarge(status));
        // The server got the hang-up while it was still writing: a few MiB past the cap at most (socket buffers).
        assert.ok((await closed) < MAX_ANSWER_BYTES + 16 * 1024 * 1024, `the server wrote ${flood.closedAfter[0]} bytes`);
      } finally {
        flood.stop();
      }
    }
  });

  it('a declared Content-Length of 3 GB: refused before the body is read', async () => {
    const flood = await startFlood({ declaredBytes: 3 * 1024 ** 3 });
    try {
      const closed = flood.nextClose();
      await assert.rejects(new AppStoreConnectClient({ auth: auth(), baseUrl: flood.url, attempts: 1 }).request(APPS), tooLarge(200));
      assert.ok((await closed) < 16 * 1024 * 1024, `the server wrote ${flood.closedAfter[0]} bytes`);
    } finally {
      flood.stop();
    }
  });

  it('an answer of exactly the cap is read', async () => {
    const flood = await startFlood({ totalBytes: MAX_ANSWER_BYTES });
    try {
      // Not JSON (the flood's bytes are an unterminated object), but read to the end: the cap is not what refuses it.
      await assert.rejects(new AppStoreConnectClient({ auth: auth(), baseUrl: flood.url, attempts: 1 }).request(APPS), /answered GET \/v1\/apps with HTTP 200 but not JSON/);
    } finally {
      flood.stop();
    }
  });
});

describe('endpoints', () => {
  it('https only, except loopback; no credentials, query or fragment', () => {
    assert.equal(secureBaseUrl('https://api.example.com/base/', 'X').href, 'https://api.example.com/base');
    assert.equal(secureBaseUrl('http://127.0.0.1:8080', 'X').host, '127.0.0.1:8080');
    assert.equal(secureBaseUrl('http://[::1]:8080', 'X').hostname, '[::1]');
    assert.equal(secureBaseUrl('http://localhost', 'X').hostname, 'localhost');
    for (const bad of ['http://api.example.com', 'http://10.0.0.1', 'ftp://x', 'not a url', 'https://u:p@x.com', 'https://x.com/?a=1', 'http://127.0.0.1.example.com']) {
      assert.throws(() => secureBaseUrl(bad, 'ASC_API_URL'), (error: unknown) => error instanceof TypeError && error.message.startsWith('ASC_API_URL'), bad);
    }
    assert.equal(isLoopback('127.8.9.10'), true);
    assert.equal(isLoopback('128.0.0.1'), false);
  });

  it('ASC_API_URL and ASC_NOTARY_URL, else Apple’s', () => {
    assert.equal(apiBaseUrl({}).href, 'https://api.appstoreconnect.apple.com/');
    assert.equal(notaryBaseUrl({}).href, 'https://appstoreconnect.apple.com/notary/v2');
    assert.equal(apiBaseUrl({ ASC_API_URL: 'http://127.0.0.1:9' }).port, '9');
    assert.throws(() => notaryBaseUrl({ ASC_NOTARY_URL: 'http://notary.example.com' }), /ASC_NOTARY_URL must be an https: URL/);
  });
});

describe('per-call scope strings', () => {
  it('name the call as it is sent: brackets kept, values percent-encoded, commas kept', () => {
    const call: ApiCall = { method: 'GET', path: '/v1/apps', query: [['filter[bundleId]', 'com.example.app,com.example.b'], ['filter[name]', "Tom's app"]] };
    assert.equal(pathAndQuery(call), "/v1/apps?filter[bundleId]=com.example.app,com.example.b&filter[name]=Tom%27s%20app");
    assert.equal(scopeOf(call), 'GET /v1/apps?filter[bundleId]=com.example.app,com.example.b&filter[name]=Tom%27s%20app');
    assert.equal(scopeOf({ method: 'PATCH', path: '/v1/buildUploadFiles/abc-1' }), 'PATCH /v1/buildUploadFiles/abc-1');
  });
});
