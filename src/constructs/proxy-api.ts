import { Construct } from 'constructs';
import { Fn, ITerraformDependable, Lazy, Op, TerraformResource, Token } from 'cdktf';
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
import {
  apiKeyClientsProblem,
  apiKeyClientsWithoutKeysProblem,
  assertValid,
  describeValue,
  logRetentionProblem,
  resourceNameProblem,
  stageNameProblem,
  throttleBurstProblem,
  throttleRateProblem,
  throttleShare,
} from '../rules/aws-limits';
import { DEFAULT_LOG_RETENTION_DAYS, DEFAULT_STAGE_NAME, DEFAULT_THROTTLE } from '../rules/defaults';
import type { IApiStage } from './client-rate-limit';
import { RoleSettings, roleArguments, trustPolicyFor } from './service-role';

/**
 * What a {@link ProxyApi} hands its requests to: a Lambda function, or an alias of one.
 * {@link GreetingFunction} implements it; so can any construct of yours.
 */
export interface IProxyApiHandler {
  /** Invoke ARN for the `AWS_PROXY` integration (`arn:aws:apigateway:<region>:lambda:path/.../invocations`). */
  readonly invokeArn: string;
  /**
   * Lets `grantee` (API Gateway's invoke role) invoke what {@link invokeArn} calls, nothing
   * else: creates the policy in `scope` (the caller's) under `id` and returns it.
   */
  grantInvoke(scope: Construct, id: string, grantee: IInvokeGrantee): IamRolePolicy;
}

/** A role that may be granted invoke: its name, for an inline policy. */
export interface IInvokeGrantee {
  readonly roleName: string;
}

/**
 * The methods a `ProxyApi` has: `ANY /` and `ANY /{proxy+}`. API Gateway throttles each method
 * of a stage on its own ("Per-API, per-stage throttling limits are applied at the API method
 * level for a stage": API Gateway Developer Guide, "Throttle requests to your REST APIs",
 * https://docs.aws.amazon.com/apigateway/latest/developerguide/api-gateway-request-throttling.html),
 * so a stage's budget is split between them.
 */
export const PROXY_API_METHODS = ['ANY /', 'ANY /{proxy+}'] as const;

/** Stage-wide throttling of a REST API: the stage's whole budget, which its methods share. */
export interface ThrottleSettings {
  /** Steady-state requests per second. */
  readonly rateLimit: number;
  /** Requests allowed at once above the rate; at least the rate. */
  readonly burstLimit: number;
}

/**
 * One JSON line per request: what API Gateway did, how long it and the integration took. The
 * request id a client may set (`x-amzn-RequestId`) is logged with the one API Gateway makes,
 * which a client cannot (API Gateway Developer Guide, "Set up CloudWatch logging for REST APIs",
 * https://docs.aws.amazon.com/apigateway/latest/developerguide/set-up-logging.html, and
 * "$context Variables": `extendedRequestId`).
 */
