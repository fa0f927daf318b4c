// osls plugin: API Gateway calls the function through an alias (`live`) that points at the version this deploy
// published, so a deploy can be rolled back by moving the alias (docs/deploying.md#rolling-back) without a redeploy, and
// every request runs a known, immutable version. The framework otherwise integrates the unqualified function
// ($LATEST).
'use strict';

const ALIAS = 'live';

class LiveAlias {
  constructor(serverless) {
    this.serverless = serverless;
    this.hooks = { 'before:package:finalize': () => this.addAliases() };
  }

  addAliases() {
    const { Resources, Outputs } = this.serverless.service.provider.compiledCloudFormationTemplate;
    const provider = this.serverless.getProvider('aws');
    const stage = provider.getStage();
    for (const functionName of this.serverless.service.getAllFunctions()) {
      const functionId = provider.naming.getLambdaLogicalId(functionName);
      const versionId = Object.keys(Resources).find((id) => Resources[id].Type === 'AWS::Lambda::Version' && Resources[id].Properties.FunctionName?.Ref === functionId);
      if (!versionId) throw new Error(`osls-live-alias: no published version of ${functionId}: keep provider.versionFunctions on`);
      const aliasId = `${functionId}LiveAlias`;
      Resources[aliasId] = {
        Type: 'AWS::Lambda::Alias',
        Properties: {
          FunctionName: { Ref: functionId },
          FunctionVersion: { 'Fn::GetAtt': [versionId, 'Version'] },
          Name: ALIAS,
          Description: 'What API Gateway invokes; move it to an earlier version to roll back',
        },
      };
      const unqualified = JSON.stringify({ 'Fn::GetAtt': [functionId, 'Arn'] });
      const aliased = { Ref: aliasId }; // the alias's ARN
      for (const resource of Object.values(Resources)) {
        if (resource.Type === 'AWS::ApiGateway::Method' && resource.Properties.Integration?.Type === 'AWS_PROXY') {
          const parts = resource.Properties.Integration.Uri?.['Fn::Join']?.[1];
          const index = parts ? parts.findIndex((part) => JSON.stringify(part) === unqualified) : -1;
          if (index < 0) continue;
          parts[index] = aliased;
        }
        if (resource.Type === 'AWS::Lambda::Permission' && JSON.stringify(resource.Properties.FunctionName) === unqualified) {
          resource.Properties.FunctionName = aliased;
          resource.Properties.SourceAccount = { Ref: 'AWS::AccountId' };
          // This API's deployed stage only (the framework allows `API_ID/*/*`: any stage, the console's
          // test-invoke-stage included). Callers that reach the function otherwise are IAM principals of the
          // account, whom no Lambda permission can refuse: SECURITY.md, docs/deployment-checks.md.
          const parts = resource.Properties.SourceArn?.['Fn::Join']?.[1];
          if (!Array.isArray(parts) || parts.at(-1) !== '/*/*' || JSON.stringify(parts.at(-2)) !== JSON.stringify({ Ref: 'ApiGatewayRestApi' })) {
            throw new Error(`osls-live-alias: unexpected SourceArn on the API Gateway permission: ${JSON.stringify(resource.Properties.SourceArn)}`);
          }
          parts[parts.length - 1] = `/${stage}/*`;
        }
      }
      Outputs[`${functionId}LiveAliasArn`] = { Description: `The ${ALIAS} alias API Gateway invokes`, Value: aliased };
    }
  }
}

module.exports = LiveAlias;
