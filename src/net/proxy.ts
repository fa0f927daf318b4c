/**
 * The proxy variables as curl reads them, and the agents that send through the proxy they name (loaded by
 * ./outbound.ts only when a proxy variable is set):
 *
 * - an `https:` URL uses `https_proxy`, else `HTTPS_PROXY`; an `http:` URL uses `http_proxy` (lower case only).
 *   `ALL_PROXY` is not read. An empty variable is unset.
 * - The proxy is `http://` (or no scheme, as curl) or `https://` (TLS to the proxy); without a port, 1080 and 443,
 *   as curl. `user:password@` in it is sent as `Proxy-Authorization: Basic`. Other schemes (socks…) are refused.
 * - `no_proxy`, else `NO_PROXY`: see {@link noProxyMatches}.
 * - this machine (`localhost`, 127.0.0.0/8, ::1…) is never proxied, whatever the variables say: {@link isThisMachine}.
 * - https targets go through a CONNECT tunnel and TLS runs end to end inside it; http targets are sent to the
 *   proxy in absolute form (`GET http://host/path`), as curl does: that proxy sees the whole request.
 *
 * The agents are https-proxy-agent's and http-proxy-agent's (TooTallNate/proxy-agents; what the `proxy-agent`
 * package is built from, without its PAC-script interpreter), one per proxy and scheme, without keep-alive.
 */
import { Agent as AgentBase, type AgentConnectOpts } from 'agent-base';
import { HttpProxyAgent } from 'http-proxy-agent';
import type { Agent, ClientRequest } from 'node:http';
import { createRequire } from 'node:module';
import { BlockList, isIP } from 'node:net';
import type { Env } from './outbound.ts';
import { TunnelAgent } from './tunnel.ts';

/** A proxy variable that names no proxy this client can use; its value is never quoted (it may hold a password). */
export class ProxySettingError extends Error {
  override readonly name = 'ProxySettingError';
  readonly code = 'invalid_proxy';
  readonly hint = 'Give the proxy as http://HOST:PORT or https://HOST:PORT (user:password@ before HOST if it asks for them), or unset the variable.';
}

/** The variable curl reads for a URL's scheme, if set. */
export function proxyVariable(protocol: string, env: Env): { name: string; value: string } | undefined {
  const names = protocol === 'https:' ? ['https_proxy', 'HTTPS_PROXY'] : protocol === 'http:' ? ['http_proxy'] : [];
  for (const name of names) {
    const value = env[name]?.trim();
    if (value) return { name, value };
  }
  return undefined;
}

/**
 * A proxy variable's value as a URL: `http://` assumed when it has no scheme, the port 1080 (http) or 443 (https)
 * when it has none, as curl; any path is ignored.
 * @throws ProxySettingError naming the variable and what is wrong, never the value.
 */
