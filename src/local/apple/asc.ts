/**
 * The local App Store Connect: the Build Uploads API as `asc-token upload` uses it (docs/upload.md#uploading-to-testflight-without-the-key) —
 *
 *   GET   /v1/apps?filter[bundleId]=B   any bundle ID is an app here, its ID derived from the bundle ID
 *   POST  /v1/buildUploads              a build upload, AWAITING_UPLOAD
 *   POST  /v1/buildUploadFiles          the file's upload operations: parts of 5 MiB, PUT to this server
 *   PUT   /parts/{file}/{n}?X-Amz-…     one part (the operation's URL carries its signature, no bearer token)
 *   PATCH /v1/buildUploadFiles/{id}     commit: every part present and the checksum the client sends must match
 *   GET   /v1/buildUploads/{id}         PROCESSING once, then COMPLETE (or FAILED when the checksum did not match)
 *
 * Parts are written to a temporary file at their offset and the file is hashed at commit, then deleted.
 */
import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { open, rm } from 'node:fs/promises';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { join } from 'node:path';
import { buildUploadDocument, uploadFileDocument, type StateDetail } from './documents.ts';
import { appleError, notFound, readJson, sendJson } from './http.ts';

const PART_SIZE = 5 * 1024 * 1024;
/** The largest file the local App Store Connect takes (Apple's own limit for an app is 4 GB uncompressed, more with assets). */
const MAX_FILE_SIZE = 32 * 1024 ** 3;

interface BuildUpload {
  id: string;
  appId: string;
  version: string;
  build: string;
  platform: string;
  state: 'AWAITING_UPLOAD' | 'PROCESSING' | 'COMPLETE' | 'FAILED';
  checks: number;
  errors: StateDetail[];
  createdDate: string;
}

interface UploadFile {
  id: string;
  upload: BuildUpload;
  fileName: string;
  size: number;
  path: string;
  parts: Array<{ offset: number; length: number; signature: string; done: boolean }>;
}

export class LocalAppStoreConnect {
  readonly #uploads = new Map<string, BuildUpload>();
  readonly #files = new Map<string, UploadFile>();

  constructor(
    private readonly baseUrl: () => string,
    private readonly directory: string,
  ) {}

  /** An app's ID for a bundle ID: stable, numeric like Apple's. */
  static appId(bundleId: string): string {
    return String(BigInt(`0x${createHash('sha256').update(bundleId).digest('hex').slice(0, 12)}`));
  }

