/**
 * The deployment's security properties, read from the CloudFormation that `osls package` generates offline and
 * from infra/, so that a careless edit fails CI.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before, describe, it } from 'node:test';
import { promisify } from 'node:util';
import { parse, type ScalarTag, type CollectionTag } from 'yaml';
import { loadPolicyFile } from '../../src/policy/load.ts';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const run = promisify(execFile);
const out = mkdtempSync(join(tmpdir(), 'asc-package-'));
type Template = { Resources: Record<string, { Type: string; Properties: Record<string, any>; DeletionPolicy?: string; Condition?: string }>; Outputs?: Record<string, unknown> };

async function osls(dir: string, ...params: string[]) {
  const env = { ...process.env } as Record<string, string | undefined>;
  for (const name of ['AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY', 'AWS_SESSION_TOKEN', 'AWS_PROFILE']) delete env[name];
  return run(process.execPath, [join(root, 'node_modules/osls/bin/serverless.js'), 'package', '--stage', 'ci', '--region', 'eu-west-1', '--package', dir, ...params.map((p) => `--param=${p}`)], { cwd: root, env });
}
const template = (dir: string): Template => JSON.parse(readFileSync(join(dir, 'cloudformation-template-update-stack.json'), 'utf8'));
const ofType = (t: Template, type: string) => Object.entries(t.Resources).filter(([, r]) => r.Type === type);

let cfn: Template;
before(async () => {
  await osls(out);
  cfn = template(out);
});
after(() => rmSync(out, { recursive: true, force: true }));

describe('serverless.yml → CloudFormation', () => {
  it('every API method requires IAM (SigV4) auth, and the routes are exactly the API\'s', () => {
    const methods = ofType(cfn, 'AWS::ApiGateway::Method');
    assert.equal(methods.length, 3);
    for (const [id, method] of methods) assert.equal(method.Properties.AuthorizationType, 'AWS_IAM', id);
    assert.deepEqual(methods.map(([id]) => id).sort(), ['ApiGatewayMethodV1HealthGet', 'ApiGatewayMethodV1ProfilesGet', 'ApiGatewayMethodV1TokensProfileVarPost']);
  });

  it('runs the bundle on nodejs22.x arm64, and ships nothing else', async (t) => {
    const functions = ofType(cfn, 'AWS::Lambda::Function');
    assert.equal(functions.length, 1);
    const fn = functions[0]![1];
    assert.equal(fn.Properties.Runtime, 'nodejs22.x');
    assert.deepEqual(fn.Properties.Architectures, ['arm64']);
    assert.equal(fn.Properties.Handler, 'dist/handler.handler');
    const listing = await run('unzip', ['-Z1', join(out, 'asc-token-vending.zip')]).catch(() => undefined);
    if (listing === undefined) return t.skip('unzip is not installed: the artifact listing was not checked');
    assert.deepEqual(listing.stdout.trim().split('\n'), ['dist/handler.mjs']);
  });

  it('the function role reads exactly the secrets the policy names, decrypts only via Secrets Manager, nothing else', () => {
    const statements = cfn.Resources.IamRoleLambdaExecution?.Properties.Policies.flatMap((p: any) => p.PolicyDocument.Statement) as any[];
    const actions = statements.flatMap((s) => [s.Action].flat()).sort();
    assert.deepEqual(actions, ['kms:Decrypt', 'logs:CreateLogGroup', 'logs:CreateLogStream', 'logs:PutLogEvents', 'logs:TagResource', 'secretsmanager:GetSecretValue']);
    for (const s of statements) assert.equal(s.Effect, 'Allow');
    const read = statements.find((s) => [s.Action].flat().includes('secretsmanager:GetSecretValue'));
    const names = [...loadPolicyFile(join(root, 'infra/policy.yaml')).keys.values()].map((k) => k.secretId);
    assert.deepEqual(read.Resource.map((r: any) => r['Fn::Sub'] ?? r), names.map((n) => `arn:\${AWS::Partition}:secretsmanager:\${AWS::Region}:\${AWS::AccountId}:secret:${n}-??????`));
    const kms = statements.find((s) => [s.Action].flat().includes('kms:Decrypt'));
    assert.deepEqual(kms.Condition.StringEquals['kms:ViaService'], { 'Fn::Sub': 'secretsmanager.${AWS::Region}.amazonaws.com' });
    assert.ok(!JSON.stringify(statements).includes('"*"'), 'no wildcard resource');
  });

  it('the API has a resource policy, stage throttling and access logs; every log group has a retention', () => {
    const api = cfn.Resources.ApiGatewayRestApi?.Properties;
    assert.deepEqual(api?.Policy.Statement[0].Principal, { AWS: [{ 'Fn::Sub': 'arn:${AWS::Partition}:iam::111122223333:root' }] });
    const stage = cfn.Resources.ApiGatewayStage?.Properties;
    assert.ok(stage?.MethodSettings[0].ThrottlingRateLimit > 0 && stage.MethodSettings[0].ThrottlingBurstLimit > 0);
    assert.deepEqual(stage?.AccessLogSetting.DestinationArn, { 'Fn::GetAtt': ['ApiAccessLogGroup', 'Arn'] });
    const groups = ofType(cfn, 'AWS::Logs::LogGroup');
    assert.ok(groups.length >= 2);
    for (const [id, group] of groups) assert.ok(group.Properties.RetentionInDays > 0, id);
  });

  it('alarms on errors, throttles, key fetch failures and refusal spikes, to the alarm topic', () => {
    const alarms = ofType(cfn, 'AWS::CloudWatch::Alarm').map(([, a]) => a.Properties);
    assert.deepEqual(alarms.map((a) => a.MetricName).sort(), ['Errors', 'KeyFetchFailures', 'Throttles', 'TokensRefused']);
    for (const alarm of alarms) assert.deepEqual(alarm.AlarmActions, [{ Ref: 'AlarmTopic' }]);
    const custom = alarms.filter((a) => a.Namespace === 'AscTokenVending');
    for (const alarm of custom) assert.deepEqual(alarm.Dimensions, [{ Name: 'service', Value: 'asc-token-vending-ci-api' }]);
  });

  it('gateway errors are problem+json', () => {
    const responses = ofType(cfn, 'AWS::ApiGateway::GatewayResponse');
    assert.ok(responses.length >= 6);
    for (const [id, response] of responses) {
      assert.equal(response.Properties.ResponseParameters['gatewayresponse.header.Content-Type'], "'application/problem+json'", id);
      assert.match(response.Properties.ResponseTemplates['application/json'], /"code":"[a-z_]+","requestId":"\$context.requestId"/, id);
    }
  });

  it('needs no AWS to resolve: no ${aws:…} variables or unresolved placeholders', () => {
    const text = readFileSync(join(out, 'cloudformation-template-update-stack.json'), 'utf8');
    assert.doesNotMatch(text, /\$\{aws:|\$\{param:|\$\{self:|\$\{opt:/);
  });

  it('a VPC endpoint makes the API private and reachable only through it', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'asc-package-'));
    try {
      await osls(dir, 'vpcEndpointId=vpce-0123456789abcdef0', 'allowedOrgId=o-a1b2c3d4e5');
      const api = template(dir).Resources.ApiGatewayRestApi?.Properties;
      assert.deepEqual(api?.EndpointConfiguration, { Types: ['PRIVATE'], VpcEndpointIds: ['vpce-0123456789abcdef0'] });
      const statements = api?.Policy.Statement;
      assert.ok(statements.some((s: any) => s.Condition?.StringEquals?.['aws:PrincipalOrgID'] === 'o-a1b2c3d4e5'));
      assert.ok(statements.some((s: any) => s.Effect === 'Deny' && s.Condition?.StringNotEquals?.['aws:SourceVpce'] === 'vpce-0123456789abcdef0'));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('refuses to package without allowed callers', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'asc-package-'));
    try {
      const env = { ...process.env };
      const failure = await run(process.execPath, [join(root, 'node_modules/osls/bin/serverless.js'), 'package', '--stage', 'other', '--package', dir], { cwd: root, env }).catch((e) => e);
      assert.notEqual(failure.code ?? 0, 0);
      assert.match(`${failure.stdout}${failure.stderr}`, /allowedAccounts/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

// CloudFormation's short-form intrinsics, read as plain { "Fn::…": value } objects.
const intrinsics = (['Ref', 'Sub', 'GetAtt', 'Join', 'Split', 'If', 'Equals', 'Not', 'Select', 'Condition'] as const).flatMap((name) => {
  const key = name === 'Ref' || name === 'Condition' ? name : `Fn::${name}`;
  const resolve = (value: unknown) => ({ [key]: name === 'GetAtt' && typeof value === 'string' ? value.split('.') : value });
  return [
    { tag: `!${name}`, resolve: (value: string) => resolve(value) } as ScalarTag,
    { tag: `!${name}`, collection: 'seq', resolve: (value: any) => resolve(value.toJSON()) } as CollectionTag,
  ];
});
const infra = (file: string): Template => parse(readFileSync(join(root, 'infra', file), 'utf8'), { customTags: intrinsics });

describe('infra/ templates', () => {
  it('the key secret and its KMS key are retained, rotated, and readable only by the named roles', () => {
    const t = infra('key-secret.yml');
    assert.equal(t.Resources.KeySecret?.DeletionPolicy, 'Retain');
    assert.equal(t.Resources.KeyEncryptionKey?.DeletionPolicy, 'Retain');
    assert.equal(t.Resources.KeyEncryptionKey?.Properties.EnableKeyRotation, true);
    assert.deepEqual(t.Resources.KeySecret?.Properties.KmsKeyId, { Ref: 'KeyEncryptionKey' });
    const statements = t.Resources.KeySecretPolicy?.Properties.ResourcePolicy.Statement;
    const read = statements.find((s: any) => s.Action === 'secretsmanager:GetSecretValue');
    assert.equal(read.Effect, 'Deny');
    assert.ok(read.Condition.ArnNotEquals['aws:PrincipalArn']);
    assert.equal(t.Resources.KeySecretPolicy?.Properties.BlockPublicPolicy, true);
  });

  it('the GitHub OIDC role may invoke exactly one profile\'s path, for one repository', () => {
    const t = infra('github-oidc-role.yml');
    const role = t.Resources.CallerRole?.Properties;
    const trust = role?.AssumeRolePolicyDocument.Statement[0];
    assert.equal(trust.Condition.StringEquals['token.actions.githubusercontent.com:aud'], 'sts.amazonaws.com');
    assert.deepEqual(trust.Condition.StringLike['token.actions.githubusercontent.com:sub'], { 'Fn::Sub': 'repo:${GitHubRepository}:${SubjectFilter}' });
    const statements = role?.Policies[0].PolicyDocument.Statement;
    assert.equal(statements.length, 1);
    assert.equal(statements[0].Action, 'execute-api:Invoke');
    assert.deepEqual(statements[0].Resource.map((r: any) => r['Fn::Sub']), [
      'arn:${AWS::Partition}:execute-api:${AWS::Region}:${AWS::AccountId}:${ApiId}/${Stage}/POST/v1/tokens/${Profile}',
      'arn:${AWS::Partition}:execute-api:${AWS::Region}:${AWS::AccountId}:${ApiId}/${Stage}/GET/v1/profiles',
    ]);
  });

  it('the ops role manages key versions and cannot delete secrets or change policies', () => {
    const t = infra('ops-role.yml');
    const actions = t.Resources.OpsRole?.Properties.Policies[0].PolicyDocument.Statement.flatMap((s: any) => [s.Action].flat());
    assert.deepEqual(actions.filter((a: string) => a.startsWith('secretsmanager:')).sort(), [
      'secretsmanager:DescribeSecret',
      'secretsmanager:GetSecretValue',
      'secretsmanager:PutSecretValue',
      'secretsmanager:UpdateSecretVersionStage',
    ]);
    assert.ok(!actions.some((a: string) => /Delete|Policy|\*$/.test(a.replace('GenerateDataKey*', ''))));
  });
});
