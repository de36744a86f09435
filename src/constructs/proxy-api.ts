import { Construct } from 'constructs';
import { Fn, ITerraformDependable } from 'cdktf';
import { ApiGatewayApiKey } from '@cdktf/provider-aws/lib/api-gateway-api-key';
import { ApiGatewayDeployment } from '@cdktf/provider-aws/lib/api-gateway-deployment';
import { ApiGatewayIntegration } from '@cdktf/provider-aws/lib/api-gateway-integration';
import { ApiGatewayMethod } from '@cdktf/provider-aws/lib/api-gateway-method';
import { ApiGatewayMethodSettings } from '@cdktf/provider-aws/lib/api-gateway-method-settings';
import { ApiGatewayResource } from '@cdktf/provider-aws/lib/api-gateway-resource';
import { ApiGatewayRestApi } from '@cdktf/provider-aws/lib/api-gateway-rest-api';
import { ApiGatewayStage } from '@cdktf/provider-aws/lib/api-gateway-stage';
import { ApiGatewayUsagePlan } from '@cdktf/provider-aws/lib/api-gateway-usage-plan';
import { ApiGatewayUsagePlanKey } from '@cdktf/provider-aws/lib/api-gateway-usage-plan-key';
import { CloudwatchLogGroup } from '@cdktf/provider-aws/lib/cloudwatch-log-group';
import { IamRole } from '@cdktf/provider-aws/lib/iam-role';
import { IamRolePolicy } from '@cdktf/provider-aws/lib/iam-role-policy';
import { assertValid, logRetentionProblem, resourceNameProblem } from './aws-limits';
import { trustPolicyFor } from './service-role';

/** Stage-wide throttling of a REST API. */
export interface ThrottleSettings {
  /** Steady-state requests per second. */
  readonly rateLimit: number;
  /** Requests allowed at once above the rate; at least the rate. */
  readonly burstLimit: number;
}

/** One JSON line per request: what API Gateway did, how long it and the integration took. */
export const ACCESS_LOG_FORMAT = JSON.stringify({
  requestId: '$context.requestId',
  requestTime: '$context.requestTime',
  httpMethod: '$context.httpMethod',
  resourcePath: '$context.resourcePath',
  status: '$context.status',
  protocol: '$context.protocol',
  responseLength: '$context.responseLength',
  latency: '$context.responseLatency',
  integrationLatency: '$context.integrationLatency',
  integrationStatus: '$context.integration.status',
  errorMessage: '$context.error.message',
  xrayTraceId: '$context.xrayTraceId',
  sourceIp: '$context.identity.sourceIp',
});

export interface ProxyApiProps {
  /** Name of the REST API (the walkthrough's `Hello World Api`). */
  readonly apiName: string;
  /** Name of the role API Gateway assumes to call the function. At most 64 characters. */
  readonly invokeRoleName: string;
  /** Unqualified ARN of the function every request is passed to. */
  readonly functionArn: string;
  /**
   * ARN of the alias requests go to; the role may invoke it and the function, nothing else.
   * @default none: requests go to the unqualified function
   */
  readonly aliasArn?: string;
  /** Invoke ARN of the alias (or of the function), for the `AWS_PROXY` integration URI. */
  readonly functionInvokeArn: string;
  /**
   * Stage the API is deployed to; it is the first segment of the URL path.
   * @default 'test' (as in the walkthrough)
   */
  readonly stageName?: string;
  /**
   * Stage-wide throttling (`*\/*` method settings).
   * @default { rateLimit: 50, burstLimit: 100 }
   */
  readonly throttle?: ThrottleSettings;
  /**
   * Days CloudWatch keeps the stage's access and execution logs.
   * @default 14
   */
  readonly logRetentionDays?: number;
  /**
   * KMS key ARN that encrypts the API's log groups.
   * @default CloudWatch Logs' own encryption
   */
  readonly logsKmsKeyArn?: string;
  /**
   * Callers must send an API key: adds a usage plan with this throttling and one key.
   * @default false
   */
  readonly apiKeyRequired?: boolean;
  /**
   * What sets the account's API Gateway CloudWatch role, when this app manages it; the stage
   * and its logging settings wait for it.
   * @default nothing to wait for: the role is already set for the account and region
   */
  readonly cloudWatchRoleSetting?: ITerraformDependable;
}

