/**
 * `npm run bench -- kms` (part of the default run): the KMS key source beside the Secrets Manager one (docs/design.md#quality-bars),
 * both against the wire-protocol fakes of the tests on loopback:
 * - warm: tokens/s and the latency per token through the built handler, KMS and Secrets Manager keys in one policy;
 * - cold: fresh process → first token with each source;
 * - what the lazily loaded KMS client costs a Secrets-Manager-only deployment: the shipped bundle against the same
 *   bundle built without KMS support, cold, side by side;
 * - the size of what the handler loads, with and without the KMS chunk.
 * The fake KMS signs digests in JavaScript (@noble/curves, test/helpers/fake-kms.ts): its own CPU per signature is
 * measured and reported, since it shares the machine with the handler.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { build, type Plugin } from 'esbuild';
import { TAGS } from '../src/key-sources/kms-fetcher.ts';
import { parsePolicyText } from '../src/policy/load.ts';
import { lambda } from '../scripts/build-options.ts';
import { FakeKms } from '../test/helpers/fake-kms.ts';
import { FakeSecretsManager } from '../test/helpers/fake-secrets-manager.ts';
import { withRequest } from '../test/helpers/fixtures.ts';
import { generateP256, secretJson } from '../test/helpers/keys.ts';

type Row = [string, string, string, string];
type TimeToMarker = (args: string[], env: Record<string, string>) => Promise<{ ms: number; fields: string[]; output: string }>;

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] as number;
const quantile = (values: number[], q: number) => [...values].sort((a, b) => a - b)[Math.min(values.length - 1, Math.floor(q * values.length))] as number;
const ISSUER = '57246542-96fe-1a63-e053-0824d011072a';
const CALLER = 'arn:aws:sts::111122223333:assumed-role/release-pipeline/bench';
const ROLE = 'arn:aws:iam::111122223333:role/release-pipeline';

/** Files a module loads through static imports, itself included (relative specifiers only: the bundle's chunks). */
function staticClosure(file: string, seen = new Set<string>()): Set<string> {
  if (seen.has(file)) return seen;
  seen.add(file);
  for (const match of readFileSync(file, 'utf8').matchAll(/(?:\bfrom|\bimport)\s*"(\.\.?\/[^"]+)"/g)) staticClosure(resolve(dirname(file), match[1] as string), seen);
  return seen;
}
const kib = (files: Iterable<string>) => [...files].reduce((sum, file) => sum + statSync(file).size, 0) / 1024;

