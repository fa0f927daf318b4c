import type { CredentialProvider } from './http.ts';

/**
 * The AWS default credential chain (environment, shared config and SSO, web identity, container and instance
 * roles), loaded on first use and memoised, refreshing before expiry.
 */
export function defaultCredentialProvider(): CredentialProvider {
  let provider: CredentialProvider | undefined;
  return async () => {
    if (provider === undefined) {
      const { fromNodeProviderChain } = await import('@aws-sdk/credential-providers');
      provider = fromNodeProviderChain();
    }
    return provider();
  };
}
