/**
 * The local server (docs/design.md#running-it-locally): the same Lambda handler behind node:http. Each request is checked for a valid
 * SigV4 signature like API Gateway's `AWS_IAM` auth, then handed to the handler as a REST API (payload v1) proxy
 * event carrying the signer's principal, exactly as API Gateway would.
 */
import type { APIGatewayProxyEvent } from 'aws-lambda';
import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { TokenVendingError } from '../core/errors.ts';
import { problem, type ApiResponse } from '../http/response.ts';
import { verifySigV4, type LocalCredential } from './verify.ts';

/** The function as the local server calls it: with API Gateway's REST API (payload v1) event. */
export type LambdaHandler = (event: APIGatewayProxyEvent, context: { awsRequestId: string }) => Promise<ApiResponse>;

export interface LocalServerOptions {
  handler: LambdaHandler;
  /** The identities the server knows; a function is asked on every request (the local server reloads its file). */
  credentials: readonly LocalCredential[] | (() => readonly LocalCredential[]);
  now?: () => number;
  /**
   * Called for every request refused before it reaches the handler (bad signature, duplicate header, body too
   * large or too slow), with the request ID its response carries.
   */
  onRefused?: (info: { requestId: string; method: string; path: string; status: number; reason: string; sourceIp: string | undefined }) => void;
  /** How long a request body may take to arrive (default 10 s). */
  bodyTimeoutMs?: number;
}

/**
 * Bodies past this are refused before signature checks (API Gateway's own limit is far larger; the handler's is
 * 8 KiB): an unsigned sender cannot make the server buffer more than this, nor wait for it.
 */
const MAX_READ_BYTES = 64 * 1024;
const STAGE = 'local';
/**
 * Headers that must arrive once: node keeps the first of repeated `content-type`s for the signature check while
 * the event (built from the raw headers) would carry another, so the handler could see a value nobody signed.
 */
const SINGLE_HEADERS = new Set(['authorization', 'content-type', 'content-length', 'content-encoding', 'host', 'x-amz-date', 'x-amz-security-token', 'x-amz-content-sha256', 'user-agent']);

export function createLocalServer(options: LocalServerOptions): Server {
  const byKey = (list: readonly LocalCredential[]) => new Map(list.map((c) => [c.accessKeyId, c]));
  const fixed = typeof options.credentials === 'function' ? undefined : byKey(options.credentials);
  let last: readonly LocalCredential[] | undefined;
  let lastMap = new Map<string, LocalCredential>();
  const credentials = (): Map<string, LocalCredential> => {
    if (fixed !== undefined) return fixed;
    const list = (options.credentials as () => readonly LocalCredential[])();
    if (list !== last) [last, lastMap] = [list, byKey(list)];
    return lastMap;
  };
  const now = options.now ?? Date.now;
  return createServer((req, res) => {
    serve(req, res).catch(() => {
      if (!res.headersSent) send(res, problem(new TokenVendingError('internal', 'The local server failed.'), 'local'));
      else res.destroy();
    });
  });

  async function serve(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const requestId = randomUUID();
    const url = new URL(req.url ?? '/', 'http://local');
    // Refusals before the handler: logged with the request ID the caller sees, answered, and the connection closed
    // when the body was not read to its end.
    const refuse = (error: TokenVendingError, reason: string, close = false) => {
      options.onRefused?.({ requestId, method: (req.method ?? '').slice(0, 16), path: url.pathname.slice(0, 256), status: error.status, reason, sourceIp: req.socket.remoteAddress });
      send(res, problem(error, requestId), close);
    };
    const repeated = repeatedHeader(req.rawHeaders);
    if (repeated !== undefined) {
      refuse(new TokenVendingError('invalid_request', `The ${repeated} header appears more than once.`), `repeated ${repeated} header`, true);
      return;
    }
    const declared = Number(req.headers['content-length'] ?? 0);
    if (declared > MAX_READ_BYTES) {
      refuse(new TokenVendingError('payload_too_large', `The body is over ${MAX_READ_BYTES} bytes.`), 'body too large (content-length)', true);
      return;
    }
    const body = await readBody(req, options.bodyTimeoutMs ?? 10_000);
    if (body === 'too large') {
      refuse(new TokenVendingError('payload_too_large', `The body is over ${MAX_READ_BYTES} bytes.`), 'body too large', true);
      return;
    }
    if (body === 'timeout') {
      refuse(new TokenVendingError('invalid_request', 'The request body did not arrive in time.'), 'body timeout', true);
      return;
    }
    const rawQuery = (req.url ?? '').includes('?') ? (req.url ?? '').slice((req.url ?? '').indexOf('?') + 1) : '';
    const verification = await verifySigV4({ method: req.method ?? 'GET', path: url.pathname, query: rawQuery, headers: req.headers, body }, credentials(), now());
    if (!verification.ok) {
      refuse(new TokenVendingError('forbidden', `Missing or invalid SigV4 signature: ${verification.reason}.`), verification.reason);
      return;
    }
    const event = restEvent(req, url, body, verification.credential, requestId, now());
    send(res, await options.handler(event, { awsRequestId: requestId }));
  }
}

