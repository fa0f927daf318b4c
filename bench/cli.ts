/**
 * The CLI benchmark (docs/design.md#quality-bars: `asc-token token` in a fresh process against the local server ≤ 1.5 × a bare
 * `node -e 0`, side by side — CI pays it in every job). Three commands, spawn → exit, the order rotating each
 * round so that a slow spell of the machine touches all three:
 *
 * - `node -e 0`, the floor of any node program;
 * - `curl --aws-sigv4 …`, the same signed request from a native client (docs/ci.md's plain-curl recipe);
 * - `node dist/cli.mjs token dev --output raw` with the credentials in the environment, as in a CI job;
 * - the floor under it: bench/probes/cli-floor.ts, the same signed request and nothing else, built as the CLI is.
 *
 * Against the local server exactly as `npm start` runs it, in its own process. Twice: with only what a job needs in
 * the environment, and with this shell's environment added (on these machines NODE_EXTRA_CA_CERTS, which costs
 * every node start ~40 ms of CA loading, node -e 0 included).
 */
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { build } from 'esbuild';
import { packageOptions } from '../scripts/build-options.ts';
import { startNpmStart } from './local-server.ts';

const ROUNDS = 21;
const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] as number;
const JWT = /^eyJ[\w-]+\.[\w-]+\.[\w-]+$/;

/** Spawn → exit in ms, with what it printed; fails on a non-zero exit. */
function timed(command: string, args: string[], env: Record<string, string>): Promise<{ ms: number; stdout: string }> {
  return new Promise((done, fail) => {
    const start = performance.now();
    const child = spawn(command, args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk) => (stdout += chunk));
    child.stderr.on('data', (chunk) => (stderr += chunk));
    child.on('error', fail);
    child.on('close', (code) => {
      const ms = performance.now() - start;
      if (code !== 0) fail(new Error(`${command} ${args.join(' ')} exited ${code}: ${stderr}`));
      else done({ ms, stdout });
    });
  });
}

export async function benchCli(root: string): Promise<Array<[string, string, string, string]>> {
  const server = await startNpmStart(root);
  const dir = mkdtempSync(join(tmpdir(), 'asc-bench-cli-'));
  try {
    await build({ ...packageOptions, logLevel: 'error', entryPoints: [join(root, 'bench/probes/cli-floor.ts')], outdir: dir });
    const floorProbe = join(dir, 'cli-floor.mjs');
    const { accessKeyId, secretAccessKey } = server.credentials;
    const url = `${server.url}/v1/tokens/dev`;
    const job = { PATH: process.env.PATH ?? '', HOME: server.dir, AWS_ACCESS_KEY_ID: accessKeyId, AWS_SECRET_ACCESS_KEY: secretAccessKey, AWS_REGION: 'us-east-1' };
    const hasCurl = spawnSync('curl', ['--version']).status === 0;
    const rows: Array<[string, string, string, string]> = [];
    for (const [label, base] of [
      ['job environment', {}],
      ['inherited environment', process.env],
    ] as const) {
      const env: Record<string, string> = { ...(base as Record<string, string>), ...job };
      // The shell's own AWS settings would make the CLI sign as someone else.
      for (const name of ['AWS_PROFILE', 'AWS_SESSION_TOKEN', 'AWS_CONFIG_FILE', 'AWS_SHARED_CREDENTIALS_FILE', 'ASC_TOKEN_URL']) delete env[name];
      const candidates: Array<[string, () => Promise<number>]> = [
        ['node', async () => (await timed(process.execPath, ['-e', '0'], env)).ms],
        ['cli', async () => {
          const run = await timed(process.execPath, [join(root, 'dist/cli.mjs'), 'token', 'dev', '--url', server.url, '--output', 'raw'], env);
          if (!JWT.test(run.stdout.trim())) throw new Error(`asc-token token printed no token: ${run.stdout.slice(0, 80)}`);
          return run.ms;
        }],
        ['floor', async () => {
          const run = await timed(process.execPath, [floorProbe, server.url, 'dev'], env);
          if (!JWT.test(run.stdout.trim())) throw new Error(`the floor probe printed no token: ${run.stdout.slice(0, 80)}`);
          return run.ms;
        }],
      ];
      if (hasCurl) {
        candidates.push(['curl', async () => {
          const run = await timed('curl', ['-sS', '--fail', '--aws-sigv4', 'aws:amz:us-east-1:execute-api', '--user', `${accessKeyId}:${secretAccessKey}`, '-X', 'POST', url], env);
          if (!JWT.test((JSON.parse(run.stdout) as { token: string }).token)) throw new Error('curl got no token');
          return run.ms;
        }]);
      }
      const times: Record<string, number[]> = {};
      for (const [, run] of candidates) await run(); // warm the page cache
      for (let round = 0; round < ROUNDS; round++) {
        for (let i = 0; i < candidates.length; i++) {
          const [name, run] = candidates[(round + i) % candidates.length]!;
          (times[name] ??= []).push(await run());
        }
      }
      const node = median(times.node!);
      const cli = median(times.cli!);
      const ratio = cli / node;
      const curl = times.curl ? `, curl --aws-sigv4 ${median(times.curl).toFixed(1)} ms` : ' (curl not installed)';
      const floor = median(times.floor!);
      rows.push([
        `CLI: asc-token token, fresh process → exit, ${label} (median of ${ROUNDS})`,
        `${cli.toFixed(1)} ms vs node -e 0 ${node.toFixed(1)} ms${curl}; the floor (the signed request alone, node:http) ${floor.toFixed(1)} ms = ${(floor / node).toFixed(2)} ×`,
        `${ratio.toFixed(2)} ×`,
        ratio <= 1.5 ? 'met (≤ 1.5 ×)' : 'NOT met (≤ 1.5 ×)',
      ]);
    }
    return rows;
  } finally {
    server.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}
