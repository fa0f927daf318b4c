/**
 * `asc-token-vending/client`: get App Store Connect tokens from the service in a Node process.
 */
export { TokenClient, TokenClientError, type TokenClientOptions, type TokenRequestOptions, type TokenResponse } from './token-client.ts';
export { signedRequest, regionFor, type CredentialProvider, type Credentials, type ServiceResponse, type SignedRequest } from './http.ts';
export { signedRequestWithRetry, NetworkError, type RetryOptions } from './service.ts';
export { defaultCredentialProvider, type DefaultCredentialOptions } from './credentials.ts';
export { checkTokenResponse, TokenResponseError } from './validate.ts';
export { checkServiceUrl, serviceUrls, ServiceUrlError } from './url.ts';
