/**
 * The test lanes (docs/development.md#development).
 *
 *   npm test             the fast lane: every test file but the ones below, in process (src/ through tsx, nothing
 *                        built), files side by side, with `tsc --noEmit` running beside them
 *   npm run test:all     everything: type-check and build, then every test file (the property tests with 10,000
 *                        cases each), the tests of what runs on Node 22 and 24 on those versions, and last the
 *                        deployment test on its own
 *   node --import tsx scripts/test.ts FILE…   those files only, as the lanes run them (built first if one needs it)
 *   node --import tsx scripts/test.ts --list  each test file and its lane (full: why it is not in `npm test`)
 *
 * A new test file is in the fast lane unless it is listed here. TEST_CONCURRENCY sets how many files run at once.
 */
import { spawn } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');

/** Only in `npm run test:all`: what needs the build, another program, or seconds of its own (and why). */
const FULL_ONLY: Array<[RegExp, string]> = [
  [/\.dist\.test\.ts$/, 'the built artifacts in dist/ (npm run build)'],
  [/^test\/handler\/bundle\.test\.ts$/, 'the built Lambda bundle'],
  [/^test\/e2e\/npm-start\.test\.ts$/, 'the built local server'],
  [/^test\/asc\/package\.test\.ts$/, 'the built asc-token-vending/asc and /client'],
  [/^test\/package\//, 'npm pack and npm install of the built package'],
  [/^test\/cli\/build\.test\.ts$/, 'npm run build itself'],
  [/^test\/action\/action\.test\.ts$/, 'the committed Action bundle, run, rebuilt and compared'],
  [/^test\/action\/workflows\.test\.ts$/, 'actionlint on the workflows in the documentation'],
  [/^test\/integrations\/(fastlane|recipes)\.test\.ts$/, 'Ruby, curl, jq and bash running the built CLI'],
  [/^test\/e2e\/kms-runbook\.test\.ts$/, "docs/keys.md's KMS rotation runbook end to end under load (its parts are fast-lane tests: keys/kms, handler/kms, cli/kms)"],
  [/^test\/cli\/notarize\.test\.ts$/, 'moto (S3)'],
  [/^test\/deploy\/moto\//, 'moto (the deployment)'],
  [/^test\/deploy\/serverless\.test\.ts$/, 'osls package'],
  [/^test\/deploy\/guard\.test\.ts$/, 'osls package and cfn-guard'],
  [/^test\/deploy\/cfn-lint-patterns\.test\.ts$/, 'cfn-lint'],
];

/**
 * Started first, so that the lane does not end waiting for one of them: the files that take longest (a few seconds
 * of load or of real SDK timeouts). Only an order: a file missing here still runs.
 */
const LONGEST_FIRST = [
  'test/key-sources/kms.test.ts',
  'test/key-sources/secrets-manager.test.ts',
  'test/handler/kms.test.ts',
  'test/cli/upload.test.ts',
  'test/asc/upload.test.ts',
  'test/asc/vended.test.ts',
  'test/asc/api.test.ts',
];

/**
 * Run by themselves, last, one after the other: the deployment tests run docs/deploying.md's and docs/two-regions.md's steps as written, and `npm run deploy` builds dist/ again,
 * which would pull the built files from under the tests that run them.
 */
const ALONE = /^test\/deploy\/moto\//;

/** What runs on the Node versions users run (Lambda nodejs22.x, CI runners 22 and 24), tested on them too. */
const OTHER_NODES = ['22.23.3', '24.21.0'];
const ON_OTHER_NODES = /^test\/(cli|e2e|client|asc|action|integrations|package)\/|^test\/handler\/(bundle|kms)[.]/;

/** Loaded into every test file: the leak check, and the AWS SDK's Node-version warning off. */
const IMPORTS = ['--import', 'tsx', '--import', './test/helpers/leak-guard.ts', '--import', './test/helpers/quiet-aws-sdk.ts'];

function testFiles(): string[] {
  const rank = (file: string) => (LONGEST_FIRST.includes(file) ? LONGEST_FIRST.indexOf(file) : LONGEST_FIRST.length);
  return (readdirSync(join(root, 'test'), { recursive: true }) as string[])
    .map((file) => `test/${file.split('\\').join('/')}`)
    .filter((file) => file.endsWith('.test.ts'))
    .sort((a, b) => rank(a) - rank(b) || (a < b ? -1 : a > b ? 1 : 0));
}

const fullOnly = (file: string) => FULL_ONLY.some(([pattern]) => pattern.test(file));

interface Step {
  name: string;
  command: string;
  args: string[];
  env?: Record<string, string>;
  /** Print its output only when it fails (tsc says nothing on success). */
  quiet?: boolean;
}

/** Run a step; resolves to its exit code. */
function run(step: Step): Promise<number> {
  return new Promise((done) => {
    const started = performance.now();
    const child = spawn(step.command, step.args, { cwd: root, env: { ...process.env, ...step.env }, stdio: step.quiet ? ['ignore', 'pipe', 'pipe'] : 'inherit' });
    let output = '';
    child.stdout?.on('data', (chunk) => (output += chunk));
    child.stderr?.on('data', (chunk) => (output += chunk));
    child.on('error', (error) => {
      process.stderr.write(`${step.name}: ${error.message}\n`);
      done(1);
    });
    child.on('close', (code, signal) => {
      const seconds = ((performance.now() - started) / 1000).toFixed(1);
      if (code !== 0 && output) process.stderr.write(output);
      process.stderr.write(`== ${step.name}: ${code === 0 ? 'ok' : `FAILED (${signal ?? `exit ${code}`})`}, ${seconds} s\n`);
      done(code ?? 1);
    });
  });
}

function nodeTest(name: string, files: string[], options: { node?: string; env?: Record<string, string> } = {}): Step {
  // Twice the cores: a test file spends part of its time waiting (servers, child processes, timeouts).
  const concurrency = process.env.TEST_CONCURRENCY ?? String(2 * availableParallelism());
  const args = [...IMPORTS, '--test', `--test-concurrency=${concurrency}`, ...files];
  if (options.node === undefined) return { name, command: process.execPath, args, ...(options.env ? { env: options.env } : {}) };
  return { name, command: 'npx', args: ['--yes', `node@${options.node}`, ...args], ...(options.env ? { env: options.env } : {}) };
}

const tsc = [join(root, 'node_modules/typescript/bin/tsc'), '--noEmit'];
const typecheck: Step = { name: 'tsc --noEmit', command: process.execPath, args: tsc, quiet: true };
/** The fast lane's: incremental (what did not change is not checked again), its state in node_modules/.cache. */
const typecheckIncremental: Step = { ...typecheck, args: [...tsc, '--incremental', '--tsBuildInfoFile', join(root, 'node_modules/.cache/asc-token-vending/tsc-noemit.tsbuildinfo')] };
const build: Step = { name: 'npm run build', command: 'npm', args: ['run', 'build', '--silent'], quiet: true };

async function main(argv: string[]): Promise<number> {
  const started = performance.now();
  const all = testFiles();
  const codes: number[] = [];
  if (argv[0] === '--list') {
    for (const file of [...all].sort()) {
      const why = FULL_ONLY.find(([pattern]) => pattern.test(file))?.[1];
      process.stdout.write(why === undefined ? `fast  ${file}\n` : `full  ${file}  (${why})\n`);
    }
    return 0;
  }
  if (argv[0] === '--all') {
    codes.push(...(await Promise.all([run(typecheck), run(build)])));
    if (!codes.some((code) => code !== 0)) {
      const rest = all.filter((file) => !ALONE.test(file));
      codes.push(await run(nodeTest(`node ${process.version}: ${rest.length} files`, rest, { env: { FUZZ_RUNS: process.env.FUZZ_RUNS ?? '10000' } })));
      const others = rest.filter((file) => ON_OTHER_NODES.test(file));
      for (const version of OTHER_NODES) codes.push(await run(nodeTest(`node ${version}: ${others.length} files`, others, { node: version })));
      // One after the other: each deploys from the one checkout (its .serverless/ and dist/ are shared).
      for (const file of all.filter((f) => ALONE.test(f))) codes.push(await run(nodeTest(`node ${process.version}: ${file}, alone`, [file])));
    }
  } else if (argv.length > 0) {
    const files = argv.map((file) => relative(root, resolve(file)).split('\\').join('/'));
    // The full lane's files test what the build makes (the deployment test builds it itself, as docs/deploying.md's steps do).
    if (files.some((file) => fullOnly(file) && !ALONE.test(file))) codes.push(await run(build));
    if (!codes.some((code) => code !== 0)) codes.push(await run(nodeTest(`${files.length} files`, files)));
  } else {
    const fast = all.filter((file) => !fullOnly(file));
    codes.push(...(await Promise.all([run(typecheckIncremental), run(nodeTest(`node ${process.version}: ${fast.length} files (npm run test:all runs all ${all.length})`, fast))])));
  }
  const failed = codes.some((code) => code !== 0);
  process.stderr.write(`== ${failed ? 'FAILED' : 'passed'} in ${((performance.now() - started) / 1000).toFixed(1)} s\n`);
  return failed ? 1 : 0;
}

process.exitCode = await main(process.argv.slice(2));
