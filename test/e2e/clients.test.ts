/**
 * TokenClient and the CLI's CI-facing behaviour against the local server (the real handler behind SigV4), in
 * process. The package's client and the CLI as built, with the real credential chain: test/e2e/clients.dist.test.ts.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { TokenClient, TokenClientError } from '../../src/client/index.ts';
import { main } from '../../src/cli/main.ts';
import { closedUrl as nothingListening, startLocalServer } from '../helpers/local-server.ts';
import type { LocalCredential } from '../../src/local/verify.ts';
import { verifyEs256 } from '../helpers/keys.ts';
import { createService, type Service } from '../helpers/setup.ts';
import { trackOutput } from '../helpers/leaks.ts';

const DEV: LocalCredential = { accessKeyId: 'AKIDCLIENTTEST000001', secretAccessKey: 'client-test-secret', principalArn: 'arn:aws:sts::000000000000:assumed-role/local-developer/svc' };
const credentials = async () => ({ accessKeyId: DEV.accessKeyId, secretAccessKey: DEV.secretAccessKey });

let service: Service;
let server: Awaited<ReturnType<typeof startLocalServer>>;
let url: string;
let requests = 0;
let lastRetryAfter: string | undefined;
let closedUrl: string;
before(async () => {
  closedUrl = await nothingListening();
  service = createService();
  server = await startLocalServer(async (event, context) => {
    requests++;
    const response = await service.handler(event, context);
    lastRetryAfter = response.headers?.['retry-after'] as string | undefined;
    return response;
  }, [DEV]);
  url = server.url;
});
after(() => {
  server.close();
  service.cleanup();
});

describe('TokenClient', () => {
  it('caches each token until refreshAfter and shares one request among concurrent callers', async () => {
    let now = Date.now();
    const client = new TokenClient({ url, credentials, now: () => now });
    const before = requests;
    const burst = await Promise.all(Array.from({ length: 20 }, () => client.getToken('ci', { scope: ['GET /v1/builds'] })));
    assert.equal(requests - before, 1);
    assert.ok(burst.every((r) => r === burst[0]));
    verifyEs256(burst[0]!.token, service.key.publicKey);
    await client.getToken('ci', { scope: ['GET /v1/builds'] });
    assert.equal(requests - before, 1, 'served from the cache');
    await client.getToken('ci', { scope: ['GET /v1/apps/1/builds'] });
    assert.equal(requests - before, 2, 'another scope is another token');
    now = Date.parse(burst[0]!.refreshAfter);
    const refreshed = await client.getToken('ci', { scope: ['GET /v1/builds'] });
    assert.equal(requests - before, 3);
    assert.notEqual(refreshed.tokenSha256, burst[0]!.tokenSha256);
  });

  it('rejects with the service\'s code, and caches nothing on failure', async () => {
    const client = new TokenClient({ url, credentials });
    for (const [profile, options, code, status] of [
      ['other-team', {}, 'forbidden', 403],
      ['ci', { scope: ['GET /v1/users'] }, 'scope_not_allowed', 403],
      ['ci', {}, 'scope_required', 400],
      ['ci', { scope: ['GET /v1/builds'], ttl: 5000 }, 'ttl_out_of_range', 400],
    ] as const) {
      await assert.rejects(client.getToken(profile, options), (error: unknown) => {
        assert.ok(error instanceof TokenClientError);
        assert.equal(error.code, code);
        assert.equal(error.status, status);
        assert.match(error.requestId ?? '', /^[0-9a-f-]{36}$/);
        return true;
      });
    }
  });

  it('retries a 503 before giving up with its code, waiting no longer than its Retry-After', async () => {
    const waits: number[] = [];
    const client = new TokenClient({ url, credentials, attempts: 2, sleep: async (ms) => void waits.push(ms) });
    const before = requests;
    await assert.rejects(client.getToken('missing-key'), (error: unknown) => error instanceof TokenClientError && error.code === 'key_unavailable' && error.status === 503);
    assert.equal(requests - before, 2);
    assert.equal(waits.length, 1);
    assert.ok(Number(lastRetryAfter) >= 1, `Retry-After ${lastRetryAfter}`);
    assert.ok(waits[0]! >= 0 && waits[0]! <= Number(lastRetryAfter) * 1000, `waited ${waits[0]} ms`);
  });

  it('reports an unreachable service as code "network"', async () => {
    const client = new TokenClient({ url: closedUrl, credentials, attempts: 1 });
    await assert.rejects(client.getToken('ci'), (error: unknown) => error instanceof TokenClientError && error.code === 'network' && error.status === 0);
  });

  it('refuses to be built without a URL', () => {
    assert.throws(() => new TokenClient({ url: '' }), TypeError);
    assert.throws(() => new TokenClient({ url: 'not a url' }), TypeError);
  });
});

describe('asc-token in CI', () => {
  const cli = async (argv: string[], env: Record<string, string> = {}) => {
    let stdout = '';
    let stderr = '';
    const code = await main(argv, { stdout: (t) => (stdout += t), stderr: (t) => (stderr += t), env, cwd: process.cwd(), now: Date.now }, { credentials, sleep: async () => {} });
    trackOutput(stderr);
    return { code, stdout, stderr };
  };

  it('--output github masks the token first and puts it only in $GITHUB_ENV', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'asc-gh-'));
    try {
      const githubEnv = join(dir, 'env');
      writeFileSync(githubEnv, 'EXISTING=1\n');
      const result = await cli(['token', 'release', '--url', url, '--output', 'github'], { GITHUB_ENV: githubEnv });
      assert.equal(result.code, 0, result.stderr);
      const written = readFileSync(githubEnv, 'utf8');
      const token = /^ASC_TOKEN=(.+)$/m.exec(written)?.[1] ?? '';
      verifyEs256(token, service.key.publicKey);
      assert.match(written, /^EXISTING=1\nASC_TOKEN=.+\nASC_TOKEN_EXPIRES_AT=\d{4}-.+Z\n$/);
      const [mask, ...rest] = result.stdout.split('\n');
      assert.equal(mask, `::add-mask::${token}`);
      assert.ok(!rest.join('\n').includes(token));
      assert.match(rest[0] ?? '', /^ASC_TOKEN is set for the following steps \(profile release, key 2X9R4HXF34, expires .*, sha256 [0-9a-f]{12}…\)$/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('env output is shell- and dotenv-friendly', async () => {
    const result = await cli(['token', 'release', '--url', url, '--output', 'env']);
    assert.match(result.stdout, /^ASC_TOKEN=[\w-]+\.[\w-]+\.[\w-]+\nASC_TOKEN_EXPIRES_AT=\S+\n$/);
  });

  it('a server that is down: exit 5 with an actionable message', async () => {
    const result = await cli(['token', 'release', '--url', closedUrl]);
    assert.equal(result.code, 5);
    assert.match(result.stderr, /^asc-token: unavailable: cannot reach http:\/\/127.0.0.1:\d+ \(ECONNREFUSED\)\nhint: Check --url/);
  });

  it('no URL: exit 2', async () => {
    const result = await cli(['token', 'release']);
    assert.equal(result.code, 2);
    assert.match(result.stderr, /pass --url or set ASC_TOKEN_URL/);
  });

  it('ASC_TOKEN_URL stands in for --url', async () => {
    const result = await cli(['token', 'release'], { ASC_TOKEN_URL: url });
    assert.equal(result.code, 0, result.stderr);
  });
});
