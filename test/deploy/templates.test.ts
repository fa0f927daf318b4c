/**
 * The deployment's security and operations properties, read from the CloudFormation that `osls package` generates
 * offline and from infra/, so that a careless edit fails CI. test/deploy/moto/deploy.test.ts deploys the same
 * templates into an AWS emulator; this file covers what the emulator cannot (resource types it lacks, IAM
 * evaluation) and every template variant a parameter switches on.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before, describe, it } from 'node:test';
import { promisify } from 'node:util';
import * as KMS from '@aws-sdk/client-kms';
import * as SecretsManager from '@aws-sdk/client-secrets-manager';
import { parse, type ScalarTag, type CollectionTag } from 'yaml';
import { loadPolicyFile } from '../../src/policy/load.ts';
import { FakeSecretsManager } from '../helpers/fake-secrets-manager.ts';
import { FakeKms } from '../helpers/fake-kms.ts';
import { startFakeApple } from '../helpers/fake-apple.ts';
import { main } from '../../src/cli/main.ts';
import { createHandler } from '../../src/handler.ts';
import { createRuntime } from '../../src/runtime.ts';
import { withRequest } from '../helpers/fixtures.ts';
import { trackOutput, trackToken } from '../helpers/leaks.ts';
import { generateP256, secretJson } from '../helpers/keys.ts';
import { evaluateKeyPolicy, identityAllows, resolve as resolveIntrinsics, type Context, type Statement } from './key-policy.ts';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const run = promisify(execFile);
const out = mkdtempSync(join(tmpdir(), 'asc-package-'));
type Resource = { Type: string; Properties: Record<string, any>; DeletionPolicy?: string; UpdateReplacePolicy?: string; Condition?: string; DependsOn?: string | string[] };
type Template = { Parameters?: Record<string, any>; Conditions?: Record<string, unknown>; Resources: Record<string, Resource>; Outputs?: Record<string, any> };

async function osls(dir: string, params: string[] = [], env: Record<string, string> = {}) {
  const base = { ...process.env, ...env } as Record<string, string | undefined>;
  for (const name of ['AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY', 'AWS_SESSION_TOKEN', 'AWS_PROFILE']) delete base[name];
  return run(process.execPath, [join(root, 'node_modules/osls/bin/serverless.js'), 'package', '--stage', 'ci', '--region', 'eu-west-1', '--package', dir, ...params.map((p) => `--param=${p}`)], { cwd: root, env: base });
}
const template = (dir: string): Template => JSON.parse(readFileSync(join(dir, 'cloudformation-template-update-stack.json'), 'utf8'));
const ofType = (t: Template, type: string) => Object.entries(t.Resources).filter(([, r]) => r.Type === type);
const statementsOf = (t: Template) => t.Resources.IamRoleLambdaExecution?.Properties.Policies.flatMap((p: any) => p.PolicyDocument.Statement) as any[];
const actionsOf = (statement: any): string[] => [statement.Action].flat();

/** Package with extra parameters into a temporary directory, and read the template. */
async function variant(params: string[]): Promise<Template> {
  const dir = mkdtempSync(join(tmpdir(), 'asc-package-'));
  try {
    await osls(dir, params);
    return template(dir);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** infra/serverless-vars.cjs on a policy text, as osls calls it with no parameters but allowedAccounts. */
async function derived(policyText: string) {
  const dir = mkdtempSync(join(tmpdir(), 'asc-policy-'));
  const { default: derive } = await import(join(root, 'infra/serverless-vars.cjs'));
  const known: Record<string, unknown> = { 'self:service': 'asc-token-vending', 'sls:stage': 'ci', 'self:provider.region': 'eu-west-1', 'self:provider.timeout': 10, "param:allowedAccounts, ''": '111122223333' };
  // Other parameters resolve to the default written after the comma, as osls would with none given.
  const resolveVariable = async (name: string) => (name in known ? known[name] : name.match(/, '(.*)'$/)?.[1]);
  try {
    process.env.BUILD_POLICY_FILE = join(dir, 'policy.yaml');
    writeFileSync(process.env.BUILD_POLICY_FILE, policyText);
    return await derive({ resolveVariable });
  } finally {
    delete process.env.BUILD_POLICY_FILE;
    rmSync(dir, { recursive: true, force: true });
  }
}


/** Every KMS operation the SDK knows, by name. */
const kmsOperations = () => Object.keys(KMS).filter((name) => name.endsWith('Command') && name !== 'Command' && !name.startsWith('$')).map((name) => name.slice(0, -'Command'.length)).sort();

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

  it('runs the bundle on nodejs22.x arm64 with X-Ray tracing, and ships nothing else', async (t) => {
    const functions = ofType(cfn, 'AWS::Lambda::Function');
    assert.equal(functions.length, 1);
    const fn = functions[0]![1];
    assert.equal(fn.Properties.Runtime, 'nodejs22.x');
    assert.deepEqual(fn.Properties.Architectures, ['arm64']);
    assert.equal(fn.Properties.Handler, 'dist/handler.handler');
    assert.deepEqual(fn.Properties.TracingConfig, { Mode: 'Active' });
    assert.equal(cfn.Resources.ApiGatewayStage?.Properties.TracingEnabled, true);
    const listing = await run('unzip', ['-Z1', join(out, 'asc-token-vending.zip')]).catch(() => undefined);
    if (listing === undefined) return t.skip('unzip is not installed: the artifact listing was not checked');
    // The bundle and the chunks it loads on demand (the KMS client, the SDK's event streams), nothing else.
    const chunks = readdirSync(join(root, 'dist/chunks')).filter((f) => f.endsWith('.mjs')).map((f) => `dist/chunks/${f}`);
    assert.ok(chunks.some((f) => /\/kms-sdk-[A-Z0-9]+\.mjs$/.test(f)), 'the KMS client is a chunk');
    assert.deepEqual(listing.stdout.trim().split('\n').sort(), ['dist/handler.mjs', ...chunks].sort());
  });

  it('the function role reads exactly the secrets the policy names, and decrypts only with their own keys, via Secrets Manager', () => {
    const statements = statementsOf(cfn);
    const actions = statements.flatMap(actionsOf).sort();
    assert.deepEqual(actions, ['kms:Decrypt', 'logs:CreateLogGroup', 'logs:CreateLogStream', 'logs:PutLogEvents', 'logs:TagResource', 'secretsmanager:GetSecretValue', 'xray:PutTelemetryRecords', 'xray:PutTraceSegments']);
    for (const s of statements) assert.equal(s.Effect, 'Allow');
    const read = statements.find((s) => actionsOf(s).includes('secretsmanager:GetSecretValue'));
    const names = [...loadPolicyFile(join(root, 'infra/policy.yaml')).keys.values()].flatMap((k) => (k.source === 'secretsmanager' ? [k.secretId] : []));
    const arns = names.map((n) => `arn:\${AWS::Partition}:secretsmanager:\${AWS::Region}:\${AWS::AccountId}:secret:${n}-??????`);
    assert.deepEqual(read.Resource.map((r: any) => r['Fn::Sub'] ?? r), arns);
    const kms = statements.find((s) => actionsOf(s).includes('kms:Decrypt'));
    assert.deepEqual(kms.Condition.StringEquals['kms:ViaService'], { 'Fn::Sub': 'secretsmanager.${AWS::Region}.amazonaws.com' });
    // Issue #12.3: not any key of the account, only the secrets' own (the aliases infra/key-secret.yml creates).
    assert.deepEqual(kms.Condition['ForAnyValue:StringEquals']['kms:ResourceAliases'], names.map((n) => `alias/asc-token-vending/${n.replaceAll('/', '-')}`));
    assert.deepEqual(kms.Condition.StringLike['kms:EncryptionContext:SecretARN'].map((r: any) => r['Fn::Sub']), arns);
    // X-Ray's two write actions take no resource: the only wildcard.
    for (const s of statements.filter((s) => !actionsOf(s).every((a) => a.startsWith('xray:')))) {
      assert.ok(!JSON.stringify(s.Resource).includes('"*"'), `no wildcard resource: ${JSON.stringify(s)}`);
    }
  });

  it('a key secret named by ARN gets the same alias-limited decrypt, and a key of no known kind refuses to package', async () => {
    const byArn = await derived('version: 1\nkeys:\n  main: { secretId: "arn:aws:secretsmanager:eu-west-1:111122223333:secret:team/asc-main-AbC123" }\nprofiles: {}\n');
    const [read, decrypt] = byArn.roleStatements as any[];
    assert.deepEqual(read.Resource, ['arn:aws:secretsmanager:eu-west-1:111122223333:secret:team/asc-main-AbC123']);
    assert.deepEqual(decrypt.Condition['ForAnyValue:StringEquals']['kms:ResourceAliases'], ['alias/asc-token-vending/team-asc-main']);
    assert.deepEqual(decrypt.Condition.StringLike['kms:EncryptionContext:SecretARN'], ['arn:aws:secretsmanager:eu-west-1:111122223333:secret:team/asc-main-AbC123']);
    // The key sources' own compiler decides (src/key-sources/registry.ts): an entry no source takes is a policy error.
    await assert.rejects(derived('version: 1\nkeys:\n  signer: { vaultPath: x }\nprofiles: {}\n'), /keys\.signer\.vaultPath: unknown field/);
  });

  it('KMS keys (#17): kms:Sign (ECDSA_SHA_256 over a digest) and the metadata on exactly the keys the policy names; no Secrets Manager grant without a secret', async () => {
    const issuer = '57246542-96fe-1a63-e053-0824d011072a';
    const d = await derived(
      `version: 1\nkeys:\n` +
        `  byId: { kmsKeyId: 1234abcd-12ab-34cd-56ef-1234567890ab, keyId: AAAAAAAAAA, issuerId: ${issuer} }\n` +
        `  byArn: { kmsKeyId: "arn:aws:kms:eu-west-1:444455556666:key/mrk-1234abcd12ab34cd56ef1234567890ab", keyId: BBBBBBBBBB, individual: true }\n` +
        `  byAlias: { kmsKeyId: alias/asc/signer, keyId: CCCCCCCCCC, issuerId: ${issuer} }\n` +
        `  byAliasArn: { kmsKeyId: "arn:aws:kms:us-east-1:444455556666:alias/asc/other", keyId: DDDDDDDDDD, issuerId: ${issuer} }\n` +
        `profiles: {}\n`,
    );
    const statements = d.roleStatements as any[];
    assert.ok(!statements.some((s) => JSON.stringify(s).includes('secretsmanager')), 'no secret, no Secrets Manager grant');
    assert.ok(!statements.some((s) => actionsOf(s).includes('kms:Decrypt')));
    assert.deepEqual(statements.flatMap(actionsOf).sort(), ['kms:DescribeKey', 'kms:DescribeKey', 'kms:GetPublicKey', 'kms:GetPublicKey', 'kms:ListResourceTags', 'kms:ListResourceTags', 'kms:Sign', 'kms:Sign']);
    const signing = { 'kms:SigningAlgorithm': 'ECDSA_SHA_256', 'kms:MessageType': 'DIGEST' };
    const keys = [{ 'Fn::Sub': 'arn:${AWS::Partition}:kms:${AWS::Region}:${AWS::AccountId}:key/1234abcd-12ab-34cd-56ef-1234567890ab' }, 'arn:aws:kms:eu-west-1:444455556666:key/mrk-1234abcd12ab34cd56ef1234567890ab'];
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

  it('the API has a resource policy, stage throttling and access logs; the audit log keeps a year, and log encryption is a parameter', () => {
    const api = cfn.Resources.ApiGatewayRestApi?.Properties;
    assert.deepEqual(api?.Policy.Statement[0].Principal, { AWS: [{ 'Fn::Sub': 'arn:${AWS::Partition}:iam::111122223333:root' }] });
    const stage = cfn.Resources.ApiGatewayStage?.Properties;
    assert.ok(stage?.MethodSettings[0].ThrottlingRateLimit > 0 && stage.MethodSettings[0].ThrottlingBurstLimit > 0);
    assert.deepEqual(stage?.AccessLogSetting.DestinationArn, { 'Fn::GetAtt': ['ApiAccessLogGroup', 'Arn'] });
    const groups = ofType(cfn, 'AWS::Logs::LogGroup');
    assert.deepEqual(groups.map(([id]) => id).sort(), ['ApiAccessLogGroup', 'ApiLogGroup']);
    assert.equal(cfn.Resources.ApiLogGroup?.Properties.LogGroupName, '/aws/lambda/asc-token-vending-ci-api');
    assert.equal(cfn.Resources.ApiLogGroup?.Properties.RetentionInDays, 365);
    assert.equal(cfn.Resources.ApiAccessLogGroup?.Properties.RetentionInDays, 90);
    for (const [id, group] of groups) assert.deepEqual(group.Properties.KmsKeyId, { 'Fn::If': ['EncryptLogs', { Ref: 'LogKmsKeyArn' }, { Ref: 'AWS::NoValue' }] }, id);
    assert.equal(cfn.Parameters?.LogKmsKeyArn.Default, '');
  });

  it('API Gateway calls a published version through the live alias (rollback = move the alias)', () => {
    const versions = ofType(cfn, 'AWS::Lambda::Version');
    assert.equal(versions.length, 1);
    const alias = cfn.Resources.ApiLambdaFunctionLiveAlias;
    assert.equal(alias?.Type, 'AWS::Lambda::Alias');
    assert.equal(alias?.Properties.Name, 'live');
    assert.deepEqual(alias?.Properties.FunctionVersion, { 'Fn::GetAtt': [versions[0]![0], 'Version'] });
    for (const [id, method] of ofType(cfn, 'AWS::ApiGateway::Method')) {
      const uri = JSON.stringify(method.Properties.Integration.Uri);
      assert.ok(uri.includes('{"Ref":"ApiLambdaFunctionLiveAlias"}'), `${id} integrates the alias: ${uri}`);
      assert.ok(!uri.includes('"ApiLambdaFunction","Arn"'), `${id} does not integrate the unqualified function`);
    }
    const permissions = ofType(cfn, 'AWS::Lambda::Permission');
    assert.deepEqual(permissions.map(([, p]) => p.Properties.FunctionName), [{ Ref: 'ApiLambdaFunctionLiveAlias' }]);
  });

  // Issue #12 (template review, item 3): whoever invokes the function directly can put any identity into the event.
  // The function's resource policy lets in API Gateway only, for this API's deployed stage (not `*/*`, which the
  // console's test-invoke-stage and any stage added later would match), from this account. IAM principals of the
  // account whose IAM policy allows lambda:InvokeFunction are not stopped by any Lambda permission: SECURITY.md and
  // docs/deployment-checks.md say what the account owner must do about them.
  it('only API Gateway may invoke the function: this API, this stage, this account; nothing in the deployment grants lambda:InvokeFunction', () => {
    const permissions = ofType(cfn, 'AWS::Lambda::Permission');
    assert.equal(permissions.length, 1);
    const { FunctionName, Action, Principal, SourceAccount, SourceArn, ...rest } = permissions[0]![1].Properties;
    assert.deepEqual({ FunctionName, Action, Principal, SourceAccount, rest }, { FunctionName: { Ref: 'ApiLambdaFunctionLiveAlias' }, Action: 'lambda:InvokeFunction', Principal: 'apigateway.amazonaws.com', SourceAccount: { Ref: 'AWS::AccountId' }, rest: {} });
    assert.deepEqual(SourceArn, { 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':execute-api:', { Ref: 'AWS::Region' }, ':', { Ref: 'AWS::AccountId' }, ':', { Ref: 'ApiGatewayRestApi' }, '/ci/*']] });
    // No other way in: no function URL, event source, other permission or resource policy.
    for (const type of ['AWS::Lambda::Url', 'AWS::Lambda::EventSourceMapping', 'AWS::Lambda::ResourcePolicy', 'AWS::Lambda::EventInvokeConfig', 'AWS::Lambda::LayerVersionPermission']) assert.deepEqual(ofType(cfn, type), [], type);
    // No role this deployment creates may invoke (or reconfigure) a function.
    const templates = { serverless: cfn, ...Object.fromEntries(readdirSync(join(root, 'infra')).filter((f) => f.endsWith('.yml')).map((f) => [f, infra(f)])) };
    for (const [name, template] of Object.entries(templates)) {
      for (const [id] of ofType(template, 'AWS::IAM::Role')) {
        const actions = JSON.stringify(template.Resources[id]!.Properties.Policies ?? []);
        assert.ok(!/"lambda:/i.test(actions), `${name} ${id} grants no lambda: action`);
      }
    }
  });

  it('alarms on what callers feel, to the alarm topic', () => {
    const alarms = ofType(cfn, 'AWS::CloudWatch::Alarm').map(([, a]) => a.Properties);
    const watched = alarms.map((a) => a.MetricName ?? a.Metrics.filter((m: any) => m.MetricStat).map((m: any) => m.MetricStat.Metric.MetricName).join('+'));
    assert.deepEqual(watched.sort(), ['5XXError', 'Duration', 'Errors', 'KeyFetchFailures', 'Latency', 'Throttles', 'TokensRefused', 'TokensRefused+TokensRefused+TokensRefused']);
    for (const alarm of alarms) {
      assert.deepEqual(alarm.AlarmActions, [{ Ref: 'AlarmTopic' }], alarm.AlarmName);
      assert.match(alarm.AlarmName, /^asc-token-vending-ci-[a-z0-9-]+$/);
    }
    const api = alarms.filter((a) => a.Namespace === 'AWS/ApiGateway');
    for (const alarm of api) assert.deepEqual(alarm.Dimensions, [{ Name: 'ApiName', Value: 'asc-token-vending-ci' }, { Name: 'Stage', Value: 'ci' }]);
    assert.equal(cfn.Resources.ApiGatewayRestApi?.Properties.Name, 'asc-token-vending-ci', 'the ApiName dimension is the API\'s name');
    assert.equal(alarms.find((a) => a.MetricName === 'Latency')?.ExtendedStatistic, 'p99');
    const duration = alarms.find((a) => a.MetricName === 'Duration');
    const timeout = ofType(cfn, 'AWS::Lambda::Function')[0]![1].Properties.Timeout;
    assert.equal(duration?.Threshold, timeout * 1000 * 0.8);
    const handled = alarms.find((a) => a.Metrics)!;
    assert.deepEqual(handled.Metrics.filter((m: any) => m.MetricStat).map((m: any) => m.MetricStat.Metric.Dimensions[1].Value).sort(), ['internal', 'key_invalid', 'key_unavailable']);
  });

  it('the alarms and the dashboard watch metrics the function really emits (the bundle run with a failing and a bad key)', async () => {
    const fake = await new FakeSecretsManager().start();
    try {
      const key = generateP256();
      fake.create('asc/main', secretJson(key));
      fake.create('asc/in-app-purchase', '{"keyId":"ABCDEFGHIJ","privateKey":"not a key"}');
      const event = (profile: string) => withRequest('rest-v1-iam-auth.captured.powertools-ts.json', { method: 'POST', path: `/v1/tokens/${profile}`, userArn: profile === 'release' ? 'arn:aws:sts::111122223333:assumed-role/release-pipeline/run-1' : 'arn:aws:sts::111122223333:assumed-role/receipts-service/r-1' });
      const script = `const { handler } = await import(${JSON.stringify(join(root, 'dist/handler.mjs'))});
        for (const event of JSON.parse(process.argv[1])) await handler(event, { awsRequestId: 'x' });`;
      const env = { ...process.env } as Record<string, string | undefined>;
      for (const name of ['POLICY_FILE', 'KEY_SOURCE', 'AWS_PROFILE', 'AWS_SESSION_TOKEN']) delete env[name];
      const emit = async (faulty: boolean) => {
        fake.persistentFault = faulty ? { kind: 'error5xx' } : undefined;
        const { stdout } = await run(process.execPath, ['--input-type=module', '-e', script, JSON.stringify([event('release'), event('storekit-server')])], {
          env: { ...env, AWS_REGION: 'eu-west-1', AWS_ACCESS_KEY_ID: 'AKIDTEST', AWS_SECRET_ACCESS_KEY: 'test', AWS_ENDPOINT_URL_SECRETS_MANAGER: fake.endpoint, AWS_LAMBDA_FUNCTION_NAME: 'asc-token-vending-ci-api', LOG_LEVEL: 'INFO' },
        });
        trackOutput(stdout);
        return stdout.split('\n').filter((line) => line.includes('"_aws"')).map((line) => JSON.parse(line));
      };
      const records = [...(await emit(false)), ...(await emit(true))];
      // Every metric an alarm watches in the function's namespace, with its dimension names and values.
      const watched = ofType(cfn, 'AWS::CloudWatch::Alarm').flatMap(([, a]) => (a.Properties.Metrics ? a.Properties.Metrics.filter((m: any) => m.MetricStat).map((m: any) => m.MetricStat.Metric) : [a.Properties]));
      const custom = watched.filter((m) => m.Namespace === 'AscTokenVending');
      assert.ok(custom.length >= 5);
      for (const metric of custom) {
        const names = metric.Dimensions.map((d: any) => d.Name).sort();
        const emitted = records.filter((r) => r._aws.CloudWatchMetrics.some((d: any) => d.Namespace === metric.Namespace && d.Metrics.some((m: any) => m.Name === metric.MetricName) && d.Dimensions.some((set: string[]) => [...set].sort().join() === names.join())));
        assert.ok(emitted.length > 0, `nothing emits ${metric.MetricName} by ${names}`);
        // Values: the service is the function's name; a reason is one the function emitted (internal cannot be
        // provoked from outside, but is the code the same metric carries for an unexpected failure).
        for (const dimension of metric.Dimensions) {
          if (dimension.Name === 'service') assert.ok(emitted.every((r) => r.service === dimension.Value));
          if (dimension.Name === 'reason' && dimension.Value !== 'internal') assert.ok(emitted.some((r) => r.reason === dimension.Value), `no ${metric.MetricName} with reason ${dimension.Value}`);
        }
      }
      // The dashboard's searches name the same metrics and dimensions.
      const body = JSON.parse(cfn.Resources.Dashboard!.Properties.DashboardBody['Fn::Sub']);
      const text = JSON.stringify(body);
      for (const [metric, dimension] of [['TokensIssued', 'profile'], ['TokensRefused', 'reason']] as const) {
        assert.ok(text.includes(`{AscTokenVending,${dimension},service} MetricName=\\"${metric}\\" service=\\"asc-token-vending-ci-api\\"`), metric);
        assert.ok(records.some((r) => r[metric] !== undefined && r[dimension] !== undefined), `${metric} by ${dimension} is emitted`);
      }
      assert.ok(records.some((r) => r.KeyFetchLatency !== undefined && r.service === 'asc-token-vending-ci-api'));
    } finally {
      await fake.stop();
    }
  });

  it('the dashboard shows tokens, latency, key fetches, errors, the alarms and the latest refusals', () => {
    const board = cfn.Resources.Dashboard;
    assert.equal(board?.Type, 'AWS::CloudWatch::Dashboard');
    const body = JSON.parse(board!.Properties.DashboardBody['Fn::Sub']);
    const titles = body.widgets.map((w: any) => w.properties.title);
    assert.deepEqual(titles, ['Tokens issued, by profile', 'Tokens refused, by reason', 'Alarms', 'API latency (ms)', 'API requests and errors', 'Key fetches and KMS signatures', 'Function', 'Latest refusals (audit log)']);
    const alarmNames = ofType(cfn, 'AWS::CloudWatch::Alarm').map(([, a]) => a.Properties.AlarmName).sort();
    const shown = body.widgets.find((w: any) => w.type === 'alarm').properties.alarms.map((arn: string) => arn.split(':alarm:')[1]).sort();
    assert.deepEqual(shown, alarmNames);
    for (const widget of body.widgets) if (widget.type !== 'alarm') assert.equal(widget.properties.region, 'eu-west-1');
    assert.match(body.widgets.at(-1).properties.query, /^SOURCE '\/aws\/lambda\/asc-token-vending-ci-api' \| filter level = "AUDIT" and decision = "refused"/);
    const keys = body.widgets.find((w: any) => w.properties.title === 'Key fetches and KMS signatures').properties.metrics.map((m: any[]) => m[1]);
    assert.deepEqual(keys, ['KeyFetchLatency', 'KeyFetchFailures', 'KeySignFailures', 'KeyFetchLatency'], 'KMS Sign failures (test/handler/kms.test.ts shows the function emits them) beside the key fetches');
  });

  it('the alarm topic can be published to by CloudWatch: a customer-managed key whose policy allows it (not alias/aws/sns)', () => {
    const topic = cfn.Resources.AlarmTopic?.Properties;
    assert.notEqual(topic?.KmsMasterKeyId, 'alias/aws/sns');
    assert.deepEqual(topic?.KmsMasterKeyId, { 'Fn::If': ['CreateAlarmTopicKey', { Ref: 'AlarmTopicKey' }, { 'Fn::If': ['EncryptAlarmTopic', { Ref: 'AlarmTopicKmsKey' }, { Ref: 'AWS::NoValue' }] }] });
    assert.equal(cfn.Parameters?.AlarmTopicKmsKey.Default, 'create');
    const key = cfn.Resources.AlarmTopicKey;
    assert.equal(key?.Condition, 'CreateAlarmTopicKey');
    const cloudwatch = key?.Properties.KeyPolicy.Statement.find((s: any) => s.Principal.Service === 'cloudwatch.amazonaws.com');
    assert.deepEqual(cloudwatch.Action.sort(), ['kms:Decrypt', 'kms:GenerateDataKey*']);
    const publish = cfn.Resources.AlarmTopicPolicy?.Properties.PolicyDocument.Statement.find((s: any) => s.Effect === 'Allow');
    assert.deepEqual([publish.Principal, publish.Action], [{ Service: 'cloudwatch.amazonaws.com' }, 'sns:Publish']);
    const email = cfn.Resources.AlarmEmailSubscription;
    assert.equal(email?.Condition, 'HasAlarmEmail');
    assert.match(cfn.Parameters?.AlarmEmail.Description, /confirm/);
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
    assert.doesNotMatch(text, /\$\{aws:|\$\{param:|\$\{self:|\$\{opt:|\$\{sls:/);
  });

  it('a custom domain gives callers a URL that survives the API being created again', async () => {
    assert.equal(cfn.Resources.ApiDomainName?.Condition, 'HasCustomDomain');
    const t = await variant(['customDomainName=tokens.example.com', 'certificateArn=arn:aws:acm:eu-west-1:111122223333:certificate/0b7c1a2d-1111-2222-3333-444455556666']);
    assert.equal(t.Parameters?.CustomDomainName.Default, 'tokens.example.com');
    assert.deepEqual(t.Resources.ApiDomainName?.Properties.EndpointConfiguration, { Types: ['REGIONAL'] });
    assert.equal(t.Resources.ApiDomainName?.Properties.SecurityPolicy, 'TLS_1_2');
    assert.deepEqual(t.Resources.ApiBasePathMapping?.Properties, { DomainName: { Ref: 'ApiDomainName' }, RestApiId: { Ref: 'ApiGatewayRestApi' }, Stage: 'ci' });
    assert.deepEqual([t.Resources.ApiBasePathMapping?.DependsOn].flat(), ['ApiGatewayStage']);
    assert.deepEqual(t.Outputs?.ApiBaseUrl.Value['Fn::If'][1], { 'Fn::Sub': 'https://${CustomDomainName}' });
    const failure = await variant(['customDomainName=tokens.example.com']).catch((e) => e);
    assert.match(`${failure.stdout}${failure.stderr}`, /needs --param="certificateArn=/);
  });

  it('optional: API Gateway\'s account logging role; tracing off', async () => {
    assert.equal(cfn.Resources.ApiGatewayAccount, undefined);
    const t = await variant(['apiGatewayCloudWatchRole=true', 'tracing=false']);
    assert.deepEqual(t.Resources.ApiGatewayAccount?.Properties.CloudWatchRoleArn, { 'Fn::GetAtt': ['ApiGatewayCloudWatchRole', 'Arn'] });
    assert.deepEqual(t.Resources.ApiGatewayStage?.DependsOn, ['ApiGatewayAccount']);
    assert.equal(t.Resources.ApiGatewayStage?.Properties.TracingEnabled, false);
    assert.equal(ofType(t, 'AWS::Lambda::Function')[0]![1].Properties.TracingConfig, undefined);
    assert.ok(!statementsOf(t).flatMap(actionsOf).some((a) => a.startsWith('xray:')));
  });

  it('a VPC endpoint makes the API private and reachable only through it', async () => {
    const api = (await variant(['vpcEndpointId=vpce-0123456789abcdef0', 'allowedOrgId=o-a1b2c3d4e5'])).Resources.ApiGatewayRestApi?.Properties;
    assert.deepEqual(api?.EndpointConfiguration, { Types: ['PRIVATE'], VpcEndpointIds: ['vpce-0123456789abcdef0'] });
    const statements = api?.Policy.Statement;
    assert.ok(statements.some((s: any) => s.Condition?.StringEquals?.['aws:PrincipalOrgID'] === 'o-a1b2c3d4e5'));
    assert.ok(statements.some((s: any) => s.Effect === 'Deny' && s.Condition?.StringNotEquals?.['aws:SourceVpce'] === 'vpce-0123456789abcdef0'));
  });

  it('refuses to package without allowed callers', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'asc-package-'));
    try {
      const failure = await run(process.execPath, [join(root, 'node_modules/osls/bin/serverless.js'), 'package', '--stage', 'other', '--package', dir], { cwd: root }).catch((e) => e);
      assert.notEqual(failure.code ?? 0, 0);
      assert.match(`${failure.stdout}${failure.stderr}`, /allowedAccounts/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('refuses to package a bundle built from another policy than the one the role is derived from (issue #13.3)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'asc-package-'));
    try {
      const edited = join(dir, 'policy.yaml');
      writeFileSync(edited, `${readFileSync(join(root, 'infra/policy.yaml'), 'utf8')}\n# edited after the build\n`);
      const failure = await osls(join(dir, 'out'), [], { BUILD_POLICY_FILE: edited }).catch((e) => e);
      assert.notEqual(failure.code ?? 0, 0, 'packaging a stale bundle must fail');
      assert.match(`${failure.stdout}${failure.stderr}`, /dist\/handler\.mjs embeds another policy than .*policy\.yaml.*npm run deploy/s);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('npm run package and npm run deploy build first; devEngines match what osls needs', () => {
    const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
    assert.match(pkg.scripts.package, /^npm run build\b.*&& osls package\b/);
    assert.match(pkg.scripts.deploy, /^npm run build\b.*&& osls deploy$/);
    const osls = JSON.parse(readFileSync(join(root, 'node_modules/osls/package.json'), 'utf8'));
    // The deployment tool's Node is the development environment's (devEngines); `engines` is what the package's
    // users need (the CLI and the libraries, test/package/).
    assert.equal(pkg.devEngines.runtime.version, osls.engines.node);
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
/**
 * A parameter's AllowedPattern as CloudFormation applies it: to the whole value of a String, and to each element,
 * space-trimmed, of a CommaDelimitedList ("When applied to a parameter of type CommaDelimitedList, the pattern must
 * match each value in the list": AWS CloudFormation User Guide, Parameters). "parameters that name principals"
 * below checks that cfn-lint reads the patterns the same way.
 */
const allows = (t: Template, parameter: string, value: string) => {
  const { AllowedPattern, Type } = t.Parameters![parameter];
  const pattern = new RegExp(`^(?:${AllowedPattern})$`);
  return Type === 'CommaDelimitedList' ? value.split(',').every((element) => pattern.test(element.trim())) : pattern.test(value);
};

/** The names a value refers to: Refs, and ${Name} inside Fn::Sub strings (pseudo parameters excluded). */
function refsIn(value: unknown, found = new Set<string>()): Set<string> {
  if (Array.isArray(value)) for (const item of value) refsIn(item, found);
  else if (value !== null && typeof value === 'object') {
    for (const [key, inner] of Object.entries(value)) {
      if (key === 'Ref' && typeof inner === 'string' && !inner.startsWith('AWS::')) found.add(inner);
      else if (key === 'Fn::Sub') for (const name of JSON.stringify(inner).matchAll(/\$\{([A-Za-z0-9]+)\}/g)) found.add(name[1]!);
      else refsIn(inner, found);
    }
  }
  return found;
}
/** The parameters a template matches aws:PrincipalArn against, in any condition of any policy. */
function principalParameters(value: unknown, found = new Set<string>()): Set<string> {
  if (Array.isArray(value)) for (const item of value) principalParameters(item, found);
  else if (value !== null && typeof value === 'object') {
    for (const [key, inner] of Object.entries(value)) {
      if (key.toLowerCase() === 'aws:principalarn') refsIn(inner, found);
      else principalParameters(inner, found);
    }
  }
  return found;
}

// Issue #12 (template review, item 2): a parameter matched against aws:PrincipalArn decides who may use a key, a
// secret or a role. Each element must name one principal: a wildcard would hand the key to every role it matches
// (`*`, role/*, or asc-token-vending-*-lambdaRole: every stage's function, a developer's included). Function roles,
// readers and the ops role are roles with a fixed name; administrators and whoever assumes the ops role may be a
// user, or an IAM Identity Center permission-set role, whose generated suffix is the one wildcard allowed.
describe('parameters that name principals (aws:PrincipalArn)', () => {
  const kinds: Record<string, Record<string, 'role' | 'administrator'>> = {
    'github-oidc-provider.yml': {},
    'github-oidc-role.yml': {},
    'key-secret.yml': { ReaderRoleArns: 'role', OpsRoleArn: 'role', AdministratorArns: 'administrator' },
    'kms-key.yml': { SignerRoleArns: 'role', OpsRoleArn: 'role', AdministratorArns: 'administrator' },
    'ops-role.yml': { TrustedPrincipalArn: 'administrator' },
  };
  const role = ['arn:aws:iam::111122223333:role/asc-token-vending-prod-eu-west-1-lambdaRole', 'arn:aws-us-gov:iam::111122223333:role/service-role/asc-token-vending-ops'];
  const administrator = [...role, 'arn:aws:iam::111122223333:user/break-glass', 'arn:aws:iam::111122223333:role/aws-reserved/sso.amazonaws.com/eu-west-1/AWSReservedSSO_Admin_*', 'arn:aws:iam::111122223333:role/aws-reserved/sso.amazonaws.com/AWSReservedSSO_KeyOps_*'];
  const never = [
    '*',
    'arn:aws:iam::111122223333:*',
    'arn:aws:iam::111122223333:role/*',
    'arn:aws:iam::111122223333:role/asc-token-vending-*-lambdaRole',
    'arn:aws:iam::111122223333:role/asc-token-vending-prod-eu-west-1-lambdaRol?',
    'arn:aws:iam::111122223333:role/Admin*',
    'arn:aws:iam::111122223333:role/aws-reserved/sso.amazonaws.com/*/AWSReservedSSO_Admin_*',
    'arn:aws:iam::111122223333:role/aws-reserved/sso.amazonaws.com/eu-west-1/AWSReservedSSO_*',
    'arn:aws:iam::111122223333:role/aws-reserved/*',
    'arn:aws:iam::*:role/asc-token-vending-ops',
    'arn:*:iam::111122223333:role/asc-token-vending-ops',
    'arn:aws:iam::111122223333:root',
    '111122223333',
    'arn:aws:sts::111122223333:assumed-role/asc-token-vending-ops/session',
    'arn:aws:iam::111122223333:role//double-slash',
    'arn:aws:iam::111122223333:role/',
    '',
  ];
  const lists = ['arn:aws:iam::111122223333:role/a,*', 'arn:aws:iam::111122223333:role/a, arn:aws:iam::111122223333:role/*'];

  it('every parameter a template matches aws:PrincipalArn against is known here, by kind', () => {
    const files = readdirSync(join(root, 'infra')).filter((f) => f.endsWith('.yml')).sort();
    assert.deepEqual(files, Object.keys(kinds).sort(), 'a new template: say which of its parameters name principals');
    for (const file of files) assert.deepEqual([...principalParameters(infra(file).Resources)].sort(), Object.keys(kinds[file]!).sort(), file);
  });

  it('each element names one principal: a concrete partition, account and name; the only wildcard an SSO role\'s suffix', () => {
    for (const [file, parameters] of Object.entries(kinds)) {
      const t = infra(file);
      for (const [parameter, kind] of Object.entries(parameters)) {
        const where = `${file} ${parameter}`;
        assert.ok(t.Parameters?.[parameter].AllowedPattern, `${where} has an AllowedPattern`);
        assert.ok(t.Parameters?.[parameter].ConstraintDescription, `${where} says what it wants when refused`);
        assert.equal(t.Parameters?.[parameter].Default, undefined, `${where} has no default`);
        for (const good of kind === 'role' ? role : administrator) assert.ok(allows(t, parameter, good), `${where} accepts ${good}`);
        const refused = kind === 'role' ? [...never, ...administrator.filter((a) => !role.includes(a))] : never;
        for (const bad of refused) assert.ok(!allows(t, parameter, bad), `${where} must refuse ${JSON.stringify(bad)}`);
        if (t.Parameters?.[parameter].Type === 'CommaDelimitedList') {
          assert.ok(allows(t, parameter, `${role[0]},${role[1]}`) && allows(t, parameter, `${role[0]}, ${role[1]}`), `${where} takes a list`);
          for (const bad of lists) assert.ok(!allows(t, parameter, bad), `${where} must refuse ${JSON.stringify(bad)}`);
        }
      }
    }
  });

  it('cfn-lint applies the patterns as this test does: per element of a list, to the whole value', async (t) => {
    const version = await run('cfn-lint', ['--version']).catch(() => undefined);
    if (version === undefined) return t.skip('cfn-lint is not installed');
    // One template with a copy of each parameter per value, the value as its Default: cfn-lint's E2015 flags a
    // Default its AllowedPattern refuses.
    const cases: Array<{ name: string; expected: boolean }> = [];
    const Parameters: Record<string, unknown> = {};
    for (const [file, parameters] of Object.entries(kinds)) {
      const template = infra(file);
      for (const parameter of Object.keys(parameters)) {
        for (const value of [...administrator, ...never, ...lists].filter((v) => v !== '')) {
          const name = `P${cases.length}`;
          const { Type, AllowedPattern } = template.Parameters![parameter];
          Parameters[name] = { Type, AllowedPattern, Default: value };
          cases.push({ name, expected: allows(template, parameter, value) });
        }
      }
    }
    const dir = mkdtempSync(join(tmpdir(), 'asc-patterns-'));
    try {
      const file = join(dir, 'patterns.json');
      writeFileSync(file, JSON.stringify({ AWSTemplateFormatVersion: '2010-09-09', Parameters, Resources: { Topic: { Type: 'AWS::SNS::Topic' } } }));
      const result = await run('cfn-lint', ['-f', 'json', file]).catch((e) => e);
      const refused = new Set((JSON.parse(result.stdout) as any[]).filter((m) => m.Rule.Id === 'E2015').map((m) => m.Location.Path[1]));
      for (const { name, expected } of cases) assert.equal(!refused.has(name), expected, `${name}: ${JSON.stringify(Parameters[name])}`);
      assert.ok(refused.size > 0 && refused.size < cases.length);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('infra/key-secret.yml', () => {
  const t = infra('key-secret.yml');
  const secretPolicy = t.Resources.KeySecretPolicy?.Properties.ResourcePolicy.Statement as any[];
  const denied = (sid: string) => secretPolicy.find((s) => s.Sid === sid);

  it('the key secret, its KMS key and its policy are retained; the key rotates', () => {
    for (const id of ['KeySecret', 'KeyEncryptionKey', 'KeySecretPolicy']) {
      assert.equal(t.Resources[id]?.DeletionPolicy, 'Retain', id);
      assert.equal(t.Resources[id]?.UpdateReplacePolicy, 'Retain', id);
    }
    assert.equal(t.Resources.KeyEncryptionKey?.Properties.EnableKeyRotation, true);
    assert.deepEqual(t.Resources.KeySecret?.Properties.KmsKeyId, { Ref: 'KeyEncryptionKey' });
    assert.equal(t.Resources.KeySecretPolicy?.Properties.BlockPublicPolicy, true);
  });

  it('only the function and ops roles read the key', () => {
    const read = denied('OnlyTheFunctionAndOpsRead');
    assert.equal(read.Effect, 'Deny');
    assert.equal(read.Action, 'secretsmanager:GetSecretValue');
    assert.ok(read.Condition.ArnNotLike['aws:PrincipalArn']);
  });

  // Issue #12.3: every Secrets Manager action, from the SDK's own list, is either denied to all but the ops role
  // (it writes key material or its key, or copies it), denied to all but the named administrators (it changes
  // the guard), or named here with the reason it needs no deny. A new SDK action fails this test until decided.
  it('denies every action that writes key material or its KMS key to everyone but the ops role (issue #12.3)', () => {
    const material = ['PutSecretValue', 'UpdateSecret', 'UpdateSecretVersionStage', 'RotateSecret', 'CancelRotateSecret', 'ReplicateSecretToRegions', 'StopReplicationToReplica'];
    const guard = ['PutResourcePolicy', 'DeleteResourcePolicy', 'DeleteSecret', 'RestoreSecret', 'RemoveRegionsFromReplication'];
    const needsNoDeny: Record<string, string> = {
      GetSecretValue: 'a read: denied to all but the readers and ops by OnlyTheFunctionAndOpsRead',
      BatchGetSecretValue: 'authorised as GetSecretValue on each secret',
      DescribeSecret: 'metadata only',
      ListSecretVersionIds: 'metadata only',
      GetResourcePolicy: 'reads the policy',
      ValidateResourcePolicy: 'no resource',
      ListSecrets: 'no resource',
      GetRandomPassword: 'no resource',
      CreateSecret: 'acts on a new secret, never this one',
      TagResource: 'tags change no value and no key; CloudFormation tags the secret as the deployer',
      UntagResource: 'as TagResource',
    };
    const operations = Object.keys(SecretsManager).filter((name) => name.endsWith('Command') && name !== 'Command' && !name.startsWith('$')).map((name) => name.slice(0, -'Command'.length)).sort();
    assert.ok(operations.length >= 23, `the SDK lists ${operations.length} operations`);
    for (const operation of operations) {
      assert.ok(material.includes(operation) || guard.includes(operation) || operation in needsNoDeny, `Secrets Manager ${operation} is not classified: decide whether infra/key-secret.yml must deny it`);
    }
    const writes = denied('OnlyOpsWritesKeyMaterial');
    assert.equal(writes.Effect, 'Deny');
    assert.equal(writes.Principal, '*');
    assert.deepEqual([...writes.Action].sort(), material.map((a) => `secretsmanager:${a}`).sort());
    assert.deepEqual(writes.Condition, { ArnNotLike: { 'aws:PrincipalArn': { Ref: 'OpsRoleArn' } } });
    const guards = denied('OnlyAdministratorsChangeProtection');
    assert.equal(guards.Effect, 'Deny');
    assert.deepEqual([...guards.Action].sort(), guard.map((a) => `secretsmanager:${a}`).sort());
    assert.deepEqual(guards.Condition, { ArnNotLike: { 'aws:PrincipalArn': { Ref: 'AdministratorArns' } } });
  });

  it('an administrator with IAM permissions only can create the secret under its key (issue #13.2)', () => {
    const statements = t.Resources.KeyEncryptionKey?.Properties.KeyPolicy.Statement as any[];
    const create = statements.find((s) => s.Sid === 'AdministratorsCreateTheSecretThroughSecretsManager');
    assert.deepEqual(create.Principal, { AWS: { 'Fn::Sub': 'arn:${AWS::Partition}:iam::${AWS::AccountId}:root' } });
    assert.ok(create.Action.includes('kms:GenerateDataKey*') && create.Action.includes('kms:Decrypt'));
    assert.deepEqual(create.Condition.StringEquals['kms:ViaService'], { 'Fn::Sub': 'secretsmanager.${AWS::Region}.amazonaws.com' });
    assert.deepEqual(create.Condition.StringLike['kms:EncryptionContext:SecretARN'], { 'Fn::Sub': 'arn:${AWS::Partition}:secretsmanager:${AWS::Region}:${AWS::AccountId}:secret:${SecretName}-??????' });
    assert.deepEqual(create.Condition.ArnLike['aws:PrincipalArn'], { Ref: 'AdministratorArns' });
  });

  // The same class as #12.3 for the secret's KMS key: administration delegated to IAM must not let any principal
  // with kms:* (PowerUserAccess) rewrite the key policy, schedule the key's deletion (after which the secret can never
  // be read again), disable it, or take away the alias the function role's kms:Decrypt is limited to.
  it('its KMS key: only the named administrators change its protection, whatever IAM allows; readers and ops still decrypt through Secrets Manager', () => {
    const ACCOUNT = '111122223333';
    const values = { SecretName: 'asc/main', ReaderRoleArns: [`arn:aws:iam::${ACCOUNT}:role/asc-token-vending-prod-eu-west-1-lambdaRole`], OpsRoleArn: `arn:aws:iam::${ACCOUNT}:role/asc-token-vending-ops`, AdministratorArns: [`arn:aws:iam::${ACCOUNT}:role/AdminSSO`] };
    const policy = resolveIntrinsics(t.Resources.KeyEncryptionKey?.Properties.KeyPolicy.Statement, values, { partition: 'aws', account: ACCOUNT, region: 'eu-west-1' }) as Statement[];
    const decide = (principalArn: string, operation: string, context: Context = {}) => evaluateKeyPolicy(policy, { action: `kms:${operation}`, principalArn, context, identityAllows: true }).decision;
    const attacker = `arn:aws:iam::${ACCOUNT}:role/PowerUser`;
    const protection = ['PutKeyPolicy', 'ScheduleKeyDeletion', 'CancelKeyDeletion', 'DisableKey', 'EnableKey', 'DisableKeyRotation', 'EnableKeyRotation', 'RotateKeyOnDemand', 'CreateAlias', 'DeleteAlias', 'UpdateAlias', 'UpdateKeyDescription', 'TagResource', 'UntagResource', 'RevokeGrant', 'ReplicateKey', 'UpdatePrimaryRegion'];
    for (const operation of protection) {
      assert.equal(decide(attacker, operation), 'deny', `kms:${operation} is refused to a principal with kms:* that is not an administrator`);
      // RotateKeyOnDemand and ReplicateKey are not in AccountAdministration: nobody has them.
      assert.equal(decide(values.AdministratorArns[0]!, operation), ['RotateKeyOnDemand', 'ReplicateKey'].includes(operation) ? 'implicit' : 'allow', `kms:${operation} is the administrators'`);
      assert.equal(decide(values.OpsRoleArn, operation), 'deny', `kms:${operation} is not the ops role's`);
    }
    // What kms:* still gives anyone else: reads, and operations a symmetric AWS_KMS key does not have.
    const harmless: Record<string, string> = { CreateKey: 'no key resource: a new key, never this one', DeleteImportedKeyMaterial: 'an AWS_KMS key has no imported material', GetParametersForImport: 'an AWS_KMS key takes no import', GetPublicKey: 'a symmetric key has none' };
    for (const operation of kmsOperations().filter((o) => decide(attacker, o, { 'kms:GrantIsForAWSResource': false, 'aws:PrincipalIsAWSService': false }) === 'allow')) {
      assert.ok(/^(Describe|Get|List)/.test(operation) || operation in harmless || /CustomKeyStore/.test(operation), `kms:${operation} is allowed to any principal with kms:* in IAM: classify it`);
    }
    const viaSecretsManager = { 'kms:ViaService': 'secretsmanager.eu-west-1.amazonaws.com', 'kms:EncryptionContext:SecretARN': `arn:aws:secretsmanager:eu-west-1:${ACCOUNT}:secret:asc/main-AbC123` };
    assert.equal(decide(values.ReaderRoleArns[0]!, 'Decrypt', viaSecretsManager), 'allow');
    assert.equal(decide(values.OpsRoleArn, 'GenerateDataKey', viaSecretsManager), 'allow');
    assert.equal(decide(attacker, 'Decrypt', viaSecretsManager), 'implicit', 'nobody else decrypts, even through Secrets Manager');
  });

  it('no key policy statement names a role as its principal: a role created again keeps its access (issue #13.6)', () => {
    const statements = t.Resources.KeyEncryptionKey?.Properties.KeyPolicy.Statement as any[];
    for (const s of statements.filter((s) => s.Effect === 'Allow')) assert.deepEqual(s.Principal, { AWS: { 'Fn::Sub': 'arn:${AWS::Partition}:iam::${AWS::AccountId}:root' } }, s.Sid);
    const readers = statements.find((s) => s.Sid === 'ReadersDecryptThroughSecretsManager');
    assert.deepEqual(readers.Condition.ArnLike['aws:PrincipalArn'], { Ref: 'ReaderRoleArns' });
    assert.equal(readers.Action, 'kms:Decrypt');
  });

  it('the key\'s alias is the one the function role\'s kms:Decrypt is limited to, so secret names stay within alias characters', () => {
    assert.deepEqual(t.Resources.KeyEncryptionKeyAlias?.Properties.AliasName, { 'Fn::Sub': ['alias/asc-token-vending/${Name}', { Name: { 'Fn::Join': ['-', { 'Fn::Split': ['/', { Ref: 'SecretName' }] }] } }] });
    assert.ok(allows(t, 'SecretName', 'asc/main'));
    for (const bad of ['asc/main+1', 'asc main', 'a@b', '/asc', 'asc/']) assert.ok(!allows(t, 'SecretName', bad), bad);
  });
});

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
    assert.deepEqual(allowed('administrators'), ['CancelKeyDeletion', 'CreateAlias', 'DeleteAlias', 'DisableKey', 'EnableKey', 'PutKeyPolicy', 'RevokeGrant', 'ScheduleKeyDeletion', 'TagResource', 'UntagResource', 'UpdateKeyDescription']);
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
      ReplicateKey: 'the key is not multi-Region',
      UpdatePrimaryRegion: 'the key is not multi-Region',
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
      const expected = [...reads, 'CancelKeyDeletion', 'CreateAlias', 'DeleteAlias', 'DisableKey', 'EnableKey', 'PutKeyPolicy', 'RevokeGrant', 'ScheduleKeyDeletion', 'TagResource asc-token-vending:alias', 'UntagResource asc-token-vending:alias', 'UpdateKeyDescription'].sort();
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

  // README's KMS setup and rotation runbook as the CLI and the service really run them (the calls they send, through
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

describe('infra/github-oidc-role.yml and github-oidc-provider.yml', () => {
  const t = infra('github-oidc-role.yml');
  const role = t.Resources.CallerRole?.Properties;
  const trust = role?.AssumeRolePolicyDocument.Statement[0];

  it('the role may invoke exactly one profile\'s path, in the API\'s account (ApiAccountId, default: its own) (issue #13.5)', () => {
    assert.equal(trust.Condition.StringEquals['token.actions.githubusercontent.com:aud'], 'sts.amazonaws.com');
    const statements = role?.Policies[0].PolicyDocument.Statement;
    assert.equal(statements.length, 1);
    assert.equal(statements[0].Action, 'execute-api:Invoke');
    assert.deepEqual(statements[0].Resource.map((r: any) => r['Fn::Sub'][0]), [
      'arn:${AWS::Partition}:execute-api:${AWS::Region}:${Account}:${ApiId}/${Stage}/POST/v1/tokens/${Profile}',
      'arn:${AWS::Partition}:execute-api:${AWS::Region}:${Account}:${ApiId}/${Stage}/GET/v1/profiles',
    ]);
    for (const resource of statements[0].Resource) assert.deepEqual(resource['Fn::Sub'][1], { Account: { 'Fn::If': ['OwnAccountApi', { Ref: 'AWS::AccountId' }, { Ref: 'ApiAccountId' }] } });
    assert.equal(t.Parameters?.ApiAccountId.Default, '');
    assert.ok(allows(t, 'ApiAccountId', '444455556666') && !allows(t, 'ApiAccountId', '*'));
    // ApiId defaults to any API of that account and stage, so a redeploy that creates the API again keeps callers.
    assert.equal(t.Parameters?.ApiId.Default, '*');
    assert.ok(allows(t, 'ApiId', 'a1b2c3d4e5') && !allows(t, 'ApiId', 'a1b2c3d4e5/*'));
    for (const bad of ['*', 'a*', 'ci/*']) assert.ok(!allows(t, 'Stage', bad), `Stage ${bad}`);
  });

  it('the account\'s OIDC provider lives in its own retained stack; the role only refers to it (issue #13.4)', () => {
    assert.deepEqual(ofType(t, 'AWS::IAM::OIDCProvider'), []);
    assert.deepEqual(trust.Principal.Federated['Fn::If'][1], { 'Fn::Sub': 'arn:${AWS::Partition}:iam::${AWS::AccountId}:oidc-provider/token.actions.githubusercontent.com' });
    const provider = infra('github-oidc-provider.yml').Resources.GitHubOidcProvider;
    assert.equal(provider?.Type, 'AWS::IAM::OIDCProvider');
    assert.equal(provider?.DeletionPolicy, 'Retain');
    assert.equal(provider?.Properties.Url, 'https://token.actions.githubusercontent.com');
  });

  it('SubjectFilter admits one ref pattern or one environment, never a bare wildcard (issue #12.10)', () => {
    for (const good of ['ref:refs/heads/main', 'ref:refs/tags/v*', 'ref:refs/heads/release/*', 'environment:production', 'environment:Production%3AV1']) assert.ok(allows(t, 'SubjectFilter', good), good);
    for (const bad of ['*', 'ref:*', 'ref:refs/heads/*', 'ref:refs/*', 'pull_request', 'environment:*', 'environment:prod*', 'ref:refs/heads/main:job_workflow_ref:*', 'ref:refs/heads/ma?n', '', 'ref:refs/pull/1/merge']) {
      assert.ok(!allows(t, 'SubjectFilter', bad), `SubjectFilter ${JSON.stringify(bad)} must be refused`);
    }
    assert.ok(allows(t, 'GitHubRepository', 'example/ios-app') && allows(t, 'GitHubRepository', 'example@123/ios-app@456'));
    for (const bad of ['*', 'example/*', '*/ios-app', 'example/ios-app:ref:refs/heads/main']) assert.ok(!allows(t, 'GitHubRepository', bad), bad);
  });

  it('a pinned job_workflow_ref goes into the subject the role requires, without wildcards', () => {
    assert.deepEqual(trust.Condition.StringLike['token.actions.githubusercontent.com:sub'], {
      'Fn::If': ['PinnedWorkflow', { 'Fn::Sub': 'repo:${GitHubRepository}:${SubjectFilter}:job_workflow_ref:${JobWorkflowRef}' }, { 'Fn::Sub': 'repo:${GitHubRepository}:${SubjectFilter}' }],
    });
    assert.ok(allows(t, 'JobWorkflowRef', '') && allows(t, 'JobWorkflowRef', 'example/ios-app/.github/workflows/release.yml@refs/heads/main'));
    for (const bad of ['*', 'example/ios-app/.github/workflows/*.yml@refs/heads/main', 'example/ios-app/.github/workflows/release.yml@*', 'example/ios-app/.github/workflows/release.yml']) assert.ok(!allows(t, 'JobWorkflowRef', bad), bad);
  });
});

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
    assert.deepEqual(keys.Resource, { 'Fn::Sub': 'arn:${AWS::Partition}:kms:${AWS::Region}:${AWS::AccountId}:key/*' });
    const aliases = statements.find((s: any) => s.Sid === 'KmsSigningKeyAliases');
    assert.deepEqual(aliases.Resource, { 'Fn::Sub': 'arn:${AWS::Partition}:kms:${AWS::Region}:${AWS::AccountId}:${KmsAliasPrefix}*' });
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
