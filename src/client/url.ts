/**
 * The service URL a client may send signed requests to: `https:`, or `http:` only on loopback (the local server).
 * A SigV4 signature over plain HTTP elsewhere would let anyone on the path read the token that comes back, or answer
 * in the service's place.
 */

/** A service URL a client refuses to send a signed request to (a TypeError: it is a misconfiguration). */
export class ServiceUrlError extends TypeError {
  override readonly name = 'ServiceUrlError';
}

/** Hosts `http:` is allowed for: the local machine only. */
export function isLoopbackHost(hostname: string): boolean {
  const host = hostname.replace(/^\[|\]$/g, '').toLowerCase();
  return host === 'localhost' || host === '::1' || /^127(\.\d{1,3}){3}$/.test(host);
}

/**
 * @returns the parsed URL.
 * @throws ServiceUrlError saying what is wrong (the message quotes only the scheme and host).
 */
export function checkServiceUrl(url: string | URL): URL {
  let parsed: URL;
  try {
    parsed = typeof url === 'string' ? new URL(url) : url;
  } catch {
    throw new ServiceUrlError('the service URL is not a URL');
  }
  if (parsed.protocol === 'https:') return parsed;
  if (parsed.protocol === 'http:' && isLoopbackHost(parsed.hostname)) return parsed;
  if (parsed.protocol === 'http:') throw new ServiceUrlError(`the service URL must be https: (http: is accepted only on loopback, for the local server), not http://${parsed.host}`);
  throw new ServiceUrlError(`the service URL must be an https: URL, not ${parsed.protocol}`);
}

/**
 * The service URLs a client is given: one, several (one per region, docs/design.md#two-regions) as a list or as one
 * string with commas (`ASC_TOKEN_URL=https://a…/prod,https://b…/prod`), each checked as {@link checkServiceUrl} does.
 * @throws ServiceUrlError for the first that is not a service URL, or when none is given.
 */
export function serviceUrls(value: string | readonly string[]): string[] {
  const urls = (typeof value === 'string' ? value.split(',') : [...value]).map((url) => url.trim()).filter((url) => url !== '');
  if (urls.length === 0) throw new ServiceUrlError('no service URL');
  if (urls.length > 8) throw new ServiceUrlError('at most 8 service URLs');
  for (const url of urls) checkServiceUrl(url);
  return [...new Set(urls)];
}
