/**
 * The notarization upload: the file to the S3 bucket and object Apple's notary service names, signed with the
 * temporary credentials it hands out for that one submission — the AWS SDK's S3 client and `@aws-sdk/lib-storage`'s
 * `Upload` (one PutObject for a file up to one part; above that a multipart upload, its parts read from disk as they
 * are sent, several at once, each request retried by the SDK).
 *
 * Only Apple's credentials sign it, and it goes only to Apple's bucket. The client is given them explicitly, and
 * every setting that would otherwise come from the environment or `~/.aws/config` (region, endpoint, addressing,
 * FIPS/dual-stack, retries, checksums) is fixed here, so the job's own AWS identity, profile and endpoints
 * (`AWS_PROFILE`, `AWS_ENDPOINT_URL`, `AWS_ENDPOINT_URL_S3` — which a job may have set for MinIO or R2, and which
 * would receive the build and Apple's session token) never touch this upload. The one setting read is this
 * package's own `ASC_NOTARY_S3_URL` (tests and emulators, path-style; https, or http on loopback). Nothing here
 * prints the credentials, and an S3 error's text is quoted only with them cut out.
 */
import { createReadStream } from 'node:fs';
import { sdkProxyAgents } from '../net/outbound.ts';
import { secureBaseUrl } from './endpoint.ts';
import { AscError, printable } from './errors.ts';

/** Apple's notary bucket is in us-west-2 (`notary-submissions-prod.s3.us-west-2.amazonaws.com`). */
export const NOTARY_S3_REGION = 'us-west-2';
const DEFAULT_ENDPOINT = `https://s3.${NOTARY_S3_REGION}.amazonaws.com`;
const MiB = 1024 * 1024;
/** The part size `aws s3 cp` uses; S3 allows 10,000 parts, so larger files get larger parts. */
export const DEFAULT_PART_SIZE = 8 * MiB;
const MAX_PARTS = 10_000;
/** S3's smallest part (all but the last). */
const MIN_PART_SIZE = 5 * MiB;

export interface NotaryUploadTarget {
  bucket: string;
  object: string;
  /** Apple's temporary credentials for this submission (they expire 12 hours after they are issued). */
  credentials: { accessKeyId: string; secretAccessKey: string; sessionToken: string };
}

export interface NotaryUploadOptions {
  file: string;
  size: number;
  target: NotaryUploadTarget;
  /** Read for `ASC_NOTARY_S3_URL` only (default `process.env`). */
  env?: Record<string, string | undefined>;
  /** Bytes per part (default 8 MiB, at least 5 MiB, S3's minimum). */
  partSize?: number;
  /** Parts in flight (default 4). */
  queueSize?: number;
  /** Attempts per S3 request on throttling, 5xx and network errors (default 5). */
  maxAttempts?: number;
  /** Bytes sent so far (after each part on a multipart upload). */
  onBytes?: (sent: number) => void;
}

let s3Modules: Promise<{ S3Client: typeof import('@aws-sdk/client-s3').S3Client; Upload: typeof import('@aws-sdk/lib-storage').Upload }> | undefined;

/**
 * The AWS SDK's S3 client and lib-storage, loaded on first use rather than at the top: they are most of this
 * module's weight, and `--status`, `--log` and the rest of asc-token-vending/asc never need them. `notarize` starts
 * loading them while it hashes the file. Internal: the package's declarations leave it out (tsconfig.types.json,
 * stripInternal), as its type names the SDK's packages, which are bundled, not installed.
 * @internal
 */
export function loadS3(): NonNullable<typeof s3Modules> {
  return (s3Modules ??= Promise.all([import('@aws-sdk/client-s3'), import('@aws-sdk/lib-storage')]).then(([s3, storage]) => ({ S3Client: s3.S3Client, Upload: storage.Upload })));
}

/** How many parts the upload will have (1: a single PutObject). */
export function partsFor(size: number, partSize = DEFAULT_PART_SIZE): number {
  const effective = effectivePartSize(size, partSize);
  return Math.max(1, Math.ceil(size / effective));
}

function effectivePartSize(size: number, partSize: number): number {
  return Math.max(partSize, MIN_PART_SIZE, Math.ceil(size / MAX_PARTS));
}

/** The setting that moves the notarization upload (tests, emulators); the SDK's own S3 endpoint settings never do. */
export const NOTARY_S3_SETTING = 'ASC_NOTARY_S3_URL';

/**
 * Where the upload goes: `ASC_NOTARY_S3_URL` with path-style addressing when set (https, or http on loopback),
 * else S3 in us-west-2 with the bucket in the host name, as `notarytool --no-s3-acceleration` sends it.
 * `AWS_ENDPOINT_URL_S3` and `AWS_ENDPOINT_URL` are ignored: they configure the job's S3, not Apple's bucket.
 * @throws TypeError naming `ASC_NOTARY_S3_URL` when it is not a URL this client sends Apple's credentials to.
 */