export const ACCESS_LOG_FORMAT = JSON.stringify({
  requestId: '$context.requestId',
  extendedRequestId: '$context.extendedRequestId',
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
  /**
   * Name of the role API Gateway assumes to call the handler. At most 64 characters.
   * @default `<apiName>-apigw-invoke`, with characters a role name cannot hold replaced by `-`
   */
  readonly invokeRoleName?: string;
  /** What every request is passed to, e.g. a {@link GreetingFunction}. */
  readonly handler: IProxyApiHandler;
  /**
   * Stage the API is deployed to; it is the first segment of the URL path.
   * @default DEFAULT_STAGE_NAME ('test', as in the walkthrough)
   */
  readonly stageName?: string;
  /**
   * The stage's whole throttling budget. API Gateway throttles each method on its own, so each
   * of the two methods ({@link PROXY_API_METHODS}) gets an equal share (`*\/*` method settings:
   * rate / 2, burst / 2 rounded down) and the stage as a whole serves at most this.
   * @default DEFAULT_THROTTLE ({ rateLimit: 50, burstLimit: 100 })
   */
  readonly throttle?: ThrottleSettings;
  /**
   * Days CloudWatch keeps the stage's access and execution logs.
   * @default DEFAULT_LOG_RETENTION_DAYS (14)
   */
  readonly logRetentionDays?: number;
  /**
   * KMS key ARN that encrypts the API's log groups.
   * @default CloudWatch Logs' own encryption
   */
  readonly logsKmsKeyArn?: string;
  /**
   * Keep the access and execution log groups when the API is destroyed (`skip_destroy`).
   * @default false
   */
  readonly retainLogsOnDestroy?: boolean;
  /**
   * Permissions boundary and path of the invoke role.
   * @default no boundary, path '/'
   */
  readonly invokeRoleSettings?: RoleSettings;
  /**
   * Callers must send an API key: adds a usage plan with this throttling and one key. A key
   * identifies and meters a caller; it is not authorization (API Gateway Developer Guide,
   * "Usage plans and API keys for REST APIs").
   * @default false
   */
  readonly apiKeyRequired?: boolean;
  /**
   * With `apiKeyRequired`: one key per client instead of one for all, each named
   * `<apiName>-<stage>-<client>`. API Gateway throttles each key of a usage plan on its own,
   * so the plan gives each client an equal share of the throttle (rate / clients, burst /
   * clients, at least 1), best effort as API Gateway applies usage plan throttles.
   * @default one key shared by every caller, with the whole throttle
   */
  readonly apiKeyClients?: readonly string[];
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
 * the handler as a dedicated role that the handler grants invoke on, and nothing else.
 * Values may be Terraform tokens: those pass through; resolved values are checked here.
 */
export class ProxyApi extends Construct implements IApiStage {
  public readonly restApiId: string;
  public readonly apiName: string;
  public readonly stageName: string;
  /** `https://<api id>.execute-api.<region>.amazonaws.com/<stage>`; append `/hello`. */
  public readonly invokeUrl: string;
  /** ARN of the role API Gateway invokes the function as. */
  public readonly invokeRoleArn: string;
  /** Log group of the stage's access logs. */
  public readonly accessLogGroupName: string;
  /** ARN of the stage, for a web ACL in front of it. */
  public readonly stageArn: string;
  /** Id of the API key callers send, when one is required: the shared key, or the first client's. */
  public readonly apiKeyId?: string;
  /** Each client's key id, by client, where `apiKeyClients` gives keys per client. */
  public readonly apiKeyIds?: Readonly<Record<string, string>>;

  constructor(scope: Construct, id: string, props: ProxyApiProps) {
    super(scope, id);
    const stageName = props.stageName ?? DEFAULT_STAGE_NAME;
    const throttle = props.throttle ?? DEFAULT_THROTTLE;
    const logRetentionDays = props.logRetentionDays ?? DEFAULT_LOG_RETENTION_DAYS;
    const apiKeyRequired = props.apiKeyRequired ?? false;
    const { apiKeyClients } = props;
    assertValid('ProxyApi', 'apiKeyClients', apiKeyClients, (value) =>
      value === undefined ? undefined : (apiKeyClientsWithoutKeysProblem(value, apiKeyRequired) ?? apiKeyClientsProblem(value)),
    );
    const invokeRoleName =
      props.invokeRoleName ?? (Token.isUnresolved(props.apiName) ? `${props.apiName}-apigw-invoke` : `${props.apiName.replace(/[^A-Za-z0-9-]+/g, '-').slice(0, 51)}-apigw-invoke`);
    assertValid('ProxyApi', 'invokeRoleName', invokeRoleName, (v) => resourceNameProblem(v, 64));
    assertValid('ProxyApi', 'logRetentionDays', logRetentionDays, logRetentionProblem);
    assertValid('ProxyApi', 'apiName', props.apiName, (v) =>
      v.trim() === '' || v.length > 1024 ? `${describeValue(v)} is not a usable API name; use 1 to 1024 characters` : undefined,
    );
    assertValid('ProxyApi', 'stageName', stageName, stageNameProblem);
    assertValid('ProxyApi', 'throttle.rateLimit', throttle.rateLimit, throttleRateProblem);
    assertValid('ProxyApi', 'throttle.burstLimit', throttle.burstLimit, (v) =>
      throttleBurstProblem(v, Token.isUnresolved(throttle.rateLimit) ? undefined : throttle.rateLimit),
    );

    const invokeRole = new IamRole(this, 'invoke-role', {
      name: invokeRoleName,
      description: 'Lets API Gateway invoke one Lambda function',
      assumeRolePolicy: trustPolicyFor('apigateway.amazonaws.com'),
      ...roleArguments('ProxyApi', props.invokeRoleSettings, 'invokeRoleSettings'),
    });
    props.handler.grantInvoke(this, 'invoke-policy', { roleName: invokeRole.name });

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
        uri: props.handler.invokeArn,
        credentials: invokeRole.arn,
      });
      return { method, integration };
    });

    const deployment = new ApiGatewayDeployment(this, 'deployment', {
      restApiId: api.id,
      description: 'Managed by Terraform; replaced whenever the API changes shape',
      // A deployment is a snapshot: take a new one whenever anything sent for a route changes.
      // The arguments as configured are hashed (not picked ones, not the read-back resource,
      // whose empty lists AWS fills in after apply), so a later timeout or header counts too.
      triggers: {
        // Lazy: read once every argument (and override) is set.
        redeployment: Lazy.stringValue({
          produce: () => Fn.sha1(Fn.jsonencode([proxyResource, ...routes.flatMap(({ method, integration }) => [method, integration])].map(configuredArguments))),
        }),
      },
      // The stage moves to the new deployment before the old one goes.
      lifecycle: { createBeforeDestroy: true },
      dependsOn: routes.map(({ integration }) => integration),
    });

    const waitForRole = props.cloudWatchRoleSetting ? [props.cloudWatchRoleSetting] : undefined;
    const accessLogs = new CloudwatchLogGroup(this, 'access-logs', {
      // Log group names take fewer characters than API names.
      name: `/aws/apigateway/${Token.isUnresolved(props.apiName) ? props.apiName : props.apiName.replace(/[^A-Za-z0-9._#/-]/g, '-')}/${stageName}/access`,
      retentionInDays: logRetentionDays,
      kmsKeyId: props.logsKmsKeyArn,
      // false is the provider's default: left out, so the Terraform reads the same as before.
      skipDestroy: props.retainLogsOnDestroy === false ? undefined : props.retainLogsOnDestroy,
    });
    // API Gateway would create this group itself, without retention; creating it first sets one.
    const executionLogs = new CloudwatchLogGroup(this, 'execution-logs', {
      name: `API-Gateway-Execution-Logs_${api.id}/${stageName}`,
      retentionInDays: logRetentionDays,
      kmsKeyId: props.logsKmsKeyArn,
      // false is the provider's default: left out, so the Terraform reads the same as before.
      skipDestroy: props.retainLogsOnDestroy === false ? undefined : props.retainLogsOnDestroy,
    });
    const stage = new ApiGatewayStage(this, 'stage', {
      restApiId: api.id,
      deploymentId: deployment.id,
      stageName,
      xrayTracingEnabled: true,
      accessLogSettings: { destinationArn: accessLogs.arn, format: ACCESS_LOG_FORMAT },
      dependsOn: [executionLogs, ...(waitForRole ?? [])],
    });
    // Each method's share of the stage's budget: `*/*` sets every method's own bucket.
    const perMethod = fairShare(throttle, PROXY_API_METHODS.length);
    new ApiGatewayMethodSettings(this, 'all-methods', {
      restApiId: api.id,
      stageName: stage.stageName,
      methodPath: '*/*',
      settings: {
        throttlingRateLimit: perMethod.rateLimit,
        throttlingBurstLimit: perMethod.burstLimit,
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
        throttleSettings: apiKeyClients ? fairShare(throttle, apiKeyClients.length) : { rateLimit: throttle.rateLimit, burstLimit: throttle.burstLimit },
      });
      // A key in the plan: the shared one (ids `api-key`, `usage-plan-key`), or a client's, whose
      // ids carry its name, so a client added or removed leaves the others' keys as they are.
      const addKey = (client?: string) => {
        const suffix = client === undefined ? '' : `-${client}`;
        const key = new ApiGatewayApiKey(this, `api-key${suffix}`, { name: `${props.apiName}-${stageName}${suffix}` });
        new ApiGatewayUsagePlanKey(this, `usage-plan-key${suffix}`, { keyId: key.id, keyType: 'API_KEY', usagePlanId: plan.id });
        return key.id;
      };
      if (apiKeyClients) {
        this.apiKeyIds = Object.fromEntries(apiKeyClients.map((client) => [client, addKey(client)]));
        this.apiKeyId = this.apiKeyIds[apiKeyClients[0]];
      } else {
        this.apiKeyId = addKey();
      }
    }

    this.restApiId = api.id;
    this.apiName = api.name;
    this.stageName = stage.stageName;
    this.invokeUrl = stage.invokeUrl;
    this.invokeRoleArn = invokeRole.arn;
    this.accessLogGroupName = accessLogs.name;
    this.stageArn = stage.arn;
  }
}

/** One of `parts` (callers or methods) equal shares of a throttle (throttleShare); tokens by Terraform. */
function fairShare(throttle: ThrottleSettings, parts: number): { rateLimit: number; burstLimit: number } {
  if (Token.isUnresolved(throttle.rateLimit) || Token.isUnresolved(throttle.burstLimit)) {
    return {
      rateLimit: Token.isUnresolved(throttle.rateLimit) ? Token.asNumber(Op.div(throttle.rateLimit, parts)) : throttleShare(throttle, parts).rateLimit,
      burstLimit: Token.isUnresolved(throttle.burstLimit) ? Token.asNumber(Fn.max([1, Fn.floor(Op.div(throttle.burstLimit, parts))])) : throttleShare(throttle, parts).burstLimit,
    };
  }
  return throttleShare(throttle, parts);
}

/** The arguments a resource is configured with, as synthesized (overrides included). */
function configuredArguments(resource: TerraformResource): Record<string, unknown> {
  const { resource: byType } = resource.toTerraform();
  const { '//': _metadata, depends_on: _d, lifecycle: _l, provider: _p, ...configured } = byType[resource.terraformResourceType][resource.friendlyUniqueId];
  return configured;
}
