/**
 * The local Notary API, as `asc-token notarize` uses it (docs/notarize.md#notarizing-without-the-key):
 *
 *   POST /notary/v2/submissions            {submissionName, sha256} → temporary credentials for one object in the
 *                                          local bucket (s3.ts)
 *   GET  /notary/v2/submissions/{id}       In Progress until the object is there; then Accepted when its SHA-256
 *                                          is the one submitted, else Invalid
 *   GET  /notary/v2/submissions/{id}/logs  the developer log's URL (404 while In Progress)
 *   GET  /developer-logs/{id}?X-Amz-…      the log, as from a presigned URL: no bearer token
 */
import { randomBytes, randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { notFound, appleError, readJson, sendJson } from './http.ts';
import { LOCAL_NOTARY_BUCKET, type LocalNotaryBucket } from './s3.ts';

interface Submission {
  id: string;
  name: string;
  sha256: string;
  createdDate: string;
  object: string;
  status: 'In Progress' | 'Accepted' | 'Invalid';
  logSignature: string;
}

export class LocalNotary {
  readonly #submissions = new Map<string, Submission>();

  constructor(
    private readonly baseUrl: () => string,
    private readonly bucket: LocalNotaryBucket,
  ) {}

  async api(req: IncomingMessage, res: ServerResponse, url: URL): Promise<number> {
    const answer = (status: number, value: unknown) => (sendJson(res, status, value), status);
    const match = /^\/notary\/v2\/submissions(?:\/([^/]+)(\/logs)?)?$/.exec(url.pathname);
    const route = match ? `${req.method} ${match[1] === undefined ? 'submissions' : match[2] ? 'logs' : 'submission'}` : '';
    const submission = match?.[1] === undefined ? undefined : this.#submissions.get(match[1].toLowerCase());
    const missing = () => answer(404, notFound(`There is no resource of type 'submissions' with id '${match?.[1]}'`));
    switch (route) {
      case 'POST submissions': {
        const json = await readJson(req);
        if (typeof json?.submissionName !== 'string' || json.submissionName === '' || typeof json.sha256 !== 'string' || !/^[0-9a-f]{64}$/.test(json.sha256)) {
          return answer(400, appleError(400, 'BAD_REQUEST', 'Invalid request', 'submissionName and sha256 (64 hex digits) are required.'));
        }
        const id = randomUUID();
        const grant = { object: `prod/AROALOCAL${randomBytes(6).toString('hex').toUpperCase()}:${id}`, accessKeyId: `ASIALOCAL${randomBytes(6).toString('hex').toUpperCase()}`, secretAccessKey: randomBytes(30).toString('base64'), sessionToken: randomBytes(48).toString('base64') };
        this.bucket.grant(grant);
        this.#submissions.set(id, { id, name: json.submissionName, sha256: json.sha256, createdDate: new Date().toISOString(), object: grant.object, status: 'In Progress', logSignature: randomBytes(16).toString('hex') });
        return answer(200, {
          data: { type: 'newSubmissions', id, attributes: { awsAccessKeyId: grant.accessKeyId, awsSecretAccessKey: grant.secretAccessKey, awsSessionToken: grant.sessionToken, bucket: LOCAL_NOTARY_BUCKET, object: grant.object } },
          meta: {},
        });
      }
      case 'GET submission': {
        if (!submission) return missing();
        const uploaded = this.bucket.objects.get(submission.object);
        if (submission.status === 'In Progress' && uploaded) submission.status = uploaded.sha256 === submission.sha256 ? 'Accepted' : 'Invalid';
        return answer(200, { data: { type: 'submissions', id: submission.id, attributes: { status: submission.status, name: submission.name, createdDate: submission.createdDate } }, meta: {} });
      }
      case 'GET logs': {
        if (!submission || submission.status === 'In Progress') return answer(404, notFound('No log is available for this submission.'));
        return answer(200, {
          data: { type: 'submissionsLog', id: submission.id, attributes: { developerLogUrl: `${this.baseUrl()}/developer-logs/${submission.id}?X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Expires=300&X-Amz-Signature=${submission.logSignature}` } },
          meta: {},
        });
      }
      default:
        return answer(404, notFound('The path provided does not match a defined resource type.'));
    }
  }

  /** `GET /developer-logs/{id}`: the log JSON as Apple writes it. */
  developerLog(req: IncomingMessage, res: ServerResponse, url: URL): number {
    req.resume();
    const submission = this.#submissions.get(url.pathname.split('/')[2] ?? '');
    if (!submission || url.searchParams.get('X-Amz-Signature') !== submission.logSignature || submission.status === 'In Progress') {
      res.writeHead(403, { 'content-type': 'application/xml' });
      res.end('<Error><Code>AccessDenied</Code><Message>Request has expired</Message></Error>');
      return 403;
    }
    const accepted = submission.status === 'Accepted';
    const log = {
      logFormatVersion: 1,
      jobId: submission.id,
      status: submission.status,
      statusSummary: accepted ? 'Ready for distribution' : 'The uploaded file does not match the submitted SHA-256.',
      statusCode: accepted ? 0 : 4000,
      archiveFilename: submission.name,
      uploadDate: submission.createdDate,
      sha256: submission.sha256,
      ticketContents: accepted ? [{ path: submission.name, digestAlgorithm: 'SHA-256', cdhash: randomBytes(20).toString('hex'), arch: 'arm64' }] : null,
      issues: null,
    };
    res.writeHead(200, { 'content-type': 'application/octet-stream' });
    res.end(JSON.stringify(log, null, 2));
    return 200;
  }
}
