/**
 * Sending a file to the upload operations Apple returns (method, URL, offset, length, request headers), each as
 * given: several parts in flight, each part streamed from disk (memory does not grow with the file) and retried
 * on its own. Apple's upload URLs are presigned: they get no bearer token, and neither their query string nor
 * what the storage answers is ever printed.
 */
import { createHash } from 'node:crypto';
import { readSync } from 'node:fs';
import { open, type FileHandle } from 'node:fs/promises';
import { Agent as HttpAgent, request as httpRequest, type ClientRequest, type IncomingMessage } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';
import { TRANSFER_RETRY, defaultSleep, retryDelayMs, shouldRetry } from '../client/retry.ts';
import { proxyAgentFor } from '../net/outbound.ts';
import { isAllowedAnswerUrl } from './endpoint.ts';
import { AscError } from './errors.ts';

export interface UploadOperation {
  method: string;
  url: string;
  offset: number;
  length: number;
  requestHeaders: Array<{ name: string; value: string }>;
}

export interface TransferOptions {
  file: string;
  size: number;
  operations: UploadOperation[];
  /** Parts in flight at once (default 4). */
  concurrency?: number;
  /** Attempts per part on network failures, 408, 429 and 5xx (default 5). */
  attempts?: number;
  /** Idle timeout of one part's connection (default 120 s). */
  idleTimeoutMs?: number;
  /**
   * Chunk buffers to send from ({@link chunkBuffers}): reserved while the API calls wait, the garbage collection
   * their allocation sets off runs then, not in the middle of the transfer. Default: allocated as parts start.
   */
  buffers?: Buffer[][];
  /** Bytes sent so far, across parts (goes down when a part starts over). */
  onBytes?: (sent: number) => void;
  onRetry?: (info: { part: number; of: number; attempt: number; reason: string; delayMs: number }) => void;
  sleep?: (ms: number) => Promise<void>;
}

/** The upload's own keep-alive agents, and the proxy's for the parts a proxy applies to. */
type Agents = { http: HttpAgent; https: HttpsAgent; proxied: Map<string, HttpAgent | undefined> };

/** Headers the HTTP layer owns: the connection's and the body's framing, set from the operation itself. */
const OWN_HEADERS = new Set(['host', 'content-length', 'transfer-encoding', 'connection', 'keep-alive', 'expect', 'upgrade']);
/**
 * Each part is read in 128 KiB chunks into four buffers (one being read while three are being sent), and the next
 * part takes the same four once the last of them has gone to the socket: memory stays at 512 KiB per part in
 * flight whatever the file's size, and no fresh buffer per chunk or per part means no page faults and no garbage
 * (fresh buffers per part cost two full garbage collections in a 96 MiB upload of 5 MiB parts, BENCHMARKS.md).
 *
 * A chunk is read synchronously, on the thread that then writes it to the socket, as curl does: the bytes are
 * still in that core's cache when the kernel copies them into the socket. Read on libuv's thread pool into 1 MiB
 * buffers, each byte crossed memory twice more, and the sender took ~1.9 × curl's CPU for the same parts; this way
 * ~1.1 × (BENCHMARKS.md, upload at the parts floor). The cost: a read from a slow disk holds the event loop, while
 * the other parts' bytes already written wait in the kernel's socket buffers.
 */
const CHUNK = 128 * 1024;
const BUFFERS = 4;
/** {@link sha256File} reads in larger pieces: it runs while the API calls wait, on the thread pool. */
const HASH_CHUNK = 1024 * 1024;

/**
 * Check Apple's operations before sending a byte: each an https URL — on this machine (http or https) only when
 * `apiBase`, the API that answered, is on loopback itself (src/asc/endpoint.ts) —, a method, and a range inside the
 * file; together they cover the file exactly once.
 * @throws AscError `bad_response` saying what is wrong.
 */
export function checkOperations(operations: unknown, size: number, apiBase?: URL): UploadOperation[] {
  if (!Array.isArray(operations) || operations.length === 0) throw badOperations('there are none');
  const checked = operations.map((raw, index): UploadOperation => {
    const op = raw as Partial<UploadOperation> | null;
    const at = `operation ${index + 1}`;
    if (typeof op?.method !== 'string' || !/^[A-Z]{3,7}$/.test(op.method)) throw badOperations(`${at} has no usable method`);
    let url: URL;
    try {
      url = new URL(String(op.url));
    } catch {
      throw badOperations(`${at} has no absolute URL`);
    }
    if (!isAllowedAnswerUrl(url, apiBase)) throw badOperations(`${at} is not an https URL off this machine (${url.protocol}//${url.host})`);
    if (!Number.isSafeInteger(op.offset) || !Number.isSafeInteger(op.length) || (op.offset as number) < 0 || (op.length as number) <= 0 || (op.offset as number) + (op.length as number) > size) {
      throw badOperations(`${at} has a byte range outside the ${size}-byte file`);
    }
    const headers = op.requestHeaders ?? [];
    if (!Array.isArray(headers) || headers.some((h) => typeof h?.name !== 'string' || typeof h.value !== 'string')) throw badOperations(`${at} has malformed request headers`);
    return { method: op.method, url: url.href, offset: op.offset as number, length: op.length as number, requestHeaders: headers };
  });
  const sorted = [...checked].sort((a, b) => a.offset - b.offset);
  let next = 0;
  for (const op of sorted) {
    if (op.offset !== next) throw badOperations(op.offset > next ? `bytes ${next}–${op.offset - 1} are in no operation` : `operations overlap at byte ${op.offset}`);
    next = op.offset + op.length;
  }
  if (next !== size) throw badOperations(`bytes ${next}–${size - 1} are in no operation`);
  return checked;
}

