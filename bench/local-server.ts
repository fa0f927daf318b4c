/**
 * The local server exactly as `npm start` runs it (package.json's start script, after its build), in a fresh
 * directory in its own process, its output to a file as a terminal or log file would take it. For the server and
 * CLI sections of the benchmark.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, openSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { npmStartArgs } from '../test/helpers/local-server.ts';

export interface LocalServerProcess {
  url: string;
  pid: number;
  /** The developer identity it generated (`.local/credentials.json`). */
  credentials: { accessKeyId: string; secretAccessKey: string };
  /** A scratch directory that goes away with the server. */
  dir: string;
  stop: () => void;
}

export async function startNpmStart(root: string): Promise<LocalServerProcess> {
  const dir = mkdtempSync(join(tmpdir(), 'asc-bench-'));
  const output = join(dir, 'server.log');
  const server = spawn(process.execPath, npmStartArgs(root), {
    cwd: dir,
    env: { ...process.env, PORT: '0', LOG_LEVEL: 'ERROR' },
    stdio: ['ignore', openSync(output, 'w'), 'inherit'],
  });
  let url = '';
  for (let waited = 0; !url && waited < 30_000; waited += 100) {
    await new Promise((r) => setTimeout(r, 100));
    const banner = readFileSync(output, 'utf8');
    const match = /local server: (http:\/\/127\.0\.0\.1:\d+)/.exec(banner);
    if (match && banner.includes('Ctrl-C')) url = match[1] as string;
  }
  if (!url) {
    server.kill('SIGTERM');
    throw new Error(`the local server did not start: ${readFileSync(output, 'utf8')}`);
  }
  const credentials = (JSON.parse(readFileSync(join(dir, '.local/credentials.json'), 'utf8')) as Array<{ accessKeyId: string; secretAccessKey: string }>)[0]!;
  return {
    url,
    pid: server.pid as number,
    credentials,
    dir,
    stop: () => {
      server.kill('SIGTERM');
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
