/**
 * The local stand-in for the S3 bucket Apple's notary service hands out (path-style, `ASC_NOTARY_S3_URL`): what
 * `@aws-sdk/lib-storage`'s Upload sends — PutObject, or CreateMultipartUpload, UploadPart, CompleteMultipartUpload
 * and AbortMultipartUpload. Every request must carry a SigV4 signature (service `s3`) from the temporary
 * credentials of one submission, with their session token, for that submission's own object; the signature is
 * recomputed with the SDK's own signer. Bodies may come `aws-chunked` with a trailing checksum, as the SDK sends
 * them. Objects are kept as their SHA-256 and size only.
 */
import { createHash, randomUUID, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { SignatureV4 } from '@smithy/signature-v4';
import { NodeSha256 } from '../../sigv4.ts';

export const LOCAL_NOTARY_BUCKET = 'notary-submissions-local';
const REGION = 'us-west-2';
const MAX_BODY = 256 * 1024 * 1024;
const AUTH = /^AWS4-HMAC-SHA256 Credential=([^/,\s]+)\/(\d{8})\/([a-z0-9-]+)\/s3\/aws4_request,\s*SignedHeaders=([a-z0-9;-]+),\s*Signature=([0-9a-f]{64})$/;

export interface UploadGrant {
  object: string;
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken: string;
}

export class LocalNotaryBucket {
  /** Object key → its SHA-256 and size. */
  readonly objects = new Map<string, { sha256: string; size: number }>();
  readonly #grants = new Map<string, UploadGrant>();
  readonly #multipart = new Map<string, { object: string; parts: Map<number, Buffer> }>();

  grant(grant: UploadGrant): void {
    this.#grants.set(grant.accessKeyId, grant);
  }

  async handle(req: IncomingMessage, res: ServerResponse, url: URL): Promise<number> {
    const reply = (status: number, code?: string, xml = '', headers: Record<string, string> = {}) => {
      res.writeHead(status, { 'content-type': 'application/xml', 'x-amz-request-id': randomUUID(), ...headers });
      res.end(code ? `<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>${code}</Code><Message>${code}</Message></Error>` : xml);
      return status;
    };
    const rawPath = (req.url ?? '/').split('?')[0] ?? '/';
    let object: string;
    try {
      object = decodeURIComponent(rawPath.slice(LOCAL_NOTARY_BUCKET.length + 2));
    } catch {
      return (req.resume(), reply(400, 'InvalidURI'));
    }
    // The signature covers the headers (the body's hash is a header): refused before a byte of the body is kept.
    const denied = await this.#refusal(req, rawPath, url, object);
    if (denied !== undefined) return (req.resume(), reply(403, denied));
    const body = await readLimited(req);
    if (body === undefined) return reply(400, 'EntityTooLarge');
    const content = req.headers['content-encoding']?.includes('aws-chunked') ? decodeAwsChunked(body) : body;
    if (content === undefined) return reply(400, 'IncompleteBody');
    const declared = req.headers['x-amz-content-sha256'];
    if (typeof declared === 'string' && /^[0-9a-f]{64}$/.test(declared) && createHash('sha256').update(content).digest('hex') !== declared) return reply(400, 'XAmzContentSHA256Mismatch');
    const etag = `"${createHash('md5').update(content).digest('hex')}"`;
    const uploadId = url.searchParams.get('uploadId');
    if (req.method === 'PUT' && uploadId === null) {
      this.objects.set(object, { sha256: createHash('sha256').update(content).digest('hex'), size: content.length });
      return reply(200, undefined, '', { etag });
    }
    if (req.method === 'POST' && url.searchParams.has('uploads')) {
      const id = randomUUID();
      this.#multipart.set(id, { object, parts: new Map() });
      return reply(200, undefined, `<?xml version="1.0" encoding="UTF-8"?>\n<InitiateMultipartUploadResult><Bucket>${LOCAL_NOTARY_BUCKET}</Bucket><Key>${escapeXml(object)}</Key><UploadId>${id}</UploadId></InitiateMultipartUploadResult>`);
    }
    const multipart = uploadId === null ? undefined : this.#multipart.get(uploadId);
    if (!multipart || multipart.object !== object) return reply(404, 'NoSuchUpload');
    if (req.method === 'PUT') {
      multipart.parts.set(Number(url.searchParams.get('partNumber')), content);
      return reply(200, undefined, '', { etag });
    }
    if (req.method === 'DELETE') {
      this.#multipart.delete(uploadId as string);
      return reply(204);
    }
    if (req.method === 'POST') {
      const hash = createHash('sha256');
      let size = 0;
      for (const number of [...multipart.parts.keys()].sort((a, b) => a - b)) {
        const part = multipart.parts.get(number) as Buffer;
        hash.update(part);
        size += part.length;
      }
      this.#multipart.delete(uploadId as string);
      this.objects.set(object, { sha256: hash.digest('hex'), size });
      return reply(200, undefined, `<?xml version="1.0" encoding="UTF-8"?>\n<CompleteMultipartUploadResult><Bucket>${LOCAL_NOTARY_BUCKET}</Bucket><Key>${escapeXml(object)}</Key><ETag>${etag}</ETag></CompleteMultipartUploadResult>`);
    }
    return reply(405, 'MethodNotAllowed');
  }

  /** Why S3 would refuse the request (its error code), or undefined. */
  async #refusal(req: IncomingMessage, rawPath: string, url: URL, object: string): Promise<string | undefined> {
    const auth = AUTH.exec(String(req.headers.authorization ?? ''));
    if (!auth) return 'AccessDenied';
    const [, accessKeyId = '', , region = '', signedHeaderList = '', signature = ''] = auth;
    const grant = this.#grants.get(accessKeyId);
    if (!grant) return 'InvalidAccessKeyId';
    if (req.headers['x-amz-security-token'] !== grant.sessionToken) return 'InvalidToken';
    if (region !== REGION) return 'AuthorizationHeaderMalformed';
    if (object !== grant.object) return 'AccessDenied';
    const signedHeaders = signedHeaderList.split(';');
    const headers: Record<string, string> = {};
    for (const name of signedHeaders) {
      const value = req.headers[name];
      if (value === undefined) return 'SignatureDoesNotMatch';
      headers[name] = Array.isArray(value) ? value.join(',') : value;
    }
    const amzDate = headers['x-amz-date'] ?? '';
    const date = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/.exec(amzDate);
    if (!date) return 'AccessDenied';
    const signingDate = new Date(Date.UTC(+date[1]!, +date[2]! - 1, +date[3]!, +date[4]!, +date[5]!, +date[6]!));
    if (Math.abs(Date.now() - signingDate.getTime()) > 15 * 60_000) return 'RequestTimeTooSkewed';
    const query: Record<string, string> = {};
    for (const [name, value] of url.searchParams) query[name] = value;
    const signer = new SignatureV4({ credentials: grant, region, service: 's3', sha256: NodeSha256, uriEscapePath: false, applyChecksum: false });
    const expected = await signer.sign({ method: req.method ?? '', protocol: 'http:', hostname: headers.host ?? '', path: rawPath, query, headers }, { signingDate, signableHeaders: new Set(signedHeaders) });
    const expectedSignature = /Signature=([0-9a-f]{64})$/.exec(String(expected.headers.authorization ?? ''))?.[1] ?? '';
    return expectedSignature.length === signature.length && timingSafeEqual(Buffer.from(expectedSignature), Buffer.from(signature)) ? undefined : 'SignatureDoesNotMatch';
  }
}

async function readLimited(req: IncomingMessage): Promise<Buffer | undefined> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > MAX_BODY) return undefined;
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks);
}

/** The content of an `aws-chunked` body (`<hex size>[;chunk-signature=…]\r\n<data>\r\n` … `0\r\n<trailers>\r\n\r\n`). */
export function decodeAwsChunked(body: Buffer): Buffer | undefined {
  const parts: Buffer[] = [];
  let at = 0;
  for (;;) {
    const end = body.indexOf('\r\n', at);
    if (end < 0) return undefined;
    const size = Number.parseInt(body.subarray(at, end).toString('latin1').split(';')[0] ?? '', 16);
    if (!Number.isSafeInteger(size) || size < 0) return undefined;
    if (size === 0) return Buffer.concat(parts);
    if (end + 2 + size + 2 > body.length) return undefined;
    parts.push(body.subarray(end + 2, end + 2 + size));
    at = end + 2 + size + 2;
  }
}

const escapeXml = (text: string) => text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