/**
 * A REST API that hands every request, at the root and under `{proxy+}`, with any method, to
 * one Lambda function through an `AWS_PROXY` integration, deployed to a stage with
 * throttling, metrics, error logging, JSON access logs and X-Ray tracing. API Gateway calls
 * the function as a dedicated role that may invoke that function (and its alias) only.
 */
export class ProxyApi extends Construct {
  public readonly restApiId: string;
  public readonly apiName: string;
  public readonly stageName: string;
  /** `https://<api id>.execute-api.<region>.amazonaws.com/<stage>`; append `/hello`. */
  public readonly invokeUrl: string;
  /** ARN of the role API Gateway invokes the function as. */
  public readonly invokeRoleArn: string;
  /** Log group of the stage's access logs. */
  public readonly accessLogGroupName: string;
  /** Id of the API key callers send, when one is required. */
  public readonly apiKeyId?: string;

  constructor(scope: Construct, id: string, props: ProxyApiProps) {
    super(scope, id);
    const stageName = props.stageName ?? 'test';
    const throttle = props.throttle ?? { rateLimit: 50, burstLimit: 100 };
    const logRetentionDays = props.logRetentionDays ?? 14;
    const apiKeyRequired = props.apiKeyRequired ?? false;
    assertValid('ProxyApi', 'invokeRoleName', resourceNameProblem(props.invokeRoleName, 64));
    assertValid('ProxyApi', 'logRetentionDays', logRetentionProblem(logRetentionDays));
    if (props.apiName.trim() === '' || props.apiName.length > 1024) {
      throw new Error(`ProxyApi apiName: ${JSON.stringify(props.apiName)} is not a usable API name; use 1 to 1024 characters`);
    }
    if (!/^[A-Za-z0-9_-]{1,128}$/.test(stageName)) {
      throw new Error(`ProxyApi stageName: ${JSON.stringify(stageName)} is not a stage name; use letters, digits, "-" or "_", such as "test"`);
    }
    if (!(throttle.rateLimit > 0) || !Number.isInteger(throttle.burstLimit) || throttle.burstLimit < throttle.rateLimit) {
      throw new Error(
        `ProxyApi throttle: ${JSON.stringify(throttle)} is not a usable throttle; use a rateLimit above 0 and a whole burstLimit of at least the rate`,
      );
    }

    const invokeRole = new IamRole(this, 'invoke-role', {
      name: props.invokeRoleName,
      description: 'Lets API Gateway invoke one Lambda function',
      assumeRolePolicy: trustPolicyFor('apigateway.amazonaws.com'),
    });
    new IamRolePolicy(this, 'invoke-policy', {
      name: 'invoke-function',
      role: invokeRole.name,
      // Plain JSON with the ARNs interpolated: reviewers read it as IAM will.
      policy: JSON.stringify({
        Version: '2012-10-17',
        Statement: [
          {
            Effect: 'Allow',
            Action: 'lambda:InvokeFunction',
            Resource: props.aliasArn ? [props.functionArn, props.aliasArn] : props.functionArn,
          },
        ],
      }),
    });

    const api = new ApiGatewayRestApi(this, 'api', {
      name: props.apiName,
      description: 'Passes every request to one Lambda function (AWS_PROXY)',
      endpointConfiguration: { types: ['REGIONAL'] },
    });
    const proxyResource = new ApiGatewayResource(this, 'proxy', {
      restApiId: api.id,
      parentId: api.rootResourceId,
      pathPart: '{proxy+}',
    });

    // The root (`/test/`) and everything below it (`/test/hello/David`) reach the function.
    const routes = [
      { id: 'root', resourceId: api.rootResourceId },
      { id: 'proxy', resourceId: proxyResource.id },
    ].map((route) => {
      const method = new ApiGatewayMethod(this, `${route.id}-any`, {
        restApiId: api.id,
        resourceId: route.resourceId,
        httpMethod: 'ANY',
        authorization: 'NONE',
        apiKeyRequired,
      });
      const integration = new ApiGatewayIntegration(this, `${route.id}-integration`, {
        restApiId: api.id,
        resourceId: route.resourceId,
        httpMethod: method.httpMethod,
        type: 'AWS_PROXY',
        integrationHttpMethod: 'POST',
        uri: props.functionInvokeArn,
        credentials: invokeRole.arn,
      });
      return { method, integration };
    });

    const deployment = new ApiGatewayDeployment(this, 'deployment', {
      restApiId: api.id,
      description: 'Managed by Terraform; replaced whenever the API changes shape',
      // A deployment is a snapshot: take a new one whenever a route or its integration changes.
      triggers: {
        redeployment: Fn.sha1(
          Fn.jsonencode([
            proxyResource.id,
            ...routes.flatMap(({ method, integration }) => [
              method.id,
              method.authorization,
              method.apiKeyRequired,
              integration.id,
              integration.uri,
              integration.credentials,
            ]),
          ]),
        ),
      },
      // The stage moves to the new deployment before the old one goes.
      lifecycle: { createBeforeDestroy: true },
      dependsOn: routes.map(({ integration }) => integration),
    });

    const waitForRole = props.cloudWatchRoleSetting ? [props.cloudWatchRoleSetting] : undefined;
    const accessLogs = new CloudwatchLogGroup(this, 'access-logs', {
      // Log group names take fewer characters than API names.
      name: `/aws/apigateway/${props.apiName.replace(/[^A-Za-z0-9._#/-]/g, '-')}/${stageName}/access`,
      retentionInDays: logRetentionDays,
      kmsKeyId: props.logsKmsKeyArn,
    });
    // API Gateway would create this group itself, without retention; creating it first sets one.
    const executionLogs = new CloudwatchLogGroup(this, 'execution-logs', {
      name: `API-Gateway-Execution-Logs_${api.id}/${stageName}`,
      retentionInDays: logRetentionDays,
      kmsKeyId: props.logsKmsKeyArn,
    });
    const stage = new ApiGatewayStage(this, 'stage', {
      restApiId: api.id,
      deploymentId: deployment.id,
      stageName,
      xrayTracingEnabled: true,
      accessLogSettings: { destinationArn: accessLogs.arn, format: ACCESS_LOG_FORMAT },
      dependsOn: [executionLogs, ...(waitForRole ?? [])],
    });
    new ApiGatewayMethodSettings(this, 'all-methods', {
      restApiId: api.id,
      stageName: stage.stageName,
      methodPath: '*/*',
      settings: {
        throttlingRateLimit: throttle.rateLimit,
        throttlingBurstLimit: throttle.burstLimit,
        metricsEnabled: true,
        loggingLevel: 'ERROR',
        dataTraceEnabled: false,
      },
      dependsOn: waitForRole,
    });

    if (apiKeyRequired) {
      const plan = new ApiGatewayUsagePlan(this, 'usage-plan', {
        name: `${props.apiName}-${stageName}`,
        apiStages: [{ apiId: api.id, stage: stage.stageName }],
        throttleSettings: { rateLimit: throttle.rateLimit, burstLimit: throttle.burstLimit },
      });
      const key = new ApiGatewayApiKey(this, 'api-key', { name: `${props.apiName}-${stageName}` });
      new ApiGatewayUsagePlanKey(this, 'usage-plan-key', { keyId: key.id, keyType: 'API_KEY', usagePlanId: plan.id });
      this.apiKeyId = key.id;
    }

    this.restApiId = api.id;
    this.apiName = api.name;
    this.stageName = stage.stageName;
    this.invokeUrl = stage.invokeUrl;
    this.invokeRoleArn = invokeRole.arn;
    this.accessLogGroupName = accessLogs.name;
  }
}
