/**
 * The parts of `@aws-sdk/client-kms` the service uses, imported by name so the bundler keeps only those commands;
 * src/key-sources/kms-fetcher.ts loads this module on the first KMS fetch (a Secrets-Manager-only policy never evaluates it).
 */
export { DescribeKeyCommand, GetPublicKeyCommand, KMSClient, ListResourceTagsCommand, SignCommand } from '@aws-sdk/client-kms';
