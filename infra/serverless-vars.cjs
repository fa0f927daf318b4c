// Values serverless.yml derives at package time (osls `${file(...)}`), so that least privilege follows the policy:
// the function may read exactly the secrets infra/policy.yaml names, decrypt only with their own KMS keys, and sign
// only with the KMS keys it names.
// Offline: no AWS call, only pseudo-parameters.
'use strict';
const { readFileSync } = require('node:fs');
const { join } = require('node:path');
const { parse } = require('yaml');

/** The policy the build embeds (scripts/build.ts reads the same variable). */
const policyFileName = () => process.env.BUILD_POLICY_FILE || join(__dirname, 'policy.yaml');

/** The name part of a secret name or ARN (an ARN ends in `:secret:NAME-XXXXXX`). */
function secretName(secretId) {
  if (!secretId.startsWith('arn:')) return secretId;
  return secretId.slice(secretId.indexOf(':secret:') + ':secret:'.length).replace(/-[A-Za-z0-9]{6}$/, '');
}

/** Secret name or ARN → an IAM resource ARN for it. Names get `-??????`: Secrets Manager appends 6 characters. */
function secretArn(secretId) {
  if (secretId.startsWith('arn:')) return secretId;
  return { 'Fn::Sub': `arn:\${AWS::Partition}:secretsmanager:\${AWS::Region}:\${AWS::AccountId}:secret:${secretId}-??????` };
}

/** The alias infra/key-secret.yml gives the secret's KMS key (`/` in the name becomes `-`). */
function secretKeyAlias(secretId) {
  return `alias/asc-token-vending/${secretName(secretId).split('/').join('-')}`;
}

/** A KMS key ID: a UUID, or `mrk-` and 32 hex digits for a multi-Region key. */
const KMS_KEY = /^([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}|mrk-[0-9a-f]{32})$/;

/**
 * What the role may sign with for one `kmsKeyId` (src/policy/policy.ts has validated its shape): a key ID or key ARN
 * names one key; an alias names the keys infra/kms-key.yml made for it, by the tag `asc-token-vending:alias` each
 * carries from its creation — not by `kms:ResourceAliases`, which follows the alias: KMS takes up to five minutes to
 * apply an alias change to authorisation, so during a rotation the old key would lose the grant before the new key
 * gains it, and requests would fail while containers still sign with the old key.
 */
function kmsTarget(kmsKeyId) {
  if (KMS_KEY.test(kmsKeyId)) return { keyArn: { 'Fn::Sub': `arn:\${AWS::Partition}:kms:\${AWS::Region}:\${AWS::AccountId}:key/${kmsKeyId}` } };
  if (kmsKeyId.startsWith('alias/')) return { alias: kmsKeyId, keys: { 'Fn::Sub': 'arn:${AWS::Partition}:kms:${AWS::Region}:${AWS::AccountId}:key/*' } };
  const arn = /^arn:([a-z-]+):kms:([a-z0-9-]+):([0-9]{12}):(key|alias)\/(.+)$/.exec(kmsKeyId);
  if (!arn) throw new Error(`infra/serverless-vars.cjs: kmsKeyId "${kmsKeyId}" is not a key ID, key ARN, alias name or alias ARN`);
  const [, partition, region, account, kind, name] = arn;
  return kind === 'key' ? { keyArn: kmsKeyId } : { alias: `alias/${name}`, keys: `arn:${partition}:kms:${region}:${account}:key/*` };
}

/**
 * What each kind of key entry needs from the function's role. A Secrets Manager key (`secretId`) needs
 * GetSecretValue on the secret and kms:Decrypt, through Secrets Manager, with the secret's own KMS key. A KMS
 * signing key (`kmsKeyId`) needs kms:Sign (ECDSA_SHA_256 over a digest, as src/keys/kms.ts signs) and the metadata
 * the service caches: DescribeKey, GetPublicKey, ListResourceTags.
 */
