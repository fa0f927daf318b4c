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
