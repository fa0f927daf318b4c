/**
 * infra/kms-key.yml (#17): the KMS signing key a .p8 is imported into, its key policy evaluated as AWS does
 * (test/deploy/key-policy.ts) for every KMS operation and principal, and docs/keys.md's runbook as the CLI and the service
 * send it, call by call, against that policy.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import * as KMS from '@aws-sdk/client-kms';
import { main } from '../../src/cli/main.ts';
import { createHandler } from '../../src/handler.ts';
import { createRuntime } from '../../src/runtime.ts';
import { startFakeApple } from '../helpers/fake-apple.ts';
import { FakeKms } from '../helpers/fake-kms.ts';
import { withRequest } from '../helpers/fixtures.ts';
import { generateP256 } from '../helpers/keys.ts';
import { trackOutput, trackToken } from '../helpers/leaks.ts';
import { evaluateKeyPolicy, identityAllows, resolve as resolveIntrinsics, type Context, type Statement } from './key-policy.ts';
import { allows, derived, infra, kmsOperations } from './templates.ts';

describe('infra/kms-key.yml (#17)', () => {
  const t = infra('kms-key.yml');
  const key = t.Resources.SigningKey?.Properties;
  const statements = key?.KeyPolicy.Statement as any[];
  const root = { AWS: { 'Fn::Sub': 'arn:${AWS::Partition}:iam::${AWS::AccountId}:root' } };

  it('an asymmetric P-256 signing key created without material, retained, its alias too', () => {
    assert.equal(key?.KeySpec, 'ECC_NIST_P256');
    assert.equal(key?.KeyUsage, 'SIGN_VERIFY');
    assert.equal(key?.Origin, 'EXTERNAL');
    assert.equal(key?.EnableKeyRotation, false, 'KMS rotates neither asymmetric keys nor imported material');
    for (const id of ['SigningKey', 'SigningKeyAlias']) {
      assert.equal(t.Resources[id]?.DeletionPolicy, 'Retain', id);
      assert.equal(t.Resources[id]?.UpdateReplacePolicy, 'Retain', id);
    }
    assert.deepEqual(t.Resources.SigningKeyAlias?.Properties, { AliasName: { Ref: 'AliasName' }, TargetKeyId: { Ref: 'SigningKey' } });
    assert.equal(t.Resources.SigningKeyAlias?.Condition, 'WithAlias');
    assert.deepEqual(t.Outputs?.KeyArn, { Description: (t.Outputs?.KeyArn as any).Description, Value: { 'Fn::GetAtt': ['SigningKey', 'Arn'] } });
    assert.ok(t.Outputs?.AliasName);
  });

  it('every key is tagged with its alias from creation: what the function role is granted on, whatever the alias names now', () => {
    assert.deepEqual(key?.Tags, [{ Key: 'asc-token-vending:alias', Value: { Ref: 'AliasName' } }]);
    for (const good of ['alias/asc/main', 'alias/asc-token_vending/Signer-2']) assert.ok(allows(t, 'AliasName', good), good);
    for (const bad of ['asc/main', 'alias/', 'alias/a b', 'alias/asc/', 'alias//x', 'arn:aws:kms:eu-west-1:111122223333:alias/asc/main']) assert.ok(!allows(t, 'AliasName', bad), bad);
  });

  it('no Allow statement names a role as its principal: roles created again keep their access', () => {
    for (const s of statements.filter((s) => s.Effect === 'Allow')) assert.deepEqual(s.Principal, root, s.Sid);
  });

  // The policy as a stack creates it, with one value per kind of principal, so that each statement's principals can
  // be named: the signer roles (two stages), the ops role, the administrators (a role and an SSO permission set).
  const ACCOUNT = '111122223333';
  const arns = {
    signers: [`arn:aws:iam::${ACCOUNT}:role/asc-token-vending-prod-us-east-1-lambdaRole`, `arn:aws:iam::${ACCOUNT}:role/asc-token-vending-staging-us-east-1-lambdaRole`],
    ops: `arn:aws:iam::${ACCOUNT}:role/asc-token-vending-ops`,
    administrators: [`arn:aws:iam::${ACCOUNT}:role/AdminSSO`, `arn:aws:iam::${ACCOUNT}:role/aws-reserved/sso.amazonaws.com/us-east-1/AWSReservedSSO_KeyAdmin_*`],
  };
  const parameters = { AliasName: 'alias/asc/signer', CreateAlias: 'true', SignerRoleArns: arns.signers, OpsRoleArn: arns.ops, AdministratorArns: arns.administrators };
  const resolved = (values: Record<string, string | string[]> = parameters) => resolveIntrinsics(statements, values, { partition: 'aws', account: ACCOUNT, region: 'us-east-1' }) as Statement[];
  const policy = resolved();
  /** The principals a statement is for, by kind: its aws:PrincipalArn condition, or `account` (root, through IAM). */
  const kinds: Record<string, string[]> = { signers: arns.signers, ops: [arns.ops], administrators: arns.administrators, 'signers+ops': [...arns.signers, arns.ops], 'administrators+ops': [...arns.administrators, arns.ops] };
  const kindOf = (value: string | string[]) => Object.entries(kinds).find(([, list]) => JSON.stringify([value].flat()) === JSON.stringify(list))?.[0] ?? `unknown ${JSON.stringify(value)}`;
  const who = (s: Statement) => {
    const arnLike = s.Condition?.ArnLike?.['aws:PrincipalArn'];
    return arnLike === undefined ? 'account' : kindOf(arnLike);
  };
  const opsOf = (s: Statement) => [s.Action].flat().map((a) => a.replace(/^kms:/, ''));

  it('the function only signs (ECDSA_SHA_256 over a digest) and reads metadata; only ops imports, tags the Apple identity and moves the alias; administrators manage the key', () => {
    const allowed = (principal: string) => policy.filter((s) => s.Effect === 'Allow' && who(s) === principal).flatMap(opsOf).sort();
    assert.deepEqual(allowed('signers'), ['DescribeKey', 'GetPublicKey', 'ListResourceTags', 'Sign']);
    assert.deepEqual(allowed('ops'), ['DescribeKey', 'GetParametersForImport', 'GetPublicKey', 'ImportKeyMaterial', 'ListResourceTags', 'Sign', 'TagResource', 'UntagResource', 'UpdateAlias']);
    assert.deepEqual(allowed('administrators'), ['CancelKeyDeletion', 'CreateAlias', 'DeleteAlias', 'DisableKey', 'EnableKey', 'PutKeyPolicy', 'ReplicateKey', 'RevokeGrant', 'ScheduleKeyDeletion', 'TagResource', 'UntagResource', 'UpdateKeyDescription', 'UpdatePrimaryRegion']);
    assert.deepEqual(allowed('account'), ['DescribeKey', 'GetKeyPolicy', 'ListGrants', 'ListKeyPolicies', 'ListResourceTags'], 'every IAM principal of the account: reads only, never the public key');
    for (const s of policy.filter((s) => s.Effect === 'Allow' && opsOf(s).includes('Sign'))) {
      assert.deepEqual(opsOf(s), ['Sign'], `${s.Sid}: Sign alone, so its conditions bind`);
      assert.deepEqual(s.Condition?.StringEquals, { 'kms:SigningAlgorithm': 'ECDSA_SHA_256', 'kms:MessageType': 'DIGEST' }, s.Sid);
    }
    const tags = (sid: string) => policy.find((s) => s.Sid === sid)?.Condition?.['ForAllValues:StringLike'];
    assert.deepEqual(tags('OpsTagsTheAppleIdentity'), { 'kms:TagKeys': 'AscTokenVending:*' });
    assert.deepEqual(tags('AdministratorsTagItsOwnTags'), { 'kms:TagKeys': 'asc-token-vending:*' }, 'administrators never write the Apple identity tags');
  });

  // Every KMS operation, from the SDK's own list, is allowed to the principals named here and no one else, and then
  // denied to everyone else whatever their IAM policy says (the guard an attacker with kms:* meets); or denied to
  // everyone; or named with the reason it needs neither. A new SDK operation fails this test until decided.
  it('classifies every KMS operation: each is allowed to exactly its principals and denied to all others; nobody decrypts or deletes the material (#12.3 for KMS)', () => {
    const allowedTo: Record<string, string[]> = {
      Sign: ['ops', 'signers'],
      GetPublicKey: ['ops', 'signers'],
      DescribeKey: ['account', 'ops', 'signers'],
      ListResourceTags: ['account', 'ops', 'signers'],
      GetKeyPolicy: ['account'],
      ListKeyPolicies: ['account'],
      ListGrants: ['account'],
      GetParametersForImport: ['ops'],
      ImportKeyMaterial: ['ops'],
      UpdateAlias: ['ops'],
      TagResource: ['administrators', 'ops'],
      UntagResource: ['administrators', 'ops'],
      PutKeyPolicy: ['administrators'],
      UpdateKeyDescription: ['administrators'],
      EnableKey: ['administrators'],
      DisableKey: ['administrators'],
      CreateAlias: ['administrators'],
      DeleteAlias: ['administrators'],
      RevokeGrant: ['administrators'],
      ScheduleKeyDeletion: ['administrators'],
      CancelKeyDeletion: ['administrators'],
      // A multi-Region key's replicas (docs/two-regions.md): a replica is made with a key policy of its creator's choosing.
      ReplicateKey: ['administrators'],
      UpdatePrimaryRegion: ['administrators'],
    };
    // Who the unconditional guard lets through (the Deny whose only condition is ArnNotLike aws:PrincipalArn).
    const guardedFor: Record<string, string> = {
      Sign: 'signers+ops',
      GetPublicKey: 'signers+ops',
      GetParametersForImport: 'ops',
      ImportKeyMaterial: 'ops',
      UpdateAlias: 'ops',
      TagResource: 'administrators+ops',
      UntagResource: 'administrators+ops',
      PutKeyPolicy: 'administrators',
      UpdateKeyDescription: 'administrators',
      EnableKey: 'administrators',
      DisableKey: 'administrators',
      CreateAlias: 'administrators',
      DeleteAlias: 'administrators',
      RevokeGrant: 'administrators',
      ScheduleKeyDeletion: 'administrators',
      CancelKeyDeletion: 'administrators',
      ReplicateKey: 'administrators',
      UpdatePrimaryRegion: 'administrators',
    };
    const deniedToAll = ['Decrypt', 'ReEncrypt', 'GenerateDataKey', 'GenerateDataKeyPair', 'GenerateDataKeyPairWithoutPlaintext', 'GenerateDataKeyWithoutPlaintext', 'DeleteImportedKeyMaterial'];
    const needsNoGrant: Record<string, string> = {
      CreateGrant: 'denied unless for an AWS resource (GrantsOnlyForAwsServices); nothing here needs a grant',
      RetireGrant: 'acts on grants, of which there are none',
      ListRetirableGrants: 'no key resource',
      Verify: 'anyone can verify with the public key; the service verifies locally',
      Encrypt: 'not an operation of a SIGN_VERIFY key',
      GenerateMac: 'HMAC keys only',
      VerifyMac: 'HMAC keys only',
      DeriveSharedSecret: 'KEY_AGREEMENT keys only',
      Decapsulate: 'KEY_ENCAPSULATION keys only',
      Encapsulate: 'KEY_ENCAPSULATION keys only',
      GenerateRandom: 'no key resource',
      CreateKey: 'no key resource: the stack creates the key',
      ListKeys: 'no key resource',
      ListAliases: 'no key resource',
      EnableKeyRotation: 'unsupported for asymmetric keys and imported material',
      DisableKeyRotation: 'unsupported for asymmetric keys and imported material',
      GetKeyRotationStatus: 'unsupported for asymmetric keys and imported material (CloudFormation reads it back and carries on when refused)',
      ListKeyRotations: 'unsupported for asymmetric keys and imported material',
      RotateKeyOnDemand: 'unsupported for asymmetric keys and imported material',
      GetKeyLastUsage: 'a read of usage: not needed',
      ConnectCustomKeyStore: 'custom key stores only',
      CreateCustomKeyStore: 'custom key stores only',
      DeleteCustomKeyStore: 'custom key stores only',
      DescribeCustomKeyStores: 'custom key stores only',
      DisconnectCustomKeyStore: 'custom key stores only',
      UpdateCustomKeyStore: 'custom key stores only',
    };
    const operations = kmsOperations();
    assert.ok(operations.length >= 50, `the SDK lists ${operations.length} operations`);
    const covers = (s: Statement, operation: string) => [s.Action].flat().some((a) => a === `kms:${operation}` || (a.endsWith('*') && `kms:${operation}`.startsWith(a.slice(0, -1))));
    const holders = (operation: string) => [...new Set(policy.filter((s) => s.Effect === 'Allow' && covers(s, operation)).map(who))].sort();
    const denyAll = policy.find((s) => s.Sid === 'NoDecryptNoMaterialDeletion')!;
    assert.deepEqual([denyAll.Effect, denyAll.Principal, denyAll.Condition], ['Deny', '*', undefined], 'denied to everyone, without exception');
    const guard = (operation: string) =>
      policy
        .filter((s) => s.Effect === 'Deny' && s.Principal === '*' && covers(s, operation) && JSON.stringify(Object.keys(s.Condition ?? {})) === '["ArnNotLike"]' && JSON.stringify(Object.keys(s.Condition!.ArnNotLike!)) === '["aws:PrincipalArn"]')
        .map((s) => kindOf(s.Condition!.ArnNotLike!['aws:PrincipalArn']!));
    for (const operation of operations) {
      if (operation in allowedTo) {
        assert.deepEqual(holders(operation), allowedTo[operation], `kms:${operation} is allowed to exactly these principals`);
        if (operation in guardedFor) assert.deepEqual(guard(operation), [guardedFor[operation]], `kms:${operation} is denied to everyone but ${guardedFor[operation]}, whatever their IAM policy`);
        else assert.deepEqual(allowedTo[operation]!.filter((k) => k !== 'account' && k !== 'ops' && k !== 'signers'), [], `kms:${operation}: a read; what else reads it is named`);
      } else if (deniedToAll.includes(operation)) {
        assert.ok(covers(denyAll, operation), `kms:${operation} is denied to everyone`);
        assert.deepEqual(holders(operation), [], `kms:${operation} is allowed to nobody`);
      } else {
        assert.ok(operation in needsNoGrant, `KMS ${operation} is not classified: decide whether infra/kms-key.yml must allow or deny it`);
        assert.deepEqual(holders(operation), [], `kms:${operation} is allowed to nobody`);
      }
    }
    // The tags: the Apple identity is the ops role's alone, and the ops role writes nothing else.
    const tagDeny = (sid: string) => policy.find((s) => s.Sid === sid)!;
    assert.deepEqual(tagDeny('OnlyOpsWritesTheAppleIdentity').Condition, { 'ForAnyValue:StringLike': { 'kms:TagKeys': 'AscTokenVending:*' }, ArnNotLike: { 'aws:PrincipalArn': arns.ops } });
    assert.deepEqual(tagDeny('OpsWritesOnlyTheAppleIdentity').Condition, { 'ForAnyValue:StringNotLike': { 'kms:TagKeys': 'AscTokenVending:*' }, ArnLike: { 'aws:PrincipalArn': arns.ops } });
  });

  // The same policy, evaluated as AWS does for a request (test/deploy/key-policy.ts), for every KMS operation and
  // each principal with the IAM policy it really has: the attacker of the review (PowerUserAccess's kms:*), an
  // administrator (AdministratorAccess), the ops role (infra/ops-role.yml), the function role (derived from a
  // policy naming the key's alias), and another stage's function role with the same IAM grant.
  describe('evaluated for each principal, every KMS operation', () => {
    const keyArn = `arn:aws:kms:us-east-1:${ACCOUNT}:key/1234abcd-12ab-34cd-56ef-1234567890ab`;
    const resourceTags = { 'aws:ResourceTag/asc-token-vending:alias': 'alias/asc/signer' };
    const tagVariants = ['asc-token-vending:alias', 'ASC-TOKEN-VENDING:alias', 'AscTokenVending:KeyId', 'service'];
    /** Each operation once, TagResource/UntagResource once per tag key, with the context KMS gives it. */
    const requests = () =>
      kmsOperations().flatMap((operation) => {
        if (operation === 'TagResource' || operation === 'UntagResource') return tagVariants.map((tag) => ({ name: `${operation} ${tag}`, action: `kms:${operation}`, context: { 'kms:TagKeys': [tag] } as Context }));
        const context: Context = operation === 'Sign' ? { 'kms:SigningAlgorithm': 'ECDSA_SHA_256', 'kms:MessageType': 'DIGEST' } : operation === 'CreateGrant' ? { 'kms:GrantIsForAWSResource': false, 'aws:PrincipalIsAWSService': false } : {};
        return [{ name: operation, action: `kms:${operation}`, context }];
      });
    const allowedFor = (principalArn: string, iam: (action: string, context: Context) => boolean, values = parameters) =>
      requests()
        .filter(({ action, context }) => evaluateKeyPolicy(resolved(values), { action, principalArn, context: { ...resourceTags, ...context }, identityAllows: iam(action, { ...resourceTags, ...context }) }).decision === 'allow')
        .map((r) => r.name)
        .sort();
    const everything = () => true;
    const reads = ['DescribeKey', 'GetKeyPolicy', 'ListGrants', 'ListKeyPolicies', 'ListResourceTags'];

    it('with kms:* in its IAM policy (PowerUserAccess), any other principal of the account only reads the metadata: no policy change, alias, deletion, tags, import or signature', () => {
      assert.deepEqual(allowedFor(`arn:aws:iam::${ACCOUNT}:role/PowerUser`, everything), reads);
      assert.deepEqual(allowedFor(`arn:aws:iam::${ACCOUNT}:user/developer`, everything), reads);
      // An SSO role of another permission set than the administrators' one.
      assert.deepEqual(allowedFor(`arn:aws:iam::${ACCOUNT}:role/aws-reserved/sso.amazonaws.com/us-east-1/AWSReservedSSO_PowerUser_0123456789abcdef`, everything), reads);
    });

    it('an administrator (AdministratorAccess) manages the key and its own tags, and never signs, imports, writes the Apple identity or moves the alias', () => {
      const expected = [...reads, 'CancelKeyDeletion', 'CreateAlias', 'DeleteAlias', 'DisableKey', 'EnableKey', 'PutKeyPolicy', 'ReplicateKey', 'RevokeGrant', 'ScheduleKeyDeletion', 'TagResource asc-token-vending:alias', 'UntagResource asc-token-vending:alias', 'UpdateKeyDescription', 'UpdatePrimaryRegion'].sort();
      assert.deepEqual(allowedFor(arns.administrators[0]!, everything), expected);
      assert.deepEqual(allowedFor(`arn:aws:iam::${ACCOUNT}:role/aws-reserved/sso.amazonaws.com/us-east-1/AWSReservedSSO_KeyAdmin_a1b2c3d4e5f60718`, everything), expected, 'an SSO session of the named permission set');
      // KMS creates a key only if its creator may change the policy afterwards (its policy lockout safety check):
      // the principal that creates the stack is an administrator, or CloudFormation cannot create the key.
      const deployer = `arn:aws:iam::${ACCOUNT}:role/Deployer`;
      assert.ok(!allowedFor(deployer, everything).includes('PutKeyPolicy'), 'a deployer who is not named cannot create the key');
      assert.ok(allowedFor(deployer, everything, { ...parameters, AdministratorArns: [deployer] }).includes('PutKeyPolicy'));
    });

    it('the ops role (its IAM policy from infra/ops-role.yml) imports, verifies, writes the Apple identity and moves the alias, and nothing else', () => {
      const ops = resolveIntrinsics(infra('ops-role.yml').Resources.OpsRole!.Properties.Policies[0].PolicyDocument.Statement, { KmsAliasPrefix: 'alias/asc/', SecretNamePrefix: 'asc/' }, { partition: 'aws', account: ACCOUNT, region: 'us-east-1' }) as Statement[];
      const iam = (action: string, context: Context) => identityAllows(ops, action, keyArn, context);
      assert.deepEqual(allowedFor(arns.ops, iam), ['DescribeKey', 'GetParametersForImport', 'GetPublicKey', 'ImportKeyMaterial', 'ListResourceTags', 'Sign', 'TagResource AscTokenVending:KeyId', 'UntagResource AscTokenVending:KeyId', 'UpdateAlias']);
    });

    it('the function role signs and reads what it caches; another stage\'s function role, with the same IAM grant, cannot sign with this key', async () => {
      const derivedStatements = (await derived(`version: 1\nkeys:\n  signer: { kmsKeyId: alias/asc/signer, keyId: CCCCCCCCCC, issuerId: 57246542-96fe-1a63-e053-0824d011072a }\nprofiles: {}\n`)).roleStatements;
      const role = resolveIntrinsics(derivedStatements, {}, { partition: 'aws', account: ACCOUNT, region: 'us-east-1' }) as Statement[];
      const iam = (action: string, context: Context) => identityAllows(role, action, keyArn, context);
      for (const signer of arns.signers) assert.deepEqual(allowedFor(signer, iam), ['DescribeKey', 'GetPublicKey', 'ListResourceTags', 'Sign'], signer);
      assert.deepEqual(allowedFor(`arn:aws:iam::${ACCOUNT}:role/asc-token-vending-dev-us-east-1-lambdaRole`, iam), ['DescribeKey', 'ListResourceTags']);
    });
  });

  // docs/keys.md's KMS setup and rotation runbook as the CLI and the service really run them (the calls they send, through
  // the real SDK, to a KMS on loopback: test/helpers/fake-kms.ts), each call then judged by the policy of the key it
  // touched, with the caller's IAM policy: nothing the runbook needs may be refused. Two keys made as the stack makes
  // them, one alias.
  it('the runbook, as the CLI and the service send it, is allowed call by call: import, verify, sign, move the alias, disable the old key', async () => {
    const ISSUER = '57246542-96fe-1a63-e053-0824d011072a';
    const oldKey = generateP256();
    const newKey = generateP256();
    const dir = mkdtempSync(join(tmpdir(), 'asc-kms-policy-'));
    writeFileSync(join(dir, 'AuthKey_OLDKEY0001.p8'), oldKey.pem);
    writeFileSync(join(dir, 'AuthKey_NEWKEY0001.p8'), newKey.pem);
    writeFileSync(join(dir, 'policy.yaml'), `version: 1\nkeys:\n  signer: { kmsKeyId: alias/asc/signer, keyId: OLDKEY0001, issuerId: ${ISSUER} }\nprofiles:\n  release: { key: signer, scope: any, callers: [arn:aws:iam::123456789012:role/Admin] }\n`);
    const kms = await new FakeKms().start();
    const apple = await startFakeApple(new Map([['OLDKEY0001', oldKey.publicKey], ['NEWKEY0001', newKey.publicKey]]));
    const pseudo = { partition: 'aws', account: ACCOUNT, region: 'us-east-1' };
    const opsPolicy = resolveIntrinsics(infra('ops-role.yml').Resources.OpsRole!.Properties.Policies[0].PolicyDocument.Statement, { KmsAliasPrefix: 'alias/asc/', SecretNamePrefix: 'asc/' }, pseudo) as Statement[];
    const functionPolicy = resolveIntrinsics((await derived(readFileSync(join(dir, 'policy.yaml'), 'utf8'))).roleStatements, {}, pseudo) as Statement[];
    const principals = {
      ops: { arn: arns.ops, iam: (action: string, resource: string, context: Context) => identityAllows(opsPolicy, action, resource, context) },
      signer: { arn: arns.signers[0]!, iam: (action: string, resource: string, context: Context) => identityAllows(functionPolicy, action, resource, context) },
      administrator: { arn: arns.administrators[0]!, iam: () => true },
    };
    type Who = keyof typeof principals;
    const judged: string[] = [];
    /** The decision of each key's policy on a request, with the caller's IAM policy; fails on anything but allow. */
    const judge = (who: Who, action: string, key: { arn: string; tags: Map<string, string> }, context: Context = {}) => {
      const full: Context = { ...Object.fromEntries([...key.tags].map(([k, v]) => [`aws:ResourceTag/${k}`, v])), ...context };
      const principal = principals[who];
      return evaluateKeyPolicy(resolved(), { action, principalArn: principal.arn, context: full, identityAllows: principal.iam(action, key.arn, full) });
    };
    /** Runs one step as `who`, then judges every KMS call it sent against the policy of the key it named. */
    const step = async (who: Who, run: () => Promise<unknown>) => {
      const from = kms.calls.length;
      await run();
      const calls = kms.calls.slice(from);
      assert.ok(calls.length > 0, 'the step called KMS');
      for (const { target, body } of calls) {
        if (target === 'ListAliases') continue; // no key resource: IAM alone
        const key = kms.find(body.KeyId ?? body.TargetKeyId);
        const context: Context = target === 'Sign' ? { 'kms:SigningAlgorithm': body.SigningAlgorithm, 'kms:MessageType': body.MessageType } : {};
        if (target === 'TagResource') context['kms:TagKeys'] = body.Tags.map((t: any) => t.TagKey);
        if (target === 'UntagResource') context['kms:TagKeys'] = body.TagKeys;
        const decision = judge(who, `kms:${target}`, key, context);
        assert.equal(decision.decision, 'allow', `${who}: kms:${target} ${JSON.stringify(context)} on ${key.arn}: ${JSON.stringify(decision)}`);
        judged.push(`${who} ${target}`);
      }
    };
    const client = (accessKeyId: string) => new KMS.KMSClient({ endpoint: kms.endpoint, region: 'us-east-1', credentials: { accessKeyId, secretAccessKey: 'x' }, maxAttempts: 1 });
    const opsClient = client('AKIDOPS');
    const cli = async (...argv: string[]) => {
      let out = '';
      const code = await main(argv, { stdout: (t) => (out += t), stderr: (t) => (out += t), env: {}, cwd: dir, now: Date.now }, { kms: opsClient });
      trackOutput(out);
      assert.equal(code, 0, `asc-token ${argv.join(' ')}: ${out}`);
    };
    const mint = async () => {
      const handler = createHandler({
        init: () => createRuntime({ env: { POLICY_FILE: join(dir, 'policy.yaml'), KEY_SOURCE: 'secretsmanager', LOG_LEVEL: 'SILENT' }, sink: trackOutput, clientConfig: { kms: { endpoint: kms.endpoint, region: 'us-east-1', credentials: { accessKeyId: 'AKIDFN', secretAccessKey: 'x' } } } }),
      });
      const response = await handler(withRequest('rest-v1-iam-auth.captured.powertools-ts.json', { method: 'POST', path: '/v1/tokens/release' }), { awsRequestId: 'r' });
      assert.equal(response.statusCode, 200, response.body);
      const token = JSON.parse(response.body).token as string;
      trackToken(token);
      return JSON.parse(Buffer.from(token.split('.')[0]!, 'base64url').toString()).kid as string;
    };
    /** A key as infra/kms-key.yml makes it: EXTERNAL, tagged with its alias; the alias only for the first. */
    const stackKey = (alias?: string) => {
      const key = kms.createKey({ keySpec: 'ECC_NIST_P256', keyUsage: 'SIGN_VERIFY', origin: 'EXTERNAL', ...(alias ? { alias } : {}) });
      key.tags.set('asc-token-vending:alias', 'alias/asc/signer');
      return key;
    };
    try {
      // Setting one up: the stack, then the import as ops, then the function signs.
      const first = stackKey('alias/asc/signer');
      await step('ops', () => cli('keys', 'import', '--kms-key-id', 'alias/asc/signer', '--p8', join(dir, 'AuthKey_OLDKEY0001.p8'), '--issuer-id', ISSUER));
      await step('ops', () => cli('keys', 'verify', '--kms-key-id', 'alias/asc/signer', '--apple-url', apple.url));
      await step('ops', () => cli('keys', 'show', '--kms-key-id', 'alias/asc/signer'));
      await step('signer', async () => assert.equal(await mint(), 'OLDKEY0001'));
      // Rotation: a second stack's key (CreateAlias=false), import and verify by its ARN, move the alias as ops.
      const second = stackKey();
      await step('ops', () => cli('keys', 'import', '--kms-key-id', second.arn, '--p8', join(dir, 'AuthKey_NEWKEY0001.p8'), '--issuer-id', ISSUER));
      await step('ops', () => cli('keys', 'verify', '--kms-key-id', second.arn, '--apple-url', apple.url));
      // UpdateAlias needs both keys' policies (and the alias in IAM: infra/ops-role.yml's KmsSigningKeyAliases).
      await step('ops', () => opsClient.send(new KMS.UpdateAliasCommand({ AliasName: 'alias/asc/signer', TargetKeyId: second.arn })));
      assert.equal(judge('ops', 'kms:UpdateAlias', first).decision, 'allow', 'the alias may leave the old key');
      assert.ok(identityAllows(opsPolicy, 'kms:UpdateAlias', `arn:aws:kms:us-east-1:${ACCOUNT}:alias/asc/signer`), 'and the ops role may move the alias');
      await step('signer', async () => assert.equal(await mint(), 'NEWKEY0001'));
      // The old key: disabled, later scheduled for deletion, by an administrator (the fake has no deletion: judged only).
      await step('administrator', () => client('AKIDADMIN').send(new KMS.DisableKeyCommand({ KeyId: first.arn })));
      for (const action of ['kms:ScheduleKeyDeletion', 'kms:CancelKeyDeletion', 'kms:EnableKey']) assert.equal(judge('administrator', action, first).decision, 'allow', action);
      // A stack update as CloudFormation's KMS handler makes it: the policy, the description, the template's tag.
      // It also removes tags the template does not name; the Apple identity is refused it and stays.
      for (const action of ['kms:PutKeyPolicy', 'kms:UpdateKeyDescription', 'kms:DescribeKey', 'kms:GetKeyPolicy', 'kms:ListResourceTags']) assert.equal(judge('administrator', action, second).decision, 'allow', action);
      assert.equal(judge('administrator', 'kms:TagResource', second, { 'kms:TagKeys': ['asc-token-vending:alias'] }).decision, 'allow');
      assert.equal(judge('administrator', 'kms:UntagResource', second, { 'kms:TagKeys': ['AscTokenVending:KeyId', 'AscTokenVending:IssuerId'] }).decision, 'deny');
      // What was judged: the runbook's calls, each by the principal that makes it.
      for (const call of ['ops DescribeKey', 'ops GetParametersForImport', 'ops ImportKeyMaterial', 'ops TagResource', 'ops UntagResource', 'ops GetPublicKey', 'ops Sign', 'ops ListResourceTags', 'ops UpdateAlias', 'signer DescribeKey', 'signer ListResourceTags', 'signer GetPublicKey', 'signer Sign', 'administrator DisableKey']) {
        assert.ok(judged.includes(call), `the runbook sent ${call}`);
      }
    } finally {
      await kms.stop();
      apple.stop();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
