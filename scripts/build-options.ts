/**
 * The esbuild options of `npm run build`, shared with the benchmark (which bundles its own probes exactly as the
 * Lambda bundle is built).
 */
import type { BuildOptions, Plugin } from 'esbuild';
import { readFileSync } from 'node:fs';
import { isBuiltin } from 'node:module';
import { relative as relativePath, resolve as resolvePath } from 'node:path';
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
 * run-time POLICY_FILE as JSON (the embedded policy was validated from YAML here). See src/bundle-stand-ins/.
 */
export const lambdaStandIns: Plugin = {
  name: 'lambda-env-credentials',
  setup(b) {
    b.onResolve({ filter: /^@aws-sdk\/credential-provider-node$/ }, () => ({ path: source('bundle-stand-ins/env-credentials.ts') }));
    b.onResolve({ filter: /^yaml$/ }, () => ({ path: source('bundle-stand-ins/policy-json.ts') }));
  },
};

/**
 * `debug` (the proxy agents' logger) is a no-op in the package's and the Action's bundles: with `DEBUG=*` it would
 * print the proxy URL with its password and the proxy's answers to stderr. See src/bundle-stand-ins/debug.ts.
 */
export const quietDebug: Plugin = {
  name: 'quiet-debug',
  setup(b) {
    b.onResolve({ filter: /^debug$/ }, () => ({ path: source('bundle-stand-ins/debug.ts') }));
  },
};

/**
 * The AWS SDK warns on Node < 22 (`NodeVersionSupportWarning`: its releases after January 2027 will need 22).
 * The package bundles the SDK at the versions it was tested with, so its users cannot act on that warning and
 * must not see it: in the package's bundles the check is a no-op. The build fails if the text is still there
 * (scripts/build.ts), so an SDK that moves the check cannot bring it back silently.
 */
export const quietNodeVersionWarning: Plugin = {
  name: 'quiet-node-version-warning',
  setup(b) {
    b.onLoad({ filter: /[\\/]@aws-sdk[\\/]core[\\/]dist-es[\\/]submodules[\\/]client[\\/]emitWarningIfUnsupportedVersion\.js$/ }, () => ({
      contents: 'export const state = { warningEmitted: true };\nexport const emitWarningIfUnsupportedVersion = () => {};\n',
      loader: 'js',
    }));
  },
};

/**
 * Node's built-in modules are loaded with `require` (the bundle's own, from the banner), not `import`: an ES import
 * of a built-in reads every export to build the module's namespace, getters included, and on Node 22 and 24
 * `node:http`'s getters load undici (its WebSocket) — ~35 ms of every start of a program that imports node:http
 * (`npx node@24 -e` a file with `import 'node:http'`: 75 ms, with `require`: 41 ms; `node -e 0`: 31 ms), and
 * node:crypto's and node:fs's load WebCrypto and fs/promises. esbuild then treats each built-in as a CommonJS
 * module and reads a property only where the code uses it.
 */
export const builtinsByRequire: Plugin = {
  name: 'builtins-by-require',
  setup(b) {
    b.onResolve({ filter: /^[a-z_:/]+$/ }, (args) => {
      const name = args.path.startsWith('node:') ? args.path : `node:${args.path}`;
      // A dynamic import() of a built-in stays one: in a split build, esbuild would give it only a default export.
      if (!isBuiltin(name) || args.namespace === 'builtin' || args.kind === 'dynamic-import') return undefined;
      return { path: name, namespace: 'builtin' };
    });
    b.onLoad({ filter: /.*/, namespace: 'builtin' }, (args) => ({ contents: `module.exports = require(${JSON.stringify(args.path)});`, loader: 'js' }));
  },
};

/**
 * The package's files, in two builds (scripts/build.ts):
 *
 * - `dist/cli.mjs`, the bin, is one file with what `asc-token token` and `profiles` run (CI runs them in every job:
 *   docs/design.md#quality-bars). Every module the CLI imports dynamically (`import('./keys.ts')` in src/cli/main.ts, the credential
 *   chain in src/client/credentials.ts) stays out of it: `lazyModules` points the import at
 *   `lib/<path>.mjs` and collects the module for the second build.
 * - The libraries (`dist/client.mjs`, `dist/asc.mjs`) and those lazily loaded modules, with code splitting: what
 *   they share is in `dist/lib/` once (`dist/chunks/` is the Lambda bundle's).
 *
 * Why two: esbuild's code splitting follows a library's barrel files (`export * from …`) when it assigns code to
 * chunks, so in a split build the token path imported ~110 KB in 16 files of which it runs ~30 KB (the SDK's
 * protocol code behind `@smithy/signature-v4`'s imports); one tree-shaken file starts ~10 ms faster (BENCHMARKS.md).
 * Everything is bundled: the package has no run-time dependencies.
 */
export const packageOptions: BuildOptions = {
  ...common,
  // The SDK's ES module builds tree-shake; its CommonJS builds do not.
  mainFields: ['module', 'main'],
  outExtension: { '.js': '.mjs' },
  metafile: true,
  legalComments: 'none',
  plugins: [quietNodeVersionWarning, quietDebug, builtinsByRequire],
};

const SOURCE = fileURLToPath(new URL('../src/', import.meta.url));

/**
 * For the bin's build: each dynamic `import('./x.ts')` of a module under src/ becomes an import of
 * `./lib/<its path under src, / as ->.mjs` (src/cli/upload.ts → lib/cli-upload.mjs; a folder's index.ts is the folder: src/cli/keys/index.ts → lib/cli-keys.mjs) beside dist/cli.mjs, and the
 * module is added to `lazy` (entry name → file) for the split build, which writes that file.
 */
export function lazyModules(lazy: Map<string, string>): Plugin {
  return {
    name: 'lazy-modules',
    setup(b) {
      b.onResolve({ filter: /^\.\.?\// }, (args) => {
        if (args.kind !== 'dynamic-import') return undefined;
        const file = resolvePath(args.resolveDir, args.path);
        const name = relativePath(SOURCE, file);
        if (name.startsWith('..') || !name.endsWith('.ts')) return { errors: [{ text: `${args.path}: only modules under src/ can be imported lazily by the CLI` }] };
        const entry = `lib/${name.slice(0, -3).replace(/\/index$/, '').replaceAll('/', '-')}`;
        lazy.set(entry, file);
        return { path: `./${entry}.mjs`, external: true };
      });
    },
  };
}

/** The Lambda bundle's options on top of `common`. */
export const lambda: BuildOptions = {
  ...common,
  // The SDK's ES module builds tree-shake; its CommonJS builds (esbuild's default for node) do not.
  mainFields: ['module', 'main'],
  plugins: [lambdaStandIns, builtinsByRequire],
};
