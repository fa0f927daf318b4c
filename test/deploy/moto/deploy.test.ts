/**
 * docs/deploying.md's steps, followed in order against an AWS emulator: moto's server on a free 127.0.0.1 port
 * (test/deploy/moto/moto_server_plus.py: moto_server plus the CloudFormation types it lacks and the stacks need),
 * account 111122223333, region eu-west-1 — the guide's own values, so its commands run as written. Each fenced
 * `sh` block of docs/deploying.md#deploying runs in bash with the real tools (`npm run deploy` → osls, the AWS CLI's
 * `aws cloudformation deploy`, the asc-token CLI), and the KMS signing key's stack from docs/keys.md#keys-held-by-aws-kms
 * KMS; then the real AWS SDK reads back what was created. Two caller
 * roles, a second deploy, `osls remove` and a deploy after it. Run by `npm run test:deploy`, and by `npm run test:all` last, alone.
 *
 * What moto does not emulate, and where it is checked instead (the template tests, test/deploy/*.test.ts):
 * API Gateway stages (osls then creates the stage through the API), gateway responses, domain names and base path
 * mappings; CloudWatch alarms; SNS subscriptions and topic policies; S3 bucket policies; IAM OIDC providers. moto
 * does not evaluate IAM or resource policies (their content is checked here as stored, and in the templates
 * test), and does not run Lambda code: the handler runs locally in the handler tests.
 */
