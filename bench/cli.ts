/**
 * The CLI benchmark (docs/design.md#quality-bars: `asc-token token` in a fresh process against the local server ≤ 1.3 ×
 * a fresh `node` that sends one unsigned POST to the same server over node:http — the floor a Node CLI can reach —,
 * side by side, bare `node -e 0` beside it; CI pays it in every job). The commands, spawn → exit, the order rotating
 * each round so that a slow spell of the machine touches all of them:
 *
 * - `node -e 0`, the start of any node program;
 * - **the floor**: bench/probes/unsigned-post.mjs, one unsigned POST over node:http, the answer printed;
 * - `node dist/cli.mjs token dev --output raw` with the credentials in the environment, as in a CI job;
 * - the signed request alone (bench/probes/cli-floor.ts, built as the CLI is): what signing adds to the floor;
 * - `curl --aws-sigv4 …`, the same signed request from a native client (docs/ci.md's plain-curl recipe).
 *
 * Five runs of {@link ROUNDS} rounds; a run's figure is the CLI's median over the floor's; the row gives the median
 * run and the range of the five. Against the local server exactly as `npm start` runs it, in its own process.
 * Twice: with only what a job needs in the environment, and with this shell's environment added (on these machines
 * NODE_EXTRA_CA_CERTS, which costs every node start ~40 ms of CA loading, node -e 0 included).
 */
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { build } from 'esbuild';
import { packageOptions } from '../scripts/build-options.ts';
import { startNpmStart } from './local-server.ts';

const RUNS = 5;
const ROUNDS = 7;
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
    const signedProbe = join(dir, 'cli-floor.mjs');
    const unsignedProbe = join(root, 'bench/probes/unsigned-post.mjs');
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
          const run = await timed(process.execPath, [unsignedProbe, url], env);
          if (!run.stdout.startsWith('403 ')) throw new Error(`the unsigned POST was not refused: ${run.stdout.slice(0, 80)}`);
          return run.ms;
        }],
        ['signed', async () => {
          const run = await timed(process.execPath, [signedProbe, server.url, 'dev'], env);
          if (!JWT.test(run.stdout.trim())) throw new Error(`the signed-request probe printed no token: ${run.stdout.slice(0, 80)}`);
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
      for (const [, run] of candidates) await run(); // warm the page cache
      const runs: Array<Record<string, number>> = [];
      for (let r = 0; r < RUNS; r++) {
        const times: Record<string, number[]> = {};
        for (let round = 0; round < ROUNDS; round++) {
          for (let i = 0; i < candidates.length; i++) {
            const [name, run] = candidates[(round + i) % candidates.length]!;
            (times[name] ??= []).push(await run());
          }
        }
        runs.push(Object.fromEntries(Object.entries(times).map(([name, values]) => [name, median(values)])));
      }
      const ratios = runs.map((r) => r.cli! / r.floor!).sort((a, b) => a - b);
      const ratio = median(ratios);
      const typical = runs.find((r) => r.cli! / r.floor! === ratio)!;
      const curl = typical.curl === undefined ? ' (curl not installed)' : `, curl --aws-sigv4 ${typical.curl.toFixed(1)} ms`;
      rows.push([
        `CLI: asc-token token, fresh process → exit, ${label} (${RUNS} runs of ${ROUNDS})`,
        `${typical.cli!.toFixed(1)} ms vs the floor (one unsigned POST, node:http) ${typical.floor!.toFixed(1)} ms; ratio range ${ratios[0]!.toFixed(2)}–${ratios.at(-1)!.toFixed(2)}; node -e 0 ${typical.node!.toFixed(1)} ms (CLI ${(typical.cli! / typical.node!).toFixed(2)} ×), the signed request alone ${typical.signed!.toFixed(1)} ms${curl}`,
        `${ratio.toFixed(2)} ×`,
        ratio <= 1.3 ? 'met (≤ 1.3 × the floor)' : 'NOT met (≤ 1.3 × the floor)',
      ]);
    }
    return rows;
  } finally {
    server.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}
