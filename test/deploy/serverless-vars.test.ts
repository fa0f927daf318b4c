/**
 * infra/serverless-vars.cjs: the function role osls packages, derived from the policy (issue #12.3, #17): which
 * secrets it reads and decrypts, which KMS keys it signs with and under which conditions. Called as osls calls it,
 * without packaging (the packaged role is test/deploy/serverless.test.ts's).
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { actionsOf, derived } from './templates.ts';

describe('infra/serverless-vars.cjs: the function role from the policy', () => {
  it('a key secret named by ARN gets the same alias-limited decrypt, in the stack\'s own region (its replica there), and a key of no known kind refuses to package', async () => {
    const byArn = await derived('version: 1\nkeys:\n  main: { secretId: "arn:aws:secretsmanager:eu-west-1:111122223333:secret:team/asc-main-AbC123" }\nprofiles: {}\n');
    const [read, decrypt] = byArn.roleStatements as any[];
    // A replica's ARN is its primary's but for the region (docs/design.md#two-regions): each region's stack reads its own.
    const inStackRegion = { 'Fn::Sub': 'arn:aws:secretsmanager:${AWS::Region}:111122223333:secret:team/asc-main-AbC123' };
    assert.deepEqual(read.Resource, [inStackRegion]);
    assert.deepEqual(decrypt.Condition['ForAnyValue:StringEquals']['kms:ResourceAliases'], ['alias/asc-token-vending/team-asc-main']);
    assert.deepEqual(decrypt.Condition.StringLike['kms:EncryptionContext:SecretARN'], [inStackRegion]);
    // The key sources' own compiler decides (src/key-sources/registry.ts): an entry no source takes is a policy error.
    await assert.rejects(derived('version: 1\nkeys:\n  signer: { vaultPath: x }\nprofiles: {}\n'), /keys\.signer\.vaultPath: unknown field/);
  });

  it('KMS keys (#17): kms:Sign (ECDSA_SHA_256 over a digest) and the metadata on exactly the keys the policy names; no Secrets Manager grant without a secret', async () => {
    const issuer = '57246542-96fe-1a63-e053-0824d011072a';
    const d = await derived(
      `version: 1\nkeys:\n` +
        `  byId: { kmsKeyId: 1234abcd-12ab-34cd-56ef-1234567890ab, keyId: AAAAAAAAAA, issuerId: ${issuer} }\n` +
        `  byArn: { kmsKeyId: "arn:aws:kms:eu-west-1:444455556666:key/mrk-1234abcd12ab34cd56ef1234567890ab", keyId: BBBBBBBBBB, individual: true }\n` +
        `  bySingleRegionArn: { kmsKeyId: "arn:aws:kms:eu-west-1:444455556666:key/1234abcd-12ab-34cd-56ef-1234567890ac", keyId: EEEEEEEEEE, individual: true }\n` +
        `  byAlias: { kmsKeyId: alias/asc/signer, keyId: CCCCCCCCCC, issuerId: ${issuer} }\n` +
        `  byAliasArn: { kmsKeyId: "arn:aws:kms:us-east-1:444455556666:alias/asc/other", keyId: DDDDDDDDDD, issuerId: ${issuer} }\n` +
        `profiles: {}\n`,
    );
    const statements = d.roleStatements as any[];
    assert.ok(!statements.some((s) => JSON.stringify(s).includes('secretsmanager')), 'no secret, no Secrets Manager grant');
    assert.ok(!statements.some((s) => actionsOf(s).includes('kms:Decrypt')));
    assert.deepEqual(statements.flatMap(actionsOf).sort(), ['kms:DescribeKey', 'kms:DescribeKey', 'kms:GetPublicKey', 'kms:GetPublicKey', 'kms:ListResourceTags', 'kms:ListResourceTags', 'kms:Sign', 'kms:Sign']);
    const signing = { 'kms:SigningAlgorithm': 'ECDSA_SHA_256', 'kms:MessageType': 'DIGEST' };
    // A multi-Region key's ARN: its replica in the stack's own region (docs/design.md#two-regions); a single-Region key's ARN as written.
    const keys = [
      { 'Fn::Sub': 'arn:${AWS::Partition}:kms:${AWS::Region}:${AWS::AccountId}:key/1234abcd-12ab-34cd-56ef-1234567890ab' },
      { 'Fn::Sub': 'arn:aws:kms:${AWS::Region}:444455556666:key/mrk-1234abcd12ab34cd56ef1234567890ab' },
      'arn:aws:kms:eu-west-1:444455556666:key/1234abcd-12ab-34cd-56ef-1234567890ac',
    ];
    assert.deepEqual(statements[0], { Effect: 'Allow', Action: 'kms:Sign', Resource: keys, Condition: { StringEquals: signing } });
    assert.deepEqual(statements[1], { Effect: 'Allow', Action: ['kms:DescribeKey', 'kms:GetPublicKey', 'kms:ListResourceTags'], Resource: keys });
    // Aliases: the keys infra/kms-key.yml made for them, by the tag each carries from its creation (not
    // kms:ResourceAliases, which lags an alias move by up to five minutes: a rotation would fail requests).
    const aliasKeys = [{ 'Fn::Sub': 'arn:${AWS::Partition}:kms:${AWS::Region}:${AWS::AccountId}:key/*' }, 'arn:aws:kms:us-east-1:444455556666:key/*'];
    const tagged = { 'aws:ResourceTag/asc-token-vending:alias': ['alias/asc/signer', 'alias/asc/other'] };
    assert.deepEqual(statements[2], { Effect: 'Allow', Action: 'kms:Sign', Resource: aliasKeys, Condition: { StringEquals: { ...signing, ...tagged } } });
    assert.deepEqual(statements[3], { Effect: 'Allow', Action: ['kms:DescribeKey', 'kms:GetPublicKey', 'kms:ListResourceTags'], Resource: aliasKeys, Condition: { StringEquals: tagged } });
    assert.ok(!JSON.stringify(statements).includes('ResourceAliases'));

    const mixed = (await derived(`version: 1\nkeys:\n  main: { secretId: asc/main }\n  signer: { kmsKeyId: alias/asc/signer, keyId: CCCCCCCCCC, issuerId: ${issuer} }\nprofiles: {}\n`)).roleStatements as any[];
    assert.deepEqual(mixed.flatMap(actionsOf).sort(), ['kms:Decrypt', 'kms:DescribeKey', 'kms:GetPublicKey', 'kms:ListResourceTags', 'kms:Sign', 'secretsmanager:GetSecretValue']);
    assert.deepEqual(mixed.find((s) => actionsOf(s).includes('kms:Decrypt')).Condition['ForAnyValue:StringEquals']['kms:ResourceAliases'], ['alias/asc-token-vending/asc-main'], 'decrypt only with the secret\'s key');
  });
});
