/** infra/ops-role.yml: the role that rotates keys, what it may do and who may assume it. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { actionsOf, allows, infra } from './templates.ts';

describe('infra/ops-role.yml', () => {
  const t = infra('ops-role.yml');
  const trust = t.Resources.OpsRole?.Properties.AssumeRolePolicyDocument.Statement[0];

  it('manages key versions only, and cannot delete secrets or change policies', () => {
    const statements = t.Resources.OpsRole?.Properties.Policies[0].PolicyDocument.Statement;
    const actions = statements.flatMap(actionsOf);
    assert.deepEqual(actions.filter((a: string) => a.startsWith('secretsmanager:')).sort(), [
      'secretsmanager:DescribeSecret',
      'secretsmanager:GetSecretValue',
      'secretsmanager:PutSecretValue',
      'secretsmanager:UpdateSecretVersionStage',
    ]);
    assert.ok(!actions.some((a: string) => /Delete|Policy|\*$/.test(a.replace('GenerateDataKey*', ''))));
    const kms = statements.find((s: any) => actionsOf(s).includes('kms:Encrypt'));
    assert.deepEqual(kms.Condition['ForAnyValue:StringLike'], { 'kms:ResourceAliases': 'alias/asc-token-vending/*' });
  });

  it('imports into, tags and verifies only the KMS signing keys made for asc-token-vending, and moves only their aliases (#17)', () => {
    const statements = t.Resources.OpsRole?.Properties.Policies[0].PolicyDocument.Statement;
    const keys = statements.find((s: any) => s.Sid === 'KmsSigningKeys');
    assert.deepEqual([...actionsOf(keys)].sort(), ['kms:DescribeKey', 'kms:GetParametersForImport', 'kms:GetPublicKey', 'kms:ImportKeyMaterial', 'kms:ListResourceTags', 'kms:Sign', 'kms:TagResource', 'kms:UntagResource', 'kms:UpdateAlias']);
    assert.deepEqual(keys.Condition, { Null: { 'aws:ResourceTag/asc-token-vending:alias': 'false' } });
    // Every region of the account: a multi-Region key's replicas (docs/two-regions.md).
    assert.deepEqual(keys.Resource, { 'Fn::Sub': 'arn:${AWS::Partition}:kms:*:${AWS::AccountId}:key/*' });
    const aliases = statements.find((s: any) => s.Sid === 'KmsSigningKeyAliases');
    assert.deepEqual(aliases.Resource, { 'Fn::Sub': 'arn:${AWS::Partition}:kms:*:${AWS::AccountId}:${KmsAliasPrefix}*' });
    assert.equal(aliases.Action, 'kms:UpdateAlias');
    const kmsActions = statements.flatMap(actionsOf).filter((a: string) => a.startsWith('kms:'));
    for (const never of ['kms:DeleteImportedKeyMaterial', 'kms:ScheduleKeyDeletion', 'kms:PutKeyPolicy', 'kms:CreateKey', 'kms:DisableKey']) assert.ok(!kmsActions.includes(never), never);
  });

  it('trusts one named role or user, by ARN, never an account or a wildcard (issue #12.10)', () => {
    for (const good of ['arn:aws:iam::111122223333:role/AdminSSO', 'arn:aws:iam::111122223333:user/break-glass', 'arn:aws:iam::111122223333:role/aws-reserved/sso.amazonaws.com/eu-west-1/AWSReservedSSO_KeyOps_*', 'arn:aws-us-gov:iam::111122223333:role/ops']) {
      assert.ok(allows(t, 'TrustedPrincipalArn', good), good);
    }
    for (const bad of ['*', 'arn:aws:iam::111122223333:root', '111122223333', 'arn:aws:iam::*:role/AdminSSO', 'arn:aws:iam::111122223333:role/*', 'arn:aws:iam::111122223333:*', 'arn:aws:sts::111122223333:assumed-role/AdminSSO/me', 'arn:aws:iam::111122223333:role/a/*']) {
      assert.ok(!allows(t, 'TrustedPrincipalArn', bad), `TrustedPrincipalArn ${bad} must be refused`);
    }
    assert.deepEqual(trust.Condition.ArnLike, { 'aws:PrincipalArn': { Ref: 'TrustedPrincipalArn' } });
    assert.deepEqual(trust.Principal.AWS['Fn::Sub'][1], { Account: { 'Fn::Select': [4, { 'Fn::Split': [':', { Ref: 'TrustedPrincipalArn' }] }] } });
  });

  it('can require MFA for the assuming session', () => {
    assert.deepEqual(t.Parameters?.RequireMfa.AllowedValues, ['true', 'false']);
    assert.deepEqual(trust.Condition.Bool, { 'Fn::If': ['MfaRequired', { 'aws:MultiFactorAuthPresent': 'true' }, { Ref: 'AWS::NoValue' }] });
  });
});
