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
