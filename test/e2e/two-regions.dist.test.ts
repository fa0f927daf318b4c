/**
 * #25's "done when", with real processes: two local servers standing for two regions (`npm start`'s server,
 * dist/local.mjs, with AWS_REGION eu-west-1 and us-east-1 on two ports), each reading its region's copy of one key
 * secret replicated by one Secrets Manager emulator (one loopback endpoint answering each region from its own copy:
 * test/helpers/fake-regions.ts). `asc-token token` (the built CLI, a process per call), TokenClient (the built
 * package) and the Action (node action/index.mjs with INPUT_* as the runner runs it) are given both URLs. They keep
 * returning valid tokens when the first server is stopped in the middle of their run — failing over on the refused
 * connection, not after a timeout — and they never fail over on a 403. docs/two-regions.md#testing-a-failover.
 */
import assert from 'node:assert/strict';
import { spawn, execFile, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before, describe, it } from 'node:test';
import { promisify } from 'node:util';
import { FakeRegions } from '../helpers/fake-regions.ts';
import { FakeSecretsManager } from '../helpers/fake-secrets-manager.ts';
import { generateP256, secretJson, verifyEs256 } from '../helpers/keys.ts';
import { trackOutput } from '../helpers/leaks.ts';
import { npmStartArgs } from '../helpers/local-server.ts';
import { freePort } from '../helpers/ports.ts';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const run = promisify(execFile);
const ISSUER = '57246542-96fe-1a63-e053-0824d011072a';
const DEV = { accessKeyId: 'AKIDTWOREGIONS000001', secretAccessKey: 'two-regions-test-secret', principalArn: 'arn:aws:sts::000000000000:assumed-role/local-developer/ci' };
const POLICY = `version: 1
keys:
  main: { secretId: asc/main }
profiles:
  ci:
    key: main
    scope: any
    callers: [arn:aws:iam::000000000000:role/local-developer]
  release:
    key: main
    scope: any
    callers: [arn:aws:iam::999999999999:role/someone-else]
`;

const key = generateP256();
let dir: string;
let sm: FakeRegions<FakeSecretsManager>;
const servers: Array<{ region: string; url: string; child: ChildProcess; log: () => string }> = [];

