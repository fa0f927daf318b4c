/**
 * Apple's Notary API on loopback, with Apple's response shapes (developer.apple.com/documentation/notaryapi):
 *
 *   POST /notary/v2/submissions            {submissionName, sha256[, notifications]} → `newSubmissions`: id and
 *                                          temporary S3 credentials (STS AssumeRole in moto), bucket, object
 *   GET  /notary/v2/submissions/{id}       `submissions`: status, name, createdDate
 *   GET  /notary/v2/submissions/{id}/logs  `submissionsLog`: developerLogUrl (404 while In Progress)
 *   GET  /developer-logs/{id}?X-Amz-…      the developer log JSON, as from a presigned S3 URL (no bearer token)
 *
 * Tokens are verified as Apple does: ES256 with the key's public half (node:crypto, test/helpers/keys.ts), kid,
 * audience, issuer, lifetime; a scope claim, when present, must name the call (`GET /notary/v2/submissions/ID`).
 * A submission turns `Accepted` only when the object in moto's bucket has the SHA-256 that was submitted (a
 * corrupted or missing upload is recorded in `problems`, which tests assert stays empty). Faults: 401 for tokens
 * older than N s, queued API errors, Invalid/Rejected with a log, processing that never ends, hostile answers.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { FakeAppleApi, appleError, sendJson, type AppleApiOptions, type AppleRecordedRequest } from './fake-apple-api.ts';
import type { MotoS3 } from './fake-notary-moto.ts';
import { readBody } from './loopback.ts';

export interface FakeNotaryIssue {
  severity: string;
  code: string | number | null;
  path: string;
  message: string;
  docUrl: string | null;
  architecture: string;
}

export type NotaryOutcome = 'Accepted' | { status: 'Invalid' | 'Rejected'; statusSummary: string; statusCode: number; issues: FakeNotaryIssue[] | null };

export interface FakeNotaryOptions extends AppleApiOptions {
  issuerId: string;
  s3: MotoS3;
  /** Status checks answered `In Progress` once the upload is complete, before the outcome; `forever` never ends. */
  processingChecks?: number | 'forever';
  outcome?: NotaryOutcome;
  /** Replace parts of the answers, as a hostile or broken service would. */
  hostile?: {
    id?: string;
    bucket?: string;
    object?: string;
    secretAccessKey?: string;
    status?: string;
    name?: string;
    developerLogUrl?: string;
    log?: unknown;
  };
}

export type NotaryRecordedRequest = AppleRecordedRequest;

export interface FakeSubmission {
  id: string;
  name: string;
  sha256: string;
  createdDate: string;
  object: string;
  credentials: { accessKeyId: string; secretAccessKey: string; sessionToken: string };
  status: 'In Progress' | 'Accepted' | 'Invalid' | 'Rejected';
  checksLeft: number;
  logSignature: string;
  /** What moto had when the upload was found complete. */
  uploaded?: { sha256: string; size: number; etag: string };
  outcome?: Exclude<NotaryOutcome, 'Accepted'>;
}

export class FakeNotary extends FakeAppleApi<FakeNotaryOptions, NotaryRecordedRequest> {
  readonly submissions = new Map<string, FakeSubmission>();
  /** Fetches of developer logs, with the headers they carried. */
  readonly logFetches: Array<{ id: string; authorization: string | undefined }> = [];
  /** Answers for the next API requests, in order (e.g. 503, 403), before anything else is looked at. */
  readonly apiFaults: Array<{ status: number; code?: string }> = [];

  /** The base URL the client is given (ASC_NOTARY_URL), as Apple's: `…/notary/v2`. */
  get baseUrl(): string {
    return `${this.url}/notary/v2`;
  }

  /** Every secret this fake handed out (tests check that no output contains one). */
  get handedOutSecrets(): string[] {
    return [...this.submissions.values()].flatMap((s) => [s.credentials.secretAccessKey, s.credentials.sessionToken]);
  }

