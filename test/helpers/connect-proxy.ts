/**
 * A forward proxy on loopback, as a corporate proxy behaves: `CONNECT host:port` opens a tunnel (the proxy sees the
 * host, never what goes through it), an absolute-form request (`GET http://host/path`) is forwarded whole. It counts
 * what passes per `host:port`, remembers the `Proxy-Authorization` it was given, and resolves names itself (as a
 * proxy does: the client does not), host names in `resolve` to 127.0.0.1. Nothing leaves this machine.
 */
import { once } from 'node:events';
import { createServer, request, type IncomingMessage } from 'node:http';
import { connect, type AddressInfo, type Socket } from 'node:net';

export interface LoopbackProxy {
  /** `http://127.0.0.1:PORT`, for HTTPS_PROXY / http_proxy. */
  url: string;
  /** Every exchange that passed: `CONNECT host:port` or `GET http://host:port/path`. */
  seen: string[];
  /** Exchanges that passed for a `host:port` (any host when omitted). */
  count(hostPort?: string): number;
  /** The `Proxy-Authorization` headers it was sent. */
  authorizations: string[];
  stop(): void;
}

export async function startProxy(options: { resolve?: readonly string[] } = {}): Promise<LoopbackProxy> {
  const seen: Array<{ line: string; hostPort: string }> = [];
  const authorizations: string[] = [];
  const sockets = new Set<Socket>();
  const address = (host: string) => (options.resolve?.includes(host) ? '127.0.0.1' : host);
  const note = (req: IncomingMessage, line: string, hostPort: string) => {
    seen.push({ line, hostPort });
    if (req.headers['proxy-authorization']) authorizations.push(req.headers['proxy-authorization']);
  };
  const server = createServer((req, res) => {
    let target: URL;
    try {
      target = new URL(req.url ?? '');
    } catch {
      res.writeHead(400).end('a proxy takes absolute-form requests');
      return;
    }
    note(req, `${req.method} ${target.href}`, target.host);
    const headers = { ...req.headers };
    delete headers['proxy-authorization'];
    delete headers['proxy-connection'];
    const upstream = request({ host: address(target.hostname), port: target.port || 80, path: `${target.pathname}${target.search}`, method: req.method, headers }, (answer) => {
      res.writeHead(answer.statusCode ?? 502, answer.headers);
      answer.pipe(res);
    });
    upstream.on('error', () => res.destroy());
    req.pipe(upstream);
  });
  server.on('connect', (req: IncomingMessage, client: Socket, head: Buffer) => {
    const [host, port] = [(req.url ?? '').replace(/:\d+$/, '').replace(/^\[|\]$/g, ''), Number(/:(\d+)$/.exec(req.url ?? '')?.[1])];
    note(req, `CONNECT ${req.url}`, req.url ?? '');
    const upstream = connect(port, address(host), () => {
      client.write('HTTP/1.1 200 Connection Established\r\n\r\n');
      upstream.write(head);
      upstream.pipe(client).pipe(upstream);
    });
    sockets.add(upstream);
    upstream.on('close', () => sockets.delete(upstream));
    upstream.on('error', () => client.destroy());
    client.on('error', () => upstream.destroy());
  });
  server.on('connection', (socket: Socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    get seen() {
      return seen.map((s) => s.line);
    },
    count: (hostPort) => seen.filter((s) => hostPort === undefined || s.hostPort === hostPort).length,
    authorizations,
    stop: () => {
      for (const socket of sockets) socket.destroy();
      server.close();
    },
  };
}