function keyGrants(keys, policyFile) {
  const grants = { secretArns: [], secretKeyAliases: [], kmsKeyArns: [], kmsAliases: [], kmsAliasKeys: [] };
  for (const [name, key] of Object.entries(keys || {})) {
    if (key && typeof key.secretId === 'string') {
      grants.secretArns.push(secretArn(key.secretId));
      grants.secretKeyAliases.push(secretKeyAlias(key.secretId));
    } else if (key && typeof key.kmsKeyId === 'string') {
      const target = kmsTarget(key.kmsKeyId);
      if (target.keyArn) grants.kmsKeyArns.push(target.keyArn);
      else {
        grants.kmsAliases.push(target.alias);
        if (!grants.kmsAliasKeys.some((k) => JSON.stringify(k) === JSON.stringify(target.keys))) grants.kmsAliasKeys.push(target.keys);
      }
    } else {
      throw new Error(`infra/serverless-vars.cjs: key "${name}" in ${policyFile} has neither secretId nor kmsKeyId; add its IAM grant here before deploying it`);
    }
  }
  return grants;
}

/**
 * The function role's statements, exactly what the policy's keys need: a key source the policy does not use gets
 * no statement at all (IAM refuses a statement without resources).
 */
function roleStatements(grants, kmsSecretCondition) {
  const statements = [];
  if (grants.secretArns.length > 0) {
    // Exactly the secrets infra/policy.yaml names, and nothing else.
    statements.push({ Effect: 'Allow', Action: 'secretsmanager:GetSecretValue', Resource: grants.secretArns });
    // Only the secrets' own KMS keys (the aliases infra/key-secret.yml gives them), only when Secrets Manager asks on
    // the function's behalf, only for those secrets.
    statements.push({
      Effect: 'Allow',
      Action: 'kms:Decrypt',
      Resource: { 'Fn::Sub': 'arn:${AWS::Partition}:kms:${AWS::Region}:${AWS::AccountId}:key/*' },
      Condition: {
        StringEquals: { 'kms:ViaService': { 'Fn::Sub': 'secretsmanager.${AWS::Region}.amazonaws.com' } },
        'ForAnyValue:StringEquals': { 'kms:ResourceAliases': grants.secretKeyAliases },
        StringLike: { 'kms:EncryptionContext:SecretARN': kmsSecretCondition },
      },
    });
  }
  const sign = { StringEquals: { 'kms:SigningAlgorithm': 'ECDSA_SHA_256', 'kms:MessageType': 'DIGEST' } };
  const metadata = ['kms:DescribeKey', 'kms:GetPublicKey', 'kms:ListResourceTags'];
  if (grants.kmsKeyArns.length > 0) {
    statements.push({ Effect: 'Allow', Action: 'kms:Sign', Resource: grants.kmsKeyArns, Condition: sign });
    statements.push({ Effect: 'Allow', Action: metadata, Resource: grants.kmsKeyArns });
  }
  if (grants.kmsAliases.length > 0) {
    const tagged = { 'aws:ResourceTag/asc-token-vending:alias': grants.kmsAliases };
    statements.push({ Effect: 'Allow', Action: 'kms:Sign', Resource: grants.kmsAliasKeys, Condition: { StringEquals: { ...sign.StringEquals, ...tagged } } });
    statements.push({ Effect: 'Allow', Action: metadata, Resource: grants.kmsAliasKeys, Condition: { StringEquals: tagged } });
  }
  return statements;
}

function list(value) {
  return String(value || '')
    .split(',')
    .map((item) => item.trim())
    .filter(Boolean);
}

function bool(name, value) {
  const text = String(value).trim().toLowerCase();
  if (text === 'true') return true;
  if (text === 'false') return false;
  throw new Error(`--param="${name}=${value}": use true or false`);
}

/**
 * The CloudWatch dashboard (DashboardBody): tokens issued by profile and refused by reason (the function's EMF
 * metrics), API latency and errors, key fetches, the function, the alarms, and the latest refusals from the audit
 * log. `${AWS::…}` are filled in by CloudFormation (Fn::Sub), the rest is known at package time.
 */