  async api(req: IncomingMessage, res: ServerResponse, url: URL): Promise<number> {
    const answer = (status: number, value: unknown) => (sendJson(res, status, value), status);
    const route = `${req.method} ${url.pathname.replace(/^\/v1\/(buildUploads|buildUploadFiles)\/[^/]+$/, '/v1/$1/{id}')}`;
    const id = url.pathname.split('/')[3] ?? '';
    const json = req.method === 'POST' || req.method === 'PATCH' ? await readJson(req) : undefined;
    const invalid = (detail: string) => answer(422, appleError(422, 'ENTITY_ERROR', 'The request entity is invalid', detail));
    switch (route) {
      case 'GET /v1/apps': {
        const bundleIds = url.searchParams.get('filter[bundleId]')?.split(',') ?? [];
        const apps = bundleIds.map((bundleId) => ({ type: 'apps', id: LocalAppStoreConnect.appId(bundleId), attributes: { bundleId, name: bundleId.split('.').pop(), sku: bundleId } }));
        return answer(200, { data: apps, links: { self: `${this.baseUrl()}${url.pathname}${url.search}` }, meta: { paging: { total: apps.length, limit: 50 } } });
      }
      case 'POST /v1/buildUploads': {
        const attributes = json?.data?.attributes;
        if (json?.data?.type !== 'buildUploads' || typeof attributes?.cfBundleShortVersionString !== 'string' || typeof attributes?.cfBundleVersion !== 'string' || typeof attributes?.platform !== 'string') {
          return invalid('data.attributes needs cfBundleShortVersionString, cfBundleVersion and platform');
        }
        const appId = String(json.data.relationships?.app?.data?.id ?? '');
        // As Apple: a build number is taken once per app, version and platform unless its upload failed.
        const taken = [...this.#uploads.values()].some((u) => u.appId === appId && u.version === attributes.cfBundleShortVersionString && u.build === attributes.cfBundleVersion && u.platform === attributes.platform && u.state !== 'FAILED');
        if (taken) {
          return answer(409, appleError(409, 'ENTITY_ERROR.ATTRIBUTE.INVALID.DUPLICATE', 'The provided entity includes an attribute with a value that has already been used', `The bundle version must be higher than the previously uploaded version: ‘${attributes.cfBundleVersion}’.`));
        }
        const upload: BuildUpload = { id: randomUUID(), appId, version: attributes.cfBundleShortVersionString, build: attributes.cfBundleVersion, platform: attributes.platform, state: 'AWAITING_UPLOAD', checks: 0, errors: [], createdDate: new Date().toISOString() };
        this.#uploads.set(upload.id, upload);
        return answer(201, this.#uploadDocument(upload));
      }
      case 'POST /v1/buildUploadFiles': {
        const attributes = json?.data?.attributes;
        const upload = this.#uploads.get(json?.data?.relationships?.buildUpload?.data?.id);
        if (!upload) return answer(404, notFound('No such build upload.'));
        const size = Number(attributes?.fileSize);
        if (typeof attributes?.fileName !== 'string' || !Number.isSafeInteger(size) || size <= 0 || size > MAX_FILE_SIZE) return invalid(`data.attributes needs fileName and a fileSize from 1 to ${MAX_FILE_SIZE} bytes`);
        const file: UploadFile = { id: randomUUID(), upload, fileName: attributes.fileName, size, path: join(this.directory, `upload-${randomUUID()}`), parts: [] };
        for (let offset = 0; offset < size; offset += PART_SIZE) file.parts.push({ offset, length: Math.min(PART_SIZE, size - offset), signature: randomBytes(16).toString('hex'), done: false });
        await (await open(file.path, 'w', 0o600)).close();
        this.#files.set(file.id, file);
        return answer(201, this.#fileDocument(file, false));
      }
      case 'PATCH /v1/buildUploadFiles/{id}': {
        const file = this.#files.get(id);
        if (!file) return answer(404, notFound('No such build upload file.'));
        const checksum = json?.data?.attributes?.sourceFileChecksums?.file;
        if (json?.data?.attributes?.uploaded !== true || typeof checksum?.hash !== 'string') return invalid('data.attributes needs uploaded: true and sourceFileChecksums.file');
        const missing = file.parts.flatMap((part, index) => (part.done ? [] : [index + 1]));
        if (missing.length > 0) return answer(409, appleError(409, 'ENTITY_ERROR', 'Upload incomplete', `Parts ${missing.join(', ')} were not uploaded.`));
        const hash = createHash(checksum.algorithm === 'MD5' ? 'md5' : 'sha256');
        for await (const chunk of createReadStream(file.path)) hash.update(chunk as Buffer);
        await rm(file.path, { force: true });
        this.#files.delete(file.id);
        file.upload.state = 'PROCESSING';
        if (hash.digest('hex') !== checksum.hash) file.upload.errors = [{ code: 'CHECKSUM_MISMATCH', description: 'The checksum does not match the uploaded file.' }];
        return answer(200, this.#fileDocument(file, true));
      }
      case 'GET /v1/buildUploads/{id}': {
        const upload = this.#uploads.get(id);
        if (!upload) return answer(404, notFound(`There is no resource of type 'buildUploads' with id '${id}'`));
        if (upload.state === 'PROCESSING' && upload.checks++ > 0) upload.state = upload.errors.length > 0 ? 'FAILED' : 'COMPLETE';
        return answer(200, this.#uploadDocument(upload));
      }
      default:
        return answer(404, notFound('The path provided does not match a defined resource type.'));
    }
  }

  /** `PUT /parts/{file}/{n}`: one upload operation. */
  async part(req: IncomingMessage, res: ServerResponse, url: URL): Promise<number> {
    const [, , fileId = '', index = ''] = url.pathname.split('/');
    const file = this.#files.get(fileId);
    const part = file?.parts[Number(index)];
    const reply = (status: number) => {
      res.writeHead(status, { 'content-type': 'application/xml' });
      res.end(status < 300 ? '' : `<Error><Code>${status === 403 ? 'AccessDenied' : 'InvalidRequest'}</Code></Error>`);
      return status;
    };
    if (!file || !part || req.method !== 'PUT') return (req.resume(), reply(404));
    if (url.searchParams.get('X-Amz-Signature') !== part.signature) return (req.resume(), reply(403));
    const handle = await open(file.path, 'r+');
    let written = 0;
    try {
      for await (const chunk of req) {
        const bytes = chunk as Buffer;
        if (written + bytes.length > part.length) return reply(400);
        await handle.write(bytes, 0, bytes.length, part.offset + written);
        written += bytes.length;
      }
    } finally {
      await handle.close();
    }
    if (written !== part.length) return reply(400);
    part.done = true;
    return reply(200);
  }

  #uploadDocument(upload: BuildUpload) {
    // Apple names a failed upload's errors once it has failed.
    return buildUploadDocument(this.baseUrl(), { ...upload, errors: upload.state === 'FAILED' ? upload.errors : [], warnings: [] });
  }

  #fileDocument(file: UploadFile, committed: boolean) {
    const expiration = new Date(Date.now() + 7 * 86_400_000).toISOString();
    return uploadFileDocument(this.baseUrl(), {
      id: file.id,
      fileName: file.fileName,
      size: file.size,
      committed,
      expiration,
      operations: file.parts.map((part, index) => ({
        url: `${this.baseUrl()}/parts/${file.id}/${index}?X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Expires=604800&X-Amz-Signature=${part.signature}`,
        offset: part.offset,
        length: part.length,
        requestHeaders: [{ name: 'Content-Type', value: 'application/octet-stream' }],
      })),
    });
  }
}
