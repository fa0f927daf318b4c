/** Upload operations: checked before a byte is sent, then each sent as Apple gave it. */
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { AscError } from '../../src/asc/errors.ts';
import { checkOperations, chunkBuffers, sendOperations, sha256File, type UploadOperation } from '../../src/asc/transfer.ts';

const op = (offset: number, length: number, url = 'https://upload.example.com/p?X-Amz-Signature=abc'): UploadOperation => ({ method: 'PUT', url, offset, length, requestHeaders: [] });

describe('checkOperations', () => {
  it('takes operations in any order that cover the file exactly once', () => {
    assert.equal(checkOperations([op(5, 5), op(0, 5)], 10).length, 2);
  });

  it('refuses gaps, overlaps, ranges outside the file, plain http and malformed entries', () => {
    const cases: Array<[unknown, RegExp]> = [
      [[], /there are none/],
      [undefined, /there are none/],
      [[op(0, 4), op(5, 5)], /bytes 4–4 are in no operation/],
      [[op(0, 6), op(5, 5)], /overlap at byte 5/],
      [[op(0, 5)], /bytes 5–9 are in no operation/],
      [[op(0, 11)], /outside the 10-byte file/],
      [[op(-1, 11)], /outside/],
      [[{ ...op(0, 10), length: 2.5 }], /outside/],
      [[op(0, 10, 'http://upload.example.com/p')], /operation 1 is not an https URL off this machine \(http:\/\/upload\.example\.com\)/],
      [[op(0, 5), op(5, 5, 'http://127.0.0.1:2375/v1.41/containers/create')], /operation 2 is not an https URL off this machine \(http:\/\/127\.0\.0\.1:2375\)/],
      [[op(0, 10, 'https://localhost:2376/p')], /not an https URL off this machine \(https:\/\/localhost:2376\)/],
      [[op(0, 10, 'not a url')], /no absolute URL/],
      [[{ ...op(0, 10), method: 'put it' }], /no usable method/],
      [[{ ...op(0, 10), requestHeaders: [{ name: 'x' }] }], /malformed request headers/],
    ];
    for (const [operations, message] of cases) {
      for (const apiBase of [undefined, new URL('https://api.appstoreconnect.apple.com')]) {
        assert.throws(() => checkOperations(operations, 10, apiBase), (error: unknown) => error instanceof AscError && error.code === 'bad_response' && message.test(error.message), String(message));
      }
    }
  });

  it('the checks at their edges: methods, headers, zero-length ranges, what is returned, and the hint', () => {
    const { requestHeaders: _, ...bare } = op(0, 10);
    assert.deepEqual(checkOperations([bare], 10), [{ ...op(0, 10), requestHeaders: [] }], 'no headers: none');
    const headers = [{ name: 'Content-Type', value: 'application/octet-stream' }];
    assert.deepEqual(checkOperations([{ ...op(0, 10), requestHeaders: headers, extra: 1 }], 10), [{ method: 'PUT', url: 'https://upload.example.com/p?X-Amz-Signature=abc', offset: 0, length: 10, requestHeaders: headers }]);
    for (const method of ['GET', 'DELETE', 'OPTIONS']) assert.equal(checkOperations([{ ...op(0, 10), method }], 10)[0]?.method, method);
    const refused = (operations: unknown[], message: RegExp) =>
      assert.throws(() => checkOperations(operations, 10), (error: unknown) => {
        assert.ok(error instanceof AscError);
        assert.match(error.message, /^Apple's upload operations for this file cannot be used: /);
        assert.match(error.message, message);
        assert.equal(error.hint, 'Run it again; if it persists, App Store Connect changed its upload API: report it with the build upload ID.');
        return true;
      }, String(message));
    for (const method of [['PUT'], 'PU', 'PUTPUTPU', 'pPUT', 'PUTp', 'put', undefined]) refused([{ ...op(0, 10), method }], /operation 1 has no usable method/);
    refused([null], /operation 1 has no usable method/);
    refused([op(0, 5), { ...op(5, 5), method: 'x' }], /operation 2 has no usable method/);
    for (const requestHeaders of ['x', [null], [{ value: 'x' }], [{ name: 5, value: 'x' }], [{ name: 'x', value: 5 }], [{ name: 'a', value: 'b' }, 'c']]) refused([{ ...op(0, 10), requestHeaders }], /operation 1 has malformed request headers/);
    refused([op(0, 0), op(0, 10)], /operation 1 has a byte range outside the 10-byte file/);
    refused([op(0, 10), op(10, 0)], /operation 2 has a byte range outside/);
    refused([{ ...op(0, 10), offset: '0' }], /outside/);
    refused([{ ...op(0, 10), length: 2 ** 53 }], /outside/);
  });

  it('takes operations on this machine (http too) only from an API on loopback itself (issue #20, finding 4)', () => {
    const local = [op(0, 5, 'http://127.0.0.1:9/p'), op(5, 5, 'https://localhost:9/p')];
    assert.deepEqual(checkOperations(local, 10, new URL('http://127.0.0.1:8080')).map((o) => o.url), ['http://127.0.0.1:9/p', 'https://localhost:9/p']);
    assert.throws(() => checkOperations(local, 10, new URL('https://api.appstoreconnect.apple.com')), /operation 1 is not an https URL off this machine/);
    assert.throws(() => checkOperations(local, 10), /operation 1 is not an https URL off this machine/);
  });
});

describe('sendOperations', () => {
  let dir: string;
  let file: string;
  const seen: Array<{ method: string; url: string; headers: Record<string, unknown>; body: Buffer }> = [];
  const server = createServer(async (req, res) => {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    if (res.headersSent) return; // answered early (below)
    seen.push({ method: req.method ?? '', url: req.url ?? '', headers: req.headers, body: Buffer.concat(chunks) });
    res.writeHead(req.url?.includes('refuse') ? 400 : 200).end('<Error>internal detail</Error>');
  });
  // Answers the first attempt at /early at once, before reading its body (as a storage that refuses early does).
  let earlyAnswered = false;
  server.prependListener('request', (req, res) => {
    if (req.url !== '/early' || earlyAnswered) return;
    earlyAnswered = true;
    res.writeHead(503).end();
  });
  let base = '';
  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'asc-transfer-'));
    file = join(dir, 'f.bin');
    writeFileSync(file, Buffer.from('0123456789abcdefghij'));
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  after(() => {
    server.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('sends each range with its method and headers as given; the HTTP layer sets the framing', async () => {
    seen.length = 0;
    const operations: UploadOperation[] = [
      { method: 'PUT', url: `${base}/a?sig=1`, offset: 0, length: 12, requestHeaders: [{ name: 'Content-Type', value: 'application/octet-stream' }, { name: 'x-amz-meta-part', value: 'one' }, { name: 'Content-Length', value: '999' }, { name: 'Host', value: 'evil.example.com' }] },
      { method: 'POST', url: `${base}/b`, offset: 12, length: 8, requestHeaders: [] },
    ];
    const sent: number[] = [];
    await sendOperations({ file, size: 20, operations, concurrency: 1, onBytes: (n) => sent.push(n) });
    assert.deepEqual(seen.map((s) => [s.method, s.url, s.body.toString()]), [['PUT', '/a?sig=1', '0123456789ab'], ['POST', '/b', 'cdefghij']]);
    assert.equal(seen[0]!.headers['content-type'], 'application/octet-stream');
    assert.equal(seen[0]!.headers['x-amz-meta-part'], 'one');
    assert.equal(seen[0]!.headers['content-length'], '12');
    assert.match(String(seen[0]!.headers.host), /^127\.0\.0\.1:\d+$/);
    assert.equal(seen[0]!.headers.authorization, undefined);
    assert.equal(sent.at(-1), 20);
  });

  it('a 4xx is final: upload_refused, naming the part and host, never the URL’s query or the storage’s answer', async () => {
    await assert.rejects(sendOperations({ file, size: 20, operations: [op(0, 20, `${base}/refuse?X-Amz-Signature=secret-signature`)] }), (error: unknown) => {
      assert.ok(error instanceof AscError);
      assert.equal(error.code, 'upload_refused');
      assert.match(error.message, /^Apple's upload storage refused part 1 of 1 \(bytes 0–19\) to 127\.0\.0\.1:\d+ with HTTP 400$/);
      assert.ok(!JSON.stringify({ m: error.message, h: error.hint }).includes('secret-signature'));
      assert.ok(!error.message.includes('internal detail'));
      return true;
    });
  });

  it('parts of several MiB share the reserved chunk buffers, also after an attempt answered early, and arrive exact', async () => {
    seen.length = 0;
    const MiB = 1024 * 1024;
    const bytes = randomBytes(6 * MiB + 12345);
    const big = join(dir, 'big.bin');
    writeFileSync(big, bytes);
    const bounds = [0, 2 * MiB + 7, 4 * MiB + 100, bytes.length];
    const operations = bounds.slice(1).map((end, i) => ({ method: 'PUT', url: `${base}/${i === 1 ? 'early' : `part${i}`}`, offset: bounds[i]!, length: end - bounds[i]!, requestHeaders: [] }));
    const buffers = chunkBuffers(2);
    const reserved = new Set(buffers.flat());
    assert.equal(await sha256File(big, buffers[0]![0]), createHash('sha256').update(bytes).digest('hex'), 'the checksum through a reserved buffer');
    for (const b of reserved) b.fill(0xaa);
    earlyAnswered = false;
    await sendOperations({ file: big, size: bytes.length, operations, concurrency: 2, buffers, sleep: async () => {} });
    assert.ok(earlyAnswered, 'the first attempt at part 2 was answered before its body');
    const bodies = new Map(seen.map((s) => [s.url, s.body]));
    for (const [i, o] of operations.entries()) assert.ok(bodies.get(new URL(o.url).pathname)?.equals(bytes.subarray(o.offset, o.offset + o.length)), `part ${i + 1} arrived exact`);
    assert.deepEqual(seen.map((s) => s.url).sort(), ['/early', '/part0', '/part2'], 'each part once, the early attempt not counted');
    // Every reserved buffer comes back; the retry took a set of its own while the early attempt's writes were pending.
    await new Promise((resolve) => setTimeout(resolve, 50));
    const pooled = buffers.flat();
    assert.ok([...reserved].every((b) => pooled.includes(b)), 'every reserved buffer is back in the pool');
    assert.ok([...reserved].every((b) => !b.equals(Buffer.alloc(b.length, 0xaa))), 'every reserved buffer was read into');
    const perPart = chunkBuffers(1)[0]!.length;
    assert.ok(buffers.length <= 3 && buffers.every((set) => set.length === perPart && new Set(set).size === perPart), `at most one more set of ${perPart} (${buffers.map((set) => set.length).join(', ')})`);
  });

  it('a header Node cannot send is a bad_response, not a retry loop', async () => {
    const operations = [{ ...op(0, 20, `${base}/x`), requestHeaders: [{ name: 'bad header', value: 'x' }] }];
    await assert.rejects(sendOperations({ file, size: 20, operations, sleep: async () => assert.fail('no retry') }), (error: unknown) => error instanceof AscError && error.code === 'bad_response');
  });
});
