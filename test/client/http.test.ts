/**
 * The client's HTTP exchange (src/client/http.ts, node:http rather than fetch) against loopback servers that
 * misbehave at the socket level: one that never answers, one that resets mid-answer, one that answers without
 * end, one that throttles. The well-behaved service is covered end to end (test/e2e/).
 */
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, describe, it } from 'node:test';
import { signedRequest } from '../../src/client/http.ts';
import { NetworkError, signedRequestWithRetry } from '../../src/client/service.ts';

const credentials = async () => ({ accessKeyId: 'AKIDHTTPTEST00000001', secretAccessKey: 'http-test-secret' });
const servers: Server[] = [];
after(() => {
  for (const server of servers) {
    server.close();
    server.closeAllConnections();
  }
});

async function serve(handler: (req: IncomingMessage, res: ServerResponse) => void): Promise<{ url: string; hits: () => number }> {
  let hits = 0;
  const server = createServer((req, res) => {
    hits++;
    handler(req, res);
  });
  servers.push(server);
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, hits: () => hits };
}

describe('signedRequest over node:http', () => {
  it('sends the signed request with its body and reads the answer', async () => {
    let seen: { method?: string; headers?: IncomingMessage['headers']; body?: string } = {};
    const { url } = await serve(async (req, res) => {
      let body = '';
      for await (const chunk of req) body += chunk;
      seen = { method: req.method, headers: req.headers, body };
      res.writeHead(201, { 'content-type': 'application/json', 'x-amzn-requestid': 'r-1' }).end('{"ok":true}');
    });
    const response = await signedRequest({ method: 'POST', baseUrl: `${url}/prod`, path: '/v1/tokens/ci', body: '{"ttl":300}', credentials, userAgent: 'test/1' });
    assert.equal(response.status, 201);
    assert.deepEqual(response.json, { ok: true });
    assert.equal(response.headers.get('x-amzn-requestid'), 'r-1');
    assert.equal(seen.method, 'POST');
    assert.equal(seen.body, '{"ttl":300}');
    assert.equal(seen.headers?.['content-length'], '11');
    assert.equal(seen.headers?.['user-agent'], 'test/1');
    assert.match(String(seen.headers?.authorization), /^AWS4-HMAC-SHA256 Credential=AKIDHTTPTEST00000001\/\d{8}\/us-east-1\/execute-api\/aws4_request, SignedHeaders=/);
  });

  it('gives up on a server that never answers at the deadline: a network failure (ETIMEDOUT), retried', async () => {
    const { url, hits } = await serve(() => {});
    let waits = 0;
    await assert.rejects(
      signedRequestWithRetry({ method: 'POST', baseUrl: url, path: '/v1/tokens/ci', credentials, timeoutMs: 50 }, { attempts: 2, sleep: async () => void waits++ }),
      (error: unknown) => error instanceof NetworkError && error.message === `cannot reach ${url} (ETIMEDOUT)`,
    );
    // Two attempts, a wait between them. The server may not have seen both: on a busy machine a 50 ms deadline can
    // pass before the request reaches it.
    assert.equal(waits, 1);
    assert.ok(hits() >= 1 && hits() <= 2, `${hits()} requests`);
  });

  it('treats an answer cut off mid-body as a network failure, retried, and leaves no deadline running', async () => {
    const { url, hits } = await serve((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json', 'content-length': '1000' });
      res.write('{"token":"eyJ');
      setImmediate(() => res.socket?.destroy());
    });
    const timers = () => process.getActiveResourcesInfo().filter((r) => r === 'Timeout').length;
    const before = timers();
    await assert.rejects(
      signedRequestWithRetry({ method: 'POST', baseUrl: url, path: '/v1/tokens/ci', credentials }, { attempts: 3, sleep: async () => {} }),
      (error: unknown) => error instanceof NetworkError && /^cannot reach http:\/\/127\.0\.0\.1:\d+ \(\w+\)$/.test(error.message),
    );
    assert.equal(hits(), 3);
    // A deadline left running would keep the process alive: `asc-token token` would exit only 10 s later.
    assert.equal(timers(), before, 'a deadline timer is still running');
  });

  it('reads no more than 1 MiB of an answer: a longer one is refused as it arrives, the rest never received', async () => {
    let written = 0;
    let closed: () => void = () => {};
    const stopped = new Promise<void>((resolve) => (closed = resolve));
    const { url } = await serve((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.write('{"token":"');
      const chunk = 'x'.repeat(64 * 1024);
      const more = () => {
        // An answer with no end: only the client hanging up stops it.
        while (written < 256 * 1024 * 1024 && res.write(chunk)) written += chunk.length;
        if (written < 256 * 1024 * 1024) res.once('drain', more);
      };
      res.on('close', closed);
      more();
    });
    await assert.rejects(signedRequest({ method: 'POST', baseUrl: url, path: '/v1/tokens/ci', credentials }), (error: unknown) => (error as { code?: string }).code === 'EANSWERTOOLARGE');
    await stopped;
    assert.ok(written < 16 * 1024 * 1024, `the server wrote ${written} bytes before the client hung up`);
  });

  it('honours Retry-After on a 429 (capped at 10 s) and returns the last answer', async () => {
    const { url, hits } = await serve((_req, res) => res.writeHead(429, { 'retry-after': '3', 'content-type': 'application/json' }).end('{"code":"throttled"}'));
    const waits: number[] = [];
    const response = await signedRequestWithRetry({ method: 'GET', baseUrl: url, path: '/v1/profiles', credentials }, { attempts: 3, sleep: async (ms) => void waits.push(ms) });
    assert.equal(response.status, 429);
    assert.deepEqual(response.json, { code: 'throttled' });
    assert.equal(hits(), 3);
    assert.equal(waits.length, 2);
    for (const ms of waits) assert.ok(ms >= 0 && ms <= 3000, `waited ${ms} ms`);
  });
});
