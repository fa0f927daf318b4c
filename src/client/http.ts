/**
 * Calling the service: SigV4-signed HTTP with the caller's AWS credentials. Shared by the CLI and TokenClient.
 */
import { createSigner, type Credentials } from '../sigv4.ts';

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
  fetch?: typeof fetch;
}

export interface ServiceResponse {
  status: number;
  headers: Headers;
  /** Parsed JSON body, or undefined when the body is not JSON. */
  json: unknown;
  text: string;
}

export async function signedRequest(request: SignedRequest): Promise<ServiceResponse> {
  const base = new URL(request.baseUrl);
  const url = new URL(base.pathname.replace(/\/$/, '') + request.path, base);
  const credentials = await request.credentials();
  const signer = createSigner(credentials, request.region ?? regionFor(url));
  const headers: Record<string, string> = { host: url.host, accept: 'application/json' };
  if (request.body !== undefined) headers['content-type'] = 'application/json';
  const query: Record<string, string> = {};
  url.searchParams.forEach((value, name) => {
    query[name] = value;
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
  const response = await (request.fetch ?? fetch)(url, {
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
