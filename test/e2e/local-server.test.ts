/**
 * Over HTTP: the local server (the real handler behind SigV4 checked like API Gateway) with requests signed by
 * the SDK's signer, by the CLI, and by curl --aws-sigv4.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { once } from 'node:events';
import { connect } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { promisify } from 'node:util';
import { signedRequest } from '../../src/client/http.ts';
import { main } from '../../src/cli/main.ts';
import { startLocalServer } from '../helpers/local-server.ts';
import type { LocalCredential } from '../../src/local/verify.ts';
import { createSigner } from '../../src/sigv4.ts';
import { verifyEs256 } from '../helpers/keys.ts';
import { createService, type Service } from '../helpers/setup.ts';
import { trackOutput } from '../helpers/leaks.ts';

const run = promisify(execFile);
const DEV: LocalCredential = { accessKeyId: 'AKIDLOCALTEST0000001', secretAccessKey: 'local-test-secret-key-0123456789', principalArn: 'arn:aws:sts::000000000000:assumed-role/local-developer/tester' };
const credentials = async () => ({ accessKeyId: DEV.accessKeyId, secretAccessKey: DEV.secretAccessKey });

const curlAvailable = await hasCurl();
let service: Service;
let server: Awaited<ReturnType<typeof startLocalServer>>;
let url: string;
const refusedLog: Array<Record<string, unknown>> = [];
before(async () => {
  service = createService();
  server = await startLocalServer(service.handler, [DEV], { onRefused: (info) => refusedLog.push(info), bodyTimeoutMs: 300 });
  url = server.url;
});
after(() => {
  server.close();
  service.cleanup();
});

/** Sign with the SDK signer, optionally at another time, then send what the test says (possibly tampered). */
async function rawSigned(options: { path: string; body?: string; sendBody?: string; signingDate?: Date; secret?: string; service?: string; dropAuth?: boolean }) {
  const target = new URL(options.path, url);
  const signer = createSigner({ accessKeyId: DEV.accessKeyId, secretAccessKey: options.secret ?? DEV.secretAccessKey }, 'eu-west-1');
  const headers: Record<string, string> = { host: target.host, 'content-type': 'application/json' };
  const signed = await signer.sign(
    { method: 'POST', protocol: 'http:', hostname: target.hostname, port: Number(target.port), path: target.pathname, query: {}, headers, body: options.body },
    { signingDate: options.signingDate ?? new Date(), ...(options.service ? { signingService: options.service } : {}) },
  );
  const sent = { ...signed.headers } as Record<string, string>;
  delete sent.host;
  if (options.dropAuth) delete sent.authorization;
  const response = await fetch(target, { method: 'POST', headers: sent, body: options.sendBody ?? options.body ?? null });
  return { status: response.status, json: (await response.json()) as Record<string, any> };
}

