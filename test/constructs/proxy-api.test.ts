import { TerraformResource, TerraformVariable, Testing } from 'cdktf';
import { ApiGatewayIntegration } from '@cdktf/provider-aws/lib/api-gateway-integration';
import { ApiGatewayMethod } from '@cdktf/provider-aws/lib/api-gateway-method';
import { ApiGatewayResource } from '@cdktf/provider-aws/lib/api-gateway-resource';
import { ApiGatewayStage } from '@cdktf/provider-aws/lib/api-gateway-stage';
import { IamRolePolicy } from '@cdktf/provider-aws/lib/iam-role-policy';
import { Construct } from 'constructs';
import { IInvokeGrantee, IProxyApiHandler, ProxyApi, ProxyApiProps } from '../../src/constructs/proxy-api';
import { onlyResource, parse } from '../helpers';

const FUNCTION_ARN = 'arn:aws:lambda:eu-central-1:123456789012:function:HelloWorld';
const INVOKE_ARN = `arn:aws:apigateway:eu-central-1:lambda:path/2015-03-31/functions/${FUNCTION_ARN}/invocations`;

/** A handler of the test's own, as another team's construct would be: one function ARN. */
const fixtureHandler: IProxyApiHandler = {
  invokeArn: INVOKE_ARN,
  grantInvoke: (scope: Construct, id: string, grantee: IInvokeGrantee) =>
    new IamRolePolicy(scope, id, {
      role: grantee.roleName,
      policy: JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 'lambda:InvokeFunction', Resource: FUNCTION_ARN }] }),
    }),
};

function synthApi(props: Partial<ProxyApiProps> = {}): string {
  return Testing.synthScope((scope) => {
    new ProxyApi(scope, 'api', {
      apiName: 'Hello World Api',
      invokeRoleName: 'hello-world-api-gateway-role',
      handler: fixtureHandler,
      ...props,
    });
  });
}

