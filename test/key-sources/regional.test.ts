/**
 * Each region's deployment reads its own region's copy of a key (docs/design.md#two-regions), with the same policy:
 * a secret ARN and a multi-Region KMS key ARN are read in the client's region — the real SDK clients, one loopback
 * endpoint answering each region from its own fake (test/helpers/fake-regions.ts) — and any other ARN as written.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { replicaArnForIam, replicaIdIn } from '../../src/key-sources/regional.ts';
import { SecretsManagerKeyFetcher } from '../../src/key-sources/secrets-manager.ts';
import { KmsKeyFetcher } from '../../src/key-sources/kms-fetcher.ts';
import { TAGS } from '../../src/key-sources/kms-fetcher.ts';
import { FakeKms } from '../helpers/fake-kms.ts';
import { FakeRegions } from '../helpers/fake-regions.ts';
import { FakeSecretsManager } from '../helpers/fake-secrets-manager.ts';
import { generateP256, secretJson } from '../helpers/keys.ts';

const ISSUER = '57246542-96fe-1a63-e053-0824d011072a';
const key = generateP256();
const credentials = { accessKeyId: 'AKIDTEST', secretAccessKey: 'test' };
let sm: FakeRegions<FakeSecretsManager>;
let kms: FakeRegions<FakeKms>;
before(async () => {
  sm = await new FakeRegions([new FakeSecretsManager('eu-west-1'), new FakeSecretsManager('us-east-1')]).start();
  kms = await new FakeRegions([new FakeKms('eu-west-1'), new FakeKms('us-east-1')]).start();
});
after(() => {
  sm.stop();
  kms.stop();
});

describe('a key named once, read in each region', () => {
  it('a secret ARN of the primary: the us-east-1 deployment reads the us-east-1 replica by its own ARN', async () => {
    sm.get('eu-west-1').create('asc/main', secretJson(key, { keyId: 'REGIONKEY1', issuerId: ISSUER }));
    sm.get('eu-west-1').replicateTo('asc/main', sm.get('us-east-1'));
    const primaryArn = sm.get('eu-west-1').secrets.get('asc/main')!.arn;
    for (const region of ['us-east-1', 'eu-west-1']) {
      const fetcher = new SecretsManagerKeyFetcher({ secretIds: new Map([['main', primaryArn]]), clientConfig: { endpoint: sm.endpoint, region, credentials } });
      const fetched = await fetcher.fetch('main', undefined);
      assert.equal(fetched.key.keyId, 'REGIONKEY1');
      const asked = sm.get(region).calls.filter((c) => c.target === 'GetSecretValue').map((c) => c.body.SecretId);
      assert.deepEqual(asked, [`arn:aws:secretsmanager:${region}:111122223333:secret:asc/main-AbCdEf`], `${region} was asked for its own copy`);
    }
  });

  it('a multi-Region KMS key ARN: each region signs with its replica; a single-Region key ARN is used as written', async () => {
    const primary = kms.get('eu-west-1').createKey({ multiRegion: true });
    const replica = kms.get('us-east-1').replicaOf(primary);
    for (const [fake, k] of [[kms.get('eu-west-1'), primary], [kms.get('us-east-1'), replica]] as const) fake.importDirectly(k, key.privateKey, { [TAGS.keyId]: 'MRKEY00001', [TAGS.issuerId]: ISSUER });
    const fetcher = new KmsKeyFetcher({ keys: new Map([['main', { kmsKeyId: primary.arn, identity: undefined }]]), clientConfig: { endpoint: kms.endpoint, region: 'us-east-1', credentials } });
    const fetched = await fetcher.fetch('main', undefined);
    assert.equal(fetched.versionId, replica.arn, 'the us-east-1 replica was loaded');
    assert.equal(kms.get('eu-west-1').count('DescribeKey'), 0, 'the primary region was not asked');

    const single = kms.get('eu-west-1').importDirectly(kms.get('eu-west-1').createKey(), key.privateKey, { [TAGS.keyId]: 'SINGLEKEY1', [TAGS.issuerId]: ISSUER });
    const cross = new KmsKeyFetcher({ keys: new Map([['main', { kmsKeyId: single.arn, identity: undefined }]]), clientConfig: { endpoint: kms.endpoint, region: 'us-east-1', credentials } });
    // Sent as written (signed for us-east-1, it reaches that region, which does not hold it: as AWS would answer).
    await assert.rejects(cross.fetch('main', undefined), (error: { reason?: string }) => error.reason === 'kms:DescribeKey:NotFoundException');
    assert.ok(kms.get('us-east-1').calls.some((c) => c.body.KeyId === single.arn), 'the single-Region ARN was sent unchanged');
  });

  it('which IDs are regional: secret ARNs and multi-Region key ARNs; names, aliases and other ARNs are not rewritten', () => {
    assert.equal(replicaIdIn('arn:aws:secretsmanager:eu-west-1:111122223333:secret:asc/main-AbCdEf', 'ap-southeast-2'), 'arn:aws:secretsmanager:ap-southeast-2:111122223333:secret:asc/main-AbCdEf');
    assert.equal(replicaIdIn('arn:aws:kms:eu-west-1:111122223333:key/mrk-0123456789abcdef0123456789abcdef', 'us-west-2'), 'arn:aws:kms:us-west-2:111122223333:key/mrk-0123456789abcdef0123456789abcdef');
    for (const id of ['asc/main', 'alias/asc/signer', 'mrk-0123456789abcdef0123456789abcdef', 'arn:aws:kms:eu-west-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab', 'arn:aws:kms:eu-west-1:111122223333:alias/asc/signer']) {
      assert.equal(replicaIdIn(id, 'us-west-2'), id, id);
    }
    assert.equal(replicaIdIn('arn:aws:secretsmanager:eu-west-1:111122223333:secret:x-AbCdEf', undefined), 'arn:aws:secretsmanager:eu-west-1:111122223333:secret:x-AbCdEf');
    assert.deepEqual(replicaArnForIam('arn:aws-us-gov:secretsmanager:us-gov-west-1:111122223333:secret:x-AbCdEf'), { 'Fn::Sub': 'arn:aws-us-gov:secretsmanager:${AWS::Region}:111122223333:secret:x-AbCdEf' });
    assert.equal(replicaArnForIam('arn:aws:kms:eu-west-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab'), 'arn:aws:kms:eu-west-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab');
  });
});
