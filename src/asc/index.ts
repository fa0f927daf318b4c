/**
 * `asc-token-vending/asc`: the App Store Connect side — an API client whose credentials are a strategy (vended
 * tokens from the service, or a local key), and the jobs CI still needed a `.p8` for: build uploads and
 * notarization.
 */
export { AppStoreConnectClient, appleErrorsOf, type AppStoreConnectClientOptions, type RequestOptions } from './api.ts';
export { scopeOf, pathAndQuery, pathSegment, plainTokenAuth, withAuth, type ApiCall, type ApiMethod, type AuthStrategy, type TokenOptions } from './auth.ts';
export { vendedTokenAuth, type ScopeMode, type VendedTokenAuth, type VendedTokenAuthOptions } from './vended.ts';
export { localKeyAuth, type LocalKeyAuthOptions } from './local.ts';
export { AscError, describeAppleErrors, type AppleError, type AscErrorCode } from './errors.ts';
export { DEFAULT_API_URL, DEFAULT_NOTARY_URL, apiBaseUrl, notaryBaseUrl, secureBaseUrl, isAllowedAnswerUrl, isLocalHost, isLoopback, isSecureUrl } from './endpoint.ts';
export { waitUntil, backoff, formatDuration, WaitTimeout, type WaitOptions } from './wait.ts';
export { Progress, mib, type ProgressOptions, type TransferProgress, type WaitProgress } from './progress.ts';
export { readIpaInfo, plistFields, PLATFORMS, type BundleInfo, type Platform } from './ipa.ts';
export { checkOperations, sendOperations, sha256File, type TransferOptions, type UploadOperation } from './transfer.ts';
export { uploadBuild, BuildUploadError, type BuildUploadState, type UploadBuildOptions, type UploadBuildResult, type UploadEvent } from './upload.ts';
export {
  notarize,
  notaryClient,
  getSubmission,
  getSubmissionLog,
  checkNotaryFile,
  describeIssues,
  parseDeveloperLog,
  NotarizationError,
  NOTARY_PATH,
  NOTARY_STATUSES,
  type NotarizeEvent,
  type NotarizeOptions,
  type NotarizeResult,
  type NotaryIssue,
  type NotaryLog,
  type NotaryStatus,
  type NotarySubmission,
} from './notary.ts';
export { uploadToNotaryBucket, notaryS3Endpoint, NOTARY_S3_REGION, type NotaryUploadOptions, type NotaryUploadTarget } from './notary-upload.ts';
