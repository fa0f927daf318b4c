/**
 * App Store Connect on loopback, for the Build Uploads flow, written from Apple's OpenAPI spec: every request the
 * client sends and every answer this fake gives is validated against the zod schemas generated from that spec
 * (the `appstore-connect-sdk` package); a mismatch is recorded in `problems` (tests assert it stays empty) and
 * answered as Apple would, 4xx in its error format.
 *
 * Tokens are verified as Apple does: ES256 with the key's public half (node:crypto, not jose), kid, audience,
 * issuer, lifetime, and — when present — that the scope names this call (Apple ignores query order and
 * limit/cursor/sort). The file is split into several upload operations on this server, reassembled, and its
 * checksum checked at commit. Faults: 401 for tokens older than N s, parts failing once, FAILED with errors,
 * processing that never ends, 409 for a duplicate build.
 */
import { createHash, randomBytes, randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { FakeAppleApi, appleError, sendJson, type AppleApiOptions, type AppleRecordedRequest } from './fake-apple-api.ts';
import { readBody } from './loopback.ts';
// Apple's matching of a scope entry, as the local Apple (`npm start -- --with-apple`) applies it: one rule for both.
import { buildUploadDocument, uploadFileDocument, type StateDetail } from '../../src/local/apple/documents.ts';
import { scopeNames } from '../../src/local/apple/tokens.ts';

interface Schema {
  safeParse(value: unknown): { success: boolean; data?: unknown; error?: { issues: Array<{ path: PropertyKey[]; message: string }> } };
}

/**
 * Validate like Apple's spec says (`additionalProperties: false`): zod strips unknown keys instead of refusing
 * them, so every key of the input must survive into the parsed output. Issues as `path: message` strings.
 */
export function specIssues(schema: Schema, value: unknown): string[] {
  const result = schema.safeParse(value);
  if (!result.success) return (result.error?.issues ?? []).map((i) => `${i.path.join('.')}: ${i.message}`);
  const unknown: string[] = [];
  const walk = (input: unknown, output: unknown, path: string) => {
    if (typeof input !== 'object' || input === null || typeof output !== 'object' || output === null) return;
    for (const [k, v] of Object.entries(input)) {
      if (!(k in output)) unknown.push(`${path}${k}: not in Apple's schema`);
      else walk(v, (output as Record<string, unknown>)[k], `${path}${k}.`);
    }
  };
  walk(value, result.data, '');
  return unknown;
}
type Schemas = Record<string, Schema>;

let schemas: Promise<Schemas> | undefined;
/**
 * Apple's OpenAPI spec as zod schemas. Loaded through a specifier the type checker does not follow: the package's
 * declarations are 20 MB, which `tsc --noEmit` would parse on every run for types this file does not need.
 */
export function appleSchemas(): Promise<Schemas> {
  const specifier = 'appstore-connect-sdk/openapi';
  return (schemas ??= import(specifier) as Promise<Schemas>);
}

export type { StateDetail };

export type PartFault = 'error503' | 'reset' | 'forbidden';

export interface FakeAscOptions extends AppleApiOptions {
  apps?: Array<{ id: string; bundleId: string }>;
  /** Bytes per upload operation (default 1 MiB). */
  partSize?: number;
  /** Every token must carry a scope naming exactly its call, one entry. */
  requireScope?: boolean;
  /** Parts (0-based) whose first attempt fails this way. */
  partFaults?: Map<number, PartFault>;
  /** How many status checks after the commit answer PROCESSING before the outcome; `forever` never ends. */
  processingChecks?: number | 'forever';
  /** The outcome of processing (default COMPLETE). */
  outcome?: 'COMPLETE' | { failed: StateDetail[]; warnings?: StateDetail[] };
  /** Warnings on a COMPLETE build. */
  warnings?: StateDetail[];
  /** Keep the bytes (default) or only count them (the benchmark's 256 MiB), checking the commit against `expectSha256`. */
  store?: 'memory' | 'count';
  expectSha256?: string;
  /** The key's hourly request budget stated in `X-Rate-Limit` on every API answer (default 3600, as Apple states it). */
  hourlyLimit?: number;
}

/** An API request (not an upload part), with the token's scope claim if it had one. */
export type RecordedRequest = AppleRecordedRequest;

interface UploadFile {
  id: string;
  buildUploadId: string;
  fileName: string;
  size: number;
  operations: Array<{ offset: number; length: number; signature: string; received?: Buffer; bytes: number; attempts: number }>;
  committed: boolean;
  sha256?: string;
}

interface BuildUpload {
  id: string;
  appId: string;
  version: string;
  build: string;
  platform: string;
  state: 'AWAITING_UPLOAD' | 'PROCESSING' | 'FAILED' | 'COMPLETE';
  checksLeft: number;
  errors: StateDetail[];
  warnings: StateDetail[];
  fileId?: string;
}

export class FakeAppStoreConnect extends FakeAppleApi<FakeAscOptions, RecordedRequest> {
  readonly buildUploads = new Map<string, BuildUpload>();
  readonly files = new Map<string, UploadFile>();
  /** Upload part attempts, with the headers they carried. */
  readonly partRequests: Array<{ fileId: string; part: number; headers: Record<string, string | string[] | undefined>; status: number; firstByteAt?: number; lastByteAt?: number; bytes: number }> = [];
  /** Answers for the next API requests, in order, before anything else is looked at (5xx, 429 with Retry-After). */
  readonly apiFaults: Array<{ status: number; retryAfter?: number; /** Only for a request to this `METHOD /path` prefix. */ on?: string }> = [];
  /** API requests answered this hour, counted against {@link FakeAscOptions.hourlyLimit}. */
  requestsThisHour = 0;

  override async start(): Promise<this> {
    await appleSchemas();
    return super.start();
  }

  /** The bytes a build upload file ended up with, parts reassembled in offset order. */
  received(fileId: string): Buffer {
    const file = this.files.get(fileId);
    if (!file) throw new Error(`no file ${fileId}`);
    return Buffer.concat(file.operations.map((op) => op.received ?? Buffer.alloc(0)));
  }

  /** A URL on this server that drains what is sent to it as an upload part is drained (the benchmark's curl). */
  get sinkUrl(): string {
    return `${this.url}/sink`;
  }

  protected async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://fake');
    if (url.pathname.startsWith('/upload/') || url.pathname === '/sink') return this.#part(req, res, url);
    const body = await readBody(req);
    const record: RecordedRequest = { method: req.method ?? '', path: `${url.pathname}${url.search}`, status: 0 };
    this.requests.push(record);
    const answer = (status: number, value: unknown, schema?: string) => this.#answer(res, record, status, value, schema);
    const at = this.apiFaults.findIndex((f) => f.on === undefined || `${record.method} ${url.pathname}`.startsWith(f.on));
    const fault = at < 0 ? undefined : this.apiFaults.splice(at, 1)[0];
    // Apple states the key's budget on every answer, a 429 included (one for too many requests at once comes with
    // budget left: Apple's forum thread 731014).
    const limit = this.options.hourlyLimit ?? 3600;
    this.requestsThisHour++;
    const remaining = Math.max(0, limit - this.requestsThisHour);
    res.setHeader('x-rate-limit', `user-hour-lim:${limit};user-hour-rem:${remaining};`);
    if (fault) {
      if (fault.retryAfter !== undefined) res.setHeader('retry-after', String(fault.retryAfter));
      return answer(fault.status, appleError(fault.status, fault.status === 429 ? 'RATE_LIMIT_EXCEEDED' : 'UNEXPECTED_ERROR', 'An unexpected error occurred.', 'An unexpected error occurred on the server side. If this issue continues, contact us at https://developer.apple.com/contact/.'), 'zErrorResponse');
    }

    const auth = this.authorize(req, url, record, (claims) => this.#scopeRefusal(claims, record.method, url));
    if (auth !== undefined) return answer(401, auth, 'zErrorResponse');
    await this.options.onApiRequest?.({ method: record.method, path: url.pathname });
    const s = await appleSchemas();
    const invalid = (schema: string, data: unknown) => {
      if (!s[schema]) throw new Error(`no schema ${schema}`);
      const issues = specIssues(s[schema], data).join('; ');
      if (issues === '') return undefined;
      this.problems.push(`${record.method} ${url.pathname}: request does not match ${schema}: ${issues}`);
      return appleError(422, 'ENTITY_ERROR', 'The request entity is invalid', issues);
    };
    let json: any;
    if (body.length > 0) {
      try {
        json = JSON.parse(body.toString('utf8'));
      } catch {
        this.problems.push(`${record.method} ${url.pathname}: body is not JSON`);
        return answer(400, appleError(400, 'PARAMETER_ERROR.INVALID', 'The request body is not JSON', 'The body is not valid JSON.'), 'zErrorResponse');
      }
      if (req.headers['content-type'] !== 'application/json') this.problems.push(`${record.method} ${url.pathname}: content-type ${req.headers['content-type']}`);
    }
    const route = `${req.method} ${url.pathname.replace(/^\/v1\/(buildUploads|buildUploadFiles)\/[^/]+$/, '/v1/$1/{id}')}`;
    const id = url.pathname.split('/')[3] ?? '';
    switch (route) {
      case 'GET /v1/apps': {
        const query: Record<string, unknown> = {};
        for (const [name, value] of url.searchParams) query[name] = name === 'limit' ? Number(value) : value.split(',');
        const bad = invalid('zAppsGetCollectionData', { query });
        if (bad) return answer(400, bad, 'zErrorResponse');
        const wanted = url.searchParams.get('filter[bundleId]')?.split(',');
        const apps = (this.options.apps ?? []).filter((a) => wanted === undefined || wanted.includes(a.bundleId));
        return answer(200, { data: apps.map((a) => ({ type: 'apps', id: a.id, attributes: { bundleId: a.bundleId, name: 'Example', sku: 'EX' } })), links: { self: `${this.url}${record.path}` }, meta: { paging: { total: apps.length, limit: 50 } } }, 'zAppsGetCollectionResponse');
      }
      case 'POST /v1/buildUploads': {
        const bad = invalid('zBuildUploadsCreateInstanceData', { body: json });
        if (bad) return answer(422, bad, 'zErrorResponse');
        const { cfBundleShortVersionString: version, cfBundleVersion: build, platform } = json.data.attributes;
        const appId = json.data.relationships.app.data.id;
        if (!(this.options.apps ?? []).some((a) => a.id === appId)) return answer(404, appleError(404, 'NOT_FOUND', 'The specified resource does not exist', `There is no resource of type 'apps' with id '${appId}'`), 'zErrorResponse');
        const duplicate = [...this.buildUploads.values()].some((u) => u.appId === appId && u.version === version && u.build === build && u.platform === platform && u.state !== 'FAILED');
        if (duplicate) {
          return answer(409, appleError(409, 'ENTITY_ERROR.ATTRIBUTE.INVALID.DUPLICATE', 'The provided entity includes an attribute with a value that has already been used', `The bundle version must be higher than the previously uploaded version: ‘${build}’.`), 'zErrorResponse');
        }
        const upload: BuildUpload = { id: randomUUID(), appId, version, build, platform, state: 'AWAITING_UPLOAD', checksLeft: 0, errors: [], warnings: [] };
        this.buildUploads.set(upload.id, upload);
        return answer(201, this.#buildUploadDocument(upload), 'zBuildUploadsCreateInstanceResponse');
      }
      case 'POST /v1/buildUploadFiles': {
        const bad = invalid('zBuildUploadFilesCreateInstanceData', { body: json });
        if (bad) return answer(422, bad, 'zErrorResponse');
        const { fileName, fileSize, assetType, uti } = json.data.attributes;
        const upload = this.buildUploads.get(json.data.relationships.buildUpload.data.id);
        if (!upload) return answer(404, appleError(404, 'NOT_FOUND', 'The specified resource does not exist', 'No such build upload'), 'zErrorResponse');
        if (assetType !== 'ASSET' || (uti !== 'com.apple.ipa' && uti !== 'com.apple.pkg')) this.problems.push(`buildUploadFiles: assetType ${assetType}, uti ${uti}`);
        const size = Number(fileSize);
        const partSize = this.options.partSize ?? 1024 * 1024;
        const file: UploadFile = { id: randomUUID(), buildUploadId: upload.id, fileName, size, operations: [], committed: false };
        for (let offset = 0; offset < size; offset += partSize) {
          file.operations.push({ offset, length: Math.min(partSize, size - offset), signature: randomBytes(16).toString('hex'), bytes: 0, attempts: 0 });
        }
        this.files.set(file.id, file);
        upload.fileId = file.id;
        return answer(201, this.#fileDocument(file), 'zBuildUploadFilesCreateInstanceResponse');
      }
      case 'PATCH /v1/buildUploadFiles/{id}': {
        const bad = invalid('zBuildUploadFilesUpdateInstanceData', { body: json, path: { id } });
        if (bad) return answer(422, bad, 'zErrorResponse');
        const file = this.files.get(id);
        if (!file || json.data.id !== id) return answer(404, appleError(404, 'NOT_FOUND', 'The specified resource does not exist', 'No such build upload file'), 'zErrorResponse');
        const upload = this.buildUploads.get(file.buildUploadId) as BuildUpload;
        const { uploaded, sourceFileChecksums } = json.data.attributes ?? {};
        if (uploaded !== true) this.problems.push('commit without uploaded: true');
        const missing = file.operations.filter((op) => op.bytes !== op.length).map((_, i) => i);
        if (missing.length > 0) {
          this.problems.push(`commit with parts missing: ${missing.join(', ')}`);
          return answer(409, appleError(409, 'ENTITY_ERROR', 'Upload incomplete', 'Not every upload operation was performed.'), 'zErrorResponse');
        }
        const algorithm = sourceFileChecksums?.file?.algorithm;
        const expected = this.options.store === 'count' ? this.options.expectSha256 : createHash(algorithm === 'MD5' ? 'md5' : 'sha256').update(this.received(file.id)).digest('hex');
        file.committed = true;
        file.sha256 = sourceFileChecksums?.file?.hash;
        upload.state = 'PROCESSING';
        if (sourceFileChecksums?.file?.hash !== expected) {
          this.problems.push(`checksum ${algorithm} ${sourceFileChecksums?.file?.hash} does not match the bytes received (${expected})`);
          upload.state = 'FAILED';
          upload.errors = [{ code: 'CHECKSUM_MISMATCH', description: 'The checksum does not match the uploaded file.' }];
        } else {
          const processing = this.options.processingChecks ?? 0;
          upload.checksLeft = processing === 'forever' ? Infinity : processing;
        }
        return answer(200, this.#fileDocument(file), 'zBuildUploadFilesUpdateInstanceResponse');
      }
      case 'GET /v1/buildUploads/{id}': {
        const query: Record<string, unknown> = {};
        for (const [name, value] of url.searchParams) query[name] = value.split(',');
        const bad = invalid('zBuildUploadsGetInstanceData', { path: { id }, ...(url.search ? { query } : {}) });
        if (bad) return answer(400, bad, 'zErrorResponse');
        const upload = this.buildUploads.get(id);
        if (!upload) return answer(404, appleError(404, 'NOT_FOUND', 'The specified resource does not exist', `There is no resource of type 'buildUploads' with id '${id}'`), 'zErrorResponse');
        if (upload.state === 'PROCESSING') {
          if (upload.checksLeft > 0) upload.checksLeft--;
          else {
            const outcome = this.options.outcome ?? 'COMPLETE';
            if (outcome === 'COMPLETE') {
              upload.state = 'COMPLETE';
              upload.warnings = this.options.warnings ?? [];
            } else {
              upload.state = 'FAILED';
              upload.errors = outcome.failed;
              upload.warnings = outcome.warnings ?? [];
            }
          }
        }
        return answer(200, this.#buildUploadDocument(upload), 'zBuildUploadsGetInstanceResponse');
      }
      default:
        this.problems.push(`unexpected call ${route}`);
        return answer(404, appleError(404, 'NOT_FOUND', 'The specified resource does not exist', `The path provided does not match a defined resource type.`), 'zErrorResponse');
    }
  }

  /** Why the token's scope claim does not cover this call (Apple's matching; `requireScope`: exactly this call). */
  #scopeRefusal(claims: Record<string, any>, method: string, url: URL): string | undefined {
    if (claims.scope !== undefined) {
      if (!Array.isArray(claims.scope) || !claims.scope.some((entry: unknown) => typeof entry === 'string' && scopeNames(entry, method, url))) {
        return `scope ${JSON.stringify(claims.scope)} does not name ${method} ${url.pathname}${url.search}`;
      }
      if (this.options.requireScope && claims.scope.length !== 1) return `scope has ${claims.scope.length} entries, not exactly this call`;
    } else if (this.options.requireScope) {
      return 'no scope claim';
    }
    return undefined;
  }

  async #part(req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> {
    const sink = url.pathname === '/sink';
    const [, , fileId = '', index = ''] = url.pathname.split('/');
    const file = this.files.get(fileId);
    const op = file?.operations[Number(index)];
    const attempt = { fileId, part: Number(index), headers: req.headers, status: 0, bytes: 0 } as FakeAppStoreConnect['partRequests'][number];
    this.partRequests.push(attempt);
    const chunks: Buffer[] = [];
    const keep = !sink && this.options.store !== 'count';
    for await (const chunk of req) {
      attempt.firstByteAt ??= performance.now();
      attempt.bytes += (chunk as Buffer).length;
      if (keep) chunks.push(chunk as Buffer);
    }
    attempt.lastByteAt = performance.now();
    const reply = (status: number) => {
      attempt.status = status;
      res.writeHead(status, { 'content-type': 'application/xml' });
      res.end(status < 300 ? '' : `<Error><Code>E${status}</Code><Message>fake storage error</Message><RequestId>${randomUUID()}</RequestId></Error>`);
    };
    if (sink) return reply(200);
    if (!file || !op) {
      this.problems.push(`upload to an unknown part ${url.pathname}`);
      return reply(404);
    }
    op.attempts++;
    if (req.method !== 'PUT') this.problems.push(`part ${index}: method ${req.method}`);
    if (url.searchParams.get('X-Amz-Signature') !== op.signature) return reply(403);
    if (req.headers.authorization !== undefined) this.problems.push(`part ${index}: an Authorization header went to the upload URL`);
    if (req.headers['content-type'] !== 'application/octet-stream' || req.headers['x-apple-upload-part'] !== `${fileId}:${index}`) {
      this.problems.push(`part ${index}: the operation's request headers were not sent as given (${JSON.stringify(req.headers)})`);
    }
    const fault = op.attempts === 1 ? this.options.partFaults?.get(Number(index)) : undefined;
    if (fault === 'reset') return void req.socket.destroy();
    if (fault === 'error503') return reply(503);
    if (fault === 'forbidden') return reply(403);
    if (attempt.bytes !== op.length) {
      this.problems.push(`part ${index}: ${attempt.bytes} bytes, expected ${op.length}`);
      return reply(400);
    }
    if (keep) op.received = Buffer.concat(chunks);
    op.bytes = attempt.bytes;
    reply(200);
  }

  #buildUploadDocument(upload: BuildUpload) {
    return buildUploadDocument(this.url, { ...upload, createdDate: new Date(this.now()).toISOString() });
  }

  #fileDocument(file: UploadFile) {
    return uploadFileDocument(this.url, {
      ...file,
      expiration: new Date(this.now() + 7 * 86_400_000).toISOString(),
      operations: file.operations.map((op, index) => ({
        url: `${this.url}/upload/${file.id}/${index}?X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Expires=604800&X-Amz-Signature=${op.signature}`,
        offset: op.offset,
        length: op.length,
        requestHeaders: [
          { name: 'Content-Type', value: 'application/octet-stream' },
          { name: 'x-apple-upload-part', value: `${file.id}:${index}` },
        ],
      })),
    });
  }

  async #answer(res: ServerResponse, record: RecordedRequest, status: number, value: unknown, schema?: string): Promise<void> {
    record.status = status;
    if (schema) {
      const issues = specIssues((await appleSchemas())[schema] as Schema, value);
      if (issues.length > 0) this.problems.push(`the fake's own answer to ${record.method} ${record.path} does not match ${schema}: ${issues.slice(0, 3).join('; ')}`);
    }
    sendJson(res, status, value);
  }
}