function repeatedHeader(raw: readonly string[]): string | undefined {
  const seen = new Set<string>();
  for (let i = 0; i < raw.length; i += 2) {
    const name = (raw[i] as string).toLowerCase();
    if (!SINGLE_HEADERS.has(name)) continue;
    if (seen.has(name)) return name;
    seen.add(name);
  }
  return undefined;
}

/**
 * The body, or why not: more than MAX_READ_BYTES (reading stops there), or not complete within `timeoutMs`
 * (a slow sender cannot hold the request open).
 */
function readBody(req: IncomingMessage, timeoutMs: number): Promise<Buffer | 'too large' | 'timeout'> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let done = false;
    const finish = (result: Buffer | 'too large' | 'timeout') => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      // Stop reading: the refusal closes the connection instead of draining what is left.
      if (typeof result === 'string') req.pause();
      resolve(result);
    };
    const timer = setTimeout(() => finish('timeout'), timeoutMs);
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_READ_BYTES) finish('too large');
      else chunks.push(chunk);
    });
    req.on('end', () => finish(Buffer.concat(chunks)));
    req.on('error', (error) => {
      done = true;
      clearTimeout(timer);
      reject(error);
    });
  });
}

function send(res: ServerResponse, response: ApiResponse, close = false): void {
  res.statusCode = response.statusCode;
  for (const [name, value] of Object.entries(response.headers)) res.setHeader(name, value);
  res.setHeader('content-length', Buffer.byteLength(response.body));
  if (close) res.setHeader('connection', 'close');
  res.end(response.body);
}

/**
 * A REST API (payload v1) proxy event as API Gateway builds it for an IAM-authorised caller: with the fields a
 * captured one has (test/fixtures/aws-events/rest-v1-iam-auth.*), which lacks some that @types/aws-lambda requires
 * (`identity.apiKey`, `clientCert`, `requestContext.authorizer`) and has `null` where the types say string or object
 (as API Gateway sends them), hence the cast.
 */
function restEvent(req: IncomingMessage, url: URL, body: Buffer, credential: LocalCredential, requestId: string, now: number): APIGatewayProxyEvent {
  const headers: Record<string, string> = {};
  const multiValueHeaders: Record<string, string[]> = {};
  for (let i = 0; i < req.rawHeaders.length; i += 2) {
    const name = req.rawHeaders[i] as string;
    const value = req.rawHeaders[i + 1] as string;
    headers[name] = value;
    (multiValueHeaders[name] ??= []).push(value);
  }
  const query: Record<string, string> = {};
  const multiQuery: Record<string, string[]> = {};
  url.searchParams.forEach((value, name) => {
    query[name] = value;
    (multiQuery[name] ??= []).push(value);
  });
  const accountId = /^arn:[^:]+:[^:]+::(\d{12}):/.exec(credential.principalArn)?.[1] ?? null;
  const tokenPath = /^\/v1\/tokens\/([^/]+)$/.exec(url.pathname);
  const resource = tokenPath ? '/v1/tokens/{profile}' : url.pathname;
  const sourceIp = req.socket.remoteAddress ?? null;
  const userAgent = headers['user-agent'] ?? headers['User-Agent'] ?? null;
  return {
    resource,
    path: url.pathname,
    httpMethod: req.method,
    headers: req.rawHeaders.length > 0 ? headers : null,
    multiValueHeaders: req.rawHeaders.length > 0 ? multiValueHeaders : null,
    queryStringParameters: url.searchParams.size > 0 ? query : null,
    multiValueQueryStringParameters: url.searchParams.size > 0 ? multiQuery : null,
    pathParameters: tokenPath ? { profile: tokenPath[1] } : null,
    stageVariables: null,
    requestContext: {
      accountId: accountId ?? '000000000000',
      apiId: 'local',
      domainName: headers.host ?? headers.Host ?? '127.0.0.1',
      extendedRequestId: requestId,
      httpMethod: req.method,
      identity: {
        accessKey: credential.accessKeyId,
        accountId,
        caller: null,
        cognitoAuthenticationProvider: null,
        cognitoAuthenticationType: null,
        cognitoIdentityId: null,
        cognitoIdentityPoolId: null,
        principalOrgId: null,
        sourceIp,
        user: null,
        userAgent,
        userArn: credential.principalArn,
      },
      path: `/${STAGE}${url.pathname}`,
      protocol: `HTTP/${req.httpVersion}`,
      requestId,
      requestTime: new Date(now).toUTCString(),
      requestTimeEpoch: now,
      resourceId: 'local',
      resourcePath: resource,
      stage: STAGE,
    },
    body: body.length > 0 ? body.toString('base64') : null,
    isBase64Encoded: body.length > 0,
  } as APIGatewayProxyEvent;
}
