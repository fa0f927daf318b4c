/**
 * App Store Connect's answers for a build upload and its file, as JSON:API documents in the shape of Apple's OpenAPI
 * spec — one definition for the local App Store Connect (`npm start -- --with-apple`) and the tests' fake
 * (test/helpers/fake-asc.ts), which checks every answer it sends against the spec's schemas (appstore-connect-sdk).
 */

/** An error, warning or info of a build upload's state, as Apple words one. */
export interface StateDetail {
  code: string;
  description: string;
}

export interface BuildUploadFields {
  id: string;
  version: string;
  build: string;
  platform: string;
  state: 'AWAITING_UPLOAD' | 'PROCESSING' | 'COMPLETE' | 'FAILED';
  errors: StateDetail[];
  warnings: StateDetail[];
  createdDate: string;
}

export interface UploadFileFields {
  id: string;
  fileName: string;
  size: number;
  committed: boolean;
  /** The checksum the commit carried, once committed. */
  sha256?: string | undefined;
  /** When the operations' URLs expire (ISO 8601). */
  expiration: string;
  operations: Array<{ url: string; offset: number; length: number; requestHeaders: Array<{ name: string; value: string }> }>;
}

/** `GET /v1/buildUploads/{id}` (and the answer to its creation); `base` is the API's URL. */
export function buildUploadDocument(base: string, upload: BuildUploadFields) {
  const self = `${base}/v1/buildUploads/${upload.id}`;
  return {
    data: {
      type: 'buildUploads',
      id: upload.id,
      attributes: {
        cfBundleShortVersionString: upload.version,
        cfBundleVersion: upload.build,
        platform: upload.platform,
        createdDate: upload.createdDate,
        state: { state: upload.state, errors: upload.errors, warnings: upload.warnings, infos: [] },
      },
      relationships: { buildUploadFiles: { links: { self: `${self}/relationships/buildUploadFiles`, related: `${self}/buildUploadFiles` } } },
      links: { self },
    },
    links: { self },
  };
}

/** `POST` and `PATCH /v1/buildUploadFiles[/{id}]`: the file, its delivery state and its upload operations. */
export function uploadFileDocument(base: string, file: UploadFileFields) {
  const self = `${base}/v1/buildUploadFiles/${file.id}`;
  return {
    data: {
      type: 'buildUploadFiles',
      id: file.id,
      attributes: {
        assetType: 'ASSET',
        fileName: file.fileName,
        fileSize: file.size,
        uti: file.fileName.endsWith('.pkg') ? 'com.apple.pkg' : 'com.apple.ipa',
        assetDeliveryState: { state: file.committed ? 'UPLOAD_COMPLETE' : 'AWAITING_UPLOAD', errors: [], warnings: [] },
        ...(file.sha256 ? { sourceFileChecksums: { file: { hash: file.sha256, algorithm: 'SHA_256' } } } : {}),
        uploadOperations: file.operations.map((op, index) => ({
          method: 'PUT',
          url: op.url,
          offset: op.offset,
          length: op.length,
          partNumber: index + 1,
          expiration: file.expiration,
          requestHeaders: op.requestHeaders,
        })),
      },
      links: { self },
    },
    links: { self },
  };
}
