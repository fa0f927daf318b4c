// Values serverless.yml derives at package time (osls `${file(...)}`), so that least privilege follows the policy:
// the function role's statements are what each key source of the policy says its keys need (src/policy/iam.ts reads
// src/key-sources/, the same modules the service runs): exactly the secrets infra/policy.yaml names, decryption only
// with their own KMS keys, signing only with the KMS keys it names.
// Offline: no AWS call, only pseudo-parameters.
'use strict';
const { readFileSync } = require('node:fs');
const { join } = require('node:path');


/** The policy the build embeds (scripts/build.ts reads the same variable). */
const policyFileName = () => process.env.BUILD_POLICY_FILE || join(__dirname, 'policy.yaml');

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
      // Keys held by KMS: one Sign per token (src/key-sources/kms-fetcher.ts); throttling here is the account's ECC request quota.
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
  // tsx's ES module API (its CommonJS build of tsImport cannot find its own files in 4.23).
  const { tsImport } = await import('tsx/esm/api');
  const { keyGrants } = await tsImport('../src/policy/iam.ts', __filename);
  const roleStatements = keyGrants(readFileSync(policyFile, 'utf8'), policyFile);
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
    resourcePolicy,
    endpointType: vpcEndpointId ? 'PRIVATE' : 'REGIONAL',
    vpcEndpointIds: vpcEndpointId ? [vpcEndpointId] : undefined,
    roleStatements,
    tracing: bool('tracing', await resolveVariable("param:tracing, 'true'")),
    apiGatewayCloudWatchRole: bool('apiGatewayCloudWatchRole', await resolveVariable("param:apiGatewayCloudWatchRole, 'false'")),
    // Page before the function times out: 80 % of its timeout, in milliseconds.
    durationAlarmMs: Math.round(timeout * 1000 * 0.8),
  };
};
