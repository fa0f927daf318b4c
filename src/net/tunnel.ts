/**
 * The CONNECT tunnel for https targets: https-proxy-agent's agent, held to two rules it does not keep itself.
 *
 * - Only `200` opens the tunnel. For any other answer the library hands the proxy's bytes to node's HTTP parser as
 *   if they were the target's answer: a proxy answering `100 Continue` and then `200 OK` with a JSON body would have
 *   that body read as the service's (a forged token), with no TLS in between. Here any other status, or an answer
 *   that is not HTTP, fails the request with {@link ProxyTunnelError}, which names the status and never the body.
 * - The target's certificate is checked against the target's host, an IP address included: the library gives TLS
 *   no `servername` for an address, and node then checks the certificate against the proxy's host name.
 */
import type { AgentConnectOpts } from 'agent-base';
import { HttpsProxyAgent } from 'https-proxy-agent';
import type { ClientRequest } from 'node:http';
import { checkServerIdentity, type PeerCertificate } from 'node:tls';

/** The proxy did not open the tunnel (a connection failure: nothing reached the target). */
export class ProxyTunnelError extends Error {
  override readonly name = 'ProxyTunnelError';
  readonly code = 'proxy_refused';
  /** What the proxy answered, for a message that shows only the code: `the proxy answered HTTP 407`. */
  readonly detail: string;
  constructor(proxy: string, target: string, status: number | undefined) {
    const answered = status === undefined || !Number.isInteger(status) ? undefined : `HTTP ${status}`;
    super(answered === undefined ? `the proxy ${proxy} gave no HTTP answer to CONNECT ${target}` : `the proxy ${proxy} answered CONNECT ${target} with ${answered}, not 200: no tunnel`);
    this.detail = answered === undefined ? 'the proxy gave no HTTP answer' : `the proxy answered ${answered}`;
  }
}

export class TunnelAgent extends HttpsProxyAgent<string> {
  override async connect(req: ClientRequest, opts: AgentConnectOpts): Promise<import('node:net').Socket> {
    const target = `${opts.host}:${opts.port}`;
    let status: number | undefined;
    const answered = (answer: { statusCode?: number }) => (status = answer.statusCode);
    req.once('proxyConnect', answered);
    const own = (opts as { checkServerIdentity?: typeof checkServerIdentity }).checkServerIdentity ?? checkServerIdentity;
    const identity = opts.secureEndpoint ? { checkServerIdentity: (_name: string, cert: PeerCertificate) => own(opts.host as string, cert) } : {};
    let socket: import('node:net').Socket;
    try {
      socket = (await super.connect(req, { ...opts, ...identity } as AgentConnectOpts)) as import('node:net').Socket;
    } catch (error) {
      // The network's failures (ECONNREFUSED, a reset…) as they are; the library's own ("Invalid header from proxy
      // CONNECT response: <what the proxy sent>") without the proxy's words.
      if (typeof (error as { code?: unknown })?.code === 'string') throw error;
      throw new ProxyTunnelError(this.proxy.host, target, undefined);
    } finally {
      req.off('proxyConnect', answered);
    }
    if (status !== 200) {
      socket.destroy();
      throw new ProxyTunnelError(this.proxy.host, target, status);
    }
    return socket;
  }
}
