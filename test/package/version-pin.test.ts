/**
 * Issue #20, finding 8: every install or run of this package that the project prints or documents names its
 * version — `npx --yes --package=asc-token-vending@VERSION …`, `npm install …asc-token-vending@VERSION`, the release
 * tarball and git tag of VERSION, the Action at its release tag — never the bare name, which runs whatever is
 * published under it first. Scans every tracked text file and the built outputs (dist/, action/index.mjs), and runs
 * the hint the CLI and the Action print.
 */
import assert from 'node:assert/strict';
import { execFile, execFileSync } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { promisify } from 'node:util';
import { describe, it } from 'node:test';
import { refusalHint } from '../../src/client/refusal.ts';
import { VERSION } from '../../src/client/version.ts';
import { ROOT } from '../integrations/readme.ts';

const NAME = 'asc-token-vending';
const run = promisify(execFile);
/** A command that installs or runs a package, or a step that uses an action. */
const INSTALL = /\b(npx|npm\s+(?:install|i|add|exec|x)(?![\w-])|pnpm\s+(?:add|dlx|install|i)(?![\w-])|yarn\s+(?:add|dlx)(?![\w-])|bunx|bun\s+add(?![\w-]))\b|--package[= ]|\buses:/;
const escape = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
/**
 * How the name may appear in such a command: pinned to VERSION — or to a template expression (`@${VERSION}` in the
 * sources, `@${j}` once minified), whose value the built CLI and Action are run to show (below).
 */
const PINNED = new RegExp(`^${escape(NAME)}(@${escape(VERSION)}(?![\\w.-])|@\\$\\{\\w+\\}|-${escape(VERSION)}\\.tgz|#v${escape(VERSION)}(?![\\w.-])|@v${escape(VERSION)}(?![\\w.-])|@[0-9a-f]{40}\\b)`);

/**
 * Every place in `text` that installs or runs the package without its version, as `file:line: text`. A place is an
 * occurrence of the name (not part of a longer word, nor an import path such as `asc-token-vending/client`) in a
 * command: the text before it back to the last quote, backtick, bracket, `|`, `;` or line start names an install.
 */
function unpinned(file: string, text: string): string[] {
  const found: string[] = [];
  for (const match of text.matchAll(new RegExp(`(?<![\\w-])${escape(NAME)}(?![\\w/]|-(?!\\d))`, 'g'))) {
    const before = text.slice(Math.max(0, match.index - 200), match.index);
    const command = before.slice(Math.max(...['`', "'", '"', '\n', '|', ';', '(', ')', '{', '}'].map((d) => before.lastIndexOf(d))) + 1);
    if (!INSTALL.test(command) || PINNED.test(text.slice(match.index))) continue;
    const line = text.slice(0, match.index).split('\n').length;
    found.push(`${file}:${line}: ${command}${text.slice(match.index, match.index + 60).split('\n')[0]}`);
  }
  return found;
}

function files(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? files(path) : [path];
  });
}

describe('the package\'s version in every install the project prints or documents (issue #20, finding 8)', () => {
  it('the scan sees what it must refuse', () => {
    assert.deepEqual(unpinned('x', `npx --yes --package=${NAME} asc-token profiles`).length, 1);
    assert.deepEqual(unpinned('x', `npm install --global ${NAME}`).length, 1);
    assert.deepEqual(unpinned('x', `npm i ${NAME}@latest`).length, 1);
    assert.deepEqual(unpinned('x', `npx ${NAME}@0.0.9 asc-token`).length, 1);
    assert.deepEqual(unpinned('x', `uses: example/${NAME}@v1`).length, 1);
    assert.deepEqual(unpinned('x', `npm install ./${NAME}-0.0.1.tgz`).length, 1);
    assert.deepEqual(unpinned('x', `npm install github:OWNER/${NAME}#main`).length, 1);
    assert.deepEqual(unpinned('x', `npx --yes --package=${NAME}@${VERSION} asc-token profiles; npm i ${NAME}@${VERSION}`), []);
    assert.deepEqual(unpinned('x', `import { TokenClient } from '${NAME}/client'; // npm install`), [], 'an import is not an install');
    assert.deepEqual(unpinned('x', `(npm install-scripts approve ${NAME}); "npx x" ... "is --url the ${NAME} API?"`), [], 'nor prose beside one');
    assert.deepEqual(unpinned('x', `a.mjs:1:"run \`npx --yes --package=${NAME} asc-token profiles\`"`).length, 1, 'minified: the command around the name');
  });

  it('every tracked text file', () => {
    const tracked = execFileSync('git', ['ls-files'], { cwd: ROOT, encoding: 'utf8' }).split('\n').filter((f) => f !== '' && f !== 'package-lock.json' && f !== 'test/package/version-pin.test.ts');
    const found = tracked.flatMap((file) => {
      const bytes = readFileSync(join(ROOT, file));
      return bytes.includes(0) ? [] : unpinned(file, bytes.toString('utf8'));
    });
    assert.deepEqual(found, []);
  });

  it('the built outputs: dist/ (npm test builds it) and the Action\'s bundle', () => {
    const built = [...files(join(ROOT, 'dist')).filter((f) => /\.(mjs|js|txt|d\.ts)$/.test(f)), join(ROOT, 'action/index.mjs')];
    const found = built.flatMap((file) => unpinned(relative(ROOT, file), readFileSync(file, 'utf8')));
    assert.deepEqual(found, []);
  });

  it('the built CLI and the Action, refused by the policy, print the hint with this version', async () => {
    const server = createServer((req, res) => {
      req.resume();
      res.writeHead(403, { 'content-type': 'application/problem+json' }).end(JSON.stringify({ code: 'forbidden', detail: 'You are not allowed to use this profile.', requestId: 'r-1' }));
    });
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/prod`;
    const dir = mkdtempSync(join(tmpdir(), 'asc-version-pin-'));
    const pinned = `npx --yes --package=${NAME}@${VERSION} asc-token profiles`;
    try {
      const env = { PATH: process.env.PATH ?? '', HOME: dir, AWS_ACCESS_KEY_ID: 'AKIDTEST', AWS_SECRET_ACCESS_KEY: 'x', AWS_REGION: 'eu-west-1' };
      const cli = await run(process.execPath, [join(ROOT, 'dist/cli.mjs'), 'token', 'release', '--url', url], { env }).catch((error: { stderr: string }) => error);
      assert.ok(cli.stderr.includes(pinned), cli.stderr);
      for (const name of ['out', 'env']) writeFileSync(join(dir, name), '');
      const action = await run(process.execPath, [join(ROOT, 'action/index.mjs')], { env: { ...env, INPUT_PROFILE: 'release', INPUT_URL: url, GITHUB_OUTPUT: join(dir, 'out'), GITHUB_ENV: join(dir, 'env') } }).catch((error: { stdout: string }) => error);
      assert.ok(action.stdout.includes(pinned), action.stdout);
    } finally {
      server.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('the hint the CLI and the Action print for a policy refusal', () => {
    assert.ok(refusalHint('You are not allowed to use this profile.', 'token').includes(`npx --yes --package=${NAME}@${VERSION} asc-token profiles`));
  });
});