describe('local server: SigV4 like API Gateway', () => {
  it('mints for a correctly signed request', async () => {
    const response = await signedRequest({ method: 'POST', baseUrl: url, path: '/v1/tokens/ci', body: JSON.stringify({ scope: ['GET /v1/builds'], ttl: 300 }), credentials });
    assert.equal(response.status, 200, response.text);
    const { payload } = verifyEs256((response.json as { token: string }).token, service.key.publicKey);
    assert.deepEqual(payload.scope, ['GET /v1/builds']);
    const audit = service.logs.audits().at(-1);
    assert.equal(audit?.principal, 'arn:aws:iam::000000000000:role/local-developer');
    assert.equal(audit?.session, 'tester');
    assert.equal(audit?.sourceIp, '127.0.0.1');
  });

  const refusals: Array<[string, Parameters<typeof rawSigned>[0], RegExp]> = [
    ['unsigned', { path: '/v1/tokens/release', dropAuth: true }, /missing Authorization/],
    ['signed with the wrong secret', { path: '/v1/tokens/release', secret: 'not-the-secret' }, /signature does not match/],
    ['signed more than 15 minutes ago', { path: '/v1/tokens/release', signingDate: new Date(Date.now() - 16 * 60_000) }, /15 minutes/],
    ['signed more than 15 minutes ahead', { path: '/v1/tokens/release', signingDate: new Date(Date.now() + 16 * 60_000) }, /15 minutes/],
    ['signed for another service', { path: '/v1/tokens/release', service: 's3' }, /service "s3"/],
    ['body changed after signing', { path: '/v1/tokens/release', body: '{"ttl":300}', sendBody: '{"ttl":1200}' }, /x-amz-content-sha256 does not match|signature does not match/],
  ];
  for (const [name, options, reason] of refusals) {
    it(`refuses a request ${name} with 403 problem+json`, async () => {
      const response = await rawSigned(options);
      assert.equal(response.status, 403);
      assert.equal(response.json.code, 'forbidden');
      assert.match(response.json.detail, reason);
    });
  }

  it('refuses a body changed after signing even without x-amz-content-sha256', async () => {
    const target = new URL('/v1/tokens/release', url);
    const signer = createSigner({ accessKeyId: DEV.accessKeyId, secretAccessKey: DEV.secretAccessKey }, 'us-east-1', false);
    const signed = await signer.sign({ method: 'POST', protocol: 'http:', hostname: target.hostname, path: target.pathname, query: {}, headers: { host: target.host, 'content-type': 'application/json' }, body: '{"ttl":300}' });
    const headers = { ...signed.headers } as Record<string, string>;
    delete headers.host;
    assert.equal(headers['x-amz-content-sha256'], undefined);
    const response = await fetch(target, { method: 'POST', headers, body: '{"ttl":1200}' });
    assert.equal(response.status, 403);
  });

  it('checks the query string too: signed queries pass, a query changed after signing does not', async () => {
    for (const path of ['/v1/profiles?z=1&b=2', '/v1/profiles?a=b%20c&x=%2F%3D&x=2']) {
      const response = await signedRequest({ method: 'GET', baseUrl: url, path, credentials });
      assert.equal(response.status, 200, `${path}: ${response.text}`);
    }
    const target = new URL('/v1/profiles', url);
    const signed = await createSigner({ accessKeyId: DEV.accessKeyId, secretAccessKey: DEV.secretAccessKey }, 'us-east-1').sign({
      method: 'GET', protocol: 'http:', hostname: target.hostname, port: Number(target.port), path: target.pathname, query: { a: '1' }, headers: { host: target.host },
    });
    const headers = { ...signed.headers } as Record<string, string>;
    delete headers.host;
    const tampered = await fetch(`${target.href}?a=2`, { headers });
    assert.equal(tampered.status, 403);
  });

  it('refuses an unknown access key', async () => {
    const response = await signedRequest({ method: 'POST', baseUrl: url, path: '/v1/tokens/release', credentials: async () => ({ accessKeyId: 'AKIDUNKNOWN', secretAccessKey: 'x' }) });
    assert.equal(response.status, 403);
    assert.match((response.json as { detail: string }).detail, /unknown access key/);
  });

  it('accepts curl --aws-sigv4, as the README\'s quickstart shows it', { skip: !curlAvailable && 'curl is not installed' }, async () => {
    const { stdout } = await run('curl', ['-sS', '--aws-sigv4', 'aws:amz:us-east-1:execute-api', '--user', `${DEV.accessKeyId}:${DEV.secretAccessKey}`, '-X', 'POST', `${url}/v1/tokens/release`]);
    const body = JSON.parse(stdout);
    assert.equal(body.profile, 'release', stdout);
    verifyEs256(body.token, service.key.publicKey);
    const withBody = await run('curl', ['-sS', '--aws-sigv4', 'aws:amz:us-east-1:execute-api', '--user', `${DEV.accessKeyId}:${DEV.secretAccessKey}`, '-H', 'content-type: application/json', '-d', '{"scope":["GET /v1/apps/7/builds"],"ttl":120}', `${url}/v1/tokens/ci`]);
    assert.deepEqual(JSON.parse(withBody.stdout).scope, ['GET /v1/apps/7/builds'], withBody.stdout);
  });
});

/** Send raw bytes and read the whole answer (the server closes the connection, or `end` is sent). */
async function rawHttp(head: string, body: string | undefined, options: { endAfterMs?: number } = {}): Promise<{ status: number; text: string; closedBeforeBodySent: boolean; json: Record<string, any> }> {
  const target = new URL(url);
  const socket = connect(Number(target.port), target.hostname);
  await once(socket, 'connect');
  let text = '';
  socket.setEncoding('utf8');
  socket.on('data', (chunk: string) => (text += chunk));
  socket.on('error', () => {});
  socket.setTimeout(5000, () => socket.destroy()); // a server that never answers fails the test instead of hanging it
  socket.write(head);
  let closed = false;
  socket.on('close', () => (closed = true));
  if (body !== undefined) socket.write(body);
  if (options.endAfterMs !== undefined) setTimeout(() => socket.end(), options.endAfterMs).unref();
  await once(socket, 'close');
  const status = Number(/^HTTP\/1\.1 (\d{3})/.exec(text)?.[1]);
  const json = JSON.parse(text.slice(text.indexOf('\r\n\r\n') + 4) || '{}');
  trackOutput(text);
  return { status, text, closedBeforeBodySent: closed, json };
}

