/**
 * Apple's Notary API answers, each field checked before it goes into a URL, a request or output
 * (docs/design.md#jobs-without-the-key): a submission's ID as a path segment, its status among Apple's, the S3 target
 * of a new submission; and the hints for Apple's refusals of notary calls.
 */
import { pathSegment } from './auth.ts';
import type { AppStoreConnectClient } from './api.ts';
import { AscError, printable } from './errors.ts';
import type { NotaryUploadTarget } from './notary-upload.ts';
import { NOTARY_STATUSES, type NotaryStatus, type NotarySubmission } from './notary-types.ts';

/**
 * One status check.
 * @throws AscError `apple_refused` (e.g. 404 for an ID the key's team does not have), `bad_response` for an answer
 * that is not a submission with a known status.
 */
export async function getSubmission(client: AppStoreConnectClient, id: string): Promise<NotarySubmission> {
  const segment = submissionId(id, 'invalid_input');
  const document = await client.request<unknown>({ method: 'GET', path: `/submissions/${segment}` }).catch(rehint);
  const data = (document as { data?: { id?: unknown; attributes?: Record<string, unknown> } } | undefined)?.data;
  const answered = submissionId(data?.id, 'bad_response');
  if (answered.toLowerCase() !== segment.toLowerCase()) throw new AscError('bad_response', `Apple's notary service answered about submission ${answered}, not ${segment}`);
  const status = data?.attributes?.status;
  if (typeof status !== 'string' || !(NOTARY_STATUSES as readonly string[]).includes(status)) {
    throw new AscError('bad_response', `Apple's notary service answered a status this client does not know for submission ${segment}: ${typeof status === 'string' ? JSON.stringify(printable(status, 40)) : 'none'}`, {
      hint: 'Look the submission up in App Store Connect; if Apple added a status, report it.',
    });
  }
  const name = data?.attributes?.name;
  const createdDate = data?.attributes?.createdDate;
  return {
    id: segment,
    status: status as NotaryStatus,
    name: typeof name === 'string' ? printable(name, 255) : null,
    createdDate: typeof createdDate === 'string' && /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,9})?(Z|[+-]\d{2}:?\d{2})$/.test(createdDate) ? createdDate : null,
  };
}

/** Apple's submission IDs (UUIDs) as path segments: nothing that could add a segment, a query or a line. */
export function submissionId(value: unknown, code: 'invalid_input' | 'bad_response'): string {
  const what = code === 'invalid_input' ? 'submission ID' : 'Apple’s notary service answered a submission ID that';
  if (typeof value !== 'string') throw new AscError(code, `${code === 'invalid_input' ? 'no submission ID' : 'Apple’s notary service answered without a submission ID'}`);
  try {
    pathSegment(value, 'id');
  } catch {
    throw new AscError(code, `${what} ${JSON.stringify(printable(value, 60))} is not an identifier (a UUID such as 2efe2717-52ef-43a5-96dc-0797e4ca1041)`);
  }
  if (value.length > 64) throw new AscError(code, `${what} is longer than 64 characters`);
  return value;
}

const BUCKET = /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/;
const OBJECT_KEY = /^[A-Za-z0-9!_.*'()=+,:@-]+(\/[A-Za-z0-9!_.*'()=+,:@-]+)*$/;
const ACCESS_KEY_ID = /^[A-Z0-9]{16,128}$/;
const SECRET = /^[A-Za-z0-9/+=_-]{16,8192}$/;

/**
 * The submission's ID and S3 target from `POST /submissions`, every field checked.
 * @throws AscError `bad_response` naming the field that cannot be used.
 */
export function checkNewSubmission(document: unknown): { id: string; target: NotaryUploadTarget } {
  const data = (document as { data?: { id?: unknown; attributes?: Record<string, unknown> } } | undefined)?.data;
  const id = submissionId(data?.id, 'bad_response');
  const a = data?.attributes ?? {};
  const bad = (what: string) =>
    new AscError('bad_response', `Apple's notary service answered submission ${id} with ${what}`, { hint: 'Run it again; if it persists, report it with the submission ID.' });
  if (typeof a.bucket !== 'string' || !BUCKET.test(a.bucket) || a.bucket.includes('..')) throw bad('no usable S3 bucket name');
  if (typeof a.object !== 'string' || a.object.length > 1024 || !OBJECT_KEY.test(a.object) || a.object.split('/').some((s) => s === '.' || s === '..')) throw bad('no usable S3 object key');
  if (typeof a.awsAccessKeyId !== 'string' || !ACCESS_KEY_ID.test(a.awsAccessKeyId)) throw bad('no usable awsAccessKeyId');
  if (typeof a.awsSecretAccessKey !== 'string' || !SECRET.test(a.awsSecretAccessKey)) throw bad('no usable awsSecretAccessKey');
  if (typeof a.awsSessionToken !== 'string' || !SECRET.test(a.awsSessionToken)) throw bad('no usable awsSessionToken');
  return {
    id,
    target: { bucket: a.bucket, object: a.object, credentials: { accessKeyId: a.awsAccessKeyId, secretAccessKey: a.awsSecretAccessKey, sessionToken: a.awsSessionToken } },
  };
}

/** Apple's 4xx from the Notary API with a hint that fits it (the client's hints are written for App Store Connect's API). */
export function rehint(error: unknown): never {
  if (error instanceof AscError && error.code === 'apple_refused') {
    const hint = NOTARY_HINTS[error.status];
    if (hint) throw new AscError('apple_refused', error.message, { status: error.status, appleErrors: error.appleErrors, hint, cause: error.cause });
  }
  throw error;
}

const NOTARY_HINTS: Record<number, string> = {
  401: 'Apple refused the token even after a fresh one: the key may be revoked, or be an individual key the notary service does not take (use a team key).',
  403: 'The key’s App Store Connect role does not allow notarization (Developer, App Manager or Admin can), or the team has not accepted the latest agreements in App Store Connect.',
  404: 'No such submission for this key’s team: check the ID (asc-token notarize printed it), and that the profile uses a key of the team that submitted it.',
};
