/**
 * Calling the service: SigV4-signed HTTP with the caller's AWS credentials. Shared by the CLI and TokenClient.
 */
import { createSigner, type Credentials } from '../sigv4.ts';
import { checkServiceUrl } from './url.ts';
import { userAgent } from './version.ts';

export type CredentialProvider = () => Promise<Credentials>;

/** Region from an execute-api URL (`ID.execute-api.REGION.amazonaws.com`), else the environment, else us-east-1. */
export function regionFor(url: URL, env: Record<string, string | undefined> = process.env): string {
  const match = /\.execute-api\.([a-z0-9-]+)\.amazonaws\.com(\.cn)?$/.exec(url.hostname);
  return match?.[1] ?? env.AWS_REGION ?? env.AWS_DEFAULT_REGION ?? 'us-east-1';
}

export interface SignedRequest {
  method: 'GET' | 'POST';
  /** Base URL of the API, including the stage, e.g. `https://abc.execute-api.eu-west-1.amazonaws.com/prod`. */
  baseUrl: string;
  /** Path under the base, e.g. `/v1/tokens/release`. */
  path: string;
  body?: string | undefined;
  credentials: CredentialProvider;
  region?: string | undefined;
  timeoutMs?: number;
  /** Sent as `user-agent` (the audit record's `userAgent`); default `asc-token/VERSION (cli)`. */
  userAgent?: string;
}

export interface ServiceResponse {
  status: number;
  headers: Headers;
  /** Parsed JSON body, or undefined when the body is not JSON. */
  json: unknown;
  text: string;
}

/** @throws ServiceUrlError when the base URL is not https: (or http: on loopback), before anything is signed or sent. */
export async function signedRequest(request: SignedRequest): Promise<ServiceResponse> {
  const base = checkServiceUrl(request.baseUrl);
  const url = new URL(base.pathname.replace(/\/$/, '') + request.path, base);
  const credentials = await request.credentials();
  const signer = createSigner(credentials, request.region ?? regionFor(url));
  const headers: Record<string, string> = { host: url.host, accept: 'application/json' };
  if (request.body !== undefined) headers['content-type'] = 'application/json';
  const query: Record<string, string | string[]> = {};
  url.searchParams.forEach((value, name) => {
    const existing = query[name];
    query[name] = existing === undefined ? value : [existing, value].flat();
  });
  const signed = await signer.sign({
    method: request.method,
    protocol: url.protocol,
    hostname: url.hostname,
    port: url.port === '' ? undefined : Number(url.port),
    path: url.pathname,
    query,
    headers,
    body: request.body,
  });
  const outgoing = { ...signed.headers };
  delete outgoing.host;
  // Not signed (SigV4 leaves user-agent out), so a proxy may add to it without breaking the signature.
  outgoing['user-agent'] = request.userAgent ?? userAgent('cli');
  const response = await fetch(url, {
    method: request.method,
    headers: outgoing,
    body: request.body ?? null,
    signal: AbortSignal.timeout(request.timeoutMs ?? 10_000),
  });
  const text = await response.text();
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    json = undefined;
  }
  return { status: response.status, headers: response.headers, json, text };
}

export interface RetryOptions {
  /** Total attempts, first included (default 3). */
  attempts?: number;
  sleep?: (ms: number) => Promise<void>;
}

/** A network failure after the last attempt (DNS, refused, reset, timeout). */
export class NetworkError extends Error {
  override readonly name = 'NetworkError';
}

/**
 * `signedRequest` with retries on 429, 5xx and network errors: full-jitter exponential back-off, honouring
 * `Retry-After` (capped at 10 s). Other answers (including 4xx refusals) return at once.
 * @throws NetworkError after the last attempt fails to get any answer.
 */
export async function signedRequestWithRetry(request: SignedRequest, options: RetryOptions = {}): Promise<ServiceResponse> {
  const attempts = options.attempts ?? 3;
  const sleep = options.sleep ?? ((ms: number) => new Promise<void>((r) => setTimeout(r, ms)));
  for (let attempt = 1; ; attempt++) {
    let response: ServiceResponse | undefined;
    let failure: unknown;
    try {
      response = await signedRequest(request);
    } catch (error) {
      if (!isNetworkFailure(error)) throw error;
      failure = error;
    }
    const retryable = response === undefined || response.status === 429 || response.status >= 500;
    if (!retryable || attempt >= attempts) {
      if (response) return response;
      const detail = (failure as { cause?: { code?: string; message?: string } })?.cause;
      const cause = detail?.code ?? detail?.message ?? (failure as Error)?.name ?? 'error';
      throw new NetworkError(`cannot reach ${request.baseUrl} (${cause})`, { cause: failure });
    }
    const retryAfter = Number(response?.headers.get('retry-after'));
    const cap = Number.isFinite(retryAfter) && retryAfter > 0 ? Math.min(retryAfter, 10) * 1000 : 200 * 2 ** attempt;
    await sleep(Math.random() * cap);
  }
}

function isNetworkFailure(error: unknown): boolean {
  const name = (error as Error)?.name;
  return name === 'TypeError' || name === 'TimeoutError' || name === 'AbortError';
}