export function parseProxy(name: string, value: string): URL {
  const bad = (why: string) => new ProxySettingError(`${name} is not a proxy this client can use: ${why}`);
  let url: URL;
  try {
    url = new URL(/^[a-z][a-z0-9+.-]*:\/\//i.test(value) ? value : `http://${value}`);
  } catch {
    throw bad('it is not a URL');
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw bad(`${url.protocol.slice(0, 20)} proxies are not supported (http: and https: are)`);
  if (url.hostname === '') throw bad('it names no host');
  if (url.port === '' && url.protocol === 'http:') url.port = '1080';
  url.pathname = '/';
  url.search = '';
  url.hash = '';
  return url;
}

/** The port a URL connects to. */
function portOf(url: URL): number {
  return url.port === '' ? (url.protocol === 'https:' ? 443 : 80) : Number(url.port);
}

/**
 * Whether a NO_PROXY list names a host (and port), by curl's rules with two additions:
 *
 * - entries are separated by commas (and white space); case does not matter;
 * - `*` matches every host (curl: only as the whole list; here as any entry);
 * - a name matches itself and every name under it: `example.com` and `.example.com` both match `example.com` and
 *   `api.example.com`, not `badexample.com` (`*.example.com` is read as `.example.com`, an addition);
 * - an IP address matches that address only (IPv6 without brackets, as curl, or with them), an address with
 *   `/BITS` its network (CIDR, curl ≥ 7.86); a name never matches an address or the other way round;
 * - `ENTRY:PORT` (`[v6]:PORT`) matches on that port only (an addition: curl has no ports here);
 * - (loopback never reaches this list: {@link isThisMachine} is never proxied.)
 */
export function noProxyMatches(list: string, hostname: string, port: number): boolean {
  const host = hostname.toLowerCase().replace(/^\[(.*)\]$/, '$1').replace(/\.$/, '');
  const family = isIP(host);
  for (const raw of list.toLowerCase().split(/[\s,]+/)) {
    if (raw === '') continue;
    if (raw === '*') return true;
    const entry = splitPort(raw);
    if (entry === undefined || (entry.port !== undefined && entry.port !== port)) continue;
    const [address, bits, extra] = entry.host.split('/');
    const entryFamily = isIP(address as string);
    if (entryFamily !== 0 || bits !== undefined) {
      if (family === 0 || entryFamily !== family || extra !== undefined) continue;
      const block = new BlockList();
      const type = family === 4 ? 'ipv4' : 'ipv6';
      if (bits === undefined) block.addAddress(address as string, type);
      else if (/^\d{1,3}$/.test(bits) && Number(bits) <= (family === 4 ? 32 : 128)) block.addSubnet(address as string, Number(bits), type);
      else continue;
      if (block.check(host, type)) return true;
      continue;
    }
    if (family !== 0) continue;
    const name = entry.host.replace(/^\*?\./, '').replace(/\.$/, '');
    if (name !== '' && (host === name || host.endsWith(`.${name}`))) return true;
  }
  return false;
}

/** An entry's host and port (`name:443`, `1.2.3.4:80`, `[::1]:8443`; a bare IPv6 address has no port). */
function splitPort(entry: string): { host: string; port?: number } | undefined {
  const bracketed = /^\[([^\]]+)\](?::(\d+))?$/.exec(entry);
  const match = bracketed ?? (entry.split(':').length === 2 ? /^([^:]+):(\d+)$/.exec(entry) : null);
  if (match === null) return entry.startsWith('[') || entry.split(':').length === 2 ? undefined : { host: entry };
  const port = match[2] === undefined ? undefined : Number(match[2]);
  if (port !== undefined && (port < 1 || port > 65_535)) return undefined;
  return port === undefined ? { host: match[1] as string } : { host: match[1] as string, port };
}

/**
 * Hosts that are this machine, however written: `localhost` and `*.localhost`, 127.0.0.0/8, ::1, the unspecified
 * addresses (0.0.0.0/8, ::) and IPv4 ones of either kind mapped into IPv6. Never sent to a proxy, whatever the
 * variables say (a deliberate difference from curl): `http:` is allowed only to loopback because it never leaves
 * the machine, and through a proxy it would (a `.p8` to a local Secrets Manager, a token from a local server).
 */
export function isThisMachine(hostname: string): boolean {
  const host = hostname.replace(/^\[|\]$/g, '').toLowerCase().replace(/\.$/, '');
  if (host === 'localhost' || host.endsWith('.localhost') || host === '::1' || host === '::') return true;
  const family = isIP(host);
  if (family === 4) return /^(127|0+)\./.test(host);
  const mapped = family === 6 ? /^::ffff:([0-9a-f]{1,4}):[0-9a-f]{1,4}$/.exec(host) : null;
  return mapped !== null && [0x7f, 0].includes(parseInt(mapped[1] as string, 16) >> 8);
}

const agents = new Map<string, Agent>();

/** The proxy agent for a request to `url`, or undefined when no proxy applies (./outbound.ts, proxyAgentFor). */
export function agentFor(url: URL, env: Env): Agent | undefined {
  if (isThisMachine(url.hostname)) return undefined;
  const variable = proxyVariable(url.protocol, env);
  if (variable === undefined) return undefined;
  const noProxy = env.no_proxy || env.NO_PROXY;
  if (noProxy && noProxyMatches(noProxy, url.hostname, portOf(url))) return undefined;
  const proxy = parseProxy(variable.name, variable.value);
  const key = `${url.protocol} ${proxy.href}`;
  let agent = agents.get(key);
  if (agent === undefined) {
    agent = url.protocol === 'https:' ? new TunnelAgent(proxy.href) : new HttpProxyAgent(proxy);
    agents.set(key, agent);
  }
  return agent;
}

const load = createRequire(import.meta.url);

/**
 * An agent for an AWS SDK client, which takes one agent per scheme for all its requests: each request is handed
 * to the proxy's agent or, when none applies (NO_PROXY), to a direct one, as {@link agentFor} decides for its host.
 */
class EnvProxyAgent extends AgentBase {
  readonly #secure: boolean;
  readonly #env: Env;
  readonly #direct: Agent;

  constructor(secure: boolean, env: Env) {
    super();
    this.#secure = secure;
    this.#env = env;
    const { Agent: Direct } = load(secure ? 'node:https' : 'node:http') as typeof import('node:https');
    this.#direct = new Direct({ keepAlive: true });
  }

  override connect(_req: ClientRequest, options: AgentConnectOpts): Agent {
    const host = isIP(options.host ?? '') === 6 ? `[${options.host}]` : options.host;
    const url = new URL(`${this.#secure ? 'https' : 'http'}://${host}:${options.port}`);
    return agentFor(url, this.#env) ?? this.#direct;
  }
}

export function sdkAgents(env: Env): { httpAgent: Agent; httpsAgent: Agent } {
  return { httpAgent: new EnvProxyAgent(false, env), httpsAgent: new EnvProxyAgent(true, env) };
}
