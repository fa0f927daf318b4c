/**
 * `asc-token keys … --kms-key-id`: import → show → verify against a KMS endpoint and App Store Connect on loopback
 * (the real SDK client and fetch on the wire), through main(). The `.p8` crosses the wire only wrapped; no output
 * shows material. The built CLI with the SDK's own configuration: test/cli/kms.dist.test.ts.
 */
import assert from 'node:assert/strict';
import { createHash, createPublicKey } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, beforeEach, describe, it } from 'node:test';
import { KMSClient } from '@aws-sdk/client-kms';
import { main } from '../../src/cli/main.ts';
import { TAGS } from '../../src/key-sources/kms-fetcher.ts';
import { FakeKms, type FakeKey } from '../helpers/fake-kms.ts';
import { startFakeApple } from '../helpers/fake-apple.ts';
import { assertNoMaterial, generateP256 } from '../helpers/keys.ts';
import { trackOutput } from '../helpers/leaks.ts';

const ISSUER = '69a6de70-03db-47e3-e053-5b8c7c11a4d1';
const newKey = generateP256();
const otherKey = generateP256();
const dir = mkdtempSync(join(tmpdir(), 'asc-kms-cli-'));
writeFileSync(join(dir, 'AuthKey_NEWKEY0001.p8'), newKey.pem);
writeFileSync(join(dir, 'AuthKey_OTHER00001.p8'), otherKey.pem);
writeFileSync(join(dir, 'AuthKey_BROKEN0001.p8'), 'nope');
const spkiSha256 = (key: typeof newKey) => createHash('sha256').update(createPublicKey(key.privateKey).export({ format: 'der', type: 'spki' })).digest('hex').match(/../g)!.join(':');

let kms: FakeKms;
let apple: Awaited<ReturnType<typeof startFakeApple>>;
let client: KMSClient;
let target: FakeKey;
before(async () => {
  kms = await new FakeKms().start();
  apple = await startFakeApple(new Map([['NEWKEY0001', newKey.publicKey], ['INDIVID001', newKey.publicKey]]));
  client = new KMSClient({ endpoint: kms.endpoint, region: 'us-east-1', credentials: { accessKeyId: 'AKIDOPS', secretAccessKey: 'x' }, maxAttempts: 1 });
});
after(async () => {
  await kms.stop();
  apple.stop();
  rmSync(dir, { recursive: true, force: true });
});
beforeEach(() => {
  kms.keys.clear();
  kms.aliases.clear();
  kms.calls.length = 0;
  kms.faults.length = 0;
  kms.persistentFault = undefined;
  target = kms.createKey({ alias: 'alias/asc/next' });
});

async function cli(...argv: string[]) {
  let stdout = '';
  let stderr = '';
  const code = await main(argv, { stdout: (t) => (stdout += t), stderr: (t) => (stderr += t), env: {}, cwd: dir, now: Date.now }, { kms: client });
  for (const key of [newKey, otherKey]) assertNoMaterial(stdout + stderr, key);
  trackOutput(stdout + stderr);
  return { code, stdout, stderr };
}

