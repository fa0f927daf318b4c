/**
 * The notarize benchmark (issue #15: a large file's time against a plain S3 upload of the same bytes to the same
 * endpoint). The built CLI notarizes a 256 MiB disk image through the whole flow — tokens vended by the local
 * server over SigV4, the fake Notary API, the file to moto_server's S3 on loopback with the submission's temporary
 * credentials — and `aws s3 cp` sends the same file to the same bucket with the same kind of credentials; the AWS
 * SDK's `Upload` alone (lib-storage, the same part size and concurrency, in this process) is the third line.
 *
 * The CLI's upload phase is timed from outside: from its "uploading … in N parts" line to its "uploaded" line on
 * stderr, as they arrive here. `aws s3 cp` is timed whole (spawn → exit), and a 1-byte `aws s3 cp` is timed too,
 * so its fixed cost (Python's start, its set-up) can be taken out. Rounds alternate which goes first; the figure is
 * the median of the per-round ratios of transfer times. Peak RSS is the CLI's VmHWM, read when the fake answers
 * its status check (every byte has gone out by then), for the 256 MiB rounds and one 1 GiB run: lib-storage
 * allocates a buffer per part and the garbage collector frees them in bursts, so a file of a few parts ends before
 * the first big sweep and peaks lower (64 MiB: ~150 MB); bounded memory shows as 1 GiB peaking no higher than
 * 256 MiB. moto is Python: it, not the clients, sets the pace, and the machine is shared — the figures are
 * indicative.
 */
import { spawn, spawnSync } from 'node:child_process';
import { closeSync, createReadStream, mkdtempSync, openSync, readFileSync, rmSync, statSync, writeFileSync, writeSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { S3Client } from '@aws-sdk/client-s3';
import { Upload } from '@aws-sdk/lib-storage';
import { DEFAULT_PART_SIZE } from '../src/asc/notary-upload.ts';
import { DEV_ENV, startTokenService } from '../test/helpers/fake-asc-service.ts';
import { FakeNotary } from '../test/helpers/fake-notary.ts';
import { startMotoS3 } from '../test/helpers/fake-notary-moto.ts';
import { ISSUER_ID, TEAM_KEY_ID } from '../test/helpers/keys.ts';

const MiB = 1024 * 1024;
const ROUNDS = 5;
const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] as number;
type Row = [string, string, string, string];

/** A UDIF disk image as far as the CLI checks: random bytes, then the 512-byte `koly` trailer; written in 8 MiB steps. */
function writeDmg(path: string, bytes: number): void {
  const trailer = Buffer.alloc(512);
  trailer.write('koly', 0, 'latin1');
  const chunk = randomBytes(8 * MiB);
  const fd = openSync(path, 'w');
  try {
    for (let left = bytes; left > 0; left -= chunk.length) writeSync(fd, left >= chunk.length ? chunk : chunk.subarray(0, left));
    writeSync(fd, trailer);
  } finally {
    closeSync(fd);
  }
}

