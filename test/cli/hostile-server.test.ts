/**
 * Finding #12.4: a hostile or intercepted token service must not be able to write into the CI environment. A
 * server on loopback answers 200 with crafted token responses; the CLI must refuse every one before printing or
 * writing anything, for every output format, through `main` (the built CLI process: hostile-server.dist.test.ts).
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { once } from 'node:events';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { main } from '../../src/cli/main.ts';
import { checkTokenResponse } from '../../src/client/validate.ts';
import { ServiceUrlError, checkServiceUrl } from '../../src/client/url.ts';
import { TokenClient, TokenClientError } from '../../src/client/token-client.ts';
import { trackOutput } from '../helpers/leaks.ts';

const dir = mkdtempSync(join(tmpdir(), 'asc-hostile-'));
/** A token's shape: an ES256 JWS (header naming ES256, a JSON payload, a 64-byte signature). */
const TOKEN = `eyJhbGciOiJFUzI1NiIsImtpZCI6IjJYOVI0SFhGMzQiLCJ0eXAiOiJKV1QifQ.eyJpc3MiOiJ4In0.${Buffer.alloc(64, 7).toString('base64url')}`;
const sha = (text: string) => createHash('sha256').update(text).digest('hex');
const good = {
  token: TOKEN, tokenType: 'Bearer', profile: 'release', keyId: '2X9R4HXF34', audience: 'appstoreconnect-v1', scope: null,
  issuedAt: '2026-11-22T10:00:00Z', expiresAt: '2026-11-22T10:10:00Z', expiresIn: 570, refreshAfter: '2026-11-22T10:08:00Z', tokenSha256: sha(TOKEN),
};
const injected = `${TOKEN}\nNODE_OPTIONS=--require=/tmp/evil.js`;

/** Each answer a hostile server might give, and the field the CLI must name. */
const HOSTILE: Array<[string, Record<string, unknown>, string]> = [
  ['a NODE_OPTIONS line after the token', { ...good, token: injected, tokenSha256: sha(injected) }, 'token'],
  ['a carriage return in the token', { ...good, token: `${TOKEN}\rX=1`, tokenSha256: sha(`${TOKEN}\rX=1`) }, 'token'],
  ['a token that is not a JWT', { ...good, token: 'hello', tokenSha256: sha('hello') }, 'token'],
  ['a GitHub delimiter in the token', { ...good, token: `${TOKEN}<<EOF`, tokenSha256: sha(`${TOKEN}<<EOF`) }, 'token'],
  ['a line after expiresAt', { ...good, expiresAt: '2026-11-22T10:10:00Z\nBASH_ENV=/tmp/evil' }, 'expiresAt'],
  ['a date that is not a date', { ...good, expiresAt: '2026-13-45T99:99:99Z' }, 'expiresAt'],
  ['a workflow command in the profile', { ...good, profile: 'release\n::add-path::/tmp/evil' }, 'profile'],
  ['a workflow command in the key ID', { ...good, keyId: '::stop-commands::x' }, 'keyId'],
  ['a line in a scope entry', { ...good, scope: ['GET /v1/apps\n::add-mask::x'] }, 'scope'],
  ['a tokenSha256 that is not the token\'s', { ...good, tokenSha256: sha('another token') }, 'tokenSha256'],
  ['no token at all', { ...good, token: undefined }, 'token'],
  ['an array', [good] as unknown as Record<string, unknown>, 'JSON object'],
];

let answer: unknown = good;
let status = 200;
let server: Server;
let url: string;
before(async () => {
  server = createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      res.statusCode = status;
      res.setHeader('content-type', status === 200 ? 'application/json' : 'application/problem+json');
      res.end(JSON.stringify(answer));
    });
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
after(() => {
  server.close();
  rmSync(dir, { recursive: true, force: true });
});

async function cli(argv: string[], env: Record<string, string> = {}) {
  let stdout = '';
  let stderr = '';
  const code = await main(argv, { stdout: (t) => (stdout += t), stderr: (t) => (stderr += t), env, cwd: dir, now: Date.now }, { credentials: async () => ({ accessKeyId: 'AKIDTEST', secretAccessKey: 'x' }), sleep: async () => {} });
  trackOutput(stderr);
  return { code, stdout, stderr };
}

