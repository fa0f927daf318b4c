/**
 * The parts floor of the upload (docs/design.md#quality-bars: `asc-token upload` ≥ 0.8 × `curl -T` sending the same
 * parts, 5 MiB as App Store Connect hands them out, with the same number in flight, to the same server). The built
 * CLI uploads a 96 MiB .ipa through the whole flow (tokens from the local server over SigV4, the fake App Store
 * Connect's API calls) to upload operations of 5 MiB on loopback, four at a time; the floor is one
 * `curl -Z --parallel-max 4` sending the same 5 MiB ranges (cut into files beforehand, in the page cache) as 20
 * PUTs to the same server, whose handler for both only counts the bytes. Each side is timed where the bytes arrive:
 * from the first byte of the first part to the last byte of the last, so neither node's start nor curl's, nor the
 * CLI's API calls, are in it. Eleven runs (a transfer lasts ~0.1 s, and one run's ratio moves between ~0.6 and
 * ~1.2 × on these machines; five gave medians 0.62–0.84 × for one build); each run is one CLI upload and one curl
 * beside it (the order alternating), and the figure is the median of the per-run ratios, with their range. Peak RSS is the CLI's VmHWM, read
 * while the fake holds the CLI's last call (after the commit, so after every byte).
 */
import { spawn, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, openSync, readFileSync, readSync, rmSync, statSync, writeFileSync, closeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FakeAppStoreConnect } from '../test/helpers/fake-asc.ts';
import { writeIpa } from '../test/helpers/fake-asc-ipa.ts';
import { DEV_ENV, startTokenService } from '../test/helpers/fake-asc-service.ts';
import { ISSUER_ID, TEAM_KEY_ID } from '../test/helpers/keys.ts';

const MiB = 1024 * 1024;
const PART = 5 * MiB;
const IN_FLIGHT = 4;
const RUNS = 11;
const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] as number;

