import { sdkProxyAgents } from '../net/outbound.ts';
import type { CredentialProvider, Credentials } from './http.ts';

export interface DefaultCredentialOptions {
  /** Where the environment's credentials are read (default `process.env`). */
  env?: Record<string, string | undefined>;
  /** The rest of the chain (default `fromNodeProviderChain()` of `@aws-sdk/credential-providers`, loaded on first use). */
  chain?: () => Promise<CredentialProvider>;
}

/**
 * The AWS default credential chain, the environment first. With `AWS_ACCESS_KEY_ID` and `AWS_SECRET_ACCESS_KEY`
 * set and no `AWS_PROFILE`, the credentials come from the environment exactly as the chain's first link
 * (`fromEnv` of `@aws-sdk/credential-provider-env`) gives them, and the rest of the chain is never loaded: a CI
 * job that assumed a role pays nothing for shared files, SSO, web identity, container and instance roles (their
 * code is most of what a CLI run would otherwise parse). Otherwise the whole chain (`fromNodeProviderChain`),
 * loaded on first use and memoised, refreshing before expiry. As in the SDK, a set `AWS_PROFILE` wins over keys in
 * the environment.
 */
export function defaultCredentialProvider(options: DefaultCredentialOptions = {}): CredentialProvider {
  const env = options.env ?? process.env;
  let chain: Promise<CredentialProvider> | undefined;
  return async () => {
    const fromEnvironment = environmentCredentials(env);
    if (fromEnvironment !== undefined) return fromEnvironment;
    chain ??= (options.chain ?? nodeProviderChain)();
    return (await chain)();
  };
}

async function nodeProviderChain(): Promise<CredentialProvider> {
  const { fromNodeProviderChain } = await import('./credential-chain.ts');
  // The chain's own AWS calls (STS for web identity and roles, SSO) through HTTPS_PROXY like every other request.
  const agents = await sdkProxyAgents();
  return fromNodeProviderChain(agents.httpsAgent ? { clientConfig: { requestHandler: agents } } : {});
}

/**
 * The chain's first link without the chain: `fromEnv`'s rule (both keys non-empty; the session token when
 * non-empty), skipped when `AWS_PROFILE` is set, as `defaultProvider` of `@aws-sdk/credential-provider-node` does.
 * test/client/credentials.test.ts holds it to the SDK's own `fromEnv`.
 */
export function environmentCredentials(env: Record<string, string | undefined>): Credentials | undefined {
  if (env.AWS_PROFILE) return undefined;
  const { AWS_ACCESS_KEY_ID: accessKeyId, AWS_SECRET_ACCESS_KEY: secretAccessKey, AWS_SESSION_TOKEN: sessionToken } = env;
  if (!accessKeyId || !secretAccessKey) return undefined;
  return sessionToken ? { accessKeyId, secretAccessKey, sessionToken } : { accessKeyId, secretAccessKey };
}
