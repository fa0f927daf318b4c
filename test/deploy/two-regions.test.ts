/**
 * The templates in two regions (docs/two-regions.md): infra/key-secret.yml's ReplicaRegions, infra/key-secret-replica.yml
 * (the replica's key in its region), infra/kms-key.yml's MultiRegion and infra/kms-replica-key.yml. A replica region's
 * key has the primary's key policy, word for word: every test of that policy (key-secret.test.ts, kms-key.test.ts)
 * then holds for the replicas too. The deployment into two emulated regions: test/deploy/moto/two-regions.test.ts.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { resolve as resolveIntrinsics } from './key-policy.ts';
import { allows, infra, type Template } from './templates.ts';

const pseudo = { partition: 'aws', account: '111122223333', region: 'eu-west-1' };

/** A fragment with the template's conditions decided for these parameter values: Fn::If chosen, AWS::NoValue dropped. */
function decide(t: Template, value: unknown, parameters: Record<string, string>): unknown {
  const condition = (expression: any): boolean => {
    if ('Fn::Not' in expression) return !condition(expression['Fn::Not'][0]);
    if ('Fn::Equals' in expression) {
      const [a, b] = expression['Fn::Equals'].map((part: unknown) => resolveIntrinsics(part, parameters, pseudo));
      return a === b;
    }
    if ('Condition' in expression) return condition(t.Conditions![expression.Condition]);
    throw new Error(`condition ${JSON.stringify(expression)} is not decided here`);
  };
  const NO_VALUE = Symbol('NoValue');
  const go = (v: any): any => {
    if (Array.isArray(v)) return v.map(go).filter((item) => item !== NO_VALUE);
    if (v === null || typeof v !== 'object') return v;
    if (v.Ref === 'AWS::NoValue') return NO_VALUE;
    if ('Fn::If' in v) {
      const [name, yes, no] = v['Fn::If'];
      return go(condition(t.Conditions![name]) ? yes : no);
    }
    return Object.fromEntries(Object.entries(v).map(([k, item]) => [k, go(item)]).filter(([, item]) => item !== NO_VALUE));
  };
  const decided = go(value);
  return decided === NO_VALUE ? undefined : resolveIntrinsics(decided, parameters, pseudo);
}