function badOperations(what: string): AscError {
  return new AscError('bad_response', `Apple's upload operations for this file cannot be used: ${what}`, {
    hint: 'Run it again; if it persists, App Store Connect changed its upload API: report it with the build upload ID.',
  });
}

/**
 * Send every operation. Resolves when all parts were accepted (2xx).
 * @throws AscError `upload_refused` (a 4xx that a retry cannot fix, e.g. an expired URL), `apple_unavailable`
 * (a part still failing after the last attempt).
 */
export async function sendOperations(options: TransferOptions): Promise<void> {
  const operations = options.operations;
  const concurrency = Math.max(1, Math.min(options.concurrency ?? 4, operations.length));
  // Each part's proxy (HTTPS_PROXY, NO_PROXY: src/net/outbound.ts), when one applies to its URL.
  const proxied = new Map(await Promise.all(operations.map(async (op) => [op.url, await proxyAgentFor(new URL(op.url))] as const)));
  const agents: Agents = { http: new HttpAgent({ keepAlive: true, maxSockets: concurrency }), https: new HttpsAgent({ keepAlive: true, maxSockets: concurrency }), proxied };
  const file = await open(options.file, 'r');
  const buffers = options.buffers ?? [];
  const progress = new Array<number>(operations.length).fill(0);
  let total = 0;
  const report = (index: number, bytes: number) => {
    total += bytes - (progress[index] as number);
    progress[index] = bytes;
    options.onBytes?.(total);
  };
  let next = 0;
  let failed: unknown;
  const worker = async () => {
    while (failed === undefined && next < operations.length) {
      const index = next++;
      try {
        await sendWithRetry(operations[index] as UploadOperation, index, operations.length, { file, buffers }, options, agents, (bytes) => report(index, bytes));
      } catch (error) {
        failed ??= error;
      }
    }
  };
  try {
    await Promise.all(Array.from({ length: concurrency }, worker));
  } finally {
    agents.http.destroy();
    agents.https.destroy();
    await file.close();
  }
  if (failed !== undefined) throw failed;
}

async function sendWithRetry(
  op: UploadOperation,
  index: number,
  of: number,
  source: Source,
  options: TransferOptions,
  agents: Agents,
  onBytes: (bytes: number) => void,
): Promise<void> {
  const policy = { ...TRANSFER_RETRY, attempts: options.attempts ?? TRANSFER_RETRY.attempts };
  const sleep = options.sleep ?? defaultSleep;
  const where = `part ${index + 1} of ${of} (bytes ${op.offset}–${op.offset + op.length - 1}) to ${new URL(op.url).host}`;
  for (let attempt = 1; ; attempt++) {
    let status: number | undefined;
    let failure: unknown;
    try {
      status = await sendPart(op, source, options, agents, onBytes);
      if (status >= 200 && status < 300) return;
    } catch (error) {
      if (error instanceof AscError) throw error;
      failure = error;
    }
    onBytes(0);
    // A part is a PUT of a byte range: sending it again is always safe (src/client/retry.ts).
    const retryable = status === undefined || shouldRetry({ status }, true);
    if (!retryable) {
      throw new AscError('upload_refused', `Apple's upload storage refused ${where} with HTTP ${status}`, {
        status,
        hint: status === 403 ? 'The upload URLs may have expired (uploads that stall for long do): run the upload again.' : 'Run the upload again; if it persists, report it with the build upload ID.',
      });
    }
    if (attempt >= policy.attempts) {
      const why = status === undefined ? networkReason(failure) : `HTTP ${status}`;
      throw new AscError('apple_unavailable', `sending ${where} failed ${policy.attempts} times (last: ${why})`, { status: status ?? 0, cause: failure, hint: 'Check the network; then run the upload again.' });
    }
    const delayMs = retryDelayMs(attempt, policy);
    options.onRetry?.({ part: index + 1, of, attempt, reason: status === undefined ? networkReason(failure) : `HTTP ${status}`, delayMs });
    await sleep(delayMs);
  }
}

