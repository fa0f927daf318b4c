/**
 * Stands in for `@aws-sdk/credential-provider-node` in the Lambda bundle only (see scripts/build-options.ts). Lambda
 * always hands the function its role's credentials in the environment (AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY,
 * AWS_SESSION_TOKEN), so the full chain (shared files, SSO, web identity, STS and IMDS clients) is dead weight on
 * the cold path: about 90 KB of bundle that every cold start parses. The CLI and the local server keep the full
 * chain.
 */
import { fromEnv } from '@aws-sdk/credential-provider-env';

export const defaultProvider = (init?: Parameters<typeof fromEnv>[0]) => fromEnv(init);
