// osls plugin: declare the REST API stage as a CloudFormation resource, with access logs, throttling and X-Ray
// tracing. The framework otherwise names the stage inside the Deployment and sets logging through API calls after
// deploy, which leaves them out of the template (and out of review, cfn-lint, cfn-guard and the tests).
// With custom.restStage.apiGatewayCloudWatchRole, also the account-level role API Gateway writes logs with.
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
        TracingEnabled: settings.tracing === true,
        AccessLogSetting: { DestinationArn: { 'Fn::GetAtt': ['ApiAccessLogGroup', 'Arn'] }, Format: JSON.stringify(settings.accessLogFormat) },
        MethodSettings: [
          {
            ResourcePath: '/*',
            HttpMethod: '*',
            ThrottlingBurstLimit: Number(settings.throttleBurst),
            ThrottlingRateLimit: Number(settings.throttleRate),
            MetricsEnabled: true,
            // Execution logs for errors only (no request or response bodies: DataTraceEnabled stays off).
            LoggingLevel: 'ERROR',
            DataTraceEnabled: false,
          },
        ],
      },
    };

    // The deployment bucket keeps versions (provider.deploymentBucket.versioning): let old versions and abandoned
    // uploads expire. osls's own artifacts (the last 5 deployments, for `osls rollback`) are current versions.
    const bucket = Resources.ServerlessDeploymentBucket;
    if (bucket) {
      bucket.Properties.LifecycleConfiguration = {
        Rules: [{ Id: 'expire-old-versions', Status: 'Enabled', NoncurrentVersionExpiration: { NoncurrentDays: 30 }, AbortIncompleteMultipartUpload: { DaysAfterInitiation: 7 } }],
      };
    }

    if (settings.apiGatewayCloudWatchRole === true) {
      // One per account and region (AWS::ApiGateway::Account is a singleton): turn it on in one stack only.
      Resources.ApiGatewayCloudWatchRole = {
        Type: 'AWS::IAM::Role',
        Properties: {
          Description: 'API Gateway writes execution and access logs to CloudWatch Logs with this role (account-wide)',
          AssumeRolePolicyDocument: {
            Version: '2012-10-17',
            Statement: [{ Effect: 'Allow', Principal: { Service: 'apigateway.amazonaws.com' }, Action: 'sts:AssumeRole' }],
          },
          ManagedPolicyArns: [{ 'Fn::Sub': 'arn:${AWS::Partition}:iam::aws:policy/service-role/AmazonAPIGatewayPushToCloudWatchLogs' }],
        },
      };
      Resources.ApiGatewayAccount = {
        Type: 'AWS::ApiGateway::Account',
        Properties: { CloudWatchRoleArn: { 'Fn::GetAtt': ['ApiGatewayCloudWatchRole', 'Arn'] } },
      };
      Resources.ApiGatewayStage.DependsOn = ['ApiGatewayAccount'];
    }
  }
}

module.exports = RestStage;
