/**
 * docs/two-regions.md's deploy steps, followed in order against an AWS emulator in two regions: moto's server on a
 * free 127.0.0.1 port (test/deploy/moto/moto_server_plus.py, which adds the secret's ReplicaRegions and
 * AWS::KMS::ReplicaKey to moto's CloudFormation), started and stopped by PID here, account 111122223333, the page's
 * own values, each fenced `sh` block run in bash with the real tools (`aws cloudformation deploy`, `npm run deploy`
 * → osls, once per region). The KMS import (`keys import --regions`) is the one block not run: moto does not import
 * key material; test/cli/keys-regions.test.ts runs it against a KMS on loopback per region. Then the real AWS SDK
 * reads back each region: the replicated secret under its region's key, the replica signing key with the primary's
 * policy, a function stack per region with its URL and a role reading its own region's copy; and the CLI writes the
 * primary and is refused at the replica. Full lane only (scripts/test.ts FULL_ONLY): it builds and deploys twice.
 */
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before, describe, it } from 'node:test';
import { APIGatewayClient, GetRestApisCommand } from '@aws-sdk/client-api-gateway';
import { CloudFormationClient, DescribeStacksCommand, ListStackResourcesCommand } from '@aws-sdk/client-cloudformation';
import { GetRolePolicyCommand, IAMClient, ListRolePoliciesCommand } from '@aws-sdk/client-iam';
import { DescribeKeyCommand, GetKeyPolicyCommand, KMSClient, ListAliasesCommand, ListResourceTagsCommand } from '@aws-sdk/client-kms';
import { DescribeSecretCommand, GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { generateP256 } from '../../helpers/keys.ts';
import { trackOutput } from '../../helpers/leaks.ts';
import { startMotoPlus } from './moto.ts';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');
const ACCOUNT = '111122223333';
const PRIMARY = 'eu-west-1';
const REPLICA = 'us-east-1';
const ISSUER = '57246542-96fe-1a63-e053-0824d011072a';

let moto: ChildProcess;
let endpoint: string;
let work: string;
const motoLog: string[] = [];

/** The page's fenced `sh` blocks, in order. */
const blocks = [...readFileSync(join(root, 'docs/two-regions.md'), 'utf8').matchAll(/^```sh\n([\s\S]*?)^```$/gm)].map((m) => m[1]!);
const block = (marker: string) => {
  const found = blocks.filter((b) => b.includes(marker));
  assert.equal(found.length, 1, `one docs/two-regions.md block contains ${marker}`);
  return found[0]!;
};

const env = () => {
  const base = { ...process.env } as Record<string, string | undefined>;
  for (const name of Object.keys(base)) if (/^AWS_/.test(name) || name === 'POLICY_FILE' || name === 'BUILD_POLICY_FILE') delete base[name];
  return { ...base, AWS_ENDPOINT_URL: endpoint, AWS_ACCESS_KEY_ID: 'testing', AWS_SECRET_ACCESS_KEY: 'testing', AWS_REGION: PRIMARY, AWS_DEFAULT_REGION: PRIMARY, AWS_PAGER: '', CI: 'true' };
};

/** A block (or a command) in bash (errexit, pipefail) in the repository, as a person would paste it. */
async function sh(script: string, expectCode = 0): Promise<string> {
  const child = spawn('bash', ['-euo', 'pipefail', '-c', script], { cwd: root, env: env(), stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout.on('data', (chunk) => (output += chunk));
  child.stderr.on('data', (chunk) => (output += chunk));
  const code = await new Promise<number | null>((ok) => child.on('close', ok));
  trackOutput(output);
  assert.equal(code, expectCode, `block exited ${code}:\n${script}\n--- output ---\n${output.slice(-4000)}\n--- moto ---\n${motoLog.join('').slice(-3000)}`);
  return output;
}

const client = <T>(Client: new (config: object) => T, region: string) => new Client({ endpoint, region, credentials: { accessKeyId: 'testing', secretAccessKey: 'testing' } });
async function output(region: string, stackName: string, key: string) {
  const [stack] = (await client(CloudFormationClient, region).send(new DescribeStacksCommand({ StackName: stackName }))).Stacks ?? [];
  assert.match(stack?.StackStatus ?? '', /_COMPLETE$/, `${stackName} in ${region}`);
  return stack!.Outputs?.find((o) => o.OutputKey === key)?.OutputValue;
}
async function aliasTarget(region: string, name: string) {
  const aliases = (await client(KMSClient, region).send(new ListAliasesCommand({}))).Aliases ?? [];
  const target = aliases.find((a) => a.AliasName === name)?.TargetKeyId;
  assert.ok(target, `KMS alias ${name} in ${region}`);
  return target;
}
const globMatches = (pattern: string, value: string) => new RegExp(`^${pattern.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.')}$`).test(value);

before(async () => {
  work = mkdtempSync(join(tmpdir(), 'asc-two-regions-deploy-'));
  writeFileSync(join(work, 'AuthKey_TWOREGION1.p8'), generateP256().pem);
  ({ endpoint, process: moto } = await startMotoPlus(ACCOUNT, motoLog));
});

after(async () => {
  if (moto?.pid !== undefined && moto.exitCode === null) {
    const exited = new Promise((ok) => moto.once('exit', ok));
    process.kill(moto.pid, 'SIGTERM');
    await exited;
  }
  if (work) rmSync(work, { recursive: true, force: true });
});

describe('docs/two-regions.md, step by step, against moto_server in two regions', { concurrency: false }, () => {
  it('the page\'s blocks are the ones this test runs (the KMS import aside)', () => {
    assert.equal(blocks.length, 6, 'replica key, secret, KMS key and replica, import, function stacks, URLs');
  });

  it('1. the replica region\'s key, then the secret replicated to it under that key', async () => {
    await sh(block('infra/key-secret-replica.yml'));
    await sh(block('infra/key-secret.yml'));
    const primary = await client(SecretsManagerClient, PRIMARY).send(new DescribeSecretCommand({ SecretId: 'asc/main' }));
    assert.deepEqual(primary.ReplicationStatus?.map((r) => [r.Region, r.KmsKeyId, r.Status]), [[REPLICA, 'alias/asc-token-vending/asc-main', 'InSync']]);
    const replica = await client(SecretsManagerClient, REPLICA).send(new DescribeSecretCommand({ SecretId: 'asc/main' }));
    assert.equal(replica.PrimaryRegion, PRIMARY);
    assert.equal(replica.ARN, primary.ARN!.replace(`:${PRIMARY}:`, `:${REPLICA}:`), 'a replica\'s ARN is its primary\'s but for the region');
    // The replica's key: the alias the secret names, in the replica region, with the primary key's policy.
    const [primaryKey, replicaKey] = [await aliasTarget(PRIMARY, 'alias/asc-token-vending/asc-main'), await aliasTarget(REPLICA, 'alias/asc-token-vending/asc-main')];
    const policyOf = async (region: string, keyId: string) => JSON.parse((await client(KMSClient, region).send(new GetKeyPolicyCommand({ KeyId: keyId, PolicyName: 'default' }))).Policy!);
    const readers = (policy: any) => policy.Statement.find((s: any) => s.Sid === 'ReadersDecryptThroughSecretsManager').Condition.ArnLike['aws:PrincipalArn'];
    const roles = [PRIMARY, REPLICA].map((region) => `arn:aws:iam::${ACCOUNT}:role/asc-token-vending-prod-${region}-lambdaRole`);
    assert.deepEqual(readers(await policyOf(REPLICA, replicaKey)), roles);
    assert.deepEqual(readers(await policyOf(PRIMARY, primaryKey)), roles);
  });

  it('2. the multi-Region signing key and its replica: one key ID, the primary\'s policy, its own tag and alias', async () => {
    await sh(block('infra/kms-replica-key.yml'));
    const primaryId = await aliasTarget(PRIMARY, 'alias/asc/signer');
    const replicaId = await aliasTarget(REPLICA, 'alias/asc/signer');
    // mrk- and 32 hex digits in AWS; moto writes mrk- and a UUID.
    assert.match(primaryId, /^mrk-[0-9a-f-]{32,36}$/);
    assert.equal(replicaId, primaryId, 'a replica has its primary\'s key ID');
    const replica = (await client(KMSClient, REPLICA).send(new DescribeKeyCommand({ KeyId: replicaId }))).KeyMetadata!;
    assert.equal(replica.Arn, `arn:aws:kms:${REPLICA}:${ACCOUNT}:key/${primaryId}`);
    assert.equal(replica.MultiRegion, true);
    const tags = (await client(KMSClient, REPLICA).send(new ListResourceTagsCommand({ KeyId: replicaId }))).Tags ?? [];
    assert.ok(tags.some((t) => t.TagKey === 'asc-token-vending:alias' && t.TagValue === 'alias/asc/signer'), 'the replica carries the tag the function role\'s grant is by');
    const policy = JSON.parse((await client(KMSClient, REPLICA).send(new GetKeyPolicyCommand({ KeyId: replicaId, PolicyName: 'default' }))).Policy!);
    const signers = policy.Statement.find((s: any) => s.Sid === 'OnlySignersAndOpsUseTheKey').Condition.ArnNotLike['aws:PrincipalArn'];
    assert.deepEqual(signers, [`arn:aws:iam::${ACCOUNT}:role/asc-token-vending-prod-${REPLICA}-lambdaRole`, `arn:aws:iam::${ACCOUNT}:role/asc-token-vending-ops`]);
  });

  it('3. a function stack per region, each with its URL and a role that reads its own region\'s copy', async () => {
    await sh(block('npm run deploy --'));
    // The page's URL block runs; moto answers no Outputs for a stack made through a change set (as osls and `aws
    // cloudformation deploy` make them), so each region's URL is checked against its stack's REST API instead, and
    // the ApiBaseUrl expression itself in test/deploy/serverless.test.ts.
    const printed = (await sh(block('ApiBaseUrl'))).trim().split('\n').slice(-2);
    for (const [i, region] of [PRIMARY, REPLICA].entries()) {
      const url = await output(region, 'asc-token-vending-prod', 'ApiBaseUrl');
      if (url === undefined) assert.equal(printed[i], 'None');
      else assert.match(printed[i]!, new RegExp(`^https://[a-z0-9]+\\.execute-api\\.${region}\\.amazonaws\\.com/prod$`), `the ${region} URL names its region`);
      const resources = (await client(CloudFormationClient, region).send(new ListStackResourcesCommand({ StackName: 'asc-token-vending-prod' }))).StackResourceSummaries ?? [];
      const apiId = resources.find((r) => r.LogicalResourceId === 'ApiGatewayRestApi')?.PhysicalResourceId;
      assert.ok(apiId, `the ${region} stack has its own REST API`);
      const api = ((await client(APIGatewayClient, region).send(new GetRestApisCommand({}))).items ?? []).find((a) => a.id === apiId);
      assert.equal(api?.name, 'asc-token-vending-prod', `the API is in ${region}`);
      const roleName = `asc-token-vending-prod-${region}-lambdaRole`;
      const iam = client(IAMClient, region);
      const names = (await iam.send(new ListRolePoliciesCommand({ RoleName: roleName }))).PolicyNames ?? [];
      const statements = (await Promise.all(names.map(async (name) => JSON.parse(decodeURIComponent((await iam.send(new GetRolePolicyCommand({ RoleName: roleName, PolicyName: name }))).PolicyDocument!))))).flatMap((d) => [d.Statement].flat());
      const read = statements.find((s) => [s.Action].flat().includes('secretsmanager:GetSecretValue'));
      const { ARN } = await client(SecretsManagerClient, region).send(new DescribeSecretCommand({ SecretId: 'asc/main' }));
      assert.ok([read.Resource].flat().some((pattern: string) => globMatches(pattern, ARN!)), `${region}'s role reads ${ARN}`);
      assert.ok(![read.Resource].flat().some((pattern: string) => globMatches(pattern, ARN!.replace(`:${region}:`, `:${region === PRIMARY ? REPLICA : PRIMARY}:`))), `${region}'s role reads no other region's copy`);
    }
  });

  it('4. keys import writes the primary and the replica follows; asked of the replica\'s region, it is refused', async () => {
    const p8 = join(work, 'AuthKey_TWOREGION1.p8');
    const imported = await sh(`node dist/cli.mjs keys import --secret-id asc/main --p8 ${p8} --issuer-id ${ISSUER} --promote --region ${PRIMARY}`);
    assert.match(imported, new RegExp(`check: asc-token keys verify --secret-id asc/main --stage current --region ${REPLICA}`));
    const replica = JSON.parse((await client(SecretsManagerClient, REPLICA).send(new GetSecretValueCommand({ SecretId: 'asc/main' }))).SecretString!);
    assert.equal(replica.keyId, 'TWOREGION1');
    const refused = await sh(`node dist/cli.mjs keys import --secret-id asc/main --p8 ${p8} --issuer-id ${ISSUER} --region ${REPLICA}`, 1);
    assert.match(refused, new RegExp(`replica_secret: asc/main in ${REPLICA} is a replica of the secret in ${PRIMARY}`));
  });
});