export async function benchNotarize(root: string): Promise<Row[]> {
  const awsCli = spawnSync('aws', ['--version']).status === 0;
  const dir = mkdtempSync(join(tmpdir(), 'asc-bench-notarize-'));
  const tokens = await startTokenService();
  const moto = await startMotoS3().catch((error: unknown) => {
    tokens.close();
    throw error;
  });
  let notary: FakeNotary | undefined;
  try {
    const big = join(dir, 'Bench.dmg');
    const small = join(dir, 'Small.dmg');
    const huge = join(dir, 'Huge.dmg');
    const tiny = join(dir, 'tiny.bin');
    writeDmg(big, 256 * MiB - 512);
    writeDmg(small, 32 * MiB - 512);
    writeFileSync(tiny, 'x');
    const size = statSync(big).size;

    let current: number | undefined;
    let peakKb = 0;
    const fake = await new FakeNotary({
      publicKey: tokens.service.key.publicKey,
      keyId: TEAM_KEY_ID,
      issuerId: ISSUER_ID,
      s3: moto,
      now: tokens.clock.now,
      // The CLI's last call (--no-wait: one status check after the upload): its high-water mark is the upload's peak.
      onApiRequest: ({ method, path }) => {
        if (current !== undefined && method === 'GET' && path.startsWith('/notary/v2/submissions/')) peakKb = Number(/VmHWM:\s+(\d+)/.exec(readFileSync(`/proc/${current}/status`, 'utf8'))?.[1] ?? 0);
      },
    }).start();
    notary = fake;
    const cliEnv = { PATH: process.env.PATH ?? '', HOME: dir, ...DEV_ENV, ASC_TOKEN_URL: tokens.url, ASC_TOKEN_PROFILE: 'notarize', ASC_NOTARY_URL: fake.baseUrl, ASC_NOTARY_S3_URL: moto.endpoint };

    /** The built CLI, `--no-wait`: its upload phase as seen on its stderr, its whole time, its peak RSS. */
    const cli = (file: string) =>
      new Promise<{ uploadMs: number; wallMs: number; peakMb: number; parts: number }>((resolve, reject) => {
        const start = performance.now();
        const child = spawn(process.execPath, [join(root, 'dist/cli.mjs'), 'notarize', file, '--no-wait'], { env: cliEnv, stdio: ['ignore', 'ignore', 'pipe'] });
        current = child.pid;
        peakKb = 0;
        let stderr = '';
        let pending = '';
        let began: number | undefined;
        let ended: number | undefined;
        let parts = 0;
        child.stderr.on('data', (chunk) => {
          const at = performance.now();
          stderr += chunk;
          pending += chunk;
          const lines = pending.split('\n');
          pending = lines.pop() ?? '';
          for (const line of lines) {
            const starting = /^uploading .* in (\d+) parts?$/.exec(line);
            if (starting) {
              began = at;
              parts = Number(starting[1]);
            }
            if (line.startsWith('uploaded ')) ended = at;
          }
        });
        child.on('exit', (code) => {
          current = undefined;
          if (code !== 0 || began === undefined || ended === undefined) return reject(new Error(`asc-token notarize exited ${code}: ${stderr}`));
          resolve({ uploadMs: ended - began, wallMs: performance.now() - start, peakMb: peakKb / 1024, parts });
        });
      });

    let n = 0;
    /** `aws s3 cp` with a submission's kind of credentials (STS), the job's own AWS settings left out. */
    const aws = async (file: string) => {
      const credentials = await moto.assumeUploader(`bench-aws-${n}`);
      const env: Record<string, string> = { PATH: process.env.PATH ?? '', HOME: dir, AWS_ACCESS_KEY_ID: credentials.accessKeyId, AWS_SECRET_ACCESS_KEY: credentials.secretAccessKey, AWS_SESSION_TOKEN: credentials.sessionToken, AWS_DEFAULT_REGION: 'us-west-2', AWS_CONFIG_FILE: '/dev/null', AWS_SHARED_CREDENTIALS_FILE: '/dev/null' };
      const key = `prod/bench-aws-${n++}`;
      return new Promise<number>((resolve, reject) => {
        const start = performance.now();
        const child = spawn('aws', ['--endpoint-url', moto.endpoint, 's3', 'cp', file, `s3://${moto.bucket}/${key}`, '--only-show-errors'], { env, stdio: ['ignore', 'ignore', 'pipe'] });
        let stderr = '';
        child.stderr.on('data', (chunk) => (stderr += chunk));
        child.on('exit', (code) => (code === 0 ? resolve(performance.now() - start) : reject(new Error(`aws s3 cp exited ${code}: ${stderr}`))));
      });
    };

    /** The SDK's Upload alone, as the CLI configures it (8 MiB parts, 4 in flight), in this process. */
    const sdk = async (file: string) => {
      const credentials = await moto.assumeUploader(`bench-sdk-${n}`);
      const client = new S3Client({ region: 'us-west-2', endpoint: moto.endpoint, forcePathStyle: true, credentials });
      const start = performance.now();
      await new Upload({ client, params: { Bucket: moto.bucket, Key: `prod/bench-sdk-${n++}`, Body: createReadStream(file, { highWaterMark: MiB }) }, partSize: DEFAULT_PART_SIZE, queueSize: 4 }).done();
      client.destroy();
      return performance.now() - start;
    };

    await cli(small); // warm the page cache and the machine
    if (awsCli) await aws(small);
    const runs: Array<{ cli: Awaited<ReturnType<typeof cli>>; aws?: number; awsFixed?: number; sdk: number }> = [];
    for (let round = 0; round < ROUNDS; round++) {
      const order = round % 2 === 0 ? ['cli', 'aws', 'sdk'] : ['aws', 'sdk', 'cli'];
      const run: Partial<(typeof runs)[number]> = {};
      for (const which of order) {
        if (which === 'cli') run.cli = await cli(big);
        if (which === 'aws' && awsCli) {
          run.awsFixed = await aws(tiny);
          run.aws = await aws(big);
        }
        if (which === 'sdk') run.sdk = await sdk(big);
      }
      runs.push(run as (typeof runs)[number]);
    }
    writeDmg(huge, 1024 * MiB - 512);
    const hugePeak = (await cli(huge)).peakMb;
    rmSync(huge);
    if (fake.problems.length > 0) throw new Error(`the notarize benchmark's fake saw problems: ${fake.problems.join('; ')}`);
    const uploaded = [...fake.submissions.values()].filter((s) => s.uploaded?.size === size);
    if (uploaded.length !== ROUNDS) throw new Error(`${uploaded.length} of ${ROUNDS} large submissions arrived whole with their SHA-256`);

    const rate = (ms: number) => `${(size / MiB / (ms / 1000)).toFixed(0)} MiB/s`;
    const cliUpload = median(runs.map((r) => r.cli.uploadMs));
    const sdkMs = median(runs.map((r) => r.sdk));
    const rows: Row[] = [];
    if (awsCli) {
      const awsNet = runs.map((r) => (r.aws as number) - (r.awsFixed as number));
      const ratios = runs.map((r) => ((r.aws as number) - (r.awsFixed as number)) / r.cli.uploadMs).sort((a, b) => a - b);
      rows.push([
        `notarize: ${(size / MiB).toFixed(0)} MiB to S3 on loopback (moto_server; ${ROUNDS} alternating rounds)`,
        `asc-token notarize's upload ${cliUpload.toFixed(0)} ms (${rate(cliUpload)}, ${runs[0]!.cli.parts} parts) vs aws s3 cp ${median(awsNet).toFixed(0)} ms (${rate(median(awsNet))}; whole command ${median(runs.map((r) => r.aws as number)).toFixed(0)} ms less ${median(runs.map((r) => r.awsFixed as number)).toFixed(0)} ms for a 1-byte cp); the SDK's Upload alone ${sdkMs.toFixed(0)} ms (${rate(sdkMs)}); ratio range ${ratios[0]!.toFixed(2)}–${ratios.at(-1)!.toFixed(2)}`,
        `${median(ratios).toFixed(2)} ×`,
        'for comparison (throughput vs aws s3 cp; no bar in docs/design.md#quality-bars)',
      ]);
    } else {
      rows.push([`notarize: ${(size / MiB).toFixed(0)} MiB to S3 on loopback`, `asc-token notarize's upload ${cliUpload.toFixed(0)} ms (${rate(cliUpload)}) vs the SDK's Upload alone ${sdkMs.toFixed(0)} ms; aws (the AWS CLI) is not installed`, `${(sdkMs / cliUpload).toFixed(2)} × the SDK`, 'for comparison']);
    }
    rows.push([
      `notarize: the whole command, ${(size / MiB).toFixed(0)} MiB, --no-wait`,
      `${median(runs.map((r) => r.cli.wallMs)).toFixed(0)} ms: node start, token, SHA-256 of the file, submission, upload, one status check`,
      `${median(runs.map((r) => r.cli.wallMs)).toFixed(0)} ms`,
      'for comparison',
    ]);
    const bigPeak = median(runs.map((r) => r.cli.peakMb));
    rows.push([
      'peak RSS of asc-token notarize',
      `${bigPeak.toFixed(1)} MB for 256 MiB (median of ${ROUNDS}), ${hugePeak.toFixed(1)} MB for 1 GiB`,
      `${bigPeak.toFixed(1)} MB`,
      hugePeak - bigPeak <= 16 ? 'met (does not grow with the file)' : 'NOT met (grows with the file)',
    ]);
    return rows;
  } finally {
    notary?.stop();
    tokens.close();
    await moto.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}
