/**
 * The keys commands in two regions (docs/design.md#two-regions), through main(), against one loopback endpoint per
 * service that answers each region from its own fake (test/helpers/fake-regions.ts: routed by the SigV4 scope, so a
 * client signing for the wrong region reaches the wrong one), the real SDK clients on the wire:
 * - `keys import --kms-key-id … --regions r1,r2` imports the same material into a multi-Region key's primary and its
 *   replica, each proved by a signature; every region checked before anything is sent; a region that fails named;
 * - a replicated secret: import and promote write the primary only (asked of a replica: `replica_secret`), the
 *   replica follows, `keys verify --region R` proves what a region holds.
 */
import assert from 'node:assert/strict';
import { createPublicKey } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, beforeEach, describe, it } from 'node:test';
import { KMSClient } from '@aws-sdk/client-kms';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { main } from '../../src/cli/main.ts';
import { TAGS } from '../../src/key-sources/kms-fetcher.ts';
import { inRegion, parseRegions, takeRegion } from '../../src/cli/keys/regions.ts';
import { startFakeApple } from '../helpers/fake-apple.ts';
import { FakeKms, type FakeKey } from '../helpers/fake-kms.ts';
import { FakeRegions } from '../helpers/fake-regions.ts';
import { FakeSecretsManager } from '../helpers/fake-secrets-manager.ts';
import { assertNoMaterial, generateP256, secretJson } from '../helpers/keys.ts';
import { trackOutput } from '../helpers/leaks.ts';

const ISSUER = '69a6de70-03db-47e3-e053-5b8c7c11a4d1';
const PRIMARY = 'eu-west-1';
const REPLICA = 'us-east-1';
const newKey = generateP256();
const otherKey = generateP256();
const oldKey = generateP256();
const dir = mkdtempSync(join(tmpdir(), 'asc-regions-cli-'));
writeFileSync(join(dir, 'AuthKey_NEWKEY0001.p8'), newKey.pem);
const spki = (key: { publicKey: import('node:crypto').KeyObject }) => key.publicKey.export({ format: 'der', type: 'spki' });

let kms: FakeRegions<FakeKms>;
let sm: FakeRegions<FakeSecretsManager>;
let apple: Awaited<ReturnType<typeof startFakeApple>>;
const credentials = { accessKeyId: 'AKIDOPS', secretAccessKey: 'x' };
before(async () => {
  kms = await new FakeRegions([new FakeKms(PRIMARY), new FakeKms(REPLICA)]).start();
  sm = await new FakeRegions([new FakeSecretsManager(PRIMARY), new FakeSecretsManager(REPLICA)]).start();
  apple = await startFakeApple(new Map([['NEWKEY0001', newKey.publicKey], ['OLDKEY0001', oldKey.publicKey]]));
});
after(() => {
  kms.stop();
  sm.stop();
  apple.stop();
  rmSync(dir, { recursive: true, force: true });
});

async function cli(...argv: string[]) {
  let stdout = '';
  let stderr = '';
  const kmsIn = (region: string) => new KMSClient({ endpoint: kms.endpoint, region, credentials, maxAttempts: 1 });
  const secretsManagerIn = (region: string) => new SecretsManagerClient({ endpoint: sm.endpoint, region, credentials, maxAttempts: 1 });
  const deps = { kms: kmsIn(PRIMARY), kmsIn, secretsManager: secretsManagerIn(PRIMARY), secretsManagerIn };
  const code = await main(argv, { stdout: (t) => (stdout += t), stderr: (t) => (stderr += t), env: {}, cwd: dir, now: Date.now }, deps);
  for (const key of [newKey, otherKey, oldKey]) assertNoMaterial(stdout + stderr, key);
  trackOutput(stdout + stderr);
  return { code, stdout, stderr };
}