/** One region's server: `npm start`'s command line, in that region, reading the key from the emulator. */
async function startRegion(region: string) {
  const port = await freePort();
  const child = spawn(process.execPath, npmStartArgs(root), {
    cwd: dir,
    env: {
      PATH: process.env.PATH ?? '',
      HOME: dir,
      PORT: String(port),
      POLICY_FILE: join(dir, 'policy.yaml'),
      LOCAL_CREDENTIALS_FILE: join(dir, 'credentials.json'),
      KEY_SOURCE: 'policy',
      AWS_REGION: region,
      AWS_ENDPOINT_URL_SECRETS_MANAGER: sm.endpoint,
      AWS_ACCESS_KEY_ID: 'AKIDSERVER0000000001',
      AWS_SECRET_ACCESS_KEY: 'server-secret',
      AWS_EC2_METADATA_DISABLED: 'true',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout!.on('data', (chunk) => (output += chunk));
  child.stderr!.on('data', (chunk) => (output += chunk));
  await new Promise<void>((ready, fail) => {
    const timer = setTimeout(() => fail(new Error(`${region}: no banner within 20 s:\n${output}`)), 20_000);
    const check = () => {
      if (!output.includes('Ctrl-C stops the server')) return;
      clearTimeout(timer);
      ready();
    };
    child.stdout!.on('data', check);
    child.on('exit', (code) => fail(new Error(`${region}: server exited with ${code}:\n${output}`)));
  });
  const server = { region, url: `http://127.0.0.1:${port}`, child, log: () => output };
  servers.push(server);
  return server;
}

/** Stop a region's server by its PID and wait until it is gone. */
async function stop(server: (typeof servers)[number]) {
  if (server.child.exitCode !== null || server.child.signalCode !== null) return;
  const exited = once(server.child, 'exit');
  process.kill(server.child.pid!, 'SIGTERM');
  await exited;
}

const clientEnv = (extra: Record<string, string> = {}) => ({ PATH: process.env.PATH ?? '', HOME: dir, AWS_ACCESS_KEY_ID: DEV.accessKeyId, AWS_SECRET_ACCESS_KEY: DEV.secretAccessKey, AWS_REGION: 'eu-west-1', AWS_EC2_METADATA_DISABLED: 'true', ...extra });

/** `asc-token token PROFILE --url A,B --output json` as a process. */
async function cliToken(profile: string, urls: string) {
  const result = await run(process.execPath, [join(root, 'dist/cli.mjs'), 'token', profile, '--url', urls, '--output', 'json'], { env: clientEnv() }).then(
    ({ stdout, stderr }) => ({ code: 0, stdout, stderr }),
    (error) => ({ code: error.code as number, stdout: error.stdout as string, stderr: error.stderr as string }),
  );
  trackOutput(result.stderr);
  return result;
}

/** The Action as the runner runs it: node action/index.mjs with INPUT_* and the runner's files. */
async function action(inputs: Record<string, string>) {
  const outputFile = join(dir, `output-${Math.random().toString(36).slice(2)}`);
  writeFileSync(outputFile, '');
  const env: Record<string, string> = clientEnv({ GITHUB_ACTIONS: 'true', RUNNER_TEMP: dir, GITHUB_OUTPUT: outputFile, GITHUB_ENV: join(dir, 'env'), GITHUB_STATE: join(dir, 'state') });
  for (const [name, value] of Object.entries(inputs)) env[`INPUT_${name.toUpperCase()}`] = value;
  const child = spawn(process.execPath, [join(root, 'action/index.mjs')], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  child.stdout.on('data', (chunk) => (stdout += chunk));
  child.stderr.on('data', (chunk) => (stdout += chunk));
  const [code] = (await once(child, 'close')) as [number];
  trackOutput(stdout.split('\n').filter((line) => !line.startsWith('::add-mask::')).join('\n'));
  // GITHUB_OUTPUT: NAME<<DELIMITER blocks and NAME=value lines.
  const outputs: Record<string, string> = {};
  const text = readFileSync(outputFile, 'utf8');
  for (const m of text.matchAll(/^([^=<\n]+)<<(.+)\n([\s\S]*?)\n\2$|^([^=<\n]+)=(.*)$/gm)) outputs[(m[1] ?? m[4]) as string] = (m[3] ?? m[5]) as string;
  return { code, stdout, outputs };
}

/** Requests for a profile's token a server logged (its audit records on stdout). */
const auditedFor = (server: (typeof servers)[number], profile: string) => server.log().split('\n').filter((line) => line.includes('"AUDIT"') && line.includes(`"profile":"${profile}"`)).length;

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'asc-two-regions-'));
  writeFileSync(join(dir, 'policy.yaml'), POLICY);
  writeFileSync(join(dir, 'credentials.json'), JSON.stringify([DEV]), { mode: 0o600 });
  sm = await new FakeRegions([new FakeSecretsManager('eu-west-1'), new FakeSecretsManager('us-east-1')]).start();
  sm.get('eu-west-1').create('asc/main', secretJson(key, { keyId: 'TWOREGION1', issuerId: ISSUER }));
  sm.get('eu-west-1').replicateTo('asc/main', sm.get('us-east-1'));
});
after(async () => {
  for (const server of servers) await stop(server);
  sm?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe('two regions, one replicated key: clients fail over when the first region stops', { concurrency: false }, () => {
  let first: Awaited<ReturnType<typeof startRegion>>;
  let second: Awaited<ReturnType<typeof startRegion>>;
  let urls: string;

  it('each region\'s server reads its own region\'s copy of the secret', async () => {
    [first, second] = [await startRegion('eu-west-1'), await startRegion('us-east-1')];
    urls = `${first.url},${second.url}`;
    const health = await run(process.execPath, [join(root, 'dist/cli.mjs'), 'health', '--url', urls, '--output', 'json'], { env: clientEnv() });
    const regions = JSON.parse(health.stdout).regions;
    assert.deepEqual(regions.map((r: any) => [r.status, r.keys.map((k: any) => k.keyId)]), [['ok', ['TWOREGION1']], ['ok', ['TWOREGION1']]]);
    for (const region of ['eu-west-1', 'us-east-1']) {
      const reads = sm.get(region).calls.filter((c) => c.target === 'GetSecretValue');
      assert.ok(reads.length >= 1, `the ${region} server read the ${region} copy`);
    }
  });

  it('a 403 is the answer in every region: no client fails over on it', async () => {
    const cli = await cliToken('release', urls);
    assert.equal(cli.code, 3, cli.stderr);
    assert.match(cli.stderr, /forbidden/);
    assert.doesNotMatch(cli.stderr, /served by/);

    const { TokenClient } = await import(join(root, 'dist/client.mjs'));
    const client = new TokenClient({ url: urls, credentials: async () => DEV });
    await assert.rejects(client.getToken('release'), (error: { code?: string; status?: number; url?: string }) => error.status === 403 && error.url === first.url);

    const step = await action({ profile: 'release', url: urls });
    assert.notEqual(step.code, 0);
    assert.equal(step.outputs.token, undefined);

    assert.equal(auditedFor(first, 'release'), 3, 'the first region refused the CLI, TokenClient and the Action');
    assert.equal(auditedFor(second, 'release'), 0, 'the second region was never asked');
  });

  it('the CLI, TokenClient and the Action keep returning valid tokens while the first region stops mid-run', async () => {
    const { TokenClient } = await import(join(root, 'dist/client.mjs'));
    const client = new TokenClient({ url: urls, credentials: async () => DEV });
    const served: Array<{ who: string; url: string; failedOver?: string }> = [];
    const valid = (token: string) => verifyEs256(token, key.publicKey).payload;

    // Before: the first region serves everyone.
    const cliBefore = await cliToken('ci', urls);
    assert.equal(cliBefore.code, 0, cliBefore.stderr);
    assert.equal(JSON.parse(cliBefore.stdout).url, first.url);
    assert.equal((await client.getToken('ci', { forceRefresh: true })).url, first.url);

    // Mid-run: TokenClient keeps asking while the first server is stopped under it.
    let stopped = false;
    const loop = (async () => {
      for (let afterStop = 0; afterStop < 3; ) {
        const before = Date.now();
        const token = await client.getToken('ci', { forceRefresh: true });
        valid(token.token);
        served.push({ who: 'TokenClient', url: token.url, failedOver: `${Date.now() - before} ms` });
        if (stopped) afterStop++;
      }
    })();
    await new Promise((ok) => setTimeout(ok, 50));
    await stop(first);
    stopped = true;
    await loop;
    assert.ok(served.some((s) => s.url === second.url), 'TokenClient was served by the second region after the first stopped');
    assert.equal(served.at(-1)!.url, second.url);

    // After: the CLI (a fresh process, no memory of the failure) fails over on the refused connection.
    const cli = await cliToken('ci', urls);
    assert.equal(cli.code, 0, cli.stderr);
    const answer = JSON.parse(cli.stdout);
    assert.equal(answer.url, second.url);
    assert.equal(valid(answer.token).iss, ISSUER);
    assert.match(cli.stderr, new RegExp(`^asc-token: served by ${second.url} \\(after ${first.url}: ECONNREFUSED\\)$`, 'm'), 'failed over on the refused connection, not after a timeout');

    // The Action, as the runner runs it.
    const step = await action({ profile: 'ci', url: urls });
    assert.equal(step.code, 0, step.stdout);
    assert.equal(step.outputs.url, second.url);
    valid(step.outputs.token!);

    // TokenClient remembers the failing region: the next request goes to the second region first.
    const next = await client.getToken('ci', { forceRefresh: true });
    assert.equal(next.url, second.url);
    process.stdout.write(`# served after the stop: ${JSON.stringify(served.filter((s) => s.url === second.url).slice(0, 2))}\n`);
  });
});
