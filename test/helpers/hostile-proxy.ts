/**
 * A hostile HTTP proxy on loopback: it answers every CONNECT with what the test sets (`answer`) — never a tunnel
 * unless told — so a test can see whether a client takes the proxy's bytes for the target's answer. It remembers the
 * CONNECT requests it was sent. Nothing leaves this machine.
 */
import { once } from 'node:events';
import { createServer, type AddressInfo, type Socket } from 'node:net';

export interface HostileProxy {
  /** `http://127.0.0.1:PORT`. */
  url: string;
  /** What the proxy answers to the next CONNECTs (the whole raw answer; the connection is then closed). */
  answer: string;
  /** The request lines it was sent (`CONNECT host:port HTTP/1.1`). */
  seen: string[];
  stop(): void;
}

/** A forged answer `HTTP/1.1 STATUS …` with a JSON body (`extra` before it, e.g. a `100 Continue`). */
export function forged(status: string, body: unknown, extra = ''): string {
  const text = JSON.stringify(body);
  return `${extra}HTTP/1.1 ${status}\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(text)}\r\nConnection: close\r\n\r\n${text}`;
}

export async function startHostileProxy(): Promise<HostileProxy> {
  const sockets = new Set<Socket>();
  const state: HostileProxy = { url: '', answer: '', seen: [], stop: () => {} };
  const server = createServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => socket.destroy());
    let head = '';
    socket.on('data', (chunk) => {
      if (head.includes('\r\n\r\n')) return;
      head += chunk.toString('latin1');
      if (!head.includes('\r\n\r\n')) return;
      state.seen.push(head.split('\r\n')[0] as string);
      socket.end(state.answer);
    });
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  state.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  state.stop = () => {
    for (const socket of sockets) socket.destroy();
    server.close();
  };
  return state;
}