describe('keys --kms-key-id: import, show, verify', () => {
  it('import wraps the .p8 for KMS, states the expiration, tags the identity and proves the import by a signature', async () => {
    const shown = await cli('keys', 'show', '--kms-key-id', 'alias/asc/next');
    assert.equal(shown.code, 0, shown.stderr);
    assert.match(shown.stdout, /^KMS key arn:aws:kms:us-east-1:111122223333:key\/\S+ {2}\(alias\/asc\/next\)\n {2}state {8}PendingImport\n {2}key spec {5}ECC_NIST_P256 for SIGN_VERIFY, origin EXTERNAL\n {2}material {5}none yet: asc-token keys import --kms-key-id alias\/asc\/next/);

    const imported = await cli('keys', 'import', '--kms-key-id', 'alias/asc/next', '--p8', 'AuthKey_NEWKEY0001.p8', '--issuer-id', ISSUER);
    assert.equal(imported.code, 0, imported.stderr);
    assert.equal(
      imported.stdout,
      `imported key NEWKEY0001 (team key, issuer ${ISSUER}) into KMS key ${target.arn} (alias/asc/next); the material does not expire\n` +
        `tagged ${TAGS.keyId}=NEWKEY0001, ${TAGS.issuerId}=${ISSUER}: the service signs as this key ID\n` +
        `proved: KMS signed a test token (key NEWKEY0001) that verifies with the .p8's public key, SHA-256 ${spkiSha256(newKey)}\n` +
        'keep the .p8 offline, not on this machine: KMS never exports the key, and importing it again (a new KMS key, a restore) needs the file\n' +
        'next: asc-token keys verify --kms-key-id alias/asc/next   (App Store Connect accepts it?)\n',
    );
    assert.equal(target.state, 'Enabled');
    assert.equal(target.expirationModel, 'KEY_MATERIAL_DOES_NOT_EXPIRE');
    assert.deepEqual(Object.fromEntries(target.tags), { [TAGS.keyId]: 'NEWKEY0001', [TAGS.issuerId]: ISSUER });
    assert.ok(createPublicKey(target.material!).export({ format: 'der', type: 'spki' }).equals(newKey.publicKey.export({ format: 'der', type: 'spki' })), 'KMS holds the .p8\'s key');
    const parameters = kms.calls.find((c) => c.target === 'GetParametersForImport')?.body;
    assert.deepEqual([parameters?.KeyId, parameters?.WrappingAlgorithm, parameters?.WrappingKeySpec], [target.arn, 'RSAES_OAEP_SHA_256', 'RSA_3072']);
    const importCall = kms.calls.find((c) => c.target === 'ImportKeyMaterial')?.body;
    assert.equal(importCall?.ExpirationModel, 'KEY_MATERIAL_DOES_NOT_EXPIRE');
    assert.equal(importCall?.ValidTo, undefined);
    assert.equal(kms.count('Sign'), 1, 'the proof');
    // The key crossed the wire only wrapped: no request carries any piece of it.
    const wire = kms.calls.map((c) => c.raw).join('\n');
    assertNoMaterial(wire, newKey);
    assert.ok(!wire.includes(newKey.privateKey.export({ format: 'der', type: 'pkcs8' }).toString('base64').slice(-40)));
    trackOutput(wire);

    const after = await cli('keys', 'show', '--kms-key-id', 'alias/asc/next');
    assert.match(after.stdout, / {2}state {8}Enabled\n/);
    assert.match(after.stdout, / {2}material {5}imported, does not expire\n/);
    assert.match(after.stdout, new RegExp(` {2}identity {5}key NEWKEY0001, team key, issuer ${ISSUER} \\(from its tags\\)\\n`));
    assert.match(after.stdout, new RegExp(` {2}public key {3}SHA-256 ${spkiSha256(newKey)} \\(of the SubjectPublicKeyInfo DER\\)\\n`));

    const verified = await cli('keys', 'verify', '--kms-key-id', 'alias/asc/next', '--apple-url', apple.url);
    assert.equal(verified.code, 0, verified.stderr);
    assert.match(verified.stdout, new RegExp(`^ok: KMS key ${target.arn} signed a token for key NEWKEY0001 \\(team key, issuer ${ISSUER}\\) that verifies against its public key\\nok: App Store Connect accepted key NEWKEY0001 \\(KMS key ${target.arn}\\): GET /v1/apps answered 200\\n$`));
    assert.deepEqual(apple.requests.at(-1)?.claims?.scope, ['GET /v1/apps']);
    assert.equal(apple.requests.at(-1)?.claims?.iss, ISSUER);
  });

  it('an individual key is tagged as one; importing again with --valid-to sets an expiry', async () => {
    const first = await cli('keys', 'import', '--kms-key-id', target.id, '--p8', 'AuthKey_NEWKEY0001.p8', '--key-id', 'INDIVID001', '--individual');
    assert.equal(first.code, 0, first.stderr);
    assert.deepEqual(Object.fromEntries(target.tags), { [TAGS.keyId]: 'INDIVID001', [TAGS.individual]: 'true' });
    const validTo = new Date(Date.now() + 30 * 86_400_000).toISOString().slice(0, 10);
    const again = await cli('keys', 'import', '--kms-key-id', target.id, '--p8', 'AuthKey_NEWKEY0001.p8', '--issuer-id', ISSUER, '--valid-to', validTo);
    assert.equal(again.code, 0, again.stderr);
    assert.match(again.stdout, new RegExp(`^re-imported key NEWKEY0001 \\(team key, issuer ${ISSUER}\\) into KMS key ${target.arn} \\(${target.id}\\); KMS deletes the material at ${validTo}T00:00:00.000Z \\(import it again before then\\)\\n`));
    assert.deepEqual(Object.fromEntries(target.tags), { [TAGS.keyId]: 'NEWKEY0001', [TAGS.issuerId]: ISSUER }, 'the individual tag is gone');
    assert.equal(target.expirationModel, 'KEY_MATERIAL_EXPIRES');
    assert.equal(kms.calls.filter((c) => c.target === 'ImportKeyMaterial').at(-1)?.body.ValidTo, Date.parse(validTo) / 1000);
    const verified = await cli('keys', 'verify', '--kms-key-id', target.id, '--apple-url', apple.url);
    assert.equal(verified.code, 0, verified.stderr);
    assert.match((await cli('keys', 'show', '--kms-key-id', target.arn)).stdout, new RegExp(` {2}material {5}expires ${validTo}T00:00:00.000Z`));
  });

  it('a developer key: import --team-id tags its team (and drops the other identity tags); verify proves it locally, with no Apple call', async () => {
    target.tags.set(TAGS.issuerId, ISSUER);
    const imported = await cli('keys', 'import', '--kms-key-id', 'alias/asc/next', '--p8', 'AuthKey_NEWKEY0001.p8', '--team-id', 'A1B2C3D4E5');
    assert.equal(imported.code, 0, imported.stderr);
    assert.match(imported.stdout, /^imported key NEWKEY0001 \(developer key, team A1B2C3D4E5\) into KMS key /);
    assert.doesNotMatch(imported.stdout, /next: asc-token keys verify/, 'no Apple call to suggest');
    assert.deepEqual(Object.fromEntries(target.tags), { [TAGS.keyId]: 'NEWKEY0001', [TAGS.teamId]: 'A1B2C3D4E5' });
    assert.match((await cli('keys', 'show', '--kms-key-id', 'alias/asc/next')).stdout, / {2}identity {5}key NEWKEY0001, developer key, team A1B2C3D4E5 \(from its tags\)\n/);
    const calls = apple.requests.length;
    const verified = await cli('keys', 'verify', '--kms-key-id', 'alias/asc/next');
    assert.equal(verified.code, 0, verified.stderr);
    assert.match(verified.stdout, new RegExp(`^ok: key NEWKEY0001 \\(developer key, team A1B2C3D4E5, KMS key ${target.arn.replace(/[/]/g, '\\/')}\\) signed a test token \\(iss A1B2C3D4E5, kid NEWKEY0001\\) that verifies with its public key, SHA-256 ${spkiSha256(newKey)}\n`));
    assert.equal(apple.requests.length, calls);
  });

  it('a KMS key that already holds another key is refused before anything is sent', async () => {
    kms.importDirectly(target, otherKey.privateKey);
    kms.calls.length = 0;
    const refused = await cli('keys', 'import', '--kms-key-id', 'alias/asc/next', '--p8', 'AuthKey_NEWKEY0001.p8', '--issuer-id', ISSUER);
    assert.equal(refused.code, 1);
    assert.match(refused.stderr, new RegExp(`kms_key_in_use: KMS key ${target.arn} already holds another key \\(public key SHA-256 ${spkiSha256(otherKey)}\\); KMS never replaces key material\\nhint: create a new KMS key`));
    assert.deepEqual(kms.calls.map((c) => c.target), ['DescribeKey', 'GetPublicKey']);
  });

  it('verify a key without tags: the policy\'s identity is given as flags', async () => {
    kms.importDirectly(target, newKey.privateKey);
    const missing = await cli('keys', 'verify', '--kms-key-id', 'alias/asc/next', '--apple-url', apple.url);
    assert.equal(missing.code, 1);
    assert.match(missing.stderr, /key_invalid: Key "alias\/asc\/next" is not usable: KMS key \S+ has no AscTokenVending:KeyId tag and no keyId is configured for it.*\nhint: import it with asc-token keys import --kms-key-id, or give --key-id and --issuer-id \(or --individual, or --team-id\)/);
    const given = await cli('keys', 'verify', '--kms-key-id', 'alias/asc/next', '--key-id', 'NEWKEY0001', '--issuer-id', ISSUER, '--apple-url', apple.url);
    assert.equal(given.code, 0, given.stderr);
  });

  it('verify reports App Store Connect\'s refusal of a key it does not know', async () => {
    kms.importDirectly(target, otherKey.privateKey, { [TAGS.keyId]: 'UNKNOWN001', [TAGS.issuerId]: ISSUER });
    const refused = await cli('keys', 'verify', '--kms-key-id', 'alias/asc/next', '--apple-url', apple.url);
    assert.equal(refused.code, 3);
    assert.match(refused.stderr, /apple_refused: App Store Connect refused key UNKNOWN001 \(KMS key \S+\): NOT_AUTHORIZED/);
  });
});

