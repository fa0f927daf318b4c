/**
 * `asc-token health` in process against real local servers (the real handler behind SigV4 checked as API Gateway
 * does), one per "region": each URL asked on its own, the keys side by side, and the exit code and stderr naming
 * every region that is not healthy — a key that does not load, a refusal, a region that does not answer.
 */
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { main } from '../../src/cli/main.ts';
import { regionLabel } from '../../src/cli/health.ts';
import type { LocalCredential } from '../../src/local/verify.ts';
import { secretJson } from '../helpers/keys.ts';
import { trackOutput } from '../helpers/leaks.ts';
import { closedUrl, startLocalServer } from '../helpers/local-server.ts';
import { createService, type Service } from '../helpers/setup.ts';

const DEV: LocalCredential = { accessKeyId: 'AKIDLOCALTEST0000001', secretAccessKey: 'local-test-secret-key-0123456789', principalArn: 'arn:aws:sts::000000000000:assumed-role/local-developer/tester' };
const credentials = async () => ({ accessKeyId: DEV.accessKeyId, secretAccessKey: DEV.secretAccessKey });

const policy = (caller: string) => `
version: 1
keys:
  main: { secretId: asc/main }
  iap: { secretId: asc/iap }
profiles:
  ci: { key: main, scope: any, callers: [${caller}] }
  storekit: { key: iap, api: app-store-server, bundleId: com.example.app, scope: any, callers: [${caller}] }
`;
const ALLOWED = 'arn:aws:iam::000000000000:role/local-developer';

const services: Service[] = [];
const servers: Array<{ url: string; close: () => void }> = [];
/** A region: its own service and local server; `keys` is what its copy of each key holds. */
async function region(keys: Record<string, string | undefined>, caller = ALLOWED): Promise<string> {
  const service = createService({ policy: policy(caller) });
  services.push(service);
  for (const [name, keyId] of Object.entries(keys)) {
    if (keyId === undefined) continue;
    writeFileSync(join(service.dir, 'keys', `${name}.json`), secretJson(service.key, { keyId }));
  }
  const server = await startLocalServer(service.handler, [DEV]);
  servers.push(server);
  return server.url;
}

async function health(args: string[]) {
  const out: string[] = [];
  const err: string[] = [];
  const io = { stdout: (t: string) => void out.push(t), stderr: (t: string) => void err.push(t), env: {}, cwd: process.cwd(), now: Date.now };
  const code = await main(['health', ...args], io, { credentials });
  trackOutput(out.join('') + err.join(''));
  return { code, stdout: out.join(''), stderr: err.join('') };
}

let primary: string;
let replica: string;
let behind: string;
let broken: string;
let refusing: string;
let down: string;
before(async () => {
  primary = await region({ main: 'KEYMAIN001', iap: 'KEYIAP0001' });
  replica = await region({ main: 'KEYMAIN001', iap: 'KEYIAP0001' });
  behind = await region({ main: 'KEYMAIN000', iap: 'KEYIAP0001' });
  broken = await region({ main: 'KEYMAIN001', iap: undefined });
  refusing = await region({ main: 'KEYMAIN001', iap: 'KEYIAP0001' }, 'arn:aws:iam::999999999999:role/someone-else');
  down = await closedUrl();
});
after(() => {
  for (const server of servers) server.close();
  for (const service of services) service.cleanup();
});