describe('keys import --kms-key-id … --regions: one multi-Region key, the same material in every region', () => {
  let primary: FakeKey;
  let replica: FakeKey;
  beforeEach(() => {
    for (const fake of kms.fakes.values()) {
      fake.keys.clear();
      fake.aliases.clear();
      fake.calls.length = 0;
      fake.faults.length = 0;
    }
    kms.down.clear();
    primary = kms.get(PRIMARY).createKey({ multiRegion: true, alias: 'alias/asc/signer' });
    replica = kms.get(REPLICA).replicaOf(primary, { alias: 'alias/asc/signer' });
  });
  const holds = (key: FakeKey) => (key.material ? createPublicKey(key.material).export({ format: 'der', type: 'spki' }) : undefined);

  it('imports into the primary and the replica, tags each, proves each by a signature', async () => {
    const { code, stdout, stderr } = await cli('keys', 'import', '--kms-key-id', 'alias/asc/signer', '--p8', 'AuthKey_NEWKEY0001.p8', '--issuer-id', ISSUER, '--regions', `${PRIMARY},${REPLICA}`);
    assert.equal(code, 0, stderr);
    for (const [region, key] of [[PRIMARY, primary], [REPLICA, replica]] as const) {
      assert.equal(key.state, 'Enabled', `${region} holds material`);
      assert.deepEqual(holds(key), spki(newKey), `${region} holds the .p8's key`);
      assert.equal(key.tags.get(TAGS.keyId), 'NEWKEY0001', `${region} tagged (a replica's tags are its own)`);
      assert.equal(key.tags.get(TAGS.issuerId), ISSUER);
      assert.match(stdout, new RegExp(`^${region}: imported key NEWKEY0001 \\(team key, issuer ${ISSUER}\\) into KMS key ${key.arn.replace(/[/.]/g, '\\$&')} \\(alias/asc/signer\\)`, 'm'));
      assert.match(stdout, new RegExp(`^${region}: proved: KMS signed a test token \\(key NEWKEY0001\\) that verifies with the \\.p8's public key`, 'm'));
      // Each region signed through its own KMS: the proof's Sign reached that region's fake.
      assert.equal(kms.get(region).count('Sign'), 1, `${region} signed once`);
    }
    assert.match(stdout, new RegExp(`^imported and proved in 2 regions: ${PRIMARY}, ${REPLICA}$`, 'm'));
    assert.equal(primary.id, replica.id);
    assert.match(primary.id, /^mrk-[0-9a-f]{32}$/);

    // Each region's copy proved on its own later (the runbook's check per region).
    for (const region of [PRIMARY, REPLICA]) {
      const verified = await cli('keys', 'verify', '--kms-key-id', 'alias/asc/signer', '--region', region, '--apple-url', apple.url);
      assert.equal(verified.code, 0, verified.stderr);
      assert.match(verified.stdout, new RegExp(`^ok: KMS key arn:aws:kms:${region}:`, 'm'));
    }
  });

  it('an ARN names its region: it is rewritten for each region of --regions', async () => {
    const { code, stderr } = await cli('keys', 'import', '--kms-key-id', primary.arn, '--p8', 'AuthKey_NEWKEY0001.p8', '--issuer-id', ISSUER, '--regions', `${REPLICA},${PRIMARY}`);
    assert.equal(code, 0, stderr);
    assert.deepEqual([holds(primary), holds(replica)], [spki(newKey), spki(newKey)]);
  });

  it('a region that does not answer: nothing is sent anywhere, the region is named, exit 5', async () => {
    kms.down.add(REPLICA);
    const { code, stderr } = await cli('keys', 'import', '--kms-key-id', 'alias/asc/signer', '--p8', 'AuthKey_NEWKEY0001.p8', '--issuer-id', ISSUER, '--regions', `${PRIMARY},${REPLICA}`);
    assert.equal(code, 5, stderr);
    assert.match(stderr, new RegExp(`^asc-token: unavailable: region ${REPLICA}: KMS: `, 'm'));
    assert.match(stderr, /hint: .*nothing was imported anywhere \(every region is checked first\)/);
    assert.equal(primary.state, 'PendingImport', 'the primary was not sent the material either');
    assert.equal(kms.get(PRIMARY).count('ImportKeyMaterial'), 0);
  });

  it('a region without the replica (no alias there): kms_key_not_found, naming the region; nothing imported', async () => {
    kms.get(REPLICA).aliases.clear();
    const { code, stderr } = await cli('keys', 'import', '--kms-key-id', 'alias/asc/signer', '--p8', 'AuthKey_NEWKEY0001.p8', '--issuer-id', ISSUER, '--regions', `${PRIMARY},${REPLICA}`);
    assert.equal(code, 1);
    assert.match(stderr, new RegExp(`^asc-token: kms_key_not_found: region ${REPLICA}: KMS: Alias arn:aws:kms:${REPLICA}:`, 'm'));
    assert.equal(primary.state, 'PendingImport');
  });

  it('keys that are not one multi-Region key are refused before anything is sent', async () => {
    kms.get(REPLICA).keys.clear();
    kms.get(REPLICA).aliases.clear();
    kms.get(REPLICA).createKey({ alias: 'alias/asc/signer' });
    const single = await cli('keys', 'import', '--kms-key-id', 'alias/asc/signer', '--p8', 'AuthKey_NEWKEY0001.p8', '--issuer-id', ISSUER, '--regions', `${PRIMARY},${REPLICA}`);
    assert.equal(single.code, 1);
    assert.match(single.stderr, new RegExp(`kms_key_not_multi_region: region ${REPLICA}: KMS key arn:aws:kms:${REPLICA}:\\d+:key/[0-9a-f-]{36} is not a multi-Region key`));
    assert.match(single.stderr, /hint: .*infra\/kms-replica-key\.yml/);

    kms.get(REPLICA).aliases.clear();
    kms.get(REPLICA).replicaOf(kms.get(PRIMARY).createKey({ multiRegion: true }), { alias: 'alias/asc/signer' });
    const other = await cli('keys', 'import', '--kms-key-id', 'alias/asc/signer', '--p8', 'AuthKey_NEWKEY0001.p8', '--issuer-id', ISSUER, '--regions', `${PRIMARY},${REPLICA}`);
    assert.equal(other.code, 1);
    assert.match(other.stderr, /kms_key_mismatch: --kms-key-id alias\/asc\/signer names different keys in different regions/);
    assert.equal(kms.get(PRIMARY).count('ImportKeyMaterial') + kms.get(REPLICA).count('ImportKeyMaterial'), 0);
  });

  it('a replica that already holds other material: kms_key_in_use for that region, before anything is sent', async () => {
    kms.get(REPLICA).importDirectly(replica, otherKey.privateKey);
    const { code, stderr } = await cli('keys', 'import', '--kms-key-id', 'alias/asc/signer', '--p8', 'AuthKey_NEWKEY0001.p8', '--issuer-id', ISSUER, '--regions', `${PRIMARY},${REPLICA}`);
    assert.equal(code, 1);
    assert.match(stderr, new RegExp(`kms_key_in_use: region ${REPLICA}: KMS key ${replica.arn.replace(/[/.]/g, '\\$&')} already holds another key`));
    assert.equal(primary.state, 'PendingImport');
  });

  it('a region failing mid-way: named, with what was done and the command that finishes the job', async () => {
    kms.get(REPLICA).faults.push({ kind: 'accessDenied', operation: 'ImportKeyMaterial' });
    const failed = await cli('keys', 'import', '--kms-key-id', 'alias/asc/signer', '--p8', 'AuthKey_NEWKEY0001.p8', '--issuer-id', ISSUER, '--regions', `${PRIMARY},${REPLICA}`);
    assert.equal(failed.code, 3, failed.stderr);
    assert.match(failed.stderr, new RegExp(`^asc-token: access_denied: region ${REPLICA}: KMS: `, 'm'));
    assert.match(failed.stderr, new RegExp(`hint: use the ops role.*; already imported and proved in ${PRIMARY}; fix ${REPLICA}, then run the same command with --regions ${REPLICA} \\(the same \\.p8 again is accepted\\)`));
    assert.deepEqual([primary.state, replica.state], ['Enabled', 'PendingImport']);

    const finished = await cli('keys', 'import', '--kms-key-id', 'alias/asc/signer', '--p8', 'AuthKey_NEWKEY0001.p8', '--issuer-id', ISSUER, '--regions', REPLICA);
    assert.equal(finished.code, 0, finished.stderr);
    assert.deepEqual(holds(replica), spki(newKey));
    const again = await cli('keys', 'import', '--kms-key-id', 'alias/asc/signer', '--p8', 'AuthKey_NEWKEY0001.p8', '--issuer-id', ISSUER, '--regions', `${PRIMARY},${REPLICA}`);
    assert.equal(again.code, 0, again.stderr);
    assert.match(again.stdout, new RegExp(`^${PRIMARY}: re-imported key NEWKEY0001`, 'm'));
  });

  it('usage: --region with --regions, a region that is not one', async () => {
    const both = await cli('keys', 'import', '--kms-key-id', 'alias/asc/signer', '--p8', 'AuthKey_NEWKEY0001.p8', '--issuer-id', ISSUER, '--regions', PRIMARY, '--region', REPLICA);
    assert.equal(both.code, 2);
    assert.match(both.stderr, /--region and --regions exclude each other/);
    const bad = await cli('keys', 'import', '--kms-key-id', 'alias/asc/signer', '--p8', 'AuthKey_NEWKEY0001.p8', '--issuer-id', ISSUER, '--regions', 'eu-west-1,Mars');
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /--regions: "Mars" is not an AWS region name/);
    assert.equal(kms.get(PRIMARY).calls.length, 0);
  });
});