describe('local server hardening (finding #12.11)', () => {
  const signedHead = async (headers: Record<string, string>, body: string) => {
    const target = new URL('/v1/tokens/release', url);
    const signed = await createSigner({ accessKeyId: DEV.accessKeyId, secretAccessKey: DEV.secretAccessKey }, 'us-east-1').sign({
      method: 'POST', protocol: 'http:', hostname: target.hostname, port: Number(target.port), path: target.pathname, query: {}, headers: { host: target.host, ...headers }, body,
    });
    return Object.entries(signed.headers).map(([name, value]) => `${name}: ${value}\r\n`).join('');
  };

  it('refuses a repeated content-type (the signature and the event would see different values), logged with the request ID', async () => {
    const body = '{"ttl":300}';
    const head = `POST /v1/tokens/release HTTP/1.1\r\n${await signedHead({ 'content-type': 'application/json' }, body)}content-type: text/plain\r\ncontent-length: ${body.length}\r\n\r\n`;
    const response = await rawHttp(head, body);
    assert.equal(response.status, 400, response.text);
    assert.equal(response.json.code, 'invalid_request');
    assert.match(response.json.detail, /content-type header appears more than once/);
    assert.deepEqual(refusedLog.at(-1), { requestId: response.json.requestId, method: 'POST', path: '/v1/tokens/release', status: 400, reason: 'repeated content-type header', sourceIp: '127.0.0.1' });
  });

  it('refuses a declared oversized body at once, without reading it', async () => {
    const response = await rawHttp('POST /v1/tokens/release HTTP/1.1\r\nhost: x\r\ncontent-length: 104857600\r\n\r\n', undefined);
    assert.equal(response.status, 413);
    assert.equal(refusedLog.at(-1)?.requestId, response.json.requestId);
  });

  it('stops reading a streamed body past the limit and closes the connection', async () => {
    const chunk = 'a'.repeat(16 * 1024);
    const head = 'POST /v1/tokens/release HTTP/1.1\r\nhost: x\r\ntransfer-encoding: chunked\r\n\r\n';
    // 5 chunks of 16 KiB pass the 64 KiB limit; the terminating chunk is never sent, so only a server that stops
    // reading answers at all.
    const response = await rawHttp(head, `${chunk.length.toString(16)}\r\n${chunk}\r\n`.repeat(5));
    assert.equal(response.status, 413, response.text);
    assert.match(response.text, /connection: close/i);
  });

  it('times out a body that does not arrive', async () => {
    const response = await rawHttp('POST /v1/tokens/release HTTP/1.1\r\nhost: x\r\ncontent-length: 100\r\n\r\n', '{"tt');
    assert.equal(response.status, 400, response.text);
    assert.match(response.json.detail, /did not arrive in time/);
    assert.equal(refusedLog.at(-1)?.reason, 'body timeout');
  });

  it('a SigV4 refusal\'s request ID is the one in the log', async () => {
    const response = await rawSigned({ path: '/v1/tokens/release', secret: 'wrong' });
    assert.equal(response.status, 403);
    assert.equal(refusedLog.at(-1)?.requestId, response.json.requestId);
    assert.match(String(refusedLog.at(-1)?.reason), /signature does not match/);
  });

  it('404 and 405 answers are logged with their request IDs', async () => {
    for (const [method, path, code] of [['GET', '/v1/nothing', 'not_found'], ['GET', '/v1/tokens/release', 'method_not_allowed']] as const) {
      const response = await signedRequest({ method, baseUrl: url, path, credentials });
      const requestId = (response.json as { requestId: string }).requestId;
      const logged = service.logs.records().find((r) => r.message === 'request refused' && r.requestId === requestId);
      assert.equal(logged?.code, code, `${method} ${path}`);
      assert.equal(logged?.path, path);
    }
  });
});

describe('the CLI against the local server', () => {
  const cli = async (...argv: string[]) => {
    let stdout = '';
    let stderr = '';
    const code = await main(argv, { stdout: (t) => (stdout += t), stderr: (t) => (stderr += t), env: {}, cwd: process.cwd(), now: Date.now }, { credentials, sleep: async () => {} });
    trackOutput(stderr);
    return { code, stdout, stderr };
  };

  it('token prints the raw token', async () => {
    const result = await cli('token', 'ci', '--url', url, '--scope', 'GET /v1/apps/1/builds', '--ttl', '300');
    assert.equal(result.code, 0, result.stderr);
    const { payload } = verifyEs256(result.stdout.trim(), service.key.publicKey);
    assert.equal((payload.exp as number) - (payload.iat as number), 300);
  });

  it('refusals map to exit codes with the code, detail and a hint', async () => {
    const refused = await cli('token', 'other-team', '--url', url);
    assert.equal(refused.code, 3);
    assert.match(refused.stderr, /^asc-token: forbidden: .*\(request [0-9a-f-]+\)\nhint: /);
    const bad = await cli('token', 'ci', '--url', url);
    assert.equal(bad.code, 4);
    assert.match(bad.stderr, /scope_required/);
    const unavailable = await cli('token', 'missing-key', '--url', url);
    assert.equal(unavailable.code, 5);
    assert.match(unavailable.stderr, /key_unavailable/);
    assert.equal(refused.stdout + bad.stdout + unavailable.stdout, '');
  });

  it('profiles shows the caller and its profiles', async () => {
    const result = await cli('profiles', '--url', url);
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stdout, /^caller {2}arn:aws:iam::000000000000:role\/local-developer \(session tester\)/);
    assert.match(result.stdout, /\nci {2}\(app-store-connect, ttl 600s, max 1200s\)\n {2}GET \/v1\/builds\n/);
    assert.doesNotMatch(result.stdout, /other-team/);
  });
});

async function hasCurl(): Promise<boolean> {
  try {
    await run('curl', ['--version']);
    return true;
  } catch {
    return false;
  }
}