function dashboard({ region, service, functionName, apiName, stage, alarmNames }) {
  const emf = (metric, dimension) => `SEARCH('{AscTokenVending,${dimension},service} MetricName="${metric}" service="${functionName}"', 'Sum', 300)`;
  const api = (metric, stat, label) => ['AWS/ApiGateway', metric, 'ApiName', apiName, 'Stage', stage, { stat, label }];
  const fn = (metric, stat, label) => ['AWS/Lambda', metric, 'FunctionName', functionName, { stat, label }];
  const metricWidget = (x, y, title, metrics, extra = {}) => ({
    type: 'metric',
    x,
    y,
    width: 8,
    height: 6,
    properties: { title, region, view: 'timeSeries', stacked: false, period: 300, metrics, ...extra },
  });
  const widgets = [
    metricWidget(0, 0, 'Tokens issued, by profile', [[{ expression: emf('TokensIssued', 'profile'), id: 'issued', label: '' }]]),
    metricWidget(8, 0, 'Tokens refused, by reason', [[{ expression: emf('TokensRefused', 'reason'), id: 'refused', label: '' }]]),
    {
      type: 'alarm',
      x: 16,
      y: 0,
      width: 8,
      height: 6,
      properties: { title: 'Alarms', alarms: Object.values(alarmNames).map((name) => `arn:\${AWS::Partition}:cloudwatch:${region}:\${AWS::AccountId}:alarm:${name}`) },
    },
    metricWidget(0, 6, 'API latency (ms)', [api('Latency', 'p50', 'p50'), api('Latency', 'p99', 'p99'), api('IntegrationLatency', 'p99', 'integration p99')]),
    metricWidget(8, 6, 'API requests and errors', [api('Count', 'Sum', 'requests'), api('4XXError', 'Sum', '4XX'), api('5XXError', 'Sum', '5XX')]),
    metricWidget(16, 6, 'Key fetches and KMS signatures', [
      ['AscTokenVending', 'KeyFetchLatency', 'service', functionName, { stat: 'SampleCount', label: 'fetches' }],
      ['AscTokenVending', 'KeyFetchFailures', 'service', functionName, { stat: 'Sum', label: 'failures' }],
      // Keys held by KMS: one Sign per token (src/keys/kms.ts); throttling here is the account's ECC request quota.
      ['AscTokenVending', 'KeySignFailures', 'service', functionName, { stat: 'Sum', label: 'KMS Sign failures' }],
      ['AscTokenVending', 'KeyFetchLatency', 'service', functionName, { stat: 'p99', label: 'latency p99 (ms)', yAxis: 'right' }],
    ]),
    metricWidget(0, 12, 'Function', [
      fn('Invocations', 'Sum', 'invocations'),
      fn('Errors', 'Sum', 'errors'),
      fn('Throttles', 'Sum', 'throttles'),
      fn('Duration', 'Maximum', 'duration max (ms)').map((part) => (typeof part === 'object' ? { ...part, yAxis: 'right' } : part)),
    ]),
    {
      type: 'log',
      x: 8,
      y: 12,
      width: 16,
      height: 6,
      properties: {
        title: 'Latest refusals (audit log)',
        region,
        view: 'table',
        query: `SOURCE '/aws/lambda/${functionName}' | filter level = "AUDIT" and decision = "refused" | fields @timestamp, profile, code, reason, principal, sourceIp, requestId | sort @timestamp desc | limit 20`,
      },
    },
  ];
  return { 'Fn::Sub': JSON.stringify({ start: '-PT6H', periodOverride: 'inherit', widgets }) };
}

