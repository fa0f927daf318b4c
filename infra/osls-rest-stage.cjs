// osls plugin: declare the REST API stage as a CloudFormation resource, with access logs and throttling.
// The framework otherwise names the stage inside the Deployment and sets logging through API calls after deploy,
// which leaves them out of the template (and out of review, cfn-lint and the tests).
'use strict';

class RestStage {
  constructor(serverless) {
    this.serverless = serverless;
    this.hooks = { 'before:package:finalize': () => this.addStage() };
  }

  addStage() {
    const { Resources } = this.serverless.service.provider.compiledCloudFormationTemplate;
    const settings = this.serverless.service.custom.restStage;
    const deploymentId = Object.keys(Resources).find((id) => Resources[id].Type === 'AWS::ApiGateway::Deployment');
    if (!deploymentId) throw new Error('osls-rest-stage: no API Gateway deployment in the template');
    const deployment = Resources[deploymentId];
    const stageName = deployment.Properties.StageName;
    delete deployment.Properties.StageName;
    Resources.ApiGatewayStage = {
      Type: 'AWS::ApiGateway::Stage',
      Properties: {
        RestApiId: { Ref: 'ApiGatewayRestApi' },
        DeploymentId: { Ref: deploymentId },
        StageName: stageName,
        AccessLogSetting: { DestinationArn: { 'Fn::GetAtt': ['ApiAccessLogGroup', 'Arn'] }, Format: JSON.stringify(settings.accessLogFormat) },
        MethodSettings: [
          {
            ResourcePath: '/*',
            HttpMethod: '*',
            ThrottlingBurstLimit: Number(settings.throttleBurst),
            ThrottlingRateLimit: Number(settings.throttleRate),
            MetricsEnabled: true,
          },
        ],
      },
    };
  }
}

module.exports = RestStage;