export async function benchUploadParts(root: string): Promise<Array<[string, string, string, string]>> {
  const title = `upload at the parts floor: 96 MiB in 5 MiB parts, ${IN_FLIGHT} in flight (${RUNS} runs)`;
  if (spawnSync('curl', ['--version']).status !== 0) return [[title, 'curl is not installed: no floor', '—', 'not measured']];
  const dir = mkdtempSync(join(tmpdir(), 'asc-bench-parts-'));
  const tokens = await startTokenService();
  let asc: FakeAppStoreConnect | undefined;
  let build = 2000;
  try {
    const file = join(dir, 'Parts.ipa');
    await writeIpa(file, { payloadBytes: 96 * MiB - 8192 });
    const size = statSync(file).size;
    const bytes = readFileSync(file);
    const sha256 = createHash('sha256').update(bytes).digest('hex');
    // The same byte ranges the fake hands the CLI, one file each, for curl.
    const parts: string[] = [];
    const fd = openSync(file, 'r');
    for (let offset = 0, i = 0; offset < size; offset += PART, i++) {
      const part = join(dir, `part-${String(i).padStart(3, '0')}`);
      const buffer = Buffer.allocUnsafe(Math.min(PART, size - offset));
      readSync(fd, buffer, 0, buffer.length, offset);
      writeFileSync(part, buffer);
      parts.push(part);
    }
    closeSync(fd);
    let current: number | undefined;
    let peakKb = 0;
    const fake = await new FakeAppStoreConnect({
      publicKey: tokens.service.key.publicKey,
      keyId: TEAM_KEY_ID,
      issuerId: ISSUER_ID,
      apps: [{ id: '1', bundleId: 'com.example.app' }],
      store: 'count',
      partSize: PART,
      expectSha256: sha256,
      now: tokens.clock.now,
      onApiRequest: ({ method, path }) => {
        if (current !== undefined && method === 'GET' && path.startsWith('/v1/buildUploads/')) peakKb = Number(/VmHWM:\s+(\d+)/.exec(readFileSync(`/proc/${current}/status`, 'utf8'))?.[1] ?? 0);
      },
    }).start();
    asc = fake;
    const env = { PATH: process.env.PATH ?? '', HOME: dir, ...DEV_ENV, ASC_TOKEN_URL: tokens.url, ASC_TOKEN_PROFILE: 'testflight-upload', ASC_API_URL: fake.url };
    const run = (command: string, args: string[], onSpawn?: (pid: number) => void) =>
      new Promise<void>((resolve, reject) => {
        const child = spawn(command, args, { env, stdio: ['ignore', 'ignore', 'pipe'] });
        let stderr = '';
        child.stderr.on('data', (chunk) => (stderr += chunk));
        if (child.pid !== undefined) onSpawn?.(child.pid);
        child.on('exit', (code) => (code === 0 ? resolve() : reject(new Error(`${command} exited ${code}: ${stderr}`))));
      });
    /** First byte of the first part → last byte of the last, where they arrive, and the bytes that arrived. */
    const arrival = (from: number) => {
      const sent = fake.partRequests.slice(from);
      if (sent.length !== parts.length || sent.some((p) => p.status !== 200)) throw new Error(`expected ${parts.length} parts answered 200, got ${sent.map((p) => p.status).join(',')}`);
      const total = sent.reduce((n, p) => n + p.bytes, 0);
      if (total !== size) throw new Error(`${total} of ${size} bytes arrived`);
      return Math.max(...sent.map((p) => p.lastByteAt ?? 0)) - Math.min(...sent.map((p) => p.firstByteAt ?? Infinity));
    };
    const cli = async () => {
      const from = fake.partRequests.length;
      peakKb = 0;
      await run(process.execPath, [join(root, 'dist/cli.mjs'), 'upload', file, '--no-wait', '--build', String(build++)], (pid) => (current = pid));
      current = undefined;
      return { ms: arrival(from), peakMb: peakKb / 1024 };
    };
    const curlArgs = ['-sS', '--no-progress-meter', '--fail', '-Z', '--parallel-max', String(IN_FLIGHT), ...parts.flatMap((part) => ['-o', '/dev/null', '-T', part, fake.sinkUrl])];
    const curl = async () => {
      const from = fake.partRequests.length;
      await run('curl', curlArgs);
      return arrival(from);
    };

    await cli(); // warm the page cache, the fake and the machine
    await curl();
    const runs: Array<{ cli: number; curl: number; peakMb: number }> = [];
    for (let i = 0; i < RUNS; i++) {
      if (i % 2 === 0) {
        const c = await cli();
        runs.push({ cli: c.ms, peakMb: c.peakMb, curl: await curl() });
      } else {
        const f = await curl();
        const c = await cli();
        runs.push({ cli: c.ms, peakMb: c.peakMb, curl: f });
      }
    }
    if (fake.problems.length > 0) throw new Error(`the parts benchmark's fake saw problems: ${fake.problems.join('; ')}`);
    // Throughput ratio = curl's time / the CLI's time, per run.
    const ratios = runs.map((r) => r.curl / r.cli).sort((a, b) => a - b);
    const ratio = median(ratios);
    const mibs = (ms: number) => (size / MiB / (ms / 1000)).toFixed(0);
    // The times shown are those of the median run, so that they give its ratio.
    const typical = runs.find((r) => r.curl / r.cli === ratio)!;
    const [cliMs, curlMs] = [typical.cli, typical.curl];
    const peak = median(runs.map((r) => r.peakMb));
    return [
      [
        title,
        `asc-token upload ${cliMs.toFixed(1)} ms (${mibs(cliMs)} MiB/s) vs curl -Z --parallel-max ${IN_FLIGHT} -T ${curlMs.toFixed(1)} ms (${mibs(curlMs)} MiB/s), ${parts.length} parts, first byte → last byte at the server (the median run); ratio range ${ratios[0]!.toFixed(2)}–${ratios.at(-1)!.toFixed(2)}; peak RSS ${peak.toFixed(1)} MB (range ${Math.min(...runs.map((r) => r.peakMb)).toFixed(1)}–${Math.max(...runs.map((r) => r.peakMb)).toFixed(1)})`,
        `${ratio.toFixed(2)} ×`,
        ratio >= 0.8 ? 'met (≥ 0.8 × the parts floor)' : 'NOT met (≥ 0.8 × the parts floor)',
      ],
    ];
  } finally {
    asc?.stop();
    tokens.close();
    rmSync(dir, { recursive: true, force: true });
  }
}