describe('ProxyApi', () => {
  it('routes {proxy+} under the root to the function', () => {
    expect(synthApi()).toHaveResourceWithProperties(ApiGatewayResource, { path_part: '{proxy+}' });
  });

  it('accepts ANY method without authorization on the root and on {proxy+}', () => {
    const methods = Object.values(parse(synthApi()).resource.aws_api_gateway_method) as any[];
    expect(methods).toHaveLength(2);
    for (const method of methods) {
      expect(method).toMatchObject({ http_method: 'ANY', authorization: 'NONE' });
    }
    expect(methods.map((m) => m.resource_id).sort()).toEqual([
      expect.stringMatching(/aws_api_gateway_resource\.api_proxy_.*\.id/),
      expect.stringMatching(/aws_api_gateway_rest_api\.api_.*\.root_resource_id/),
    ].sort());
    expect(synthApi()).toHaveResource(ApiGatewayMethod);
  });

  it('integrates with AWS_PROXY over POST to the invoke ARN, as the gateway role', () => {
    const tf = parse(synthApi());
    const integrations = Object.values(tf.resource.aws_api_gateway_integration) as any[];
    expect(integrations).toHaveLength(2);
    for (const integration of integrations) {
      expect(integration).toMatchObject({ type: 'AWS_PROXY', integration_http_method: 'POST', uri: INVOKE_ARN });
      expect(integration.credentials).toMatch(/^\$\{aws_iam_role\.api_invoke-role_[0-9A-F]+\.arn\}$/);
    }
    expect(synthApi()).toHaveResourceWithProperties(ApiGatewayIntegration, { type: 'AWS_PROXY' });
  });

  it('lets only apigateway.amazonaws.com assume the invoke role', () => {
    const role = onlyResource(parse(synthApi()), 'aws_iam_role');
    expect(role.name).toBe('hello-world-api-gateway-role');
    expect(JSON.parse(role.assume_role_policy).Statement).toEqual([
      { Effect: 'Allow', Principal: { Service: 'apigateway.amazonaws.com' }, Action: 'sts:AssumeRole' },
    ]);
  });

  it("has the handler grant invoke to the API's own role, and integrates with the handler's invoke ARN", () => {
    const tf = parse(synthApi());
    const policy = onlyResource(tf, 'aws_iam_role_policy');
    expect(policy.role).toMatch(/^\$\{aws_iam_role\.api_invoke-role_[0-9A-F]+\.name\}$/);
    expect(JSON.parse(policy.policy).Statement).toEqual([{ Effect: 'Allow', Action: 'lambda:InvokeFunction', Resource: FUNCTION_ARN }]);
    const integrations = Object.values(tf.resource.aws_api_gateway_integration) as any[];
    expect(integrations.map((integration) => integration.uri)).toEqual([INVOKE_ARN, INVOKE_ARN]);
  });

  it('names its invoke role after the API when no name is given', () => {
    const role = onlyResource(parse(synthApi({ invokeRoleName: undefined })), 'aws_iam_role');
    expect(role.name).toBe('Hello-World-Api-apigw-invoke');
  });

  it("throttles each of its two methods to half the stage's budget (API Gateway throttles per method), meters and logs errors for every method", () => {
    const settings = onlyResource(parse(synthApi({ throttle: { rateLimit: 200, burstLimit: 401 } })), 'aws_api_gateway_method_settings');
    expect(settings).toMatchObject({
      method_path: '*/*',
      settings: {
        // Two methods of the stage: together at most the stage's 200/s and burst 401.
        throttling_rate_limit: 100,
        throttling_burst_limit: 200,
        metrics_enabled: true,
        logging_level: 'ERROR',
        data_trace_enabled: false,
      },
    });
    expect(settings.depends_on).toBeUndefined();
  });

  it("writes JSON access logs with API Gateway's own request id beside the one a client may set, status and latencies, and traces with X-Ray", () => {
    const tf = parse(synthApi({ logRetentionDays: 30 }));
    const stage = onlyResource(tf, 'aws_api_gateway_stage');
    expect(stage.xray_tracing_enabled).toBe(true);
    expect(stage.access_log_settings.destination_arn).toMatch(/^\$\{aws_cloudwatch_log_group\.api_access-logs_[0-9A-F]+\.arn\}$/);
    expect(JSON.parse(stage.access_log_settings.format)).toMatchObject({
      requestId: '$context.requestId',
      extendedRequestId: '$context.extendedRequestId',
      status: '$context.status',
      latency: '$context.responseLatency',
      integrationLatency: '$context.integrationLatency',
    });
    const groups = Object.values(tf.resource.aws_cloudwatch_log_group) as any[];
    expect(groups.map((group) => [group.name, group.retention_in_days])).toEqual([
      ['/aws/apigateway/Hello-World-Api/test/access', 30],
      [expect.stringMatching(/^API-Gateway-Execution-Logs_\$\{aws_api_gateway_rest_api\.api_[0-9A-F]+\.id\}\/test$/), 30],
    ]);
  });

  it('gives each client a key of its own in the usage plan, each throttled to an equal share of the stage', () => {
    const tf = parse(synthApi({ apiKeyRequired: true, apiKeyClients: ['acme', 'globex', 'initech'], throttle: { rateLimit: 50, burstLimit: 100 } }));
    expect(onlyResource(tf, 'aws_api_gateway_usage_plan').throttle_settings).toEqual({ rate_limit: 16.66, burst_limit: 33 });
    const keys = Object.entries<any>(tf.resource.aws_api_gateway_api_key);
    expect(keys.map(([, key]) => key.name)).toEqual(['Hello World Api-test-acme', 'Hello World Api-test-globex', 'Hello World Api-test-initech']);
    const planKeys = Object.values<any>(tf.resource.aws_api_gateway_usage_plan_key);
    expect(planKeys.map((planKey) => planKey.key_id).sort()).toEqual(keys.map(([id]) => `\${aws_api_gateway_api_key.${id}.id}`).sort());
    // A client's key keeps its address when another client is added.
    const more = parse(synthApi({ apiKeyRequired: true, apiKeyClients: ['acme', 'globex', 'initech', 'umbrella'] }));
    for (const [id] of keys) expect(Object.keys(more.resource.aws_api_gateway_api_key)).toContain(id);
  });

  it('keeps at least one request of burst and a hundredth of a request per second per client however many share the stage', () => {
    const clients = Array.from({ length: 30 }, (_, i) => `client-${i}`);
    const tf = parse(synthApi({ apiKeyRequired: true, apiKeyClients: clients, throttle: { rateLimit: 10, burstLimit: 20 } }));
    expect(onlyResource(tf, 'aws_api_gateway_usage_plan').throttle_settings).toEqual({ rate_limit: 0.33, burst_limit: 1 });
    const slow = parse(synthApi({ apiKeyRequired: true, apiKeyClients: clients, throttle: { rateLimit: 0.1, burstLimit: 1 } }));
    expect(onlyResource(slow, 'aws_api_gateway_usage_plan').throttle_settings).toEqual({ rate_limit: 0.01, burst_limit: 1 });
  });

  it.each([
    [{ apiKeyClients: ['acme'] }, 'ProxyApi apiKeyClients: ["acme"] given, but apiKeyRequired is not true, so no caller would send a key; set apiKeyRequired to true, or leave apiKeyClients out'],
    [{ apiKeyRequired: true, apiKeyClients: ['acme', 'acme'] }, 'ProxyApi apiKeyClients: "acme" is listed twice'],
    [{ apiKeyRequired: true, apiKeyClients: ['Acme Corp'] }, 'ProxyApi apiKeyClients: "Acme Corp" is not a client name; use a list of distinct client names of 1 to 32 lowercase letters'],
    [{ apiKeyRequired: true, apiKeyClients: [] }, 'ProxyApi apiKeyClients: [] is not a list of 1 to 100 clients'],
  ])('fails for API key clients %j, naming the field, the value and the fix', (props, message) => {
    expect(() => synthApi(props)).toThrow(message);
  });

  it('requires an API key with a usage plan only when asked', () => {
    const tf = parse(synthApi({ apiKeyRequired: true, throttle: { rateLimit: 10, burstLimit: 20 } }));
    for (const method of Object.values(tf.resource.aws_api_gateway_method) as any[]) expect(method.api_key_required).toBe(true);
    expect(onlyResource(tf, 'aws_api_gateway_usage_plan').throttle_settings).toEqual({ rate_limit: 10, burst_limit: 20 });
    expect(onlyResource(tf, 'aws_api_gateway_usage_plan_key').key_type).toBe('API_KEY');
    const open = parse(synthApi());
    for (const method of Object.values(open.resource.aws_api_gateway_method) as any[]) expect(method.api_key_required).toBe(false);
    expect(open.resource.aws_api_gateway_usage_plan).toBeUndefined();
  });

  it('deploys to the walkthrough stage "test" through a separate stage resource', () => {
    const tf = parse(synthApi());
    expect(synthApi()).toHaveResourceWithProperties(ApiGatewayStage, { stage_name: 'test' });
    const deployment = onlyResource(tf, 'aws_api_gateway_deployment');
    expect(deployment.stage_name).toBeUndefined();
    expect(deployment.lifecycle).toEqual({ create_before_destroy: true });
  });

  it('replaces the deployment when any argument of a route, method or integration changes: it hashes them as configured', () => {
    const trigger = (tf: any): string => onlyResource(tf, 'aws_api_gateway_deployment').triggers.redeployment;
    const tf = parse(Testing.synthScope((scope) => new ProxyApi(scope, 'api', { apiName: 'a', handler: fixtureHandler })));
    const hashed = /^\$\{sha1\(jsonencode\(\[(.*)\]\)\)\}$/.exec(trigger(tf))?.[1];
    // The resource, both methods and both integrations, every argument as sent.
    expect(hashed?.match(/\{[^{}]*(\{proxy\+\}[^{}]*)?\}/g)).toHaveLength(5);
    expect(hashed).toContain('"path_part" = "{proxy+}"');
    expect(hashed?.match(/"authorization" = "NONE"/g)).toHaveLength(2);
    expect(hashed?.match(/"type" = "AWS_PROXY"/g)).toHaveLength(2);
    expect(hashed?.match(/"uri" = "arn:aws:apigateway:[^"]+"/g)).toHaveLength(2);

    // A setting the construct never picked, added later: it reaches the hash, so the stage gets it.
    const tuned = parse(
      Testing.synthScope((scope) => {
        const tunedApi = new ProxyApi(scope, 'api', { apiName: 'a', handler: fixtureHandler });
        (tunedApi.node.findChild('proxy-integration') as TerraformResource).addOverride('timeout_milliseconds', 5000);
      }),
    );
    expect(trigger(tuned)).toContain('"timeout_milliseconds" = 5000');
    expect(trigger(tuned)).not.toBe(trigger(tf));
  });

  it('takes the stage name from its props and exposes the invoke URL', () => {
    let api: ProxyApi | undefined;
    const tf = parse(
      Testing.synthScope((scope) => {
        api = new ProxyApi(scope, 'api', {
          apiName: 'a',
          invokeRoleName: 'r',
          handler: fixtureHandler,
          stageName: 'v1',
        });
      }),
    );
    expect(onlyResource(tf, 'aws_api_gateway_stage').stage_name).toBe('v1');
    expect(api?.invokeUrl).toMatch(/^\$\{TfToken\[TOKEN\.\d+\]\}$/);
  });

  it('passes Terraform tokens through unchecked: API name, stage name and throttling from variables', () => {
    const tf = parse(
      Testing.synthScope((scope) => {
        new ProxyApi(scope, 'api', {
          apiName: new TerraformVariable(scope, 'api_name', { type: 'string' }).stringValue,
          stageName: new TerraformVariable(scope, 'stage', { type: 'string' }).stringValue,
          throttle: { rateLimit: new TerraformVariable(scope, 'rate', { type: 'number' }).numberValue, burstLimit: 10 },
          handler: fixtureHandler,
        });
      }),
    );
    expect(onlyResource(tf, 'aws_api_gateway_rest_api').name).toBe('${var.api_name}');
    expect(onlyResource(tf, 'aws_iam_role').name).toBe('${var.api_name}-apigw-invoke');
    expect(onlyResource(tf, 'aws_api_gateway_stage').stage_name).toBe('${var.stage}');
    expect(onlyResource(tf, 'aws_api_gateway_method_settings').settings.throttling_rate_limit).toBe('${(var.rate / 2)}');
    expect(tf.resource.aws_cloudwatch_log_group).toMatchObject({
      [Object.keys(tf.resource.aws_cloudwatch_log_group).find((key) => key.includes('access'))!]: { name: '/aws/apigateway/${var.api_name}/${var.stage}/access' },
    });
  });

  it.each([
    [{ stageName: 'my stage' }, 'ProxyApi stageName: "my stage" is not a stage name; use letters, digits, "-" or "_"'],
    [{ apiName: ' ' }, 'ProxyApi apiName: " " is not a usable API name; use 1 to 1024 characters'],
    [{ invokeRoleName: 'x'.repeat(65) }, `ProxyApi invokeRoleName: "${'x'.repeat(65)}" is not a usable name`],
    [{ throttle: { rateLimit: 100, burstLimit: 10 } }, 'ProxyApi throttle.burstLimit: 10 is below the rate limit 100; make the burst at least the rate'],
    [{ throttle: { rateLimit: 0, burstLimit: 10 } }, 'ProxyApi throttle.rateLimit: 0 is not a rate; use requests per second above 0 and at most 10000'],
    [{ logRetentionDays: 2 }, 'ProxyApi logRetentionDays: 2 is not a retention CloudWatch Logs accepts'],
  ])('fails on %j with a message naming the field, the value and the fix', (props, message) => {
    expect(() => synthApi(props)).toThrow(message);
  });

  it('keeps its log groups on destroy when asked, and bounds its invoke role', () => {
    const boundary = 'arn:aws:iam::123456789012:policy/boundary';
    const tf = parse(synthApi({ retainLogsOnDestroy: true, invokeRoleSettings: { permissionsBoundaryArn: boundary } }));
    for (const group of Object.values(tf.resource.aws_cloudwatch_log_group) as any[]) expect(group.skip_destroy).toBe(true);
    expect(onlyResource(tf, 'aws_iam_role').permissions_boundary).toBe(boundary);
    expect(() => synthApi({ invokeRoleSettings: { permissionsBoundaryArn: 'boundary' } })).toThrow(
      'ProxyApi invokeRoleSettings.permissionsBoundaryArn: "boundary" is not a managed policy ARN',
    );
  });
});
