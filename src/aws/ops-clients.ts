/**
 * What the ops commands (`asc-token keys`) build their SDK clients with: more patience than the service (an operator
 * waits for one answer; a request handler's timeouts would fail a slow import), three attempts, and the region and
 * endpoint the command was given; the endpoint is then checked as each request leaves (src/cli/endpoint-guard.ts).
 * Requests go through HTTPS_PROXY unless NO_PROXY names the endpoint's host (src/net/outbound.ts); the proxy code is
 * loaded only when a proxy variable is set. Apart from ./clients.ts, whose settings the Lambda bundle carries: this
 * file's import of the proxy code would add its chunks to the bundle even unused.
 */
import { NodeHttpHandler } from '@smithy/node-http-handler';
import { proxyConfigured, sdkProxyAgents } from '../net/outbound.ts';

const OPS_HANDLER = { connectionTimeout: 5000, requestTimeout: 30_000, throwOnRequestTimeout: true };

export function opsClientConfig(settings: { region?: string; endpoint?: string }): { maxAttempts: number; requestHandler: NodeHttpHandler; region?: string; endpoint?: string } {
  return {
    maxAttempts: 3,
    requestHandler: new NodeHttpHandler(proxyConfigured() ? async () => ({ ...OPS_HANDLER, ...(await sdkProxyAgents()) }) : OPS_HANDLER),
    ...settings,
  };
}
