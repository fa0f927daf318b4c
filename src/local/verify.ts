/**
 * SigV4 verification as API Gateway does it for `AWS_IAM` methods: service `execute-api`, any region,
 * `x-amz-date` within 15 minutes, the body hash checked. The signature is recomputed with the SDK's own signer
 * over exactly the headers the client signed, then compared in constant time.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import { SERVICE, createSigner } from '../sigv4.ts';

export interface LocalCredential {
  accessKeyId: string;
  secretAccessKey: string;
  /** The IAM principal this key stands for, as API Gateway would report it (e.g. an assumed-role STS ARN). */
  principalArn: string;
  /** Temporary credentials' session token; absent for long-term keys (which must then send none). */
  sessionToken?: string;
}

export interface IncomingSigned {
  method: string;
  /** Raw path, without the query. */
  path: string;
  /** Raw query string, without "?". */
  query: string;
  /** Lower-case names. */
  headers: Record<string, string | string[] | undefined>;
  body: Buffer;
}

export type Verification = { ok: true; credential: LocalCredential } | { ok: false; reason: string };

export const MAX_CLOCK_SKEW_MS = 15 * 60 * 1000;
const AUTH = /^AWS4-HMAC-SHA256 Credential=([^/,\s]+)\/(\d{8})\/([a-z0-9-]+)\/([a-z0-9-]+)\/aws4_request,\s*SignedHeaders=([a-z0-9;-]+),\s*Signature=([0-9a-f]{64})$/;
const AMZ_DATE = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/;

export async function verifySigV4(request: IncomingSigned, credentials: ReadonlyMap<string, LocalCredential>, now: number): Promise<Verification> {
  const header = (name: string): string | undefined => {
    const value = request.headers[name];
    return Array.isArray(value) ? value.join(',') : value;
  };
  const authorization = header('authorization');
  if (authorization === undefined) return { ok: false, reason: 'missing Authorization header: sign the request with SigV4 (service execute-api)' };
  const auth = AUTH.exec(authorization.trim());
  if (!auth) return { ok: false, reason: 'Authorization header is not a SigV4 (AWS4-HMAC-SHA256) signature' };
  const [, accessKeyId = '', shortDate, region = '', service, signedHeaderList = '', signature = ''] = auth;
  if (service !== SERVICE) return { ok: false, reason: `signed for service "${service}"; sign for "${SERVICE}"` };
  const credential = credentials.get(accessKeyId);
  if (!credential) return { ok: false, reason: 'unknown access key ID' };
  // As STS behind API Gateway: temporary credentials need their session token, long-term keys must send none (a
  // leftover AWS_SESSION_TOKEN in a shell is the usual cause).
  const sessionToken = header('x-amz-security-token');
  if (credential.sessionToken === undefined && sessionToken !== undefined) {
    return { ok: false, reason: 'the security token included in the request is invalid: this access key is a long-term key, so send no x-amz-security-token (unset AWS_SESSION_TOKEN)' };
  }
  if (credential.sessionToken !== undefined && sessionToken !== credential.sessionToken) {
    return { ok: false, reason: 'the security token included in the request is invalid or missing' };
  }

  const amzDate = header('x-amz-date');
  const date = amzDate === undefined ? undefined : AMZ_DATE.exec(amzDate);
  if (!date || amzDate === undefined) return { ok: false, reason: 'missing or malformed x-amz-date header' };
  const signingDate = new Date(Date.UTC(+date[1]!, +date[2]! - 1, +date[3]!, +date[4]!, +date[5]!, +date[6]!));
  if (Number.isNaN(signingDate.getTime())) return { ok: false, reason: 'malformed x-amz-date header' };
  if (Math.abs(now - signingDate.getTime()) > MAX_CLOCK_SKEW_MS) {
    return { ok: false, reason: 'signature expired or not yet valid: x-amz-date is more than 15 minutes from the server clock' };
  }
  if (amzDate.slice(0, 8) !== shortDate) return { ok: false, reason: 'credential scope date does not match x-amz-date' };

  const signedHeaders = signedHeaderList.split(';');
  if (!signedHeaders.includes('host')) return { ok: false, reason: 'the host header must be signed' };
  const headers: Record<string, string> = {};
  for (const name of signedHeaders) {
    const value = header(name);
    if (value === undefined) return { ok: false, reason: `signed header "${name}" is missing from the request` };
    headers[name] = value;
  }
  const bodyHash = createHash('sha256').update(request.body).digest('hex');
  const declared = header('x-amz-content-sha256');
  if (declared !== undefined && declared !== bodyHash) {
    return { ok: false, reason: 'x-amz-content-sha256 does not match the body' };
  }

  const query: Record<string, string | string[]> = {};
  for (const [name, value] of new URLSearchParams(request.query)) {
    const existing = query[name];
    query[name] = existing === undefined ? value : Array.isArray(existing) ? [...existing, value] : [existing, value];
  }
  const signer = createSigner({ accessKeyId: credential.accessKeyId, secretAccessKey: credential.secretAccessKey }, region, false);
  const expected = await signer.sign(
    { method: request.method, protocol: 'http:', hostname: headers.host ?? '', path: request.path, query, headers, body: request.body },
    { signingDate, signableHeaders: new Set(signedHeaders) },
  );
  const expectedSignature = /Signature=([0-9a-f]{64})$/.exec(String(expected.headers.authorization ?? ''))?.[1] ?? '';
  const expectedHeaders = /SignedHeaders=([^,]+),/.exec(String(expected.headers.authorization ?? ''))?.[1];
  if (expectedHeaders !== signedHeaderList || !timingSafeEqual(Buffer.from(expectedSignature), Buffer.from(signature))) {
    return { ok: false, reason: 'the request signature does not match: check the secret access key, and that the body and signed headers were not changed' };
  }
  return { ok: true, credential };
}