export async function kmsSection(root: string, timeToMarker: TimeToMarker): Promise<Row[]> {
  const rows: Row[] = [];
  const handlerPath = join(root, 'dist/handler.mjs');
  const sm = await new FakeSecretsManager().start();
  const kms = await new FakeKms().start();
  const dir = mkdtempSync(join(tmpdir(), 'asc-bench-kms-'));
  try {
    const smKey = generateP256();
    const kmsKey = generateP256();
    sm.create('asc/bench', secretJson(smKey, { keyId: 'SECRETKEY1', issuerId: ISSUER }));
    kms.importDirectly(kms.createKey({ alias: 'alias/asc/bench' }), kmsKey.privateKey, { [TAGS.keyId]: 'KMSKEY0001', [TAGS.issuerId]: ISSUER });
    const policy = {
      version: 1,
      keys: { secret: { secretId: 'asc/bench' }, kms: { kmsKeyId: 'alias/asc/bench', keyId: 'KMSKEY0001', issuerId: ISSUER } },
      profiles: {
        'via-secret': { key: 'secret', scope: 'any', callers: [ROLE] },
        'via-kms': { key: 'kms', scope: 'any', callers: [ROLE] },
      },
    };
    writeFileSync(join(dir, 'policy.json'), JSON.stringify(policy));
    const event = (profile: string) => withRequest('rest-v1-iam-auth.captured.powertools-ts.json', { method: 'POST', path: `/v1/tokens/${profile}`, userArn: CALLER });
    const env: Record<string, string> = {
      PATH: process.env.PATH ?? '',
      AWS_REGION: 'us-east-1',
      AWS_ACCESS_KEY_ID: 'AKIDBENCH',
      AWS_SECRET_ACCESS_KEY: 'bench',
      AWS_ENDPOINT_URL_SECRETS_MANAGER: sm.endpoint,
      AWS_ENDPOINT_URL_KMS: kms.endpoint,
      AWS_LAMBDA_FUNCTION_NAME: 'bench',
      LOG_LEVEL: 'ERROR',
      POLICY_FILE: join(dir, 'policy.json'),
    };

    // Warm: latency per token and tokens/s, each source, interleaved rounds in one handler process.
    const resultsFile = join(dir, 'kms.json');
    const rounds = 8;
    const signsBefore = kms.count('Sign');
    const child = spawn(process.execPath, [join(root, 'bench/kms-child.mjs')], {
      env: { ...env, BENCH_HANDLER: handlerPath, BENCH_EVENTS: JSON.stringify({ secretsmanager: event('via-secret'), kms: event('via-kms') }), BENCH_ROUNDS: String(rounds), BENCH_RESULTS: resultsFile },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let stderr = '';
    child.stderr?.on('data', (chunk) => (stderr += chunk));
    const cpuBefore = process.cpuUsage();
    const code = await new Promise((done) => child.on('exit', done));
    const cpu = process.cpuUsage(cpuBefore);
    if (code !== 0) throw new Error(`the KMS benchmark failed: ${stderr}`);
    const results = JSON.parse(readFileSync(resultsFile, 'utf8')) as Record<'secretsmanager' | 'kms', { latencies: number[]; rates: number[]; cpuPerToken: number[]; errors: number }>;
    const signs = kms.count('Sign') - signsBefore;
    // This process ran both fakes; nearly all of its CPU in that time was the fake KMS answering Sign.
    const fakeCpuPerSign = (cpu.user + cpu.system) / 1000 / signs;
    const s = results.secretsmanager;
    const k = results.kms;
    const added = median(k.latencies) - median(s.latencies);
    rows.push([
      `kms: warm latency per token, sequential (${rounds} rounds × 40, interleaved)`,
      `KMS p50 ${median(k.latencies).toFixed(2)} ms, p99 ${quantile(k.latencies, 0.99).toFixed(2)} ms vs Secrets Manager p50 ${median(s.latencies).toFixed(2)} ms, p99 ${quantile(s.latencies, 0.99).toFixed(2)} ms; ${k.errors + s.errors} errors`,
      `+${added.toFixed(2)} ms`,
      'reported (loopback fake; in AWS add the round trip to KMS)',
    ]);
    rows.push([
      `kms: warm tokens/s, 16 concurrent (${rounds} rounds × 400 ms, interleaved)`,
      `KMS ${median(k.rates).toFixed(0)}/s vs Secrets Manager ${median(s.rates).toFixed(0)}/s; the fake KMS spent ${fakeCpuPerSign.toFixed(2)} ms of CPU per Sign (JavaScript ECDSA, on the same 2 cores)`,
      `${(median(k.rates) / median(s.rates)).toFixed(2)} ×`,
      'reported (bounded by the fake\'s signing here)',
    ]);
    rows.push([
      'kms: the handler process\'s CPU per token, 16 concurrent',
      `KMS ${median(k.cpuPerToken).toFixed(0)} µs (the Sign request and response, DER → JOSE, the local verification) vs Secrets Manager ${median(s.cpuPerToken).toFixed(0)} µs (node:crypto signature)`,
      `+${(median(k.cpuPerToken) - median(s.cpuPerToken)).toFixed(0)} µs`,
      'reported',
    ]);

    // Cold: fresh process → first token, each source, alternating.
    const cold: Record<string, number[]> = { secretsmanager: [], kms: [] };
    for (let i = 0; i < 11; i++) {
      for (const [name, profile] of (i % 2 ? [['kms', 'via-kms'], ['secretsmanager', 'via-secret']] : [['secretsmanager', 'via-secret'], ['kms', 'via-kms']]) as Array<[string, string]>) {
        cold[name]?.push((await timeToMarker([join(root, 'bench/cold-child.mjs')], { ...env, BENCH_HANDLER: handlerPath, BENCH_EVENT: JSON.stringify(event(profile)) })).ms);
      }
    }
    rows.push([
      'kms: cold start → first token (median of 11, alternating)',
      `KMS ${median(cold.kms as number[]).toFixed(1)} ms (DescribeKey, GetPublicKey, ListResourceTags, Sign, the KMS chunk) vs Secrets Manager ${median(cold.secretsmanager as number[]).toFixed(1)} ms`,
      `+${(median(cold.kms as number[]) - median(cold.secretsmanager as number[])).toFixed(1)} ms`,
      'reported',
    ]);

    // What the lazily loaded KMS client costs a deployment without KMS keys: the shipped bundle against the same
    // sources built with the KMS client taken out, cold, on the shipped policy's Secrets Manager key.
    const withoutKms: Plugin = {
      name: 'without-kms',
      setup(b) {
        b.onLoad({ filter: /src\/keys\/kms-sdk\.ts$/ }, () => ({ contents: 'export {};', loader: 'ts' }));
      },
    };
    const variantDir = join(dir, 'without-kms');
    const shippedPolicy = parsePolicyText(readFileSync(join(root, 'infra/policy.yaml'), 'utf8'), 'infra/policy.yaml');
    await build({ ...lambda, logLevel: 'error', entryPoints: { handler: join(root, 'src/handler.ts') }, outdir: variantDir, outExtension: { '.js': '.mjs' }, splitting: true, chunkNames: 'chunks/[name]-[hash]', define: { __ASC_EMBEDDED_POLICY__: JSON.stringify(shippedPolicy) }, plugins: [...(lambda.plugins ?? []), withoutKms] });
    sm.create('asc/main', secretJson(smKey, { keyId: 'BENCHKEY01' }));
    const smOnlyEnv = { ...env, POLICY_FILE: '' };
    const release = withRequest('rest-v1-iam-auth.captured.powertools-ts.json', { method: 'POST', path: '/v1/tokens/release', userArn: CALLER });
    const smOnly: Record<string, number[]> = { shipped: [], without: [] };
    for (let i = 0; i < 15; i++) {
      for (const [name, file] of (i % 2 ? [['without', join(variantDir, 'handler.mjs')], ['shipped', handlerPath]] : [['shipped', handlerPath], ['without', join(variantDir, 'handler.mjs')]]) as Array<[string, string]>) {
        smOnly[name]?.push((await timeToMarker([join(root, 'bench/cold-child.mjs')], { ...smOnlyEnv, BENCH_HANDLER: file, BENCH_EVENT: JSON.stringify(release) })).ms);
      }
    }
    const ratio = median(smOnly.shipped as number[]) / median(smOnly.without as number[]);
    rows.push([
      'kms: Secrets-Manager-only cold start, shipped bundle vs built without KMS (median of 15)',
      `${median(smOnly.shipped as number[]).toFixed(1)} ms vs ${median(smOnly.without as number[]).toFixed(1)} ms`,
      `${ratio.toFixed(2)} ×`,
      'reported (the KMS chunk is never loaded)',
    ]);

    // Size: what the handler loads at start (dist/handler.mjs and its static chunks), and with the KMS chunk.
    const startup = staticClosure(handlerPath);
    const kmsChunk = readdirSync(join(root, 'dist/chunks')).find((name) => name.startsWith('kms-sdk-') && name.endsWith('.mjs'));
    const withKms = kmsChunk ? staticClosure(join(root, 'dist/chunks', kmsChunk), new Set(startup)) : startup;
    rows.push([
      'kms: handler code loaded (dist/handler.mjs + static chunks; + the KMS chunk)',
      `${kib(startup).toFixed(1)} KiB (dist/handler.mjs alone ${kib([handlerPath]).toFixed(1)}); with a KMS key ${kib(withKms).toFixed(1)} KiB`,
      `${kib(withKms).toFixed(1)} KiB`,
      kib(withKms) <= 250 ? 'met (≤ 250 KB)' : 'NOT met (≤ 250 KB)',
    ]);
  } finally {
    await sm.stop();
    await kms.stop();
    rmSync(dir, { recursive: true, force: true });
  }
  return rows;
}
