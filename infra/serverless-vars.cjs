// Values serverless.yml derives at package time (osls `${file(...)}`), so that least privilege follows the policy:
// the function may read exactly the secrets infra/policy.yaml names. Offline: no AWS call, only pseudo-parameters.
'use strict';
const { readFileSync } = require('node:fs');
const { join } = require('node:path');
const { parse } = require('yaml');

const policyFile = process.env.BUILD_POLICY_FILE || join(__dirname, 'policy.yaml');

/** Secret name or ARN → an IAM resource ARN for it. Names get `-??????`: Secrets Manager appends 6 characters. */
function secretArn(secretId) {
  if (secretId.startsWith('arn:')) return secretId;
  return { 'Fn::Sub': `arn:\${AWS::Partition}:secretsmanager:\${AWS::Region}:\${AWS::AccountId}:secret:${secretId}-??????` };
}

function list(value) {
  return String(value || '')
    .split(',')
    .map((item) => item.trim())
    .filter(Boolean);
}

module.exports = async ({ resolveVariable }) => {
  const policy = parse(readFileSync(policyFile, 'utf8'));
  const secretArns = Object.values(policy.keys || {}).map((key) => secretArn(key.secretId));
  const accounts = list(await resolveVariable("param:allowedAccounts, ''"));
  const orgId = String(await resolveVariable("param:allowedOrgId, ''")).trim();
  const vpcEndpointId = String(await resolveVariable("param:vpcEndpointId, ''")).trim();
  if (accounts.length === 0 && !orgId) {
    throw new Error('set --param="allowedAccounts=111122223333,444455556666" and/or --param="allowedOrgId=o-xxxxxxxxxx": the API resource policy allows only those callers');
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

  return {
    secretArns,
    resourcePolicy,
    endpointType: vpcEndpointId ? 'PRIVATE' : 'REGIONAL',
    vpcEndpointIds: vpcEndpointId ? [vpcEndpointId] : undefined,
    kmsSecretCondition: secretArns,
  };
};