describe('a replicated key secret: the primary is written, the replica follows, each region verified', () => {
  const primarySm = () => sm.get(PRIMARY);
  const replicaSm = () => sm.get(REPLICA);
  beforeEach(() => {
    for (const fake of sm.fakes.values()) fake.secrets.clear();
    primarySm().replicationPaused = false;
    primarySm().create('asc/main', secretJson(oldKey, { keyId: 'OLDKEY0001', issuerId: ISSUER }));
    primarySm().replicateTo('asc/main', replicaSm());
  });
  const stagesIn = (fake: FakeSecretsManager) => [...(fake.secrets.get('asc/main')?.versions.values() ?? [])].map((v) => [...v.stages].sort().join(',')).filter(Boolean).sort();

  it('import and promote write the primary; the replica follows; verify --region proves the replica', async () => {
    const imported = await cli('keys', 'import', '--secret-id', 'asc/main', '--p8', 'AuthKey_NEWKEY0001.p8', '--issuer-id', ISSUER, '--region', PRIMARY);
    assert.equal(imported.code, 0, imported.stderr);
    assert.match(imported.stdout, new RegExp(`^replicas follow the primary \\(${PRIMARY}\\) on their own: ${REPLICA} \\(InSync\\)$`, 'm'));
    assert.match(imported.stdout, new RegExp(`^check: asc-token keys verify --secret-id asc/main --stage pending --region ${REPLICA}$`, 'm'));
    assert.deepEqual(stagesIn(replicaSm()), ['AWSCURRENT', 'AWSPENDING']);

    const verified = await cli('keys', 'verify', '--secret-id', 'asc/main', '--stage', 'pending', '--region', REPLICA, '--apple-url', apple.url);
    assert.equal(verified.code, 0, verified.stderr);
    assert.match(verified.stdout, new RegExp(`^ok: App Store Connect accepted key NEWKEY0001 \\(AWSPENDING, version [0-9a-f-]+, in ${REPLICA}\\)`, 'm'));

    const promoted = await cli('keys', 'promote', '--secret-id', 'asc/main');
    assert.equal(promoted.code, 0, promoted.stderr);
    assert.match(promoted.stdout, new RegExp(`^check: asc-token keys verify --secret-id asc/main --stage current --region ${REPLICA}$`, 'm'));
    const current = await cli('keys', 'verify', '--secret-id', 'asc/main', '--stage', 'current', '--region', REPLICA, '--apple-url', apple.url);
    assert.equal(current.code, 0, current.stderr);
    assert.match(current.stdout, /accepted key NEWKEY0001 \(AWSCURRENT/);
  });

  it('asked of the replica\'s region, import and promote refuse (replica_secret) and name the primary\'s region; nothing is written', async () => {
    const before = stagesIn(primarySm());
    const imported = await cli('keys', 'import', '--secret-id', 'asc/main', '--p8', 'AuthKey_NEWKEY0001.p8', '--issuer-id', ISSUER, '--region', REPLICA);
    assert.equal(imported.code, 1);
    assert.match(imported.stderr, new RegExp(`^asc-token: replica_secret: asc/main in ${REPLICA} is a replica of the secret in ${PRIMARY}`, 'm'));
    assert.match(imported.stderr, new RegExp(`hint: run the same command with --region ${PRIMARY}, then check this region with asc-token keys verify --secret-id asc/main --region ${REPLICA}`));
    const promoted = await cli('keys', 'promote', '--secret-id', 'asc/main', '--region', REPLICA);
    assert.equal(promoted.code, 1);
    assert.match(promoted.stderr, /replica_secret: .*takes stage moves only in the primary's region/);
    assert.deepEqual(stagesIn(primarySm()), before);
    assert.equal(replicaSm().calls.filter((c) => c.target === 'PutSecretValue' || c.target === 'UpdateSecretVersionStage').length, 0, 'no write reached the replica');
  });

  it('a replica not yet caught up: verify --region says the version is not there yet; after replication it proves it', async () => {
    primarySm().replicationPaused = true;
    const imported = await cli('keys', 'import', '--secret-id', 'asc/main', '--p8', 'AuthKey_NEWKEY0001.p8', '--issuer-id', ISSUER);
    assert.equal(imported.code, 0, imported.stderr);
    assert.match(imported.stdout, new RegExp(`${REPLICA} \\(InProgress\\)`));
    const early = await cli('keys', 'verify', '--secret-id', 'asc/main', '--stage', 'pending', '--region', REPLICA, '--apple-url', apple.url);
    assert.equal(early.code, 1);
    assert.match(early.stderr, /no_pending_version: asc\/main has no AWSPENDING version/);
    primarySm().resumeReplication();
    const later = await cli('keys', 'verify', '--secret-id', 'asc/main', '--stage', 'pending', '--region', REPLICA, '--apple-url', apple.url);
    assert.equal(later.code, 0, later.stderr);
  });

  it('a secret ARN names its region: --region R reads the replica by its own ARN', async () => {
    const arn = primarySm().secrets.get('asc/main')!.arn;
    assert.match(arn, new RegExp(`^arn:aws:secretsmanager:${PRIMARY}:`));
    const shown = await cli('keys', 'show', '--secret-id', arn, '--region', REPLICA);
    assert.equal(shown.code, 0, shown.stderr);
    assert.match(shown.stdout, new RegExp(`\\(arn:aws:secretsmanager:${REPLICA}:111122223333:secret:asc/main-AbCdEf\\)`));
    assert.ok(replicaSm().calls.some((c) => c.body.SecretId === inRegion(arn, REPLICA)), 'the replica region was asked by the replica ARN');
  });
});

describe('regions: the flags', () => {
  it('--region is taken once, checked; --regions deduplicated; ARNs rewritten, names kept', () => {
    assert.deepEqual(takeRegion(['--secret-id', 'x', '--region', 'us-west-2', 'y']), { region: 'us-west-2', rest: ['--secret-id', 'x', 'y'] });
    assert.deepEqual(takeRegion(['--region=us-gov-west-1']), { region: 'us-gov-west-1', rest: [] });
    assert.throws(() => takeRegion(['--region', 'us-west-2', '--region', 'eu-west-1']), /--region given twice/);
    assert.throws(() => takeRegion(['--region']), /--region takes a region name/);
    assert.throws(() => takeRegion(['--region', 'EU']), /not an AWS region name/);
    assert.deepEqual(parseRegions('eu-west-1, us-east-1,eu-west-1'), ['eu-west-1', 'us-east-1']);
    assert.throws(() => parseRegions(' , '), /--regions names the regions/);
    assert.equal(inRegion('arn:aws:kms:eu-west-1:111122223333:key/mrk-1', 'us-east-1'), 'arn:aws:kms:us-east-1:111122223333:key/mrk-1');
    assert.equal(inRegion('arn:aws-cn:secretsmanager:cn-north-1:111122223333:secret:a/b-AbCdEf', 'cn-northwest-1'), 'arn:aws-cn:secretsmanager:cn-northwest-1:111122223333:secret:a/b-AbCdEf');
    assert.equal(inRegion('alias/asc/signer', 'us-east-1'), 'alias/asc/signer');
    assert.equal(inRegion('mrk-0123', undefined), 'mrk-0123');
  });
});
