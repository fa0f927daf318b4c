/**
 * The esbuild options of `npm run build`, shared with the benchmark (which bundles its own probes exactly as the
 * Lambda bundle is built).
 */
import type { BuildOptions, Plugin } from 'esbuild';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const source = (path: string) => fileURLToPath(new URL(`../src/${path}`, import.meta.url));

// ESM output with CommonJS dependencies inside needs a `require` of its own.
export const esmRequire = "import { createRequire as __createRequire } from 'node:module'; const require = __createRequire(import.meta.url);";
const { version } = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string };
export const common: BuildOptions = {
  bundle: true,
  // The version the user agent names (src/client/version.ts), fixed at build time.
  define: { __ASC_VERSION__: JSON.stringify(version) },
  platform: 'node',
  format: 'esm',
  target: 'node20',
  minify: true,
  legalComments: 'linked',
  logLevel: 'warning',
  banner: { js: esmRequire },
};

/**
 * The Lambda bundle gets the environment credential provider instead of the whole default chain, and reads a
 * run-time POLICY_FILE as JSON (the embedded policy was validated from YAML here). See src/lambda/.
 */
export const lambdaStandIns: Plugin = {
  name: 'lambda-env-credentials',
  setup(b) {
    b.onResolve({ filter: /^@aws-sdk\/credential-provider-node$/ }, () => ({ path: source('lambda/env-credentials.ts') }));
    b.onResolve({ filter: /^yaml$/ }, () => ({ path: source('lambda/policy-json.ts') }));
  },
};

/** The Lambda bundle's options on top of `common`. */
export const lambda: BuildOptions = {
  ...common,
  // The SDK's ES module builds tree-shake; its CommonJS builds (esbuild's default for node) do not.
  mainFields: ['module', 'main'],
  plugins: [lambdaStandIns],
};
