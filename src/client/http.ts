/**
 * Calling the service: SigV4-signed HTTP with the caller's AWS credentials. Shared by the CLI and TokenClient.
 */
import type { IncomingHttpHeaders } from 'node:http';
import { createRequire } from 'node:module';
import { proxyAgentFor } from '../net/outbound.ts';
import { createSigner } from '../sigv4.ts';
import { checkServiceUrl } from './url.ts';
import { userAgent } from './version.ts';

/**
 * AWS credentials to sign with (the shape of src/sigv4.ts's, declared here so that the package's declarations do not
 * refer to the signer's library, which is bundled, not installed).
 */
export interface Credentials {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken?: string | undefined;
}

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
  // Not signed (SigV4 leaves user-agent out), so a proxy may add to it without breaking the signature.
  outgoing['user-agent'] = request.userAgent ?? userAgent('cli');
  const answer = await send(url, request.method, outgoing, request.body, request.timeoutMs ?? 10_000);
  let json: unknown;
  try {
    json = JSON.parse(answer.text);
  } catch {
    json = undefined;
  }
  let answerHeaders: Headers | undefined;
  return {
    status: answer.status,
    // Built on first use: the Headers class is part of node's fetch (undici), which a CLI run should not load.
    get headers() {
      return (answerHeaders ??= new Headers(Object.entries(answer.headers).flatMap(([name, value]) => (value === undefined ? [] : [[name, String(value)] as [string, string]]))));
    },
    json,
    text: answer.text,
  };
}

/** The most of an answer that is read; the service's answers are a few KB. A longer one is refused as it arrives. */
const MAX_ANSWER_BYTES = 1024 * 1024;

/** A request that got no (whole) answer: refused, reset, DNS, TLS, or the deadline (told apart by its name). */
class RequestFailure extends Error {
  override readonly name = 'RequestFailure';
  readonly code: string;
  constructor(code: string, cause?: unknown) {
    super(code, { cause });
    this.code = code;
  }
}

/**
 * node:http or node:https, whichever the URL needs, loaded when first used and with `require`: an ES `import` of
 * node:http reads all its exports, and on Node 22 and 24 one of them loads undici (scripts/build-options.ts,
 * builtinsByRequire).
 */
const load = createRequire(import.meta.url);

/**
 * One HTTP exchange with node:http / node:https. Not fetch: node's fetch (undici) costs a fresh process ~40 ms to
 * load and ~100 ms at exit (its HTTP parser is WebAssembly compiled on a background thread the exit waits for),
 * which is most of what `asc-token token` costs (BENCHMARKS.md). Keep-alive comes from node's global agents.
 */
async function send(url: URL, method: string, headers: Record<string, string>, body: string | undefined, timeoutMs: number): Promise<{ status: number; headers: IncomingHttpHeaders; text: string }> {
  const { request } = load(url.protocol === 'https:' ? 'node:https' : 'node:http') as typeof import('node:http');
  // HTTPS_PROXY, http_proxy, NO_PROXY (src/net/outbound.ts): without them, node's global agents as before.
  const agent = await proxyAgentFor(url);
  return new Promise((resolve, reject) => {
    const fail = (error: unknown) => {
      clearTimeout(deadline);
      reject(error instanceof RequestFailure ? error : new RequestFailure((error as { code?: string })?.code ?? (error as Error)?.name ?? 'error', error));
    };
    const outgoing = request(url, { method, headers: body === undefined ? headers : { ...headers, 'content-length': String(Buffer.byteLength(body)) }, ...(agent ? { agent } : {}) }, (response) => {
      const chunks: Buffer[] = [];
      let size = 0;
      response.on('data', (chunk: Buffer) => {
        size += chunk.length;
        // Past the cap the answer is not the service's: stop receiving it rather than read and drop the rest.
        if (size > MAX_ANSWER_BYTES) response.destroy(new RequestFailure('EANSWERTOOLARGE'));
        else chunks.push(chunk);
      });
      response.on('error', fail);
      response.on('end', () => {
        clearTimeout(deadline);
        resolve({ status: response.statusCode ?? 0, headers: response.headers, text: Buffer.concat(chunks).toString('utf8') });
      });
    });
    const deadline = setTimeout(() => outgoing.destroy(new RequestFailure('ETIMEDOUT')), timeoutMs);
    outgoing.on('error', fail);
    outgoing.end(body);
  });
}
