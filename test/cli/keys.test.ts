/**
 * The rotation runbook with the CLI: import → show → verify → promote, against Secrets Manager and App Store
 * Connect fakes on loopback (the real SDK client and fetch on the wire), through main(). The built CLI with the SDK's
 * own configuration: test/cli/keys.dist.test.ts.
 */
import assert from 'node:assert/strict';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, beforeEach, describe, it } from 'node:test';
import { once } from 'node:events';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { main } from '../../src/cli/main.ts';
import { parseSecret } from '../../src/core/secret.ts';
import { FakeSecretsManager } from '../helpers/fake-secrets-manager.ts';
import { startFlood } from '../helpers/flood-server.ts';
import { startFakeApple } from '../helpers/fake-apple.ts';
import { assertNoMaterial, generateP256, secretJson } from '../helpers/keys.ts';
import { trackOutput } from '../helpers/leaks.ts';

const ISSUER = '69a6de70-03db-47e3-e053-5b8c7c11a4d1';
const oldKey = generateP256();
const newKey = generateP256();
const dir = mkdtempSync(join(tmpdir(), 'asc-keys-'));
writeFileSync(join(dir, 'AuthKey_NEWKEY0001.p8'), newKey.pem.replace(/\n/g, '\r\n'));
writeFileSync(join(dir, 'AuthKey_BROKEN0001.p8'), 'nope');

let sm: FakeSecretsManager;
let apple: Awaited<ReturnType<typeof startFakeApple>>;
let client: SecretsManagerClient;
before(async () => {
  sm = await new FakeSecretsManager().start();
  apple = await startFakeApple(new Map([['OLDKEY0001', oldKey.publicKey], ['NEWKEY0001', newKey.publicKey]]));
  client = new SecretsManagerClient({ endpoint: sm.endpoint, region: 'us-east-1', credentials: { accessKeyId: 'AKIDOPS', secretAccessKey: 'x' }, maxAttempts: 1 });
});
after(async () => {
  await sm.stop();
  apple.stop();
  rmSync(dir, { recursive: true, force: true });
});
beforeEach(() => {
  sm.secrets.clear();
  sm.persistentFault = undefined;
  sm.create('asc/main', secretJson(oldKey, { keyId: 'OLDKEY0001', issuerId: ISSUER }));
});

async function cli(...argv: string[]) {
  let stdout = '';
  let stderr = '';
  const code = await main(argv, { stdout: (t) => (stdout += t), stderr: (t) => (stderr += t), env: {}, cwd: dir, now: Date.now }, { secretsManager: client });
  for (const key of [oldKey, newKey]) assertNoMaterial(stdout + stderr, key);
  trackOutput(stdout + stderr);
  return { code, stdout, stderr };
}

const current = () => [...(sm.secrets.get('asc/main')?.versions.values() ?? [])].find((v) => v.stages.has('AWSCURRENT'));

