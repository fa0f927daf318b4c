/**
 * The server plumbing every fake on loopback shares (the AWS JSON-protocol fakes, the Apple fakes): listening on an
 * ephemeral 127.0.0.1 port, stopping without waiting for kept-alive or hanging connections, reading a request body.
 */
import { once } from 'node:events';
import type { IncomingMessage, Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/** Listen on an ephemeral port of 127.0.0.1; the server's base URL (`http://127.0.0.1:PORT`). */
export async function listenOnLoopback(server: Server): Promise<string> {
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

/** Close the server and every connection it holds, idle or not (a hanging answer included). */
export function stopServer(server: Server): void {
  server.closeAllConnections();
  server.close();
}

export async function readBody(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

/**
 * Wait `ms`, or less when the client gives up first (its connection closes): a fake's slow answer must not keep
 * the test process alive after the client's timeout cut it off.
 */
export function delayUnlessClosed(req: IncomingMessage, ms: number): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      clearTimeout(timer);
      req.socket.off('close', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    req.socket.once('close', done);
  });
}
