/**
 * `asc-token-vending/client`: get tokens from the service in a Node process.
 */
export { signedRequest, regionFor, type CredentialProvider, type ServiceResponse, type SignedRequest } from './http.ts';
