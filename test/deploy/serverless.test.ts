/**
 * serverless.yml: the CloudFormation that `osls package` generates offline, so that a careless edit fails CI —
 * auth, runtime and artifact, the function role, the API's policy, throttling and logs, alarms and the dashboard
 * (against the metrics the built bundle really emits), and every variant a parameter switches on. Packaging is
 * slow (a few seconds per variant): this file is in `npm run test:all`, not in `npm test`. The role's derivation
 * from a policy (infra/serverless-vars.cjs) is test/deploy/serverless-vars.test.ts; test/deploy/moto/deploy.test.ts
 * deploys the same templates into an AWS emulator.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { loadPolicyFile } from '../../src/policy/load.ts';
import { FakeSecretsManager } from '../helpers/fake-secrets-manager.ts';
import { withRequest } from '../helpers/fixtures.ts';
import { trackOutput } from '../helpers/leaks.ts';
import { generateP256, secretJson } from '../helpers/keys.ts';
import { actionsOf, infra, ofType, osls, root, run, statementsOf, template, variant, type Template } from './templates.ts';

const out = mkdtempSync(join(tmpdir(), 'asc-package-'));
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