describe('keys: the rotation runbook', () => {
  it('import → verify → promote moves AWSCURRENT to the new key without printing material', async () => {
    const imported = await cli('keys', 'import', '--secret-id', 'asc/main', '--p8', 'AuthKey_NEWKEY0001.p8', '--issuer-id', ISSUER);
    assert.equal(imported.code, 0, imported.stderr);
    assert.match(imported.stdout, /imported key NEWKEY0001 \(team key, issuer 69a6de70-.*\) into asc\/main as version [0-9a-f-]+ \(AWSPENDING\)\nnext: asc-token keys verify --secret-id asc\/main --stage pending\n/);
    assert.equal(parseSecret('x', current()?.secretString).keyId, 'OLDKEY0001', 'import does not change the current key');

    const shown = await cli('keys', 'show', '--secret-id', 'asc/main');
    assert.equal(shown.code, 0, shown.stderr);
    assert.match(shown.stdout, /AWSCURRENT +key OLDKEY0001 +team key/);
    assert.match(shown.stdout, /AWSPENDING +key NEWKEY0001 +team key/);

    const verified = await cli('keys', 'verify', '--secret-id', 'asc/main', '--stage', 'pending', '--apple-url', apple.url);
    assert.equal(verified.code, 0, verified.stderr);
    assert.match(verified.stdout, /ok: App Store Connect accepted key NEWKEY0001 \(AWSPENDING/);
    const call = apple.requests.at(-1);
    assert.equal(call?.path, '/v1/apps?limit=1');
    assert.deepEqual(call?.claims?.scope, ['GET /v1/apps']);

    const promoted = await cli('keys', 'promote', '--secret-id', 'asc/main');
    assert.equal(promoted.code, 0, promoted.stderr);
    assert.match(promoted.stdout, /promoted: AWSCURRENT is now key NEWKEY0001/);
    assert.match(promoted.stdout, /previous: key OLDKEY0001 .* is AWSPREVIOUS/);
    assert.match(promoted.stdout, /revoke the old key .*: key OLDKEY0001/);
    assert.equal(parseSecret('x', current()?.secretString).keyId, 'NEWKEY0001');
    const after = await cli('keys', 'show', '--secret-id', 'asc/main');
    assert.match(after.stdout, /AWSCURRENT +key NEWKEY0001/);
    assert.match(after.stdout, /AWSPREVIOUS +key OLDKEY0001/);
    assert.doesNotMatch(after.stdout, /AWSPENDING/);
  });

  it('import --promote makes the key current at once, stored as clean PKCS#8 PEM', async () => {
    const result = await cli('keys', 'import', '--secret-id', 'asc/main', '--p8', 'AuthKey_NEWKEY0001.p8', '--issuer-id', ISSUER, '--promote');
    assert.equal(result.code, 0, result.stderr);
    const stored = JSON.parse(current()?.secretString ?? '{}');
    assert.deepEqual(Object.keys(stored), ['keyId', 'issuerId', 'privateKey']);
    assert.match(stored.privateKey, /^-----BEGIN PRIVATE KEY-----\n[A-Za-z0-9+/=\n]+-----END PRIVATE KEY-----\n$/);
  });

  it('verify --stage current works, and reports Apple\'s refusal of an unknown key', async () => {
    assert.equal((await cli('keys', 'verify', '--secret-id', 'asc/main', '--stage', 'current', '--apple-url', apple.url)).code, 0);
    const stranger = generateP256();
    sm.put('asc/main', secretJson(stranger, { keyId: 'UNKNOWN001', issuerId: ISSUER }), ['AWSPENDING']);
    const refused = await cli('keys', 'verify', '--secret-id', 'asc/main', '--apple-url', apple.url);
    assert.equal(refused.code, 3);
    assert.match(refused.stderr, /apple_refused: App Store Connect refused key UNKNOWN001 .*NOT_AUTHORIZED: Authentication credentials are missing or invalid\. — Provide a properly/);
    assert.match(refused.stderr, /hint: check that the key ID and issuer ID match/);
  });
});

describe('keys: refusals', () => {
  const cases: Array<[string, () => void, string[], number, RegExp]> = [
    ['no --secret-id', () => {}, ['keys', 'show'], 2, /--secret-id ID is required/],
    ['unknown subcommand', () => {}, ['keys', 'rotate'], 2, /unknown subcommand "keys rotate"/],
    ['a file that is not a key', () => {}, ['keys', 'import', '--secret-id', 'asc/main', '--p8', 'AuthKey_BROKEN0001.p8', '--individual'], 1, /key_invalid: .*not a usable key/],
    ['a secret that does not exist', () => {}, ['keys', 'show', '--secret-id', 'asc/other'], 1, /secret_not_found: .*\nhint: create the secret first/],
    ['access denied', () => (sm.persistentFault = { kind: 'accessDenied' }), ['keys', 'show', '--secret-id', 'asc/main'], 3, /access_denied: .*\nhint: use the ops role/],
    ['Secrets Manager down', () => (sm.persistentFault = { kind: 'error5xx' }), ['keys', 'show', '--secret-id', 'asc/main'], 5, /unavailable: Secrets Manager/],
    ['promote without a pending version', () => {}, ['keys', 'promote', '--secret-id', 'asc/main'], 1, /no_pending_version/],
    ['promote an unusable pending version', () => sm.put('asc/main', '{"keyId":"X"}', ['AWSPENDING']), ['keys', 'promote', '--secret-id', 'asc/main'], 1, /key_invalid: the AWSPENDING version .* is not usable/],
    ['verify without a pending version', () => {}, ['keys', 'verify', '--secret-id', 'asc/main'], 1, /no_pending_version/],
    ['verify a bad stage', () => {}, ['keys', 'verify', '--secret-id', 'asc/main', '--stage', 'previous'], 2, /--stage must be pending or current/],
  ];
  for (const [name, arrange, argv, code, message] of cases) {
    it(`${name} → exit ${code}`, async () => {
      arrange();
      const result = await cli(...argv);
      assert.equal(result.code, code, result.stderr);
      assert.match(result.stderr, message);
    });
  }

  it('key material never travels over clear text: an http: Secrets Manager endpoint off loopback is refused before any request', async () => {
    const offMachine = new SecretsManagerClient({ endpoint: 'http://10.255.255.1:4566', region: 'us-east-1', credentials: { accessKeyId: 'AKIDOPS', secretAccessKey: 'x' }, maxAttempts: 1 });
    for (const argv of [['keys', 'import', '--secret-id', 'asc/main', '--p8', 'AuthKey_NEWKEY0001.p8', '--issuer-id', ISSUER], ['keys', 'show', '--secret-id', 'asc/main']]) {
      let stderr = '';
      const code = await main(argv, { stdout: () => {}, stderr: (t) => (stderr += t), env: {}, cwd: dir, now: Date.now }, { secretsManager: offMachine });
      trackOutput(stderr);
      assert.equal(code, 2, stderr);
      assert.match(stderr, /insecure_endpoint: Secrets Manager is configured at http:\/\/10\.255\.255\.1: key material travels only over https/);
    }
  });

  it('verify sends the token only over https (or loopback) and never follows a redirect', async () => {
    sm.create('asc/other', secretJson(newKey, { keyId: 'NEWKEY0001', issuerId: ISSUER }));
    const insecure = await cli('keys', 'verify', '--secret-id', 'asc/other', '--stage', 'current', '--apple-url', 'http://api.example.com');
    assert.equal(insecure.code, 2, insecure.stderr);
    assert.match(insecure.stderr, /--apple-url must be an https: URL/);
    const redirecting = createServer((_req, res) => {
      res.writeHead(302, { location: apple.url });
      res.end();
    });
    redirecting.listen(0, '127.0.0.1');
    await once(redirecting, 'listening');
    try {
      const before = apple.requests.length;
      const redirected = await cli('keys', 'verify', '--secret-id', 'asc/other', '--stage', 'current', '--apple-url', `http://127.0.0.1:${(redirecting.address() as AddressInfo).port}`);
      assert.notEqual(redirected.code, 0);
      assert.equal(apple.requests.length, before, 'the token followed the redirect');
    } finally {
      redirecting.close();
    }
  });

  it('promote refuses an unusable pending version without changing anything', async () => {
    sm.put('asc/main', '{"keyId":"X"}', ['AWSPENDING']);
    await cli('keys', 'promote', '--secret-id', 'asc/main');
    assert.equal(parseSecret('x', current()?.secretString).keyId, 'OLDKEY0001');
  });

  it('verify reads Apple\'s refusal with a cap: an endless 401 body is cut at 1 MiB (issue #20, finding 3)', async () => {
    const flood = await startFlood({ status: 401 });
    try {
      const closed = flood.nextClose();
      const result = await cli('keys', 'verify', '--secret-id', 'asc/main', '--stage', 'current', '--apple-url', flood.url);
      assert.equal(result.code, 3, result.stderr);
      assert.match(result.stderr, /apple_refused: App Store Connect refused key OLDKEY0001 \(AWSCURRENT, version [0-9a-f-]+\): HTTP 401/);
      assert.ok((await closed) < 16 * 1024 * 1024, `the server wrote ${flood.closedAfter[0]} bytes`);
    } finally {
      flood.stop();
    }
  });
});

describe('keys: developer keys (APNs, Sign in with Apple, …)', () => {
  const pushKey = generateP256();
  before(() => writeFileSync(join(dir, 'AuthKey_PUSHKEY123.p8'), pushKey.pem));

  it('import --team-id stores {keyId, teamId, privateKey}; show names the team; verify proves the key locally, calling no Apple API', async () => {
    sm.create('apple/push', secretJson(pushKey, { keyId: 'PUSHKEY123', teamId: 'A1B2C3D4E5' }));
    const imported = await cli('keys', 'import', '--secret-id', 'apple/push', '--p8', 'AuthKey_PUSHKEY123.p8', '--team-id', 'A1B2C3D4E5');
    assert.equal(imported.code, 0, imported.stderr);
    assert.match(imported.stdout, /imported key PUSHKEY123 \(developer key, team A1B2C3D4E5\) into apple\/push/);
    const pending = [...(sm.secrets.get('apple/push')?.versions.values() ?? [])].find((v) => v.stages.has('AWSPENDING'));
    const stored = JSON.parse(pending?.secretString ?? '{}');
    assert.deepEqual(Object.keys(stored).sort(), ['keyId', 'privateKey', 'teamId']);
    assert.equal(stored.teamId, 'A1B2C3D4E5');
    assert.match((await cli('keys', 'show', '--secret-id', 'apple/push')).stdout, /AWSPENDING +key PUSHKEY123 +developer key, team A1B2C3D4E5/);
    const before = apple.requests.length;
    const verified = await cli('keys', 'verify', '--secret-id', 'apple/push', '--stage', 'pending');
    assert.equal(verified.code, 0, verified.stderr);
    assert.match(verified.stdout, /^ok: key PUSHKEY123 \(AWSPENDING, version [0-9a-f-]+\) signed a test token \(iss A1B2C3D4E5, kid PUSHKEY123\) that verifies with its public key, SHA-256 ([0-9a-f]{2}:){31}[0-9a-f]{2}\n/);
    assert.equal(apple.requests.length, before, 'no Apple call: none accepts a test token for every service');
  });

  it('--team-id excludes --issuer-id and --individual, and must be a Team ID', async () => {
    for (const [extra, message] of [
      [['--team-id', 'A1B2C3D4E5', '--issuer-id', ISSUER], /--issuer-id, --individual and --team-id exclude each other/],
      [['--team-id', 'A1B2C3D4E5', '--individual'], /exclude each other/],
      [['--team-id', 'a1b2c3d4e5'], /--team-id "a1b2c3d4e5" is not a Team ID/],
    ] as const) {
      const result = await cli('keys', 'import', '--secret-id', 'apple/push', '--p8', 'AuthKey_PUSHKEY123.p8', ...extra);
      assert.equal(result.code, 2, result.stderr);
      assert.match(result.stderr, message);
    }
  });
});

describe('keys: what a newcomer trips over (#24)', () => {
  it('verify --stage pending on a secret that does not exist says the secret is missing, not its pending version', async () => {
    const result = await cli('keys', 'verify', '--secret-id', 'asc/nope', '--stage', 'pending');
    assert.equal(result.code, 1, result.stderr);
    assert.match(result.stderr, /^asc-token: secret_not_found: Secrets Manager: /m, JSON.stringify(result.stderr));
    assert.doesNotMatch(result.stderr, /no AWSPENDING version/);
  });

  it('promote over a current version that is not a usable key names it, rather than "key ?"', async () => {
    sm.create('asc/broken', 'not json');
    assert.equal((await cli('keys', 'import', '--secret-id', 'asc/broken', '--p8', 'AuthKey_NEWKEY0001.p8', '--issuer-id', ISSUER)).code, 0);
    const promoted = await cli('keys', 'promote', '--secret-id', 'asc/broken');
    assert.equal(promoted.code, 0, promoted.stderr);
    assert.match(promoted.stdout, /^promoted: AWSCURRENT is now key NEWKEY0001 \(version [0-9a-f-]+\)\nprevious: a version that is not a usable key \(the secret value is not JSON; .*\) \(version [0-9a-f-]+\) is AWSPREVIOUS\n/);
    assert.doesNotMatch(promoted.stdout, /key \?/);
  });
});
