import { Construct } from 'constructs';
import { Fn } from 'cdktf';
import { ApiGatewayDeployment } from '@cdktf/provider-aws/lib/api-gateway-deployment';
import { ApiGatewayIntegration } from '@cdktf/provider-aws/lib/api-gateway-integration';
import { ApiGatewayMethod } from '@cdktf/provider-aws/lib/api-gateway-method';
import { ApiGatewayResource } from '@cdktf/provider-aws/lib/api-gateway-resource';
import { ApiGatewayRestApi } from '@cdktf/provider-aws/lib/api-gateway-rest-api';
import { ApiGatewayStage } from '@cdktf/provider-aws/lib/api-gateway-stage';
import { IamRole } from '@cdktf/provider-aws/lib/iam-role';
import { IamRolePolicy } from '@cdktf/provider-aws/lib/iam-role-policy';
import { assertValid, resourceNameProblem } from './aws-limits';
import { trustPolicyFor } from './service-role';

export interface ProxyApiProps {
  /** Name of the REST API (the walkthrough's `Hello World Api`). */
  readonly apiName: string;
  /** Name of the role API Gateway assumes to call the function. At most 64 characters. */
  readonly invokeRoleName: string;
  /** ARN of the function every request is passed to; the only thing the role may invoke. */
  readonly functionArn: string;
  /** The function's invoke ARN, for the `AWS_PROXY` integration URI. */
  readonly functionInvokeArn: string;
  /**
   * Stage the API is deployed to; it is the first segment of the URL path.
   * @default 'test' (as in the walkthrough)
   */
  readonly stageName?: string;
}

/**
 * A REST API that hands every request, at the root and under `{proxy+}`, with any method
 * and no authorization, to one Lambda function through an `AWS_PROXY` integration, deployed
 * to a stage. API Gateway calls the function as a dedicated role that may invoke that
 * function and nothing else.
 */
export class ProxyApi extends Construct {
  public readonly restApiId: string;
  public readonly stageName: string;
  /** `https://<api id>.execute-api.<region>.amazonaws.com/<stage>`; append `/hello`. */
  public readonly invokeUrl: string;
  /** ARN of the role API Gateway invokes the function as. */
  public readonly invokeRoleArn: string;

  constructor(scope: Construct, id: string, props: ProxyApiProps) {
    super(scope, id);
    const stageName = props.stageName ?? 'test';
    assertValid('ProxyApi', 'invokeRoleName', resourceNameProblem(props.invokeRoleName, 64));
    if (props.apiName.trim() === '' || props.apiName.length > 1024) {
      throw new Error(`ProxyApi apiName: ${JSON.stringify(props.apiName)} is not a usable API name; use 1 to 1024 characters`);
    }
    if (!/^[A-Za-z0-9_-]{1,128}$/.test(stageName)) {
      throw new Error(`ProxyApi stageName: ${JSON.stringify(stageName)} is not a stage name; use letters, digits, "-" or "_", such as "test"`);
    }

    const invokeRole = new IamRole(this, 'invoke-role', {
      name: props.invokeRoleName,
      description: 'Lets API Gateway invoke one Lambda function',
      assumeRolePolicy: trustPolicyFor('apigateway.amazonaws.com'),
    });
    new IamRolePolicy(this, 'invoke-policy', {
      name: 'invoke-function',
      role: invokeRole.name,
      policy: Fn.jsonencode({
        Version: '2012-10-17',
        Statement: [{ Effect: 'Allow', Action: 'lambda:InvokeFunction', Resource: props.functionArn }],
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
              integration.id,
              integration.uri,
              integration.credentials,
            ]),
          ]),
        ),
      },
      lifecycle: { createBeforeDestroy: true },
      dependsOn: routes.map(({ integration }) => integration),
    });

    const stage = new ApiGatewayStage(this, 'stage', {
      restApiId: api.id,
      deploymentId: deployment.id,
      stageName,
    });

    this.restApiId = api.id;
    this.stageName = stage.stageName;
    this.invokeUrl = stage.invokeUrl;
    this.invokeRoleArn = invokeRole.arn;
  }
}