describe('templates for two regions', () => {
  it('infra/key-secret.yml ReplicaRegions: none by default; each region named gets a replica under its region\'s key of the same alias', () => {
    const t = infra('key-secret.yml');
    const replicas = (regions: string) => decide(t, t.Resources.KeySecret!.Properties.ReplicaRegions, { SecretName: 'asc/main', ReplicaRegions: regions });
    assert.equal(t.Parameters!.ReplicaRegions.Default, '');
    assert.equal(replicas(''), undefined, 'no ReplicaRegions property at all: an existing single-region stack is unchanged');
    assert.deepEqual(replicas('us-east-1'), [{ Region: 'us-east-1', KmsKeyId: 'alias/asc-token-vending/asc-main' }]);
    assert.deepEqual(replicas('us-east-1,ap-southeast-2,eu-central-1'), ['us-east-1', 'ap-southeast-2', 'eu-central-1'].map((Region) => ({ Region, KmsKeyId: 'alias/asc-token-vending/asc-main' })));
    // The alias is the one key-secret-replica.yml gives the replica's key in its region (and this stack its own key).
    const alias = resolveIntrinsics(infra('key-secret-replica.yml').Resources.KeyEncryptionKeyAlias!.Properties.AliasName, { SecretName: 'asc/main' }, pseudo);
    assert.equal(alias, 'alias/asc-token-vending/asc-main');
    for (const good of ['', 'us-east-1', 'us-east-1,eu-central-1', 'us-gov-west-1,us-east-1,ap-southeast-2']) assert.ok(allows(t, 'ReplicaRegions', good), good);
    for (const bad of ['us-east-1,eu-central-1,ap-southeast-2,sa-east-1', 'US-EAST-1', 'us-east-1,', ',us-east-1', 'us-east-1 ,eu-west-2', '*']) assert.ok(!allows(t, 'ReplicaRegions', bad), bad);
  });

  it('infra/key-secret-replica.yml: the replica\'s key has the primary\'s key, policy, alias and parameters, retained', () => {
    const primary = infra('key-secret.yml');
    const replica = infra('key-secret-replica.yml');
    const { Description: _p, ...primaryKey } = primary.Resources.KeyEncryptionKey!.Properties;
    const { Description: _r, ...replicaKey } = replica.Resources.KeyEncryptionKey!.Properties;
    assert.deepEqual(replicaKey, primaryKey, 'same key policy, rotation and spec');
    assert.deepEqual(replica.Resources.KeyEncryptionKeyAlias, primary.Resources.KeyEncryptionKeyAlias);
    assert.deepEqual([replica.Resources.KeyEncryptionKey!.DeletionPolicy, replica.Resources.KeyEncryptionKey!.UpdateReplacePolicy], ['Retain', 'Retain']);
    for (const name of Object.keys(replica.Parameters!)) assert.deepEqual(replica.Parameters![name], primary.Parameters![name], name);
    assert.deepEqual(Object.keys(replica.Resources).sort(), ['KeyEncryptionKey', 'KeyEncryptionKeyAlias'], 'no secret: Secrets Manager makes the replica');
    // Creating a replica encrypts it with this key (kms:Encrypt, as the creator: the administrators through CloudFormation).
    const create = (replica.Resources.KeyEncryptionKey!.Properties.KeyPolicy.Statement as any[]).find((s) => s.Sid === 'AdministratorsCreateTheSecretThroughSecretsManager');
    assert.ok(create.Action.includes('kms:Encrypt'));
  });

  it('infra/kms-key.yml MultiRegion: single-Region unless asked (an existing key is not replaced); replicas are the administrators\' alone', () => {
    const t = infra('kms-key.yml');
    const multi = (value: string) => decide(t, t.Resources.SigningKey!.Properties.MultiRegion, { MultiRegion: value });
    assert.equal(t.Parameters!.MultiRegion.Default, 'false');
    assert.deepEqual([multi('false'), multi('true')], [false, true]);
    const statements = t.Resources.SigningKey!.Properties.KeyPolicy.Statement as any[];
    const guard = statements.find((s) => s.Sid === 'OnlyAdministratorsChangeProtection');
    for (const action of ['kms:ReplicateKey', 'kms:UpdatePrimaryRegion']) assert.ok(guard.Action.includes(action), `${action} denied to all but the administrators`);
  });

  it('infra/kms-replica-key.yml: a replica of a multi-Region key, with the primary\'s key policy, its own tag and alias, retained', () => {
    const primary = infra('kms-key.yml');
    const replica = infra('kms-replica-key.yml');
    const key = replica.Resources.SigningKey!;
    assert.equal(key.Type, 'AWS::KMS::ReplicaKey');
    assert.deepEqual(key.Properties.PrimaryKeyArn, { Ref: 'PrimaryKeyArn' });
    assert.deepEqual(key.Properties.KeyPolicy, primary.Resources.SigningKey!.Properties.KeyPolicy, 'the same key policy, word for word');
    assert.deepEqual(key.Properties.Tags, primary.Resources.SigningKey!.Properties.Tags, 'the tag the function role\'s grant is by, in this region too');
    assert.deepEqual([key.DeletionPolicy, key.UpdateReplacePolicy], ['Retain', 'Retain']);
    assert.deepEqual(replica.Resources.SigningKeyAlias, primary.Resources.SigningKeyAlias);
    for (const name of ['AliasName', 'CreateAlias', 'SignerRoleArns', 'OpsRoleArn', 'AdministratorArns']) assert.deepEqual(replica.Parameters![name], primary.Parameters![name], name);
    assert.ok(allows(replica, 'PrimaryKeyArn', 'arn:aws:kms:eu-west-1:111122223333:key/mrk-0123456789abcdef0123456789abcdef'));
    for (const bad of ['arn:aws:kms:eu-west-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab', 'mrk-0123456789abcdef0123456789abcdef', 'arn:aws:kms:eu-west-1:111122223333:alias/asc/signer']) {
      assert.ok(!allows(replica, 'PrimaryKeyArn', bad), `${bad}: only a multi-Region key can be replicated`);
    }
  });

  it('infra/ops-role.yml: the ops role imports, verifies and reads replicas in every region of the account, still only asc-token-vending\'s keys', () => {
    const statements = infra('ops-role.yml').Resources.OpsRole!.Properties.Policies[0].PolicyDocument.Statement as any[];
    const bySid = Object.fromEntries(statements.map((s) => [s.Sid, s]));
    const resolved = (value: unknown) => resolveIntrinsics(value, { SecretNamePrefix: 'asc/', KmsAliasPrefix: 'alias/asc/' }, pseudo);
    assert.equal(resolved(bySid.KeyVersions.Resource), 'arn:aws:secretsmanager:*:111122223333:secret:asc/*');
    assert.equal(resolved(bySid.KmsSigningKeys.Resource), 'arn:aws:kms:*:111122223333:key/*');
    assert.deepEqual(bySid.KmsSigningKeys.Condition, { Null: { 'aws:ResourceTag/asc-token-vending:alias': 'false' } });
    assert.deepEqual(resolved(bySid.EncryptThroughSecretsManager.Condition.StringLike), { 'kms:ViaService': 'secretsmanager.*.amazonaws.com' });
    assert.deepEqual(bySid.EncryptThroughSecretsManager.Condition['ForAnyValue:StringLike'], { 'kms:ResourceAliases': 'alias/asc-token-vending/*' });
  });
});