describe('a hostile token service (finding #12.4)', () => {
  for (const [name, body, field] of HOSTILE) {
    it(`${name}: refused, nothing printed or written, whatever the output`, async () => {
      answer = body;
      for (const output of ['raw', 'json', 'env', 'github']) {
        const githubEnv = join(dir, `github_env_${output}`);
        writeFileSync(githubEnv, '');
        const result = await cli(['token', 'release', '--url', url, '--output', output], { GITHUB_ENV: githubEnv });
        assert.equal(result.code, 1, `${output}: ${result.stderr}`);
        assert.equal(result.stdout, '', output);
        assert.equal(readFileSync(githubEnv, 'utf8'), '', output);
        assert.match(result.stderr, new RegExp(`bad_response: refused the service's answer: .*${field.replace(/ /g, '.')}`), output);
        assert.doesNotMatch(result.stderr, /evil|::add|::stop/);
      }
    });
  }

  it('a well-formed answer is written, with only the documented fields', async () => {
    answer = { ...good, extra: 'x\n::add-mask::y' };
    const githubEnv = join(dir, 'github_env_ok');
    writeFileSync(githubEnv, '');
    const gh = await cli(['token', 'release', '--url', url, '--output', 'github'], { GITHUB_ENV: githubEnv });
    assert.equal(gh.code, 0, gh.stderr);
    assert.equal(readFileSync(githubEnv, 'utf8'), `ASC_TOKEN=${TOKEN}\nASC_TOKEN_EXPIRES_AT=2026-11-22T10:10:00Z\n`);
    const json = await cli(['token', 'release', '--url', url, '--output', 'json']);
    // The documented fields and the URL that answered; nothing else the service sent.
    assert.deepEqual(JSON.parse(json.stdout), { ...good, url });
  });
});

