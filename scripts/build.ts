/**
 * `npm run build`: validate the policy, then bundle dist/handler.mjs (the Lambda artifact, policy embedded),
 * dist/cli.mjs (the asc-token CLI), dist/local.mjs (`npm start`'s local server), dist/client.mjs (TokenClient) and
 * dist/asc.mjs (the App Store Connect client and build upload) with esbuild.
 */
import { build } from 'esbuild';
import { createHash } from 'node:crypto';
import { readFileSync, readdirSync, rmSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { common, esmRequire, lambda } from './build-options.ts';
import { parsePolicyText } from '../src/policy/load.ts';
import { PolicyError, compilePolicy } from '../src/policy/policy.ts';

const policyFile = resolve(process.env.BUILD_POLICY_FILE ?? 'infra/policy.yaml');
let document: unknown;
const policyText = readFileSync(policyFile, 'utf8');
// Packaging (infra/osls-policy-digest.cjs) refuses a bundle built from another policy than the one the role is
// derived from: the bundle carries the digest of the policy file it embeds.
const policySha256 = createHash('sha256').update(policyText).digest('hex');
try {
  document = parsePolicyText(policyText, policyFile);
  compilePolicy(document, policyFile);
} catch (error) {
  if (error instanceof PolicyError) {
    process.stderr.write(`build failed: ${error.message}\n`);
    process.exit(1);
  }
  throw error;
}

const out = resolve(process.env.BUILD_OUT_DIR ?? 'dist');
// Chunk names carry content hashes: clear the previous build's, so the artifact holds only what this one loads.
rmSync(join(out, 'chunks'), { recursive: true, force: true });
await Promise.all([
  // The Lambda bundle is split at its dynamic imports: the KMS client (src/keys/kms-sdk.ts) is a chunk loaded only
  // when the policy has a KMS key, and so are the SDK's own optional parts (event streams); the artifact is
  // dist/handler.mjs with dist/chunks/ (BENCHMARKS.md has the sizes).
  build({
    ...lambda,
    entryPoints: { handler: 'src/handler.ts' },
    outdir: out,
    outExtension: { '.js': '.mjs' },
    splitting: true,
    chunkNames: 'chunks/[name]-[hash]',
    define: { ...lambda.define, __ASC_EMBEDDED_POLICY__: JSON.stringify(document) },
    footer: { js: `// asc-token-vending policy-sha256=${policySha256}` },
  }),
  build({ ...common, entryPoints: ['src/cli.ts'], outfile: join(out, 'cli.mjs'), banner: { js: `#!/usr/bin/env node\n${esmRequire}` } }),
  // The local server runs built, like the function, rather than through tsx: one process without a loader thread
  // (half the memory under load, BENCHMARKS.md). Not minified, so a developer's stack traces stay readable.
  build({ ...common, entryPoints: ['src/local/main.ts'], outfile: join(out, 'local.mjs'), minify: false, legalComments: 'none' }),
  // A library: its dependencies stay packages the consumer installs, not copies inside the file.
  build({ ...common, entryPoints: ['src/client/index.ts'], outfile: join(out, 'client.mjs'), minify: false, packages: 'external', banner: {} }),
  build({ ...common, entryPoints: ['src/asc/index.ts'], outfile: join(out, 'asc.mjs'), minify: false, packages: 'external', banner: {} }),
]);

for (const file of ['handler.mjs', 'cli.mjs', 'local.mjs', 'client.mjs', 'asc.mjs'].map((name) => join(out, name))) {
  process.stdout.write(`${file}  ${(statSync(file).size / 1024).toFixed(1)} KiB\n`);
}
const chunks = readdirSync(join(out, 'chunks')).filter((name) => name.endsWith('.mjs'));
const chunkBytes = chunks.reduce((sum, name) => sum + statSync(join(out, 'chunks', name)).size, 0);
process.stdout.write(`${join(out, 'chunks')}/  ${chunks.length} chunks of the handler, ${(chunkBytes / 1024).toFixed(1)} KiB\n`);