describe('keys --kms-key-id: refusals', () => {
  const validTo = (days: number) => new Date(Date.now() + days * 86_400_000).toISOString().slice(0, 10);
  const importArgs = ['keys', 'import', '--kms-key-id', 'alias/asc/next', '--p8', 'AuthKey_NEWKEY0001.p8', '--issuer-id', ISSUER];
  const cases: Array<[string, () => void, string[], number, RegExp]> = [
    ['no --kms-key-id value', () => {}, ['keys', 'show', '--kms-key-id', ''], 2, /--kms-key-id ID is required/],
    ['--secret-id with --kms-key-id', () => {}, ['keys', 'show', '--kms-key-id', 'alias/asc/next', '--secret-id', 'asc/main'], 2, /--secret-id and --kms-key-id exclude each other/],
    ['promote a KMS key', () => {}, ['keys', 'promote', '--kms-key-id', 'alias/asc/next'], 2, /a KMS key has no stages to promote: rotate by importing the new \.p8 into a new KMS key and moving the alias/],
    ['an unknown subcommand', () => {}, ['keys', 'rotate', '--kms-key-id', 'alias/asc/next'], 2, /unknown subcommand "keys rotate"/],
    ['--valid-to in the past', () => {}, [...importArgs, '--valid-to', '2020-01-01'], 2, /--valid-to must be in the future/],
    ['--valid-to beyond a year', () => {}, [...importArgs, '--valid-to', validTo(400)], 2, /--valid-to is at most 365 days ahead \(KMS's limit\)/],
    ['--valid-to not a date', () => {}, [...importArgs, '--valid-to', 'next week'], 2, /--valid-to takes a date/],
    ['a .p8 that is not a key', () => {}, ['keys', 'import', '--kms-key-id', 'alias/asc/next', '--p8', 'AuthKey_BROKEN0001.p8', '--individual'], 1, /key_invalid: --p8 "AuthKey_BROKEN0001.p8" is not a usable key/],
    ['a key KMS made itself', () => kms.aliases.set('alias/asc/next', kms.createKey({ origin: 'AWS_KMS' }).id), importArgs, 1, /kms_key_unsuitable: KMS key \S+ has origin AWS_KMS: only a key created without material \(origin EXTERNAL\) can take an imported \.p8\nhint: create a key for it with infra\/kms-key\.yml/],
    ['an RSA key', () => kms.aliases.set('alias/asc/next', kms.createKey({ keySpec: 'RSA_2048' }).id), importArgs, 1, /kms_key_unsuitable: KMS key \S+ is RSA_2048 for SIGN_VERIFY/],
    ['a disabled key', () => (kms.importDirectly(target, newKey.privateKey).state = 'Disabled'), importArgs, 1, /kms_key_state: KMS key \S+ is Disabled\nhint: enable it first/],
    ['a key pending deletion', () => (target.state = 'PendingDeletion'), importArgs, 1, /kms_key_state: KMS key \S+ is PendingDeletion\nhint: cancel its deletion first/],
    ['an alias that names no key', () => kms.aliases.clear(), ['keys', 'show', '--kms-key-id', 'alias/asc/next'], 1, /kms_key_not_found: KMS: Alias \S+ is not found\.\nhint: check --kms-key-id and AWS_REGION/],
    ['access denied', () => (kms.persistentFault = { kind: 'accessDenied' }), importArgs, 3, /access_denied: KMS: User: .* is not authorized to perform: kms:DescribeKey\nhint: use the ops role/],
    ['KMS down', () => (kms.persistentFault = { kind: 'error5xx' }), ['keys', 'show', '--kms-key-id', 'alias/asc/next'], 5, /unavailable: KMS: KMSInternalException/],
    ['throttled', () => (kms.persistentFault = { kind: 'throttle' }), ['keys', 'show', '--kms-key-id', 'alias/asc/next'], 5, /unavailable: KMS: ThrottlingException/],
    ['an import token KMS no longer accepts', () => (kms.persistentFault = { kind: 'accessDenied', operation: 'ImportKeyMaterial' }), importArgs, 3, /access_denied: KMS: .*kms:ImportKeyMaterial/],
    ['verify a key still waiting for its import', () => {}, ['keys', 'verify', '--kms-key-id', 'alias/asc/next'], 1, /key_invalid: Key "alias\/asc\/next" is not usable: KMS key \S+ is PendingImport.*\nhint: import the \.p8 with asc-token keys import --kms-key-id/],
    ['verify --issuer-id without --key-id', () => {}, ['keys', 'verify', '--kms-key-id', 'alias/asc/next', '--issuer-id', ISSUER], 2, /--issuer-id, --individual and --team-id go with --key-id/],
  ];
  for (const [name, arrange, argv, code, message] of cases) {
    it(`${name} → exit ${code}`, async () => {
      arrange();
      const result = await cli(...argv);
      assert.equal(result.code, code, result.stdout + result.stderr);
      assert.match(result.stderr, message);
      if (argv[1] === 'import' && code !== 0) assert.equal(kms.count('ImportKeyMaterial') === 0 || name.includes('import token'), true, 'nothing imported');
    });
  }

  it('a refused import leaves the key as it was', async () => {
    kms.importDirectly(target, otherKey.privateKey, { [TAGS.keyId]: 'OTHER00001', [TAGS.issuerId]: ISSUER });
    await cli(...importArgs);
    assert.deepEqual(Object.fromEntries(target.tags), { [TAGS.keyId]: 'OTHER00001', [TAGS.issuerId]: ISSUER });
    assert.equal(kms.count('TagResource'), 0);
  });
});

