/**
 * The AWS SDK's whole default credential chain, in a module of its own: src/client/credentials.ts imports it only
 * when the environment has no keys, and the build keeps it out of dist/cli.mjs (scripts/build-options.ts).
 */
export { fromNodeProviderChain } from '@aws-sdk/credential-providers';
