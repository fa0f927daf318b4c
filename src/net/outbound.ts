/**
 * Proxies for every outbound request of the CLI, TokenClient, the Action, upload and notarize (the S3 upload
 * included), from `HTTPS_PROXY` / `https_proxy`, `http_proxy` and `NO_PROXY` / `no_proxy` as curl reads them
 * (docs/architecture.md#proxies). This file is all that is loaded while none of those variables names a proxy:
 * then every request goes out exactly as it did without proxy support. The rest (the variables' rules, the
 * tunnelling agents) is in ./proxy.ts and ./proxy-fetch.ts, imported on first use.
 */
import type { Agent } from 'node:http';

export type Env = Record<string, string | undefined>;

/**
 * The variables that can name a proxy. `http_proxy` in lower case only, as curl: a CGI program is handed the
 * request's `Proxy:` header as `HTTP_PROXY`, so the upper-case name may be set by whoever sent the request.
 */
const PROXY_VARIABLES = ['https_proxy', 'HTTPS_PROXY', 'http_proxy'] as const;

/** Whether the environment names a proxy at all (an empty variable is unset, as for curl). */
export function proxyConfigured(env: Env = process.env): boolean {
  return PROXY_VARIABLES.some((name) => Boolean(env[name]));
}

/**
 * The agent for a request to `url`: the proxy's when the environment names one for the URL's scheme and NO_PROXY
 * does not list the host; undefined otherwise (send it as without a proxy).
 * @throws ProxySettingError when the variable that applies is not a usable proxy URL.
 */
export async function proxyAgentFor(url: URL, env: Env = process.env): Promise<Agent | undefined> {
  if (!proxyConfigured(env)) return undefined;
  return (await import('./proxy.ts')).agentFor(url, env);
}

/** What the App Store Connect client and the notary log reader give fetch. */
export interface OutboundInit {
  method?: string;
  headers?: Record<string, string>;
  body?: string | null;
  redirect?: 'error' | 'manual';
  signal?: AbortSignal;
}

/** fetch, or, when a proxy applies to the URL, the same exchange through it (./proxy-fetch.ts). */
export async function outboundFetch(url: URL, init: OutboundInit): Promise<Response> {
  const agent = await proxyAgentFor(url);
  if (agent === undefined) return fetch(url, init);
  return (await import('./proxy-fetch.ts')).fetchThrough(agent, url, init);
}

/**
 * For an AWS SDK client's request handler (`NodeHttpHandler`'s `httpAgent` and `httpsAgent`): agents that send
 * each request through the proxy or not by its host, as {@link proxyAgentFor}; nothing when no proxy is named.
 */
export async function sdkProxyAgents(env: Env = process.env): Promise<{ httpAgent?: Agent; httpsAgent?: Agent }> {
  if (!proxyConfigured(env)) return {};
  return (await import('./proxy.ts')).sdkAgents(env);
}
