/**
 * `npm run build:action`: bundle the GitHub Action's entry (src/action/) into `action/index.mjs`, the file
 * `action.yml` runs. The bundle is committed, because a JavaScript action gets no install step; it is built
 * without minification (a readable diff in review) and deterministically, so test/action/action.test.ts can
 * rebuild it and fail when the committed file is stale.
 */
import { build, type BuildOptions } from 'esbuild';
import { statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { builtinsByRequire, common, esmRequire, narrowSignerImports, quietDebug } from './build-options.ts';

export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
export const ACTION_BUNDLE = 'action/index.mjs';

export function actionBuildOptions(outfile: string): BuildOptions {
  return {
    ...common,
    absWorkingDir: ROOT,
    entryPoints: ['src/action/index.ts'],
    outfile,
    // The SDK's ES module builds tree-shake; its CommonJS builds do not.
    mainFields: ['module', 'main'],
    // The runner's Node 24 would load undici for an import of node:http (scripts/build-options.ts).
    plugins: [quietDebug, narrowSignerImports, builtinsByRequire],
    minify: false,
    // The bundled libraries' licence comments stay in the one committed file.
    legalComments: 'eof',
    banner: { js: `// Built by \`npm run build:action\` from src/action/ (esbuild); do not edit. See action.yml.\n${esmRequire}` },
  };
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const outfile = resolve(process.argv[2] ?? join(ROOT, ACTION_BUNDLE));
  await build(actionBuildOptions(outfile));
  process.stdout.write(`${outfile}  ${(statSync(outfile).size / 1024).toFixed(1)} KiB\n`);
}