export function notaryS3Endpoint(env: Record<string, string | undefined>): { endpoint: string; forcePathStyle: boolean } {
  const configured = env[NOTARY_S3_SETTING];
  if (!configured) return { endpoint: DEFAULT_ENDPOINT, forcePathStyle: false };
  return { endpoint: secureBaseUrl(configured, NOTARY_S3_SETTING).href.replace(/\/+$/, ''), forcePathStyle: true };
}

/**
 * Send the file. Resolves once S3 has the whole object.
 * @throws AscError `upload_failed` after the SDK's retries (with the S3 error code and HTTP status, never the
 * credentials); `invalid_input` when `ASC_NOTARY_S3_URL` is not usable.
 */
export async function uploadToNotaryBucket(options: NotaryUploadOptions): Promise<{ parts: number; etag: string | undefined }> {
  let where: { endpoint: string; forcePathStyle: boolean };
  try {
    where = notaryS3Endpoint(options.env ?? process.env);
  } catch (error) {
    throw new AscError('invalid_input', (error as Error).message, { hint: `Unset ${NOTARY_S3_SETTING} to upload to Apple’s bucket, or point it at an https endpoint.` });
  }
  const { credentials } = options.target;
  const { S3Client, Upload } = await loadS3();
  const client = new S3Client({
    region: NOTARY_S3_REGION,
    endpoint: where.endpoint,
    forcePathStyle: where.forcePathStyle,
    credentials: { accessKeyId: credentials.accessKeyId, secretAccessKey: credentials.secretAccessKey, sessionToken: credentials.sessionToken },
    useFipsEndpoint: false,
    useDualstackEndpoint: false,
    useAccelerateEndpoint: false,
    disableMultiregionAccessPoints: true,
    maxAttempts: options.maxAttempts ?? 5,
    retryMode: 'standard',
    requestChecksumCalculation: 'WHEN_SUPPORTED',
    responseChecksumValidation: 'WHEN_SUPPORTED',
    // Through HTTPS_PROXY unless NO_PROXY names the bucket's host (src/net/outbound.ts); nothing added without them.
    requestHandler: { connectionTimeout: 10_000, requestTimeout: 120_000, ...(await sdkProxyAgents()) },
  });
  const partSize = effectivePartSize(options.size, options.partSize ?? DEFAULT_PART_SIZE);
  const upload = new Upload({
    client,
    params: { Bucket: options.target.bucket, Key: options.target.object, Body: createReadStream(options.file, { highWaterMark: MiB }), ContentLength: options.size },
    partSize,
    queueSize: options.queueSize ?? 4,
    // Apple's credentials may not allow AbortMultipartUpload; an abort that fails would replace the real error.
    // A multipart upload left incomplete costs Apple's bucket nothing that outlives its lifecycle rules.
    leavePartsOnError: true,
  });
  upload.on('httpUploadProgress', (progress) => {
    if (typeof progress.loaded === 'number') options.onBytes?.(progress.loaded);
  });
  try {
    const result = await upload.done();
    return { parts: partsFor(options.size, partSize), etag: 'ETag' in result ? result.ETag : undefined };
  } catch (error) {
    throw uploadFailure(error, options.target, where.forcePathStyle ? `${new URL(where.endpoint).host} (${NOTARY_S3_SETTING})` : undefined);
  } finally {
    client.destroy();
  }
}

const CREDENTIAL_ERRORS = new Set(['AccessDenied', 'ExpiredToken', 'InvalidAccessKeyId', 'InvalidToken', 'SignatureDoesNotMatch', 'TokenRefreshRequired']);

function uploadFailure(error: unknown, target: NotaryUploadTarget, endpoint: string | undefined): AscError {
  const e = error as { name?: unknown; message?: unknown; code?: unknown; $metadata?: { httpStatusCode?: unknown; attempts?: unknown } };
  const status = typeof e?.$metadata?.httpStatusCode === 'number' ? e.$metadata.httpStatusCode : 0;
  const attempts = typeof e?.$metadata?.attempts === 'number' ? e.$metadata.attempts : undefined;
  const name = typeof e?.code === 'string' ? e.code : typeof e?.name === 'string' ? e.name : 'Error';
  // S3's <Message> is fixed text, but an endpoint set by ASC_NOTARY_S3_URL could echo what it was sent.
  let text = typeof e?.message === 'string' ? e.message : '';
  for (const secret of [target.credentials.secretAccessKey, target.credentials.sessionToken]) text = text.split(secret).join('…');
  const what = `${printable(name, 60)}${status ? `, HTTP ${status}` : ''}${attempts && attempts > 1 ? `, after ${attempts} attempts` : ''}`;
  const credentialsRefused = CREDENTIAL_ERRORS.has(name) || status === 403;
  return new AscError('upload_failed', `the upload to Apple's notary storage (${target.bucket}) failed (${what})${text && text !== name ? `: ${printable(text, 200)}` : ''}`, {
    status,
    cause: error,
    hint: credentialsRefused
      ? 'Apple’s storage refused the temporary upload credentials of this submission (they last 12 hours): run notarize again, which makes a new submission.'
      : `Check that this machine reaches ${endpoint ?? `${target.bucket}.s3.${NOTARY_S3_REGION}.amazonaws.com on port 443`} (a proxy or firewall may block it); then run notarize again.`,
  });
}