/** One attempt: the part's bytes read from disk as they go out; resolves to the HTTP status once the answer is read. */
function sendPart(op: UploadOperation, source: Source, options: TransferOptions, agents: Agents, onBytes: (bytes: number) => void): Promise<number> {
  const url = new URL(op.url);
  const headers: Record<string, string> = {};
  for (const { name, value } of op.requestHeaders) if (!OWN_HEADERS.has(name.toLowerCase())) headers[name] = value;
  headers['content-length'] = String(op.length);
  const https = url.protocol === 'https:';
  return new Promise<number>((resolve, reject) => {
    let request: ClientRequest;
    try {
      request = (https ? httpsRequest : httpRequest)(url, { method: op.method, headers, agent: agents.proxied.get(op.url) ?? (https ? agents.https : agents.http) });
    } catch (error) {
      // A header name or value Node refuses: nothing was sent, and a retry would fail the same way.
      return reject(new AscError('bad_response', `Apple's upload operation has a request header that cannot be sent (${(error as Error).message.split('\n')[0]})`));
    }
    request.setTimeout(options.idleTimeoutMs ?? 120_000, () => request.destroy(Object.assign(new Error('no progress for too long'), { code: 'ETIMEDOUT' })));
    request.on('response', (response: IncomingMessage) => {
      // The answer's body (XML from the storage, perhaps) is read and dropped, never shown.
      response.resume();
      response.on('end', () => resolve(response.statusCode ?? 0));
      response.on('error', reject);
      response.on('close', () => {
        if (!response.complete) reject(Object.assign(new Error('the answer was cut off'), { code: 'ECONNRESET' }));
      });
    });
    request.on('error', reject);
    writeRange(source, op.offset, op.length, request, onBytes).then(() => request.end(), (error: unknown) => request.destroy(error as Error));
  });
}

/** The open file, and the chunk buffers that no part is using (a set of up to {@link BUFFERS}, per part in flight). */
interface Source {
  file: FileHandle;
  buffers: Buffer[][];
}

/** Write bytes [offset, offset + length) of the file to the request, through {@link BUFFERS} reused chunk buffers. */
async function writeRange(source: Source, offset: number, length: number, request: ClientRequest, onBytes: (bytes: number) => void): Promise<void> {
  // A set goes back only once every write from it has settled (an attempt whose answer came early may still be
  // writing): no two parts ever read into the same buffer.
  const buffers = source.buffers.pop() ?? [];
  const count = Math.min(BUFFERS, Math.ceil(length / CHUNK));
  // A buffer is read into again only once the write that used it has been handed to the socket.
  const inFlight: Array<Promise<void> | undefined> = [];
  try {
    let sent = 0;
    for (let i = 0; sent < length; i = (i + 1) % count) {
      await inFlight[i];
      if (request.destroyed) throw new Error('the request ended');
      const buffer = (buffers[i] ??= Buffer.allocUnsafe(CHUNK));
      const bytesRead = readSync(source.file.fd, buffer, 0, Math.min(buffer.length, length - sent), offset + sent);
      if (bytesRead === 0) throw new AscError('invalid_input', 'the file got shorter while it was being uploaded');
      inFlight[i] = new Promise<void>((resolve, reject) => request.write(buffer.subarray(0, bytesRead), (error) => (error ? reject(error) : resolve())));
      inFlight[i]?.catch(() => {}); // a failed write also fails the request, which is what is reported
      sent += bytesRead;
      onBytes(sent);
    }
    await Promise.all(inFlight);
  } finally {
    void Promise.allSettled(inFlight).then(() => source.buffers.push(buffers));
  }
}

function networkReason(error: unknown): string {
  const code = (error as { code?: unknown })?.code;
  return typeof code === 'string' ? code : ((error as Error)?.message ?? 'network error').slice(0, 80);
}

/**
 * The chunk buffers of `concurrency` parts in flight, allocated now: {@link BUFFERS} of 128 KiB per part (2 MiB for
 * four). For {@link TransferOptions.buffers}.
 */
export function chunkBuffers(concurrency = 4): Buffer[][] {
  return Array.from({ length: Math.max(1, concurrency) }, () => Array.from({ length: BUFFERS }, () => Buffer.allocUnsafe(CHUNK)));
}

/** SHA-256 of the file, read through one reused buffer (`buffer`, if given: at least 64 KiB, and not in use). */
export async function sha256File(path: string, buffer: Buffer = Buffer.allocUnsafe(HASH_CHUNK)): Promise<string> {
  const hash = createHash('sha256');
  const file = await open(path, 'r');
  try {
    for (;;) {
      const { bytesRead } = await file.read(buffer, 0, buffer.length, null);
      if (bytesRead === 0) return hash.digest('hex');
      hash.update(buffer.subarray(0, bytesRead));
    }
  } finally {
    await file.close();
  }
}
