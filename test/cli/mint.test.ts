import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, describe, it } from 'node:test';
import { main } from '../../src/cli/main.ts';
import { assertNoMaterial, generateP256, verifyEs256 } from '../helpers/keys.ts';
import { trackOutput } from '../helpers/leaks.ts';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const dir = mkdtempSync(join(tmpdir(), 'asc-cli-'));
after(() => rmSync(dir, { recursive: true, force: true }));
const key = generateP256();
writeFileSync(join(dir, 'AuthKey_ABCDE12345.p8'), key.pem);
writeFileSync(join(dir, 'key.p8'), key.pem);
writeFileSync(join(dir, 'AuthKey_BADBAD1234.p8'), 'not a key');
const ISSUER = '69a6de70-03db-47e3-e053-5b8c7c11a4d1';
const NOW = Date.UTC(2026, 10, 22, 12, 0, 0);

async function cli(argv: string[], env: Record<string, string> = {}) {
  let stdout = '';
  let stderr = '';
  const code = await main(argv, { stdout: (t) => (stdout += t), stderr: (t) => (stderr += t), env, cwd: dir, now: () => NOW });
  trackOutput(stderr);
  return { code, stdout, stderr };
}

describe('asc-token mint', () => {
  it('mints a team token, key ID from AuthKey_KEYID.p8', async () => {
    const result = await cli(['mint', '--p8', 'AuthKey_ABCDE12345.p8', '--issuer-id', ISSUER, '--scope', 'GET /v1/apps', '--ttl', '900']);
    assert.equal(result.code, 0, result.stderr);
    const { header, payload } = verifyEs256(result.stdout.trim(), key.publicKey);
    assert.deepEqual(header, { alg: 'ES256', kid: 'ABCDE12345', typ: 'JWT' });
    assert.deepEqual(payload, { iss: ISSUER, iat: NOW / 1000 - 30, exp: NOW / 1000 + 870, aud: 'appstoreconnect-v1', scope: ['GET /v1/apps'] });
  });

  it('mints individual, enterprise and App Store Server tokens', async () => {
    const individual = await cli(['mint', '--p8', 'key.p8', '--key-id', 'ZZZZZ99999', '--individual']);
    assert.deepEqual(verifyEs256(individual.stdout.trim(), key.publicKey).payload, { sub: 'user', iat: NOW / 1000 - 30, exp: NOW / 1000 + 570, aud: 'appstoreconnect-v1' });
    const enterprise = await cli(['mint', '--p8', 'AuthKey_ABCDE12345.p8', '--issuer-id', ISSUER, '--api', 'enterprise', '--output', 'json']);
    assert.equal(JSON.parse(enterprise.stdout).audience, 'apple-developer-enterprise-v1');
    const server = await cli(['mint', '--p8', 'AuthKey_ABCDE12345.p8', '--issuer-id', ISSUER, '--api', 'app-store-server', '--bundle-id', 'com.example.app', '--ttl', '3600']);
    assert.equal(server.code, 0, server.stderr);
    const { payload } = verifyEs256(server.stdout.trim(), key.publicKey);
    assert.equal(payload.bid, 'com.example.app');
    assert.equal((payload.exp as number) - (payload.iat as number), 3600);
  });

  it('mints Apple\'s other kinds offline from a developer key (--team-id), with their fields as flags', async () => {
    const dev = ['mint', '--p8', 'AuthKey_ABCDE12345.p8', '--team-id', 'A1B2C3D4E5'];
    const apns = await cli([...dev, '--api', 'apns', '--output', 'json']);
    assert.equal(apns.code, 0, apns.stderr);
    const answer = JSON.parse(apns.stdout);
    assert.deepEqual(verifyEs256(answer.token, key.publicKey), { header: { alg: 'ES256', kid: 'ABCDE12345' }, payload: { iss: 'A1B2C3D4E5', iat: Date.UTC(2026, 10, 22, 11, 20, 0) / 1000 } });
    assert.equal(answer.audience, null);
    const siwa = await cli([...dev, '--api', 'sign-in-with-apple', '--client-id', 'com.example.web']);
    assert.equal(siwa.code, 0, siwa.stderr);
    assert.deepEqual(verifyEs256(siwa.stdout.trim(), key.publicKey).payload, { iss: 'A1B2C3D4E5', iat: NOW / 1000 - 30, exp: NOW / 1000 - 30 + 3600, aud: 'https://appleid.apple.com', sub: 'com.example.web' });
    const weather = await cli([...dev, '--api', 'weatherkit', '--service-id', 'com.example.weatherkit-client']);
    assert.equal(verifyEs256(weather.stdout.trim(), key.publicKey).header.id, 'A1B2C3D4E5.com.example.weatherkit-client');
    for (const [argv, message] of [
      [[...dev, '--api', 'sign-in-with-apple'], /--client-id is required for sign-in-with-apple tokens/],
      [[...dev, '--api', 'apns', '--client-id', 'com.example.web'], /--client-id is only for sign-in-with-apple tokens/],
      [[...dev, '--api', 'weatherkit', '--service-id', 'nodot'], /--service-id must be the WeatherKit Services ID/],
    ] as const) {
      const result = await cli([...argv]);
      assert.equal(result.code, 2, result.stderr);
      assert.match(result.stderr, message);
    }
    const wrongKey = await cli(['mint', '--p8', 'AuthKey_ABCDE12345.p8', '--issuer-id', ISSUER, '--api', 'apns']);
    assert.equal(wrongKey.code, 1);
    assert.match(wrongKey.stderr, /key_invalid: Key "AuthKey_ABCDE12345\.p8" has no teamId; apns tokens need a developer key/);
  });

  it('writes env and github outputs; github masks the token and puts it only in $GITHUB_ENV', async () => {
    const env = await cli(['mint', '--p8', 'AuthKey_ABCDE12345.p8', '--issuer-id', ISSUER, '--output', 'env']);
    assert.match(env.stdout, /^ASC_TOKEN=eyJ[\w-]+\.[\w-]+\.[\w-]+\nASC_TOKEN_EXPIRES_AT=2026-11-22T12:09:30Z\n$/);
    const githubEnv = join(dir, 'github_env');
    writeFileSync(githubEnv, '');
    const gh = await cli(['mint', '--p8', 'AuthKey_ABCDE12345.p8', '--issuer-id', ISSUER, '--output', 'github'], { GITHUB_ENV: githubEnv });
    assert.equal(gh.code, 0, gh.stderr);
    const token = /^ASC_TOKEN=(.+)$/m.exec(readFileSync(githubEnv, 'utf8'))?.[1] ?? '';
    verifyEs256(token, key.publicKey);
    const lines = gh.stdout.split('\n');
    assert.equal(lines[0], `::add-mask::${token}`);
    assert.ok(!lines.slice(1).join('\n').includes(token));
    const noEnv = await cli(['mint', '--p8', 'AuthKey_ABCDE12345.p8', '--issuer-id', ISSUER, '--output', 'github']);
    assert.equal(noEnv.code, 2);
  });

  const refusals: Array<[string, string[], number, RegExp]> = [
    ['no --p8', ['mint'], 2, /--p8 FILE is required/],
    ['key ID not inferable', ['mint', '--p8', 'key.p8', '--issuer-id', ISSUER], 2, /--key-id is required/],
    ['no issuer and not individual', ['mint', '--p8', 'AuthKey_ABCDE12345.p8'], 2, /say who the key is to Apple: --issuer-id ID for an App Store Connect team key/],
    ['both issuer and individual', ['mint', '--p8', 'AuthKey_ABCDE12345.p8', '--issuer-id', ISSUER, '--individual'], 2, /exclude each other/],
    ['malformed issuer', ['mint', '--p8', 'AuthKey_ABCDE12345.p8', '--issuer-id', 'abc'], 2, /not an issuer ID/],
    ['unknown api', ['mint', '--p8', 'AuthKey_ABCDE12345.p8', '--issuer-id', ISSUER, '--api', 'x'], 2, /--api must be/],
    ['server API without bundle', ['mint', '--p8', 'AuthKey_ABCDE12345.p8', '--issuer-id', ISSUER, '--api', 'app-store-server'], 2, /--bundle-id is required/],
    ['unknown option', ['mint', '--p8', 'AuthKey_ABCDE12345.p8', '--issuer-id', ISSUER, '--color'], 2, /^asc-token: unknown flag --color\nusage: asc-token mint[^]*\nrun `asc-token mint --help`/],
    ['non-numeric ttl', ['mint', '--p8', 'AuthKey_ABCDE12345.p8', '--issuer-id', ISSUER, '--ttl', '10m'], 2, /--ttl must be/],
    ['ttl over Apple\'s limit', ['mint', '--p8', 'AuthKey_ABCDE12345.p8', '--issuer-id', ISSUER, '--ttl', '1201'], 4, /ttl_out_of_range/],
    ['invalid scope', ['mint', '--p8', 'AuthKey_ABCDE12345.p8', '--issuer-id', ISSUER, '--scope', 'apps'], 4, /invalid_scope/],
    ['individual key for enterprise', ['mint', '--p8', 'key.p8', '--key-id', 'ZZZZZ99999', '--individual', '--api', 'enterprise'], 1, /key_invalid/],
    ['missing file', ['mint', '--p8', 'AuthKey_NOFILE1234.p8', '--issuer-id', ISSUER], 1, /no such file/],
    ['not a key', ['mint', '--p8', 'AuthKey_BADBAD1234.p8', '--issuer-id', ISSUER], 1, /key_invalid: .*not a PKCS#8 private key/],
    ['unknown command', ['frobnicate'], 2, /unknown command/],
  ];
  for (const [name, argv, code, message] of refusals) {
    it(`refuses: ${name} (exit ${code})`, async () => {
      const result = await cli(argv);
      assert.equal(result.code, code, result.stderr);
      assert.match(result.stderr, message);
      assert.equal(result.stdout, '');
      assertNoMaterial(result.stderr, key);
    });
  }
});

describe('asc-token policy check', () => {
  it('accepts the shipped policy', async () => {
    const result = await cli(['policy', 'check', join(root, 'infra/policy.yaml')]);
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stdout, /ok — 2 keys, 6 profiles\n {2}key main: Secrets Manager secret asc\/main\n {2}key iap: Secrets Manager secret asc\/in-app-purchase\n/);
  });
  it('names each key\'s source: a secret or a KMS key', async () => {
    writeFileSync(
      join(dir, 'kms.yaml'),
      'version: 1\nkeys:\n  main: { secretId: asc/main }\n  signer: { kmsKeyId: alias/asc/signer, keyId: ABCDE12345, individual: true }\n  team: { kmsKeyId: 1234abcd-12ab-34cd-56ef-1234567890ab, keyId: ZZZZZ99999, issuerId: 57246542-96fe-1a63-e053-0824d011072a }\nprofiles: { a: { key: signer, scope: any, callers: [account:111122223333] } }\n',
    );
    const result = await cli(['policy', 'check', 'kms.yaml']);
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stdout, /ok — 3 keys, 1 profile\n/);
    assert.match(result.stdout, /\n {2}key main: Secrets Manager secret asc\/main\n/);
    assert.match(result.stdout, /\n {2}key signer: KMS key alias\/asc\/signer — key ABCDE12345, individual key \(the KMS key's AscTokenVending tags win when set\); signs app-store-connect, enterprise, app-store-server\n/);
    assert.match(result.stdout, /\n {2}key team: KMS key 1234abcd-12ab-34cd-56ef-1234567890ab — key ZZZZZ99999, issuer 57246542-96fe-1a63-e053-0824d011072a /);
    assert.match(result.stdout, /\n {2}a: app-store-connect, key signer, scope any/);
  });
  it('--json prints the validated policy as JSON, for a Lambda POLICY_FILE', async () => {
    const result = await cli(['policy', 'check', join(root, 'infra/policy.yaml'), '--json']);
    assert.equal(result.code, 0, result.stderr);
    const document = JSON.parse(result.stdout);
    assert.equal(document.version, 1);
    assert.deepEqual(Object.keys(document.profiles), ['testflight-readonly', 'testflight-upload', 'notarize', 'release', 'xcode-cloud-dashboard', 'storekit-server']);
  });
  it('lists every problem and exits non-zero', async () => {
    writeFileSync(join(dir, 'bad.yaml'), 'version: 1\nkeys: {}\nprofiles: { a: { key: x } }\n');
    const result = await cli(['policy', 'check', 'bad.yaml']);
    assert.equal(result.code, 1);
    assert.match(result.stderr, /has 4 problems:\n {2}- keys: .*\n {2}- profiles.a.key: .*\n {2}- profiles.a.scope: .*\n {2}- profiles.a.callers: /);
  });
});