describe('a hostile service\'s refusals and profile lists (the review after #12.4)', () => {
  const evil = 'bad\n::set-output name=x::pwned\n::add-mask::e\u001b]0;title\u0007\u001b[2J\u202etxt';
  const assertClean = (text: string) => {
    assert.doesNotMatch(text, /^::/m, 'a line starts a workflow command');
    assert.doesNotMatch(text, /[\u0000-\u0008\u000b-\u001f\u007f\u202e]/, 'a control character or bidi override got through');
  };

  it('prints a refusal\'s detail as one printable line, and only a code and request ID that have their shapes', async () => {
    status = 400;
    try {
      for (const body of [{ code: 'invalid_scope', detail: evil, requestId: 'r-1' }, { code: 'x\n::error::y', detail: 'd', requestId: '1\n::warning::z' }, { code: 42, detail: ['a'] }]) {
        answer = body;
        for (const argv of [['token', 'release', '--url', url, '--output', 'github'], ['profiles', '--url', url]]) {
          const result = await cli(argv, { GITHUB_ENV: join(dir, 'unused') });
          assert.equal(result.code, 4, result.stderr);
          assertClean(result.stderr);
        }
      }
      answer = { code: 'x\n::error::y', detail: 'd', requestId: '1\n::warning::z' };
      const result = await cli(['token', 'release', '--url', url]);
      assert.match(result.stderr, /^asc-token: http_400: d\n/);
    } finally {
      status = 200;
    }
  });

  it('checks a profile list field by field: free text comes back printable, anything else is refused', async () => {
    const caller = { principal: 'arn:aws:iam::111122223333:role/ci', arn: 'arn:aws:sts::111122223333:assumed-role/ci/s', session: `s${evil}`, accountId: '111122223333', orgId: null };
    const profile = { name: 'release', description: evil, api: 'app-store-connect', key: 'main', scope: 'any', ttl: { default: 600, max: 1200 } };
    answer = { caller, profiles: [profile] };
    const ok = await cli(['profiles', '--url', url]);
    assert.equal(ok.code, 0, ok.stderr);
    assertClean(ok.stdout);
    assert.match(ok.stdout, /^release {2}\(app-store-connect, ttl 600s, max 1200s\)\n {2}bad ::set-output name=x::pwned ::add-mask::e /m);
    for (const bad of [{ caller, profiles: [{ ...profile, name: 'release\n::x' }] }, { caller, profiles: [{ ...profile, scope: ['GET /v1/apps\n::x'] }] }, { caller: { ...caller, principal: 'x\n::y' }, profiles: [] }, { caller, profiles: 'none' }, { caller }]) {
      answer = bad;
      const result = await cli(['profiles', '--url', url]);
      assert.equal(result.code, 1, result.stderr);
      assert.match(result.stderr, /bad_response: refused the service's answer/);
      assertClean(result.stderr);
      assert.equal(result.stdout, '');
    }
  });

  it('TokenClient puts only printable text into its errors', async () => {
    status = 400;
    try {
      answer = { code: 'x\n::error::y', detail: evil, requestId: '1\n::warning::z' };
      const client = new TokenClient({ url, credentials: async () => ({ accessKeyId: 'AKIDTEST', secretAccessKey: 'x' }), attempts: 1 });
      await assert.rejects(client.getToken('release'), (e: unknown) => {
        assert.ok(e instanceof TokenClientError);
        assert.equal(e.code, 'http_400');
        assert.equal(e.requestId, undefined);
        assertClean(e.message);
        return true;
      });
    } finally {
      status = 200;
    }
  });
});

describe('TokenClient and a hostile service', () => {
  it('refuses every crafted answer with bad_response, and an http: URL off loopback at construction', async () => {
    const client = new TokenClient({ url, credentials: async () => ({ accessKeyId: 'AKIDTEST', secretAccessKey: 'x' }), attempts: 1 });
    for (const [name, body, field] of HOSTILE) {
      answer = body;
      await assert.rejects(client.getToken('release', { forceRefresh: true }), (e: unknown) => e instanceof TokenClientError && e.code === 'bad_response' && new RegExp(field.replace(/ /g, '.')).test(e.message), name);
    }
    answer = { ...good, profile: undefined };
    await assert.rejects(client.getToken('release', { forceRefresh: true }), (e: unknown) => e instanceof TokenClientError && /profile/.test(e.message));
    answer = { ...good, extra: 'x' };
    assert.deepEqual(await client.getToken('release', { forceRefresh: true }), { ...good, url });
    assert.throws(() => new TokenClient({ url: 'http://abc123.execute-api.eu-west-1.amazonaws.com/prod' }), (e: unknown) => e instanceof ServiceUrlError);
  });
});

describe('service URLs (finding #12.4)', () => {
  it('http: is refused except on loopback, before anything is signed or sent', async () => {
    for (const bad of ['http://abc123.execute-api.eu-west-1.amazonaws.com/prod', 'http://10.0.0.1:8787', 'http://127.0.0.1.nip.io', 'http://localhost.example.com', 'ftp://127.0.0.1', 'file:///etc/passwd']) {
      const result = await cli(['token', 'release', '--url', bad]);
      assert.equal(result.code, 2, `${bad}: ${result.stderr}`);
      assert.match(result.stderr, /must be (an )?https:/);
    }
    const env = await cli(['profiles'], { ASC_TOKEN_URL: 'http://example.com' });
    assert.equal(env.code, 2);
    for (const fine of ['https://abc123.execute-api.eu-west-1.amazonaws.com/prod', 'http://127.0.0.1:8787', 'http://127.5.6.7', 'http://localhost:8787', 'http://[::1]:8787']) {
      assert.equal(checkServiceUrl(fine).href, new URL(fine).href);
    }
  });
});

describe('checkTokenResponse', () => {
  it('accepts what the service and asc-token mint produce, and names the field that is wrong', () => {
    assert.deepEqual(checkTokenResponse(good), good);
    const { profile: _profile, ...offline } = good;
    assert.deepEqual(checkTokenResponse(offline), offline);
    assert.deepEqual(checkTokenResponse({ ...good, scope: ['GET /v1/apps?filter[platform]=IOS', 'GET /v1/apps/1/builds'] }).scope, ['GET /v1/apps?filter[platform]=IOS', 'GET /v1/apps/1/builds']);
    for (const [, body, field] of HOSTILE) assert.throws(() => checkTokenResponse(body), new RegExp(field.replace(/ /g, '.')));
  });
});
