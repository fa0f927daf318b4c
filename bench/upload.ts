/**
 * The upload benchmark (docs/design.md#quality-bars: ≥ 0.8 × curl's throughput, memory bounded). The built CLI uploads a 256 MiB
 * .ipa through the whole flow — tokens vended by the local server over SigV4, the fake App Store Connect's API
 * calls — to upload operations on loopback; `curl -T` sends the same file to the same server, whose handler for
 * both only counts the bytes. Throughput is measured where the bytes arrive (first byte to last byte, across the
 * CLI's parts); the whole commands' times are given beside it. Rounds alternate which goes first; the figure is
 * the median of the per-round ratios. Peak RSS is the CLI's VmHWM, read while the fake holds its last answer,
 * for 256 MiB and for 32 MiB (memory must not grow with the file).
 */
import { spawn, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { createReadStream, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FakeAppStoreConnect } from '../test/helpers/fake-asc.ts';
import { writeIpa } from '../test/helpers/fake-asc-ipa.ts';
import { DEV_ENV, startTokenService } from '../test/helpers/fake-asc-service.ts';
import { ISSUER_ID, TEAM_KEY_ID } from '../test/helpers/keys.ts';

const MiB = 1024 * 1024;
const ROUNDS = 15;
const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] as number;

export async function benchUpload(root: string): Promise<Array<[string, string, string, string]>> {
  if (spawnSync('curl', ['--version']).status !== 0) return [['upload: 256 MiB to a loopback endpoint', 'curl is not installed: no reference', '—', 'not measured']];
  const dir = mkdtempSync(join(tmpdir(), 'asc-bench-upload-'));
  const tokens = await startTokenService();
  let asc: FakeAppStoreConnect | undefined;
  let build = 1000;
  try {
    const big = join(dir, 'Bench.ipa');
    const small = join(dir, 'Small.ipa');
    await writeIpa(big, { payloadBytes: 256 * MiB - 8192 }); // with the zip's own bytes, just under 256 MiB
    await writeIpa(small, { payloadBytes: 32 * MiB });
    const sha = async (file: string) => {
      const hash = createHash('sha256');
      for await (const chunk of createReadStream(file)) hash.update(chunk as Buffer);
      return hash.digest('hex');
    };
    const shas = new Map([[big, await sha(big)], [small, await sha(small)]]);
    let current: { pid: number; file: string } | undefined;
    let peakKb = 0;
    const fake = await new FakeAppStoreConnect({
      publicKey: tokens.service.key.publicKey,
      keyId: TEAM_KEY_ID,
      issuerId: ISSUER_ID,
      apps: [{ id: '1', bundleId: 'com.example.app' }],
      store: 'count',
      partSize: 32 * MiB,
      now: tokens.clock.now,
      // The CLI's last call (--no-wait: one status check after the commit): every byte has gone out, so its
      // high-water mark is the upload's peak.
      onApiRequest: ({ method, path }) => {
        if (current && method === 'GET' && path.startsWith('/v1/buildUploads/')) peakKb = Number(/VmHWM:\s+(\d+)/.exec(readFileSync(`/proc/${current.pid}/status`, 'utf8'))?.[1] ?? 0);
      },
    }).start();
    asc = fake;
    const env = { PATH: process.env.PATH ?? '', HOME: dir, ...DEV_ENV, ASC_TOKEN_URL: tokens.url, ASC_TOKEN_PROFILE: 'testflight-upload', ASC_API_URL: fake.url };
    const timed = (command: string, args: string[], onSpawn?: (pid: number) => void) =>
      new Promise<number>((resolve, reject) => {
        const start = performance.now();
        const child = spawn(command, args, { env, stdio: ['ignore', 'ignore', 'pipe'] });
        let stderr = '';
        child.stderr.on('data', (chunk) => (stderr += chunk));
        if (child.pid !== undefined) onSpawn?.(child.pid);
        child.on('exit', (code) => (code === 0 ? resolve(performance.now() - start) : reject(new Error(`${command} exited ${code}: ${stderr}`))));
      });
    const arrival = (from: number) => {
      const parts = fake.partRequests.slice(from);
      const bytes = parts.reduce((n, p) => n + p.bytes, 0);
      const ms = Math.max(...parts.map((p) => p.lastByteAt ?? 0)) - Math.min(...parts.map((p) => p.firstByteAt ?? Infinity));
      return { bytes, mibPerSecond: bytes / MiB / (ms / 1000) };
    };
    const cli = async (file: string) => {
      fake.options.expectSha256 = shas.get(file);
      const from = fake.partRequests.length;
      peakKb = 0;
      const wallMs = await timed(process.execPath, [join(root, 'dist/cli.mjs'), 'upload', file, '--no-wait', '--build', String(build++)], (pid) => (current = { pid, file }));
      current = undefined;
      return { ...arrival(from), wallMs, peakMb: peakKb / 1024, parts: [...fake.files.values()].at(-1)?.operations.length ?? 0 };
    };
    const curl = async (file: string) => {
      const from = fake.partRequests.length;
      const wallMs = await timed('curl', ['-sS', '--fail', '-o', '/dev/null', '-T', file, fake.sinkUrl]);
      return { ...arrival(from), wallMs };
    };

    await cli(small); // warm the page cache and the machine
    await curl(small);
    const runs: Array<{ cli: Awaited<ReturnType<typeof cli>>; curl: Awaited<ReturnType<typeof curl>> }> = [];
    for (let round = 0; round < ROUNDS; round++) {
      if (round % 2 === 0) {
        const c = await cli(big);
        runs.push({ cli: c, curl: await curl(big) });
      } else {
        const r = await curl(big);
        runs.push({ cli: await cli(big), curl: r });
      }
    }
    const smallPeaks: number[] = [];
    for (let i = 0; i < 3; i++) smallPeaks.push((await cli(small)).peakMb);
    const smallPeak = median(smallPeaks);
    if (fake.problems.length > 0) throw new Error(`the upload benchmark's fake saw problems: ${fake.problems.join('; ')}`);
    const parts = runs[0]?.cli.parts;
    const size = statSync(big).size;
    if (runs.some((r) => r.cli.bytes !== size || r.curl.bytes !== size)) throw new Error('a run did not send the whole file');

    const ratios = runs.map((r) => r.cli.mibPerSecond / r.curl.mibPerSecond).sort((a, b) => a - b);
    const ratio = median(ratios);
    const bigPeak = median(runs.map((r) => r.cli.peakMb));
    return [
      [
        `upload: ${(size / MiB).toFixed(0)} MiB to a loopback endpoint (${ROUNDS} alternating rounds)`,
        `asc-token upload ${median(runs.map((r) => r.cli.mibPerSecond)).toFixed(0)} MiB/s in ${parts} parts vs curl -T ${median(runs.map((r) => r.curl.mibPerSecond)).toFixed(0)} MiB/s; ratio range ${ratios[0]!.toFixed(2)}–${ratios.at(-1)!.toFixed(2)}; whole commands ${median(runs.map((r) => r.cli.wallMs)).toFixed(0)} ms vs ${median(runs.map((r) => r.curl.wallMs)).toFixed(0)} ms`,
        `${ratio.toFixed(2)} ×`,
        ratio >= 0.8 ? 'met (≥ 0.8 × curl)' : 'NOT met (≥ 0.8 × curl)',
      ],
      [
        'peak RSS of asc-token upload',
        `${bigPeak.toFixed(1)} MB for 256 MiB, ${smallPeak.toFixed(1)} MB for 32 MiB`,
        `${bigPeak.toFixed(1)} MB`,
        bigPeak - smallPeak <= 16 ? 'met (does not grow with the file)' : 'NOT met (grows with the file)',
      ],
    ];
  } finally {
    asc?.stop();
    tokens.close();
    rmSync(dir, { recursive: true, force: true });
  }
}
