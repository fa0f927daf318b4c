/**
 * The local server (DESIGN §6): the same Lambda handler behind node:http. Each request is checked for a valid
 * SigV4 signature like API Gateway's `AWS_IAM` auth, then handed to the handler as a REST API (payload v1) proxy
 * event carrying the signer's principal, exactly as API Gateway would.
 */
import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { TokenVendingError } from '../core/errors.ts';
import { problem, type ApiResponse } from '../http/response.ts';
import { verifySigV4, type LocalCredential } from './verify.ts';

export type LambdaHandler = (event: unknown, context: { awsRequestId: string }) => Promise<ApiResponse>;

export interface LocalServerOptions {
  handler: LambdaHandler;
  credentials: readonly LocalCredential[];
  now?: () => number;
  /** Called for every request refused before it reaches the handler (bad signature, body too large). */
  onRefused?: (info: { method: string; path: string; reason: string; sourceIp: string | undefined }) => void;
}

/** Bodies past this are refused before signature checks (API Gateway's own limit is far larger; ours is 8 KiB). */
const MAX_READ_BYTES = 1024 * 1024;
const STAGE = 'local';

export function createLocalServer(options: LocalServerOptions): Server {
  const credentials = new Map(options.credentials.map((c) => [c.accessKeyId, c]));
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
    const body = await readBody(req);
    if (body === undefined) {
      options.onRefused?.({ method: req.method ?? '', path: url.pathname, reason: 'body too large', sourceIp: req.socket.remoteAddress });
      send(res, problem(new TokenVendingError('payload_too_large', `The body is over ${MAX_READ_BYTES} bytes.`), requestId), true);
      return;
    }
    const rawQuery = (req.url ?? '').includes('?') ? (req.url ?? '').slice((req.url ?? '').indexOf('?') + 1) : '';
    const verification = await verifySigV4({ method: req.method ?? 'GET', path: url.pathname, query: rawQuery, headers: req.headers, body }, credentials, now());
    if (!verification.ok) {
      options.onRefused?.({ method: req.method ?? '', path: url.pathname, reason: verification.reason, sourceIp: req.socket.remoteAddress });
      send(res, problem(new TokenVendingError('forbidden', `Missing or invalid SigV4 signature: ${verification.reason}.`), requestId));
      return;
    }
    const event = restEvent(req, url, body, verification.credential, requestId, now());
    send(res, await options.handler(event, { awsRequestId: requestId }));
  }
}

function readBody(req: IncomingMessage): Promise<Buffer | undefined> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let tooLarge = false;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_READ_BYTES) tooLarge = true;
      else chunks.push(chunk);
    });
    req.on('end', () => resolve(tooLarge ? undefined : Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

function send(res: ServerResponse, response: ApiResponse, close = false): void {
  res.statusCode = response.statusCode;
  for (const [name, value] of Object.entries(response.headers)) res.setHeader(name, value);
  res.setHeader('content-length', Buffer.byteLength(response.body));
  if (close) res.setHeader('connection', 'close');
  res.end(response.body);
}

/** A REST API (payload v1) proxy event as API Gateway builds it for an IAM-authorised caller. */
function restEvent(req: IncomingMessage, url: URL, body: Buffer, credential: LocalCredential, requestId: string, now: number) {
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
  };
}
