/**
 * The esbuild options of `npm run build`, shared with the benchmark (which bundles its own probes exactly as the
 * Lambda bundle is built).
 */
import type { BuildOptions, Plugin } from 'esbuild';
import { readFileSync } from 'node:fs';
import { createRequire, isBuiltin } from 'node:module';
import { dirname as dirnamePath, relative as relativePath, resolve as resolvePath } from 'node:path';
import { fileURLToPath } from 'node:url';

const requireBuiltin = createRequire(import.meta.url);
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
 * node:crypto's and node:fs's load WebCrypto and fs/promises.
 *
 * A static `import { createHash } from 'node:crypto'` resolves to a small ES module that requires the built-in once
 * and exports each of its names as `/* @__PURE__ *\/ (() => m.name)()`: esbuild keeps only the names the bundle
 * uses, and each is read once, where the module is first evaluated. Not esbuild's CommonJS interop (`__toESM`),
 * which for every importing module copies all of the built-in's properties into a new object as getters: ~1 ms
 * for each of the four copies of node:crypto in `asc-token token`'s start (BENCHMARKS.md). A `require()` of a
 * built-in (the bundled CommonJS dependencies') and a dynamic `import()` get the built-in itself.
 */
export const builtinsByRequire: Plugin = {
  name: 'builtins-by-require',
  setup(b) {
    b.onResolve({ filter: /^[a-z_:/]+$/ }, (args) => {
      const name = args.path.startsWith('node:') ? args.path : `node:${args.path}`;
      // A dynamic import() of a built-in stays one: in a split build, esbuild would give it only a default export.
      // The CommonJS stub's own `require` is the bundle's (the banner's): left as it is.
      if (!isBuiltin(name) || args.namespace === 'builtin' || args.kind === 'dynamic-import') return undefined;
      // From the ES module stub below, and from CommonJS code: the built-in as `require` returns it.
      if (args.namespace === 'builtin-esm' || args.kind !== 'import-statement') return { path: name, namespace: 'builtin' };
      return { path: name, namespace: 'builtin-esm' };
    });
    b.onLoad({ filter: /.*/, namespace: 'builtin' }, (args) => ({ contents: `module.exports = require(${JSON.stringify(args.path)});`, loader: 'js' }));
    b.onLoad({ filter: /.*/, namespace: 'builtin-esm' }, (args) => ({ contents: builtinModuleStub(args.path), loader: 'js' }));
  },
};

/** `node:x` as an ES module whose exports esbuild can drop one by one (see builtinsByRequire). */
function builtinModuleStub(name: string): string {
  const names = Object.keys(requireBuiltin(name)).filter((key) => /^[A-Za-z_$][\w$]*$/.test(key) && key !== 'default');
  return [
    `const m = require(${JSON.stringify(name)});`,
    'export default m;',
    ...names.map((key) => `export const ${key} = /* @__PURE__ */ (() => m.${key})();`),
  ].join('\n');
}

/**
 * `@smithy/signature-v4` imports six small functions from `@smithy/core/serde`, whose index also runs code of its
 * own on load (a blob adapter class, a UUID generator that reads node:crypto's `getRandomValues`, which loads
 * WebCrypto): ~1 ms of every `asc-token token` for nothing it calls. For the signer, the import is pointed at the
 * files that define those functions. If the signer ever imports another name, or @smithy/core moves a file, the
 * build fails (esbuild: no matching export, or a file not found) rather than changing behaviour.
 */
export const narrowSignerImports: Plugin = {
  name: 'narrow-signer-imports',
  setup(b) {
    b.onResolve({ filter: /^@smithy\/core\/serde$/ }, (args) => {
      if (!/[\\/]@smithy[\\/]signature-v4[\\/]/.test(args.importer)) return undefined;
      return { path: 'signer-serde', namespace: 'narrow-signer-imports', pluginData: args.resolveDir };
    });
    b.onLoad({ filter: /.*/, namespace: 'narrow-signer-imports' }, async (args) => {
      const serde = (await b.resolve('@smithy/core/serde', { kind: 'import-statement', resolveDir: args.pluginData as string })).path;
      const dir = dirnamePath(serde);
      const file = (path: string) => JSON.stringify(resolvePath(dir, path));
      return {
        resolveDir: dir,
        loader: 'js',
        contents: [
          `export { fromHex, toHex } from ${file('util-hex-encoding/hex-encoding.js')};`,
          `export { toUint8Array } from ${file('util-utf8/toUint8Array.js')};`,
          `export { fromUtf8 } from ${file('util-utf8/fromUtf8.js')};`,
          `export { isArrayBuffer } from ${file('is-array-buffer/is-array-buffer.js')};`,
          `export { writeKey } from ${file('writeKey.js')};`,
          "export { hasOwn } from '@smithy/core/transport';",
        ].join('\n'),
      };
    });
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
  plugins: [quietNodeVersionWarning, quietDebug, narrowSignerImports, builtinsByRequire],
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