import { startMotoPlus } from './moto.ts';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before, describe, it } from 'node:test';
import { APIGatewayClient, GetMethodCommand, GetResourcesCommand, GetRestApisCommand } from '@aws-sdk/client-api-gateway';
import { CloudFormationClient, DescribeStacksCommand, ListStackResourcesCommand } from '@aws-sdk/client-cloudformation';
import { CloudWatchClient, GetDashboardCommand } from '@aws-sdk/client-cloudwatch';
import { CloudWatchLogsClient, DescribeLogGroupsCommand } from '@aws-sdk/client-cloudwatch-logs';
import { GetRoleCommand, GetRolePolicyCommand, IAMClient, ListRolePoliciesCommand } from '@aws-sdk/client-iam';
import { DescribeKeyCommand, GetKeyPolicyCommand, KMSClient, ListAliasesCommand, ListResourceTagsCommand } from '@aws-sdk/client-kms';
import { GetAliasCommand, GetFunctionConfigurationCommand, GetPolicyCommand, LambdaClient } from '@aws-sdk/client-lambda';
import { DescribeSecretCommand, GetResourcePolicyCommand, GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { GetTopicAttributesCommand, ListTopicsCommand, SNSClient } from '@aws-sdk/client-sns';
import { startFakeApple } from '../../helpers/fake-apple.ts';
import { generateP256 } from '../../helpers/keys.ts';
import { trackOutput } from '../../helpers/leaks.ts';
import { sectionBlocks } from '../../integrations/readme.ts';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');
const ACCOUNT = '111122223333';
const REGION = 'eu-west-1';
const STAGE = 'prod';
const KEY_ID = 'DEPLOYKEY1';
const ISSUER = '57246542-96fe-1a63-e053-0824d011072a';

let moto: ChildProcess;
let endpoint: string;
let work: string;
let apple: Awaited<ReturnType<typeof startFakeApple>>;
const motoLog: string[] = [];

const blocks = sectionBlocks('docs/deploying.md', 'Deploying', 'sh');
/** The one `sh` block that contains `marker` (docs/deploying.md#deploying, or a section of another guide). */
const block = (marker: string, [file, section] = ['docs/deploying.md', 'Deploying']) => {
  const found = (file === 'docs/deploying.md' ? blocks : sectionBlocks(file!, section!, 'sh')).filter((b) => b.includes(marker));
  assert.equal(found.length, 1, `one ${file} block contains ${marker}`);
  return found[0]!;
};

const env = () => {
  const base = { ...process.env } as Record<string, string | undefined>;
  for (const name of Object.keys(base)) if (/^AWS_/.test(name) || name === 'POLICY_FILE' || name === 'BUILD_POLICY_FILE') delete base[name];
  return { ...base, AWS_ENDPOINT_URL: endpoint, AWS_ACCESS_KEY_ID: 'testing', AWS_SECRET_ACCESS_KEY: 'testing', AWS_REGION: REGION, AWS_DEFAULT_REGION: REGION, AWS_PAGER: '', CI: 'true' };
};

/** Runs a guide's block in bash (errexit, pipefail) in the repository, as a person would paste it. */
async function sh(script: string): Promise<string> {
  const child = spawn('bash', ['-euo', 'pipefail', '-c', script], { cwd: root, env: env(), stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout.on('data', (chunk) => (output += chunk));
  child.stderr.on('data', (chunk) => (output += chunk));
  const code = await new Promise<number | null>((ok) => child.on('close', ok));
  trackOutput(output);
  assert.equal(code, 0, `guide block failed (exit ${code}):\n${script}\n--- output ---\n${output.slice(-4000)}\n--- moto ---\n${motoLog.join('').slice(-3000)}`);
  return output;
}

const clients = () => {
  const config = { endpoint, region: REGION, credentials: { accessKeyId: 'testing', secretAccessKey: 'testing' } };
  return {
    cfn: new CloudFormationClient(config),
    apigw: new APIGatewayClient(config),
    lambda: new LambdaClient(config),
    iam: new IAMClient(config),
    sm: new SecretsManagerClient(config),
    kms: new KMSClient(config),
    sns: new SNSClient(config),
    logs: new CloudWatchLogsClient(config),
    cw: new CloudWatchClient(config),
  };
};
let aws: ReturnType<typeof clients>;

async function stack(name: string) {
  const [found] = (await aws.cfn.send(new DescribeStacksCommand({ StackName: name }))).Stacks ?? [];
  assert.ok(found, `stack ${name}`);
  return found;
}
async function stackResources(name: string) {
  const summaries = (await aws.cfn.send(new ListStackResourcesCommand({ StackName: name }))).StackResourceSummaries ?? [];
  return new Map(summaries.map((r) => [r.LogicalResourceId!, r]));
}
/** The function stack's REST API (moto leaves a removed stack's API behind: found through the stack). */
async function restApi() {
  const id = (await stackResources(`asc-token-vending-${STAGE}`)).get('ApiGatewayRestApi')?.PhysicalResourceId;
  const api = ((await aws.apigw.send(new GetRestApisCommand({}))).items ?? []).find((a) => a.id === id);
  assert.ok(api, `the stack's REST API ${id}`);
  assert.equal(api.name, `asc-token-vending-${STAGE}`);
  return api;
}
async function rolePolicies(roleName: string) {
  const names = (await aws.iam.send(new ListRolePoliciesCommand({ RoleName: roleName }))).PolicyNames ?? [];
  const documents = await Promise.all(names.map(async (name) => JSON.parse(decodeURIComponent((await aws.iam.send(new GetRolePolicyCommand({ RoleName: roleName, PolicyName: name }))).PolicyDocument!))));
  return documents.flatMap((d) => [d.Statement].flat());
}
/** The key an alias points at (ListAliases: moto's DescribeKey fails on keys CloudFormation created). */
async function aliasTarget(name: string) {
  const aliases = (await aws.kms.send(new ListAliasesCommand({}))).Aliases ?? [];
  const target = aliases.find((a) => a.AliasName === name)?.TargetKeyId;
  assert.ok(target, `KMS alias ${name}`);
  return target;
}
/** IAM's ARN glob (`*` any run, `?` one character), for checking a stored policy against a created resource. */
const globMatches = (pattern: string, value: string) => new RegExp(`^${pattern.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.')}$`).test(value);

before(async () => {
  work = mkdtempSync(join(tmpdir(), 'asc-deploy-'));
  const key = generateP256();
  writeFileSync(join(work, `AuthKey_${KEY_ID}.p8`), key.pem);
  apple = await startFakeApple(new Map([[KEY_ID, key.publicKey]]));
  ({ endpoint, process: moto } = await startMotoPlus(ACCOUNT, motoLog));
  aws = clients();
});

after(async () => {
  if (moto && moto.exitCode === null) {
    moto.kill('SIGTERM');
    await new Promise((ok) => moto.once('exit', ok));
  }
  apple?.stop();
  if (work) rmSync(work, { recursive: true, force: true });
});

describe('docs/deploying.md#deploying, step by step, against moto_server', { concurrency: false }, () => {
  it('1. the policy checks', async () => {
    const output = await sh(block('policy check'));
    assert.match(output, /ok|valid/i);
  });

  it('2. the account\'s GitHub OIDC provider stack', async () => {
    await sh(block('infra/github-oidc-provider.yml'));
    const created = await stack('github-oidc-provider');
    assert.match(created.StackStatus!, /_COMPLETE$/);
    assert.deepEqual(created.Tags, [{ Key: 'service', Value: 'asc-token-vending' }]);
    // moto has no AWS::IAM::OIDCProvider in CloudFormation: its template is checked in github-oidc.test.ts.
  });

  it('3. the ops role trusts the one principal, by ARN', async () => {
    await sh(block('infra/ops-role.yml'));
    const role = (await aws.iam.send(new GetRoleCommand({ RoleName: 'asc-token-vending-ops' }))).Role!;
    const trust = JSON.parse(decodeURIComponent(role.AssumeRolePolicyDocument!)).Statement[0];
    assert.deepEqual(trust.Principal, { AWS: `arn:aws:iam::${ACCOUNT}:root` });
    assert.equal(trust.Condition.ArnLike['aws:PrincipalArn'], `arn:aws:iam::${ACCOUNT}:role/AdminSSO`);
    assert.equal(trust.Condition.Bool, undefined, 'no MFA condition unless RequireMfa=true');
  });

  it('4. one key secret per keys entry, each under its own aliased KMS key, with the write guards', async () => {
    await sh(block('infra/key-secret.yml'));
    for (const name of ['main', 'in-app-purchase']) {
      const secret = await aws.sm.send(new DescribeSecretCommand({ SecretId: `asc/${name}` }));
      assert.equal(secret.KmsKeyId, await aliasTarget(`alias/asc-token-vending/asc-${name}`), `asc/${name} is encrypted with its own aliased key`);
      const policy = JSON.parse((await aws.sm.send(new GetResourcePolicyCommand({ SecretId: `asc/${name}` }))).ResourcePolicy!);
      const bySid = Object.fromEntries(policy.Statement.map((s: any) => [s.Sid, s]));
      assert.deepEqual(bySid.OnlyTheFunctionAndOpsRead.Condition.ArnNotLike['aws:PrincipalArn'], [`arn:aws:iam::${ACCOUNT}:role/asc-token-vending-${STAGE}-${REGION}-lambdaRole`, `arn:aws:iam::${ACCOUNT}:role/asc-token-vending-ops`]);
      assert.equal(bySid.OnlyOpsWritesKeyMaterial.Condition.ArnNotLike['aws:PrincipalArn'], `arn:aws:iam::${ACCOUNT}:role/asc-token-vending-ops`);
      assert.ok(bySid.OnlyOpsWritesKeyMaterial.Action.includes('secretsmanager:UpdateSecret'));
      assert.deepEqual(bySid.OnlyAdministratorsChangeProtection.Condition.ArnNotLike['aws:PrincipalArn'], [`arn:aws:iam::${ACCOUNT}:role/AdminSSO`]);
      assert.deepEqual((await stack(`asc-token-vending-key-${name}`)).Tags, [{ Key: 'service', Value: 'asc-token-vending' }]);
    }
  });

  it('4b. a KMS signing key (Keys held by AWS KMS → Setting one up), its policy guarding it against all but its administrators', async () => {
    await sh(block('infra/kms-key.yml', ['docs/keys.md', 'Keys held by AWS KMS']));
    const created = await stack('asc-token-vending-kms-signer');
    assert.match(created.StackStatus!, /_COMPLETE$/);
    const keyId = await aliasTarget('alias/asc/signer');
    const key = (await aws.kms.send(new DescribeKeyCommand({ KeyId: keyId }))).KeyMetadata!;
    assert.deepEqual([key.KeySpec, key.KeyUsage, key.Origin], ['ECC_NIST_P256', 'SIGN_VERIFY', 'EXTERNAL']);
    const tags = (await aws.kms.send(new ListResourceTagsCommand({ KeyId: keyId }))).Tags ?? [];
    assert.ok(tags.some((t) => t.TagKey === 'asc-token-vending:alias' && t.TagValue === 'alias/asc/signer'));
    const policy = JSON.parse((await aws.kms.send(new GetKeyPolicyCommand({ KeyId: keyId, PolicyName: 'default' }))).Policy!);
    const bySid = Object.fromEntries(policy.Statement.map((s: any) => [s.Sid, s]));
    const role = (name: string) => `arn:aws:iam::${ACCOUNT}:role/${name}`;
    assert.deepEqual([bySid.OnlyAdministratorsChangeProtection.Condition.ArnNotLike['aws:PrincipalArn']].flat(), [role('AdminSSO')]);
    assert.ok(bySid.OnlyAdministratorsChangeProtection.Action.includes('kms:PutKeyPolicy') && bySid.OnlyAdministratorsChangeProtection.Action.includes('kms:DeleteAlias'));
    assert.deepEqual([bySid.OnlyOpsImportsAndMovesTheAlias.Condition.ArnNotLike['aws:PrincipalArn']].flat(), [role('asc-token-vending-ops')]);
    assert.deepEqual(bySid.OnlySignersAndOpsUseTheKey.Condition.ArnNotLike['aws:PrincipalArn'], [role(`asc-token-vending-${STAGE}-${REGION}-lambdaRole`), role('asc-token-vending-ops')]);
    assert.deepEqual(bySid.OnlyAdministratorsAndOpsTag.Condition.ArnNotLike['aws:PrincipalArn'], [role('AdminSSO'), role('asc-token-vending-ops')]);
    assert.deepEqual((await stack('asc-token-vending-kms-signer')).Tags, [{ Key: 'service', Value: 'asc-token-vending' }]);
  });

  let firstApiId: string;
  it('5. npm run deploy: the function stack, IAM on every method, behind the live alias, least-privilege role, tagged', async () => {
    await sh(block('npm run deploy --'));
    const created = await stack(`asc-token-vending-${STAGE}`);
    assert.match(created.StackStatus!, /^(CREATE|UPDATE)_COMPLETE$/);
    // Propagated by CloudFormation to every resource that takes tags.
    assert.deepEqual(Object.fromEntries((created.Tags ?? []).map((t) => [t.Key, t.Value])), { service: 'asc-token-vending', stage: STAGE });

    const api = await restApi();
    firstApiId = api.id!;
    const resources = (await aws.apigw.send(new GetResourcesCommand({ restApiId: api.id }))).items ?? [];
    const methods = [];
    for (const resource of resources) {
      for (const method of Object.keys(resource.resourceMethods ?? {})) methods.push({ path: resource.path, ...(await aws.apigw.send(new GetMethodCommand({ restApiId: api.id, resourceId: resource.id, httpMethod: method }))) });
    }
    assert.deepEqual(methods.map((m) => `${m.httpMethod} ${m.path}`).sort(), ['GET /v1/health', 'GET /v1/profiles', 'POST /v1/tokens/{profile}']);
    const aliasArn = `arn:aws:lambda:${REGION}:${ACCOUNT}:function:asc-token-vending-${STAGE}-api:live`;
    for (const method of methods) {
      assert.equal(method.authorizationType, 'AWS_IAM', method.path);
      assert.equal(method.methodIntegration?.uri, `arn:aws:apigateway:${REGION}:lambda:path/2015-03-31/functions/${aliasArn}/invocations`);
    }

    const fn = await aws.lambda.send(new GetFunctionConfigurationCommand({ FunctionName: `asc-token-vending-${STAGE}-api` }));
    assert.equal(fn.Runtime, 'nodejs22.x');
    // Architectures: moto's CloudFormation ignores it (always x86_64); arm64 is asserted on the template.
    assert.equal(fn.Handler, 'dist/handler.handler');
    assert.equal(fn.Timeout, 10);
    assert.deepEqual(fn.Environment?.Variables, { KEY_CACHE_TTL_SECONDS: '300', KEY_STALE_GRACE_SECONDS: '3600', IAT_SKEW_SECONDS: '30', LOG_LEVEL: 'INFO' });
    // TracingConfig: moto's CloudFormation ignores it too (PassThrough); Active is asserted on the template.
    const alias = await aws.lambda.send(new GetAliasCommand({ FunctionName: `asc-token-vending-${STAGE}-api`, Name: 'live' }));
    assert.match(alias.FunctionVersion!, /^[0-9]+$/, 'the alias points at a published version');
    const permission = JSON.parse((await aws.lambda.send(new GetPolicyCommand({ FunctionName: `asc-token-vending-${STAGE}-api`, Qualifier: 'live' }))).Policy!);
    assert.equal(permission.Statement.length, 1, 'one permission on the alias');
    const [invoke] = permission.Statement;
    assert.ok(invoke.Principal?.Service === 'apigateway.amazonaws.com' && invoke.Action === 'lambda:InvokeFunction', 'API Gateway may invoke the alias');
    // This API's deployed stage only, from this account (not API_ID/*/*: no test-invoke-stage, no stage added later).
    assert.equal(invoke.Condition?.ArnLike?.['AWS:SourceArn'], `arn:aws:execute-api:${REGION}:${ACCOUNT}:${api.id}/${STAGE}/*`);
    assert.equal(invoke.Condition?.StringEquals?.['AWS:SourceAccount'], ACCOUNT);

    const roleName = `asc-token-vending-${STAGE}-${REGION}-lambdaRole`;
    assert.equal(fn.Role, `arn:aws:iam::${ACCOUNT}:role/${roleName}`);
    const statements = await rolePolicies(roleName);
    const read = statements.find((s) => [s.Action].flat().includes('secretsmanager:GetSecretValue'));
    assert.deepEqual([read.Resource].flat(), [`arn:aws:secretsmanager:${REGION}:${ACCOUNT}:secret:asc/main-??????`, `arn:aws:secretsmanager:${REGION}:${ACCOUNT}:secret:asc/in-app-purchase-??????`]);
    for (const name of ['main', 'in-app-purchase']) {
      const { ARN } = await aws.sm.send(new DescribeSecretCommand({ SecretId: `asc/${name}` }));
      assert.ok([read.Resource].flat().some((pattern: string) => globMatches(pattern, ARN!)), `the role's pattern covers the created ${ARN}`);
    }
    const decrypt = statements.find((s) => [s.Action].flat().includes('kms:Decrypt'));
    assert.deepEqual(decrypt.Condition['ForAnyValue:StringEquals']['kms:ResourceAliases'], ['alias/asc-token-vending/asc-main', 'alias/asc-token-vending/asc-in-app-purchase']);
    assert.equal(decrypt.Condition.StringEquals['kms:ViaService'], `secretsmanager.${REGION}.amazonaws.com`);

    const groups = (await aws.logs.send(new DescribeLogGroupsCommand({}))).logGroups ?? [];
    const retention = Object.fromEntries(groups.map((g) => [g.logGroupName, g.retentionInDays]));
    assert.equal(retention[`/aws/lambda/asc-token-vending-${STAGE}-api`], 365);
    assert.equal(retention[`/aws/api-gateway/asc-token-vending-${STAGE}-access`], 90);

    const topics = (await aws.sns.send(new ListTopicsCommand({}))).Topics ?? [];
    const topicArn = topics.map((t) => t.TopicArn!).find((arn) => arn.endsWith(`:asc-token-vending-${STAGE}-alarms`));
    assert.ok(topicArn);
    const topicKey = (await aws.sns.send(new GetTopicAttributesCommand({ TopicArn: topicArn }))).Attributes?.KmsMasterKeyId;
    const resources2 = await stackResources(`asc-token-vending-${STAGE}`);
    assert.equal(topicKey, resources2.get('AlarmTopicKey')?.PhysicalResourceId, 'the alarm topic is encrypted with the stack\'s own key, not alias/aws/sns');

    const dashboard = await aws.cw.send(new GetDashboardCommand({ DashboardName: `asc-token-vending-${STAGE}` }));
    const body = JSON.parse(dashboard.DashboardBody!);
    assert.ok(body.widgets.length >= 8);
    assert.ok(JSON.stringify(body).includes(`arn:aws:cloudwatch:${REGION}:${ACCOUNT}:alarm:asc-token-vending-${STAGE}-api-server-errors`), 'CloudFormation filled in the account');
  });

  it('6. the key import as ops, and its check', async () => {
    const script = block('keys import')
      .replace('AuthKey_KEYID.p8', join(work, `AuthKey_${KEY_ID}.p8`))
      .replace('ISSUER_ID', ISSUER)
      // Apple is not reachable from here: `keys verify` asks a loopback App Store Connect that knows the key.
      .replace('--stage current', `--stage current --apple-url ${apple.url}`);
    await sh(script);
    const current = JSON.parse((await aws.sm.send(new GetSecretValueCommand({ SecretId: 'asc/main' }))).SecretString!);
    assert.equal(current.keyId, KEY_ID);
    assert.equal(current.issuerId, ISSUER);
    assert.ok(apple.requests.length > 0, 'keys verify asked App Store Connect');
  });

  it('7. two caller roles for one repository, each invoking one profile of the API\'s account, then the function deployed again', async () => {
    await sh(block('infra/github-oidc-role.yml'));
    for (const [roleName, profile, subject] of [['github-ios-release', 'release', 'environment:production'], ['github-ios-testflight', 'testflight-readonly', 'ref:refs/heads/main']] as const) {
      const role = (await aws.iam.send(new GetRoleCommand({ RoleName: roleName }))).Role!;
      const trust = JSON.parse(decodeURIComponent(role.AssumeRolePolicyDocument!)).Statement[0];
      assert.equal(trust.Principal.Federated, `arn:aws:iam::${ACCOUNT}:oidc-provider/token.actions.githubusercontent.com`);
      assert.equal(trust.Condition.StringLike['token.actions.githubusercontent.com:sub'], `repo:example/ios-app:${subject}`);
      const [invoke] = await rolePolicies(roleName);
      assert.deepEqual(invoke.Resource, [`arn:aws:execute-api:${REGION}:${ACCOUNT}:*/${STAGE}/POST/v1/tokens/${profile}`, `arn:aws:execute-api:${REGION}:${ACCOUNT}:*/${STAGE}/GET/v1/profiles`]);
      assert.ok(globMatches(invoke.Resource[0], `arn:aws:execute-api:${REGION}:${ACCOUNT}:${firstApiId}/${STAGE}/POST/v1/tokens/${profile}`));
      assert.ok(!globMatches(invoke.Resource[0], `arn:aws:execute-api:${REGION}:${ACCOUNT}:${firstApiId}/${STAGE}/POST/v1/tokens/other`));
    }
    await sh(block('npm run deploy --'));
    assert.equal((await restApi()).id, firstApiId, 'a second deploy keeps the API');
  });

  it('removing the function stack keeps keys and callers; deploying again brings the API back for the same roles', async () => {
    await sh(block('osls remove'));
    await assert.rejects(aws.cfn.send(new DescribeStacksCommand({ StackName: `asc-token-vending-${STAGE}` })), /does not exist/);
    // Retained: the secrets with the imported key, their KMS keys, the caller roles.
    assert.equal(JSON.parse((await aws.sm.send(new GetSecretValueCommand({ SecretId: 'asc/main' }))).SecretString!).keyId, KEY_ID);
    assert.ok(await aliasTarget('alias/asc-token-vending/asc-main'));
    await aws.iam.send(new GetRoleCommand({ RoleName: 'github-ios-release' }));

    await sh(block('npm run deploy --'));
    const api = await restApi();
    assert.notEqual(api.id, firstApiId, 'the API was created again, with a new ID');
    const [invoke] = await rolePolicies('github-ios-release');
    assert.ok(globMatches(invoke.Resource[0], `arn:aws:execute-api:${REGION}:${ACCOUNT}:${api.id}/${STAGE}/POST/v1/tokens/release`), 'the caller role still reaches the new API');
    const fn = await aws.lambda.send(new GetFunctionConfigurationCommand({ FunctionName: `asc-token-vending-${STAGE}-api` }));
    const policy = JSON.parse((await aws.sm.send(new GetResourcePolicyCommand({ SecretId: 'asc/main' }))).ResourcePolicy!);
    const readers = policy.Statement.find((s: any) => s.Sid === 'OnlyTheFunctionAndOpsRead').Condition.ArnNotLike['aws:PrincipalArn'];
    assert.ok(readers.includes(fn.Role), 'the secret still names the (new) function role, by ARN');
  });
});
