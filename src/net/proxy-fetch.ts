/**
 * What the App Store Connect client and the notary log reader ask of fetch, over node:http / node:https with a
 * proxy's agent (node's fetch takes no http.Agent, and on Node 20 has no proxy support of its own): one request,
 * the answer as a `Response` whose body streams, fetch's failures as fetch gives them (a TypeError with the cause
 * for the network, the signal's reason when it aborts), `redirect: 'error'` refusing a redirect.
 */
import type { Agent, IncomingMessage } from 'node:http';
import { createRequire } from 'node:module';
import type { OutboundInit } from './outbound.ts';

const load = createRequire(import.meta.url);
const NULL_BODY = new Set([101, 204, 205, 304]);

export function fetchThrough(agent: Agent, url: URL, init: OutboundInit): Promise<Response> {
  const { request } = load(url.protocol === 'https:' ? 'node:https' : 'node:http') as typeof import('node:http');
  const signal = init.signal;
  const failure = (cause: unknown, message = 'fetch failed') => (signal?.aborted ? signal.reason : new TypeError(message, { cause }));
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason);
    const headers = { ...init.headers, ...(init.body ? { 'content-length': String(Buffer.byteLength(init.body)) } : {}) };
    const outgoing = request(url, { method: init.method ?? 'GET', headers, agent, ...(signal ? { signal } : {}) }, (response) => {
      const status = response.statusCode ?? 0;
      if (init.redirect === 'error' && status >= 300 && status < 400 && response.headers.location !== undefined) {
        response.destroy();
        return reject(new TypeError('fetch failed', { cause: new Error('unexpected redirect') }));
      }
      if (status < 200 || status > 599) {
        response.destroy();
        return reject(new TypeError('fetch failed', { cause: new Error(`invalid status ${status}`) }));
      }
      const answer = new Headers();
      for (const [name, value] of Object.entries(response.headers)) {
        for (const one of Array.isArray(value) ? value : value === undefined ? [] : [value]) answer.append(name, one);
      }
      const empty = NULL_BODY.has(status) || init.method === 'HEAD';
      if (empty) response.resume();
      resolve(new Response(empty ? null : streamOf(response, failure), { status, statusText: response.statusMessage ?? '', headers: answer }));
    });
    outgoing.on('error', (error) => reject(failure(error)));
    outgoing.end(init.body ?? undefined);
  });
}

/** The answer's body as a web stream that reads as fast as it is consumed; a cut-off answer errors it as fetch does. */
function streamOf(response: IncomingMessage, failure: (cause: unknown, message?: string) => unknown): ReadableStream<Uint8Array> {
  return new ReadableStream<Uint8Array>({
    start(controller) {
      response.pause();
      response.on('data', (chunk: Buffer) => {
        try {
          controller.enqueue(new Uint8Array(chunk.buffer, chunk.byteOffset, chunk.byteLength));
        } catch {
          response.destroy(); // cancelled meanwhile
          return;
        }
        if ((controller.desiredSize ?? 0) <= 0) response.pause();
      });
      response.on('end', () => controller.close());
      response.on('error', (error) => controller.error(failure(error, 'terminated')));
      response.on('close', () => {
        if (!response.complete) controller.error(failure(new Error('the answer was cut off'), 'terminated'));
      });
    },
    pull() {
      response.resume();
    },
    cancel() {
      response.destroy();
    },
  });
}
