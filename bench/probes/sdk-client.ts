/**
 * Probe: the service's own Secrets Manager path (SecretsManagerKeyFetcher over @aws-sdk/client-secrets-manager),
 * bundled as the Lambda bundle is. Prints `@@ok <import ms> <first fetch ms>`.
 */
const started = performance.now();
const { SecretsManagerKeyFetcher } = await import('../../src/key-sources/secrets-manager.ts');
const imported = performance.now();
const fetcher = new SecretsManagerKeyFetcher({ secretIds: new Map([['main', process.env.BENCH_SECRET_ID as string]]) });
await fetcher.fetch('main', undefined);
const first = performance.now();
process.stdout.write(`@@ok ${(imported - started).toFixed(2)} ${(first - imported).toFixed(2)}\n`);
process.exit(0);