describe('asc-token health', () => {
  it('two healthy regions: exit 0, both columns, each key once per region', async () => {
    const { code, stdout, stderr } = await health(['--url', `${primary},${replica}`]);
    assert.equal(code, 0, stderr);
    assert.equal(stderr, '');
    const lines = stdout.trimEnd().split('\n');
    assert.deepEqual(lines[0]!.trim().split(/\s+/), [new URL(primary).host, new URL(replica).host]);
    assert.match(lines[1]!, /^region\s+ok \(200\)\s+ok \(200\)$/);
    assert.match(stdout, /^main\s+KEYMAIN001 ok\s+KEYMAIN001 ok$/m);
    assert.match(stdout, /^iap\s+KEYIAP0001 ok\s+KEYIAP0001 ok$/m);
    assert.doesNotMatch(stdout, /differs/);
  });

  it('reads ASC_TOKEN_URL too, and --output json has each region', async () => {
    const out: string[] = [];
    const io = { stdout: (t: string) => void out.push(t), stderr: () => {}, env: { ASC_TOKEN_URL: `${primary}, ${behind}` }, cwd: process.cwd(), now: Date.now };
    assert.equal(await main(['health', '--output', 'json'], io, { credentials }), 0);
    const json = JSON.parse(out.join(''));
    assert.equal(json.status, 'ok');
    assert.deepEqual(json.regions.map((r: any) => [r.url, r.status, r.httpStatus, r.keySource]), [[primary, 'ok', 200, 'local'], [behind, 'ok', 200, 'local']]);
    assert.deepEqual(json.regions[1].keys.map((k: any) => [k.name, k.keyId, k.status]), [['main', 'KEYMAIN000', 'ok'], ['iap', 'KEYIAP0001', 'ok']]);
  });

  it('a key that differs between regions is said (a rotation still replicating)', async () => {
    const { code, stdout } = await health(['--url', `${primary},${behind}`]);
    assert.equal(code, 0);
    assert.match(stdout, /^note: key main differs between regions \(KEYMAIN001, KEYMAIN000\)/m);
  });

  it('a region whose key does not load: exit 5, stderr names the region and the key', async () => {
    const { code, stdout, stderr } = await health(['--url', `${primary},${broken}`]);
    assert.equal(code, 5, stderr);
    assert.match(stdout, /^region\s+ok \(200\)\s+degraded \(503\)$/m);
    assert.match(stdout, /^iap\s+KEYIAP0001 ok\s+\(no key\) (invalid|unavailable)$/m);
    assert.match(stderr, new RegExp(`^asc-token: ${new URL(broken).host} \\(${broken}\\) is degraded: key iap (invalid|unavailable)`, 'm'));
    assert.doesNotMatch(stderr, new RegExp(new URL(primary).host), 'the healthy region is not blamed');
  });

  it('a region that does not answer: exit 5, named; the others still shown', async () => {
    const { code, stdout, stderr } = await health(['--url', `${down},${primary}`, '--output', 'json']);
    assert.equal(code, 5);
    const json = JSON.parse(stdout);
    assert.equal(json.status, 'degraded');
    assert.deepEqual(json.regions.map((r: any) => r.status), ['unreachable', 'ok']);
    assert.match(stderr, new RegExp(`^asc-token: [^ ]+ \\(${down}\\) is unreachable: cannot reach`, 'm'));
  });

  it('a refusal: exit 3, with the service\'s code and request ID', async () => {
    const { code, stdout, stderr } = await health(['--url', `${primary},${refusing}`]);
    assert.equal(code, 3, stderr);
    assert.match(stdout, /^region\s+ok \(200\)\s+refused \(403\)$/m);
    assert.match(stderr, /is refused: HTTP 403 forbidden: .*\(request [^)]+\)/);
    assert.match(stderr, /^hint: a refusal/m);
  });

  it('usage: --help, a bad --output, no URL', async () => {
    assert.match((await health(['--help'])).stdout, /^usage: asc-token health \[--url URL\[,URL…\]\] \[--output text\|json\]/);
    assert.equal((await health(['--url', primary, '--output', 'yaml'])).code, 2);
    const none = await health([]);
    assert.equal(none.code, 2);
    assert.match(none.stderr, /no service URL: pass --url or set ASC_TOKEN_URL/);
  });

  it('labels a column by the region an execute-api host names, else by the host', () => {
    assert.equal(regionLabel('https://abc123.execute-api.eu-central-1.amazonaws.com/prod'), 'eu-central-1');
    assert.equal(regionLabel('https://tokens.example.com/prod'), 'tokens.example.com');
  });

  it('a hostile region\'s degraded answer: one printable, bounded line on stderr (no workflow command, no escape)', async () => {
    const { createServer } = await import('node:http');
    const hostile = createServer((req, res) => {
      req.resume();
      const error = `##[stop-commands]x\n::add-mask::y \u001b]8;;https://evil.example/\u0007 ${'A'.repeat(200_000)}`;
      res.writeHead(503, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ status: 'degraded', keySource: 'policy', keys: [{ name: 'main', source: 'secretsmanager', keyId: null, status: 'invalid', age: null, error }] }));
    });
    await new Promise<void>((ready) => hostile.listen(0, '127.0.0.1', ready));
    try {
      const url = `http://127.0.0.1:${(hostile.address() as { port: number }).port}`;
      const { code, stderr } = await health(['--url', `${primary},${url}`]);
      assert.equal(code, 5);
      const line = stderr.split('\n').find((l) => l.includes('127.0.0.1') && l.includes('degraded')) ?? '';
      assert.ok(line.length > 0 && line.length < 800, `one bounded line: ${line.length} characters`);
      assert.doesNotMatch(stderr, /##\[|^::|\u001b/m, 'nothing a runner or a terminal would act on');
    } finally {
      hostile.close();
    }
  });
});
