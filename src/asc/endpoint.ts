/**
 * Apple's endpoints, configurable for tests and proxies (docs/design.md#jobs-without-the-key): `ASC_API_URL` (the base of `/v1/...`) and
 * `ASC_NOTARY_URL`. Tokens and uploads travel only over https, except to a loopback address (tests, a local
 * proxy): a typo must not send a bearer token or a build in clear text across a network.
 */
import { isLoopbackHost } from '../client/url.ts';

export const DEFAULT_API_URL = 'https://api.appstoreconnect.apple.com';
export const DEFAULT_NOTARY_URL = 'https://appstoreconnect.apple.com/notary/v2';

/** 127.0.0.0/8, ::1 and `localhost` (src/client/url.ts). */
export const isLoopback = isLoopbackHost;

/** Whether a URL may carry a token or a build: https, or http to loopback. */
export function isSecureUrl(url: URL): boolean {
  return url.protocol === 'https:' || (url.protocol === 'http:' && isLoopback(url.hostname));
}

/**
 * Hosts that are this machine, however written: loopback (`localhost`, `*.localhost`, 127.0.0.0/8, ::1), the
 * unspecified address (0.0.0.0/8 and ::, which connect to this machine), and IPv4 addresses of either kind mapped
 * into IPv6 (`[::ffff:127.0.0.1]`, which the URL parser writes as `[::ffff:7f00:1]`).
 */
export function isLocalHost(hostname: string): boolean {
  const host = hostname.replace(/^\[|\]$/g, '').toLowerCase().replace(/\.$/, '');
  if (isLoopback(host) || host === 'localhost' || host.endsWith('.localhost') || host === '::' || /^0+(\.\d{1,3}){3}$/.test(host)) return true;
  const mapped = /^::ffff:([0-9a-f]{1,4}):[0-9a-f]{1,4}$/.exec(host);
  return mapped !== null && (parseInt(mapped[1] as string, 16) >> 8 === 0x7f || parseInt(mapped[1] as string, 16) >> 8 === 0);
}

/**
 * Whether a URL that one of Apple's answers names (an upload operation, the developer log and its redirects) may be
 * requested, given the base URL of the API that answered: https; and this machine (over http or https) only when that
 * API is itself on loopback (tests, a local proxy). An answer from Apple's https API must not make the CLI send a
 * build, or anything, to a service on the machine it runs on (a Docker daemon on 127.0.0.1:2375).
 */
export function isAllowedAnswerUrl(url: URL, apiBase: URL | undefined): boolean {
  if (isLocalHost(url.hostname)) return apiBase !== undefined && isLoopback(apiBase.hostname) && (url.protocol === 'https:' || url.protocol === 'http:');
  return url.protocol === 'https:';
}

/**
 * Parse and check a base URL: absolute, https (http only on loopback), no credentials, query or fragment; the
 * trailing slash dropped.
 * @throws TypeError naming `name` (the variable or option it came from) and what is wrong.
 */
export function secureBaseUrl(value: string, name: string): URL {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new TypeError(`${name} ${JSON.stringify(value)} is not an absolute URL`);
  }
  if (!isSecureUrl(url)) {
    throw new TypeError(`${name} must be an https: URL (http: only on loopback), not ${JSON.stringify(`${url.protocol}//${url.host}`)}`);
  }
  if (url.username || url.password || url.search || url.hash) throw new TypeError(`${name} must not carry credentials, a query or a fragment`);
  url.pathname = url.pathname.replace(/\/+$/, '');
  return url;
}

/** The App Store Connect API base from `ASC_API_URL`, else Apple's. @throws TypeError as {@link secureBaseUrl}. */
export function apiBaseUrl(env: Record<string, string | undefined>): URL {
  return secureBaseUrl(env.ASC_API_URL || DEFAULT_API_URL, 'ASC_API_URL');
}

/** The Notary API base from `ASC_NOTARY_URL`, else Apple's. @throws TypeError as {@link secureBaseUrl}. */
export function notaryBaseUrl(env: Record<string, string | undefined>): URL {
  return secureBaseUrl(env.ASC_NOTARY_URL || DEFAULT_NOTARY_URL, 'ASC_NOTARY_URL');
}