  protected async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://fake');
    if (url.pathname.startsWith('/developer-logs/')) return this.#developerLog(req, res, url);
    const body = await readBody(req);
    const record: NotaryRecordedRequest = { method: req.method ?? '', path: url.pathname, status: 0 };
    this.requests.push(record);
    const answer = (status: number, value: unknown) => this.#answer(res, record, status, value);
    const fault = this.apiFaults.shift();
    if (fault) return answer(fault.status, appleError(fault.status, fault.code ?? (fault.status === 403 ? 'FORBIDDEN_ERROR' : 'UNEXPECTED_ERROR'), fault.status === 403 ? 'This request is forbidden for security reasons' : 'An unexpected error occurred.', 'The fake was told to fail this request.'));
    const refused = this.authorize(req, url, record, (claims) =>
      claims.scope !== undefined && (!Array.isArray(claims.scope) || !claims.scope.includes(`${record.method} ${url.pathname}`)) ? `scope ${JSON.stringify(claims.scope)} does not name ${record.method} ${url.pathname}` : undefined,
    );
    if (refused !== undefined) return answer(401, refused);
    await this.options.onApiRequest?.({ method: record.method, path: url.pathname });

    const match = /^\/notary\/v2\/submissions(?:\/([^/]+)(\/logs)?)?$/.exec(url.pathname);
    const route = match ? `${req.method} ${match[1] === undefined ? 'submissions' : match[2] ? 'logs' : 'submission'}` : `${req.method} ${url.pathname}`;
    const hostile = this.options.hostile ?? {};
    switch (route) {
      case 'POST submissions': {
        if (req.headers['content-type'] !== 'application/json') this.problems.push(`POST submissions: content-type ${req.headers['content-type']}`);
        let json: Record<string, unknown>;
        try {
          json = JSON.parse(body.toString('utf8'));
        } catch {
          this.problems.push('POST submissions: body is not JSON');
          return answer(400, appleError(400, 'BAD_REQUEST', 'Invalid request', 'The body is not JSON.'));
        }
        const extra = Object.keys(json).filter((k) => !['submissionName', 'sha256', 'notifications'].includes(k));
        if (extra.length > 0) this.problems.push(`POST submissions: fields Apple does not document: ${extra.join(', ')}`);
        if (typeof json.submissionName !== 'string' || json.submissionName === '' || typeof json.sha256 !== 'string' || !/^[0-9a-f]{64}$/.test(json.sha256)) {
          this.problems.push(`POST submissions: bad body ${JSON.stringify(json)}`);
          return answer(400, appleError(400, 'BAD_REQUEST', 'Invalid request', 'submissionName and sha256 (64 hex digits) are required.'));
        }
        const id = randomUUID();
        const credentials = await this.options.s3.assumeUploader(id);
        const submission: FakeSubmission = {
          id,
          name: json.submissionName,
          sha256: json.sha256,
          createdDate: new Date(this.now()).toISOString(),
          object: `prod/${credentials.roleId}-${id}`,
          credentials: { accessKeyId: credentials.accessKeyId, secretAccessKey: credentials.secretAccessKey, sessionToken: credentials.sessionToken },
          status: 'In Progress',
          checksLeft: 0,
          logSignature: randomBytes(16).toString('hex'),
        };
        this.submissions.set(id, submission);
        return answer(200, {
          data: {
            type: 'newSubmissions',
            id: hostile.id ?? id,
            attributes: {
              awsAccessKeyId: submission.credentials.accessKeyId,
              awsSecretAccessKey: hostile.secretAccessKey ?? submission.credentials.secretAccessKey,
              awsSessionToken: submission.credentials.sessionToken,
              bucket: hostile.bucket ?? this.options.s3.bucket,
              object: hostile.object ?? submission.object,
            },
          },
          meta: {},
        });
      }
      case 'GET submission': {
        const submission = this.submissions.get(match![1]!.toLowerCase());
        if (!submission) return answer(404, appleError(404, 'NOT_FOUND', 'The specified resource does not exist', `There is no resource of type 'submissions' with id '${match![1]}'`));
        await this.#progress(submission);
        return answer(200, {
          data: {
            type: 'submissions',
            id: hostile.id ?? submission.id,
            attributes: { status: hostile.status ?? submission.status, name: hostile.name ?? submission.name, createdDate: submission.createdDate },
          },
          meta: {},
        });
      }
      case 'GET logs': {
        const submission = this.submissions.get(match![1]!.toLowerCase());
        if (!submission || submission.status === 'In Progress') return answer(404, appleError(404, 'NOT_FOUND', 'The specified resource does not exist', 'No log is available for this submission.'));
        return answer(200, {
          data: { type: 'submissionsLog', id: submission.id, attributes: { developerLogUrl: hostile.developerLogUrl ?? `${this.url}/developer-logs/${submission.id}?X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Expires=300&X-Amz-Signature=${submission.logSignature}` } },
          meta: {},
        });
      }
      default:
        this.problems.push(`unexpected call ${route}`);
        return answer(404, appleError(404, 'NOT_FOUND', 'The specified resource does not exist', 'The path provided does not match a defined resource type.'));
    }
  }

  /** A status check moves the submission on: the upload must be in moto with the submitted SHA-256. */
  async #progress(submission: FakeSubmission): Promise<void> {
    if (submission.status !== 'In Progress') return;
    if (submission.uploaded === undefined) {
      const found = await this.options.s3.object(submission.object);
      if (found === undefined) {
        this.problems.push(`status check of ${submission.id} before its file was in the bucket`);
        return;
      }
      submission.uploaded = found;
      if (found.sha256 !== submission.sha256) {
        this.problems.push(`the object of ${submission.id} has SHA-256 ${found.sha256}, not the submitted ${submission.sha256}`);
        submission.status = 'Invalid';
        submission.outcome = { status: 'Invalid', statusSummary: 'The uploaded file does not match the submitted SHA-256.', statusCode: 4000, issues: null };
        return;
      }
      const processing = this.options.processingChecks ?? 0;
      submission.checksLeft = processing === 'forever' ? Infinity : processing;
    }
    if (submission.checksLeft > 0) {
      submission.checksLeft--;
      return;
    }
    const outcome = this.options.outcome ?? 'Accepted';
    submission.status = outcome === 'Accepted' ? 'Accepted' : outcome.status;
    if (outcome !== 'Accepted') submission.outcome = outcome;
  }

  async #developerLog(req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> {
    req.resume();
    const id = url.pathname.split('/')[2] ?? '';
    const submission = this.submissions.get(id);
    this.logFetches.push({ id, authorization: req.headers.authorization });
    if (req.headers.authorization !== undefined) this.problems.push(`developer log of ${id}: fetched with an Authorization header`);
    if (!submission || url.searchParams.get('X-Amz-Signature') !== submission.logSignature) {
      res.writeHead(403, { 'content-type': 'application/xml' });
      res.end('<Error><Code>AccessDenied</Code><Message>Request has expired</Message></Error>');
      return;
    }
    const outcome = submission.outcome;
    const log = this.options.hostile?.log ?? {
      logFormatVersion: 1,
      jobId: submission.id,
      status: submission.status,
      statusSummary: outcome?.statusSummary ?? 'Ready for distribution',
      statusCode: outcome?.statusCode ?? 0,
      archiveFilename: submission.name,
      uploadDate: submission.createdDate,
      sha256: submission.sha256,
      ticketContents: outcome ? null : [{ path: submission.name, digestAlgorithm: 'SHA-256', cdhash: randomBytes(20).toString('hex'), arch: 'arm64' }],
      issues: outcome?.issues ?? null,
    };
    res.writeHead(200, { 'content-type': 'application/octet-stream' });
    res.end(JSON.stringify(log, null, 2));
  }

  #answer(res: ServerResponse, record: NotaryRecordedRequest, status: number, value: unknown): void {
    record.status = status;
    sendJson(res, status, value);
  }
}

/** A developer log issue as Apple writes them (Resolving common notarization issues). */
export function unsignedBinaryIssue(path: string, architecture = 'arm64'): FakeNotaryIssue {
  return {
    severity: 'error',
    code: null,
    path,
    message: 'The binary is not signed with a valid Developer ID certificate.',
    docUrl: 'https://developer.apple.com/documentation/security/resolving-common-notarization-issues#Sign-with-a-valid-Developer-ID-certificate',
    architecture,
  };
}
