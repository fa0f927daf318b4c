/**
 * A server on loopback whose every answer is endless (or as long as it declares): JSON-ish bytes written as fast as
 * the client takes them, until the client hangs up. It records how much it had written when each connection
 * closed, so a test can show that a client stopped reading (issue #20, finding 3), without timing anything.
 */
import { once } from 'node:events';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface Flood {
  url: string;
  /** Bytes written to each answer whose connection has closed, in order. */
  closedAfter: number[];
  /** Resolves with the bytes written when the next answer's connection closes. */
  nextClose(): Promise<number>;
  stop(): void;
}

export async function startFlood(options: { status?: number; declaredBytes?: number; totalBytes?: number } = {}): Promise<Flood> {
  const closedAfter: number[] = [];
  let waiters: Array<(bytes: number) => void> = [];
  const chunk = Buffer.alloc(64 * 1024, '[0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0]');
  const server = createServer((req, res) => {
    req.resume();
    const headers: Record<string, string> = { 'content-type': 'application/json' };
    if (options.declaredBytes !== undefined) headers['content-length'] = String(options.declaredBytes);
    res.writeHead(options.status ?? 200, headers);
    res.write('{"data":');
    let written = 8;
    const limit = options.totalBytes ?? options.declaredBytes ?? Number.POSITIVE_INFINITY;
    let open = true;
    res.on('close', () => {
      open = false;
      closedAfter.push(written);
      for (const waiter of waiters) waiter(written);
      waiters = [];
    });
    const pump = () => {
      while (open && written < limit) {
        const piece = limit - written < chunk.length ? chunk.subarray(0, limit - written) : chunk;
        written += piece.length;
        if (!res.write(piece)) return void res.once('drain', pump);
      }
      if (open) res.end();
    };
    pump();
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    closedAfter,
    nextClose: () => new Promise((resolve) => waiters.push(resolve)),
    stop: () => {
      server.closeAllConnections();
      server.close();
    },
  };
}