module.exports = async ({ resolveVariable }) => {
  const policyFile = policyFileName();
  const policy = parse(readFileSync(policyFile, 'utf8'));
  const grants = keyGrants(policy.keys, policyFile);
  const { secretArns, secretKeyAliases } = grants;
  const accounts = list(await resolveVariable("param:allowedAccounts, ''"));
  const orgId = String(await resolveVariable("param:allowedOrgId, ''")).trim();
  const vpcEndpointId = String(await resolveVariable("param:vpcEndpointId, ''")).trim();
  const customDomainName = String(await resolveVariable("param:customDomainName, ''")).trim();
  const timeout = Number(await resolveVariable('self:provider.timeout'));
  // Only what builds a template needs callers: `osls remove`, `osls deploy list` or `osls rollback` do not.
  const [command, subcommand] = process.argv.slice(2).filter((arg) => !arg.startsWith('-'));
  const buildsTemplate = command === 'package' || (command === 'deploy' && subcommand !== 'list');
  if (buildsTemplate && accounts.length === 0 && !orgId) {
    throw new Error('set --param="allowedAccounts=111122223333,444455556666" and/or --param="allowedOrgId=o-xxxxxxxxxx": the API resource policy allows only those callers');
  }
  for (const account of accounts) {
    if (!/^[0-9]{12}$/.test(account)) throw new Error(`--param="allowedAccounts=…": "${account}" is not a 12-digit account ID`);
  }
  const certificateArn = String(await resolveVariable("param:certificateArn, ''")).trim();
  if (customDomainName && !certificateArn) {
    throw new Error('--param="customDomainName=…" needs --param="certificateArn=arn:aws:acm:REGION:ACCOUNT:certificate/…" (an ACM certificate for it in the deployment region)');
  }
  if (vpcEndpointId && customDomainName) {
    throw new Error('--param="customDomainName=…" is for regional APIs; a private API (vpcEndpointId) is reached through its VPC endpoint');
  }

  // The resource policy: only the named accounts / organisation may invoke, on top of each caller's own IAM
  // permission (execute-api:Invoke); with a VPC endpoint, only through it.
  const resourcePolicy = [];
  if (accounts.length > 0) {
    resourcePolicy.push({ Effect: 'Allow', Principal: { AWS: accounts.map((a) => ({ 'Fn::Sub': `arn:\${AWS::Partition}:iam::${a}:root` })) }, Action: 'execute-api:Invoke', Resource: ['execute-api:/*'] });
  }
  if (orgId) {
    resourcePolicy.push({ Effect: 'Allow', Principal: '*', Action: 'execute-api:Invoke', Resource: ['execute-api:/*'], Condition: { StringEquals: { 'aws:PrincipalOrgID': orgId } } });
  }
  if (vpcEndpointId) {
    resourcePolicy.push({ Effect: 'Deny', Principal: '*', Action: 'execute-api:Invoke', Resource: ['execute-api:/*'], Condition: { StringNotEquals: { 'aws:SourceVpce': vpcEndpointId } } });
  }

  const service = await resolveVariable('self:service');
  const stage = await resolveVariable('sls:stage');
  const region = await resolveVariable('self:provider.region');
  const functionName = `${service}-${stage}-api`;
  const alarmNames = Object.fromEntries(
    ['apiServerErrors', 'apiLatency', 'handledServerErrors', 'functionErrors', 'functionDuration', 'functionThrottles', 'keyFetchFailures', 'refusalSpike'].map((id) => [
      id,
      `${service}-${stage}-${id.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`,
    ]),
  );

  return {
    alarmNames,
    dashboardBody: dashboard({ region, service, functionName, apiName: `${service}-${stage}`, stage, alarmNames }),
    secretArns,
    secretKeyAliases,
    resourcePolicy,
    endpointType: vpcEndpointId ? 'PRIVATE' : 'REGIONAL',
    vpcEndpointIds: vpcEndpointId ? [vpcEndpointId] : undefined,
    kmsSecretCondition: secretArns,
    kmsKeyArns: grants.kmsKeyArns,
    kmsAliases: grants.kmsAliases,
    roleStatements: roleStatements(grants, secretArns),
    tracing: bool('tracing', await resolveVariable("param:tracing, 'true'")),
    apiGatewayCloudWatchRole: bool('apiGatewayCloudWatchRole', await resolveVariable("param:apiGatewayCloudWatchRole, 'false'")),
    // Page before the function times out: 80 % of its timeout, in milliseconds.
    durationAlarmMs: Math.round(timeout * 1000 * 0.8),
  };
};
