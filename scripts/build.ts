/**
 * `npm run build`: validate the policy, then bundle with esbuild dist/handler.mjs (the Lambda artifact, policy
 * embedded, with its chunks in dist/chunks/), dist/local.mjs (`npm start`'s local server) and the package's files:
 * dist/cli.mjs (the asc-token CLI), dist/client.mjs (TokenClient) and dist/asc.mjs (the App Store Connect client
 * and build upload), with their shared and lazily loaded modules in dist/lib/ and the bundled libraries' licences in
 * dist/THIRD-PARTY-LICENSES.txt.
 */
import { build, type Metafile } from 'esbuild';
import { createHash } from 'node:crypto';
import { readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { common, lambda, lazyModules, packageOptions } from './build-options.ts';
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
// Chunk names carry content hashes: clear the previous build's, so each artifact holds only what this build loads.
rmSync(join(out, 'chunks'), { recursive: true, force: true });
rmSync(join(out, 'lib'), { recursive: true, force: true });
/**
 * The package's files (scripts/build-options.ts): the bin in one file, then the libraries and the lazily loaded
 * modules with their shared chunks in dist/lib/ (dist/chunks/ is the Lambda bundle's).
 */
async function buildPackage(): Promise<Metafile[]> {
  const lazy = new Map<string, string>();
  // src/cli.ts starts with the bin's #! line.
  const bin = await build({ ...packageOptions, entryPoints: { cli: 'src/cli.ts' }, outdir: out, plugins: [...(packageOptions.plugins ?? []), lazyModules(lazy)] });
  const libraries = await build({
    ...packageOptions,
    entryPoints: { client: 'src/client/index.ts', asc: 'src/asc/index.ts', ...Object.fromEntries(lazy) },
    outdir: out,
    splitting: true,
    chunkNames: 'lib/[name]-[hash]',
  });
  return [bin.metafile as Metafile, libraries.metafile as Metafile];
}

const [shipped] = await Promise.all([
  buildPackage(),
  // The Lambda bundle is split at its dynamic imports: the KMS client (src/key-sources/kms-sdk.ts) is a chunk loaded only
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
  // The local server runs built, like the function, rather than through tsx: one process without a loader thread
  // (half the memory under load, BENCHMARKS.md). Not minified, so a developer's stack traces stay readable.
  build({ ...common, entryPoints: ['src/local/main.ts'], outfile: join(out, 'local.mjs'), minify: false, legalComments: 'none' }),
]);

// What the package's files bundle: each library once, with its licence (MIT, Apache-2.0, ISC, BSD ask for the
// notice to travel with copies of the code).
const outputs = shipped.flatMap((metafile) => Object.keys(metafile.outputs));
const inputs = new Set(shipped.flatMap((metafile) => Object.values(metafile.outputs).flatMap((output) => Object.keys(output.inputs))));
const packages = new Map<string, { name: string; version: string; license: string; text: string }>();
for (const input of inputs) {
  const match = /^(.*node_modules\/(?:@[^/]+\/)?[^/]+)\//.exec(input);
  if (!match || packages.has(match[1] as string)) continue;
  const dir = resolve(match[1] as string);
  const manifest = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as { name: string; version: string; license?: string };
  const file = readdirSync(dir).find((name) => /^(licen[sc]e|copying|notice)(\.(md|txt))?$/i.test(name));
  packages.set(match[1] as string, { name: manifest.name, version: manifest.version, license: manifest.license ?? 'unknown', text: file ? readFileSync(join(dir, file), 'utf8').trim() : '' });
}
const notices = [...packages.values()].sort((a, b) => a.name.localeCompare(b.name));
// Many of the SDK's packages carry the same licence text: each text once, after the names it covers.
const texts = new Map<string, string[]>();
for (const p of notices) {
  const text = p.text || `(no licence file in the package; its package.json says ${p.license})`;
  texts.set(text, [...(texts.get(text) ?? []), `${p.name}@${p.version} (${p.license})`]);
}
writeFileSync(
  join(out, 'THIRD-PARTY-LICENSES.txt'),
  `The files of this package (cli.mjs, client.mjs, asc.mjs and lib/) bundle these libraries:\n\n${notices.map((p) => `${p.name}@${p.version} (${p.license})`).join('\n')}\n\n${[...texts].map(([text, names]) => `==== ${names.join(', ')}\n\n${text}\n`).join('\n')}`,
);
for (const output of outputs) {
  if (readFileSync(output, 'utf8').includes('NodeVersionSupportWarning')) {
    process.stderr.write(`build failed: ${output} still carries the AWS SDK's NodeVersionSupportWarning (scripts/build-options.ts: quietNodeVersionWarning no longer matches the SDK's files)\n`);
    process.exit(1);
  }
}

for (const file of ['handler.mjs', 'local.mjs', 'cli.mjs', 'client.mjs', 'asc.mjs'].map((name) => join(out, name))) {
  process.stdout.write(`${file}  ${(statSync(file).size / 1024).toFixed(1)} KiB\n`);
}
const libs = outputs.filter((file) => dirname(file).endsWith('lib'));
process.stdout.write(`${join(out, 'lib/')}  ${libs.length} modules and chunks of the package, ${(libs.reduce((sum, file) => sum + statSync(file).size, 0) / 1024).toFixed(1)} KiB (${relative(process.cwd(), out) || '.'}/THIRD-PARTY-LICENSES.txt: ${notices.length} libraries)\n`);
const chunks = readdirSync(join(out, 'chunks')).filter((name) => name.endsWith('.mjs'));
const chunkBytes = chunks.reduce((sum, name) => sum + statSync(join(out, 'chunks', name)).size, 0);
process.stdout.write(`${join(out, 'chunks')}/  ${chunks.length} chunks of the handler, ${(chunkBytes / 1024).toFixed(1)} KiB\n`);
