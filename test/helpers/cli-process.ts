/**
 * `asc-token` from its source (src/cli.ts through tsx) as a process of its own, in the fast lane: its real stdout and
 * stderr, its exit code, its environment; nothing built. The built CLI: the *.dist.test.ts files.
 */
import { execFile, spawn } from 'node:child_process';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { trackOutput } from './leaks.ts';

export const root = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const TSX = import.meta.resolve('tsx');
const ARGS = ['--import', TSX, join(root, 'src/cli.ts')];

/**
 * The process's environment: PATH and what the test gives, nothing of the test runner's own. The AWS SDK's notice
 * about Node versions is off, as the build turns it off in dist/ (scripts/build-options.ts).
 */
function environment(env: Record<string, string>): Record<string, string> {
  return { PATH: process.env.PATH ?? '', AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true', ...env };
}

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Run `asc-token ARGS…` to its end (cwd: the repository unless given). */
export function runCli(args: string[], options: { env?: Record<string, string>; cwd?: string } = {}): Promise<CliResult> {
  return new Promise((done) => {
    execFile(process.execPath, [...ARGS, ...args], { cwd: options.cwd ?? root, env: environment(options.env ?? {}), maxBuffer: 16 * 1024 * 1024 }, (error, stdout, stderr) => {
      trackOutput(stdout);
      trackOutput(stderr);
      const code = error === null ? 0 : typeof error.code === 'number' ? error.code : -1;
      done({ code, stdout, stderr });
    });
  });
}

/**
 * Run `asc-token ARGS…` with a stdout whose reader has gone before the first byte (as `| head -1` leaves it once
 * head has its line): the exit code, the signal, and stderr.
 */
export function runCliReaderGone(args: string[], options: { env?: Record<string, string> } = {}): Promise<{ code: number | null; signal: NodeJS.Signals | null; stderr: string }> {
  const child = spawn(process.execPath, [...ARGS, ...args], { cwd: root, env: environment(options.env ?? {}), stdio: ['ignore', 'pipe', 'pipe'] });
  child.stdout.destroy();
  let stderr = '';
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  return new Promise((done) =>
    child.on('close', (code, signal) => {
      trackOutput(stderr);
      done({ code, signal, stderr });
    }),
  );
}
