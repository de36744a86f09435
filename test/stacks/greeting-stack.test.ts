import { Testing } from 'cdktf';
import { LambdaFunction } from '@cdktf/provider-aws/lib/lambda-function';
import { AwsProvider } from '@cdktf/provider-aws/lib/provider';
import { EnvironmentConfig, TIERS, Tier } from '../../src/config/environment-config';
import { parseEnvironment } from '../../src/config/load-environment';
import { GreetingStack, GreetingStackProps } from '../../src/stacks/greeting-stack';
import { FIXTURE_HANDLER, FIXTURE_RELEASE_RUNNER, onlyResource, parse } from '../helpers';

const onlyData = (tf: any, type: string) => {
  const sources = Object.values(tf.data?.[type] ?? {});
  if (sources.length !== 1) throw new Error(`expected one data.${type}, found ${sources.length}`);
  return sources[0] as any;
};

function environment(name: string, fields: Record<string, unknown> = {}): EnvironmentConfig {
  return parseEnvironment(
    name,
    { region: 'eu-central-1', account: { id: '123456789012' }, apiGatewayCloudWatchRole: 'existing', tags: { environment: name }, ...fields },
    `environments/${name}.json`,
  );
}

function synthStack(env: EnvironmentConfig, tier: Tier, props: Partial<GreetingStackProps> = {}): string {
  const stack = new GreetingStack(Testing.app(), tier, { environment: env, tier, codeFile: FIXTURE_HANDLER, releaseRunnerFile: FIXTURE_RELEASE_RUNNER, ...props });
  return Testing.synth(stack);
}

describe('GreetingStack', () => {
  it.each([
    ['standard', 128],
    ['premium', 512],
  ] as const)('gives the %s tier %i MB of memory', (tier, memory) => {
    expect(synthStack(environment('dev'), tier)).toHaveResourceWithProperties(LambdaFunction, { memory_size: memory });
  });

  it('takes a tier memory override from the environment', () => {
    const env = environment('prod', { tiers: { premium: { memoryMb: 1769 } } });
    expect(synthStack(env, 'premium')).toHaveResourceWithProperties(LambdaFunction, { memory_size: 1769 });
  });

  it('names every resource after environment and tier, so all six stacks fit in one account', () => {
    const names = new Set<string>();
    for (const envName of ['dev', 'staging', 'prod']) {
      for (const tier of TIERS) {
        const tf = parse(synthStack(environment(envName), tier));
        const ownNames = [
          onlyResource(tf, 'aws_lambda_function').function_name,
          onlyResource(tf, 'aws_api_gateway_rest_api').name,
          ...Object.values(tf.resource.aws_cloudwatch_log_group)
            .map((group: any) => group.name)
            .filter((name: string) => !name.startsWith('API-Gateway-Execution-Logs_${')),
          ...Object.values(tf.resource.aws_iam_role).map((role: any) => role.name),
          ...Object.values(tf.resource.aws_cloudwatch_metric_alarm).map((alarm: any) => alarm.alarm_name),
        ];
        for (const name of ownNames) {
          expect(name).toContain(`-${envName}-${tier}`);
          expect(names.has(name)).toBe(false);
          names.add(name);
        }
      }
    }
    // function, API, 2 log groups, 2 roles, 6 alarms
    expect(names.size).toBe(6 * 12);
  });

  it('passes the environment greeting, timeout, retention and stage to the constructs', () => {
    const env = environment('staging', { greeting: 'Bonjour', timeoutSeconds: 5, logRetentionDays: 30, stageName: 'v1' });
    const tf = parse(synthStack(env, 'standard'));
    expect(onlyResource(tf, 'aws_lambda_function')).toMatchObject({
      function_name: 'hello-world-staging-standard',
      timeout: 5,
      environment: { variables: { GREETING: 'Bonjour' } },
    });
    for (const group of Object.values(tf.resource.aws_cloudwatch_log_group) as any[]) {
      expect(group.retention_in_days).toBe(30);
    }
    expect(onlyResource(tf, 'aws_api_gateway_stage').stage_name).toBe('v1');
  });

  it('tags every resource through the provider with the environment tags and the tier', () => {
    expect(synthStack(environment('dev', { tags: { team: 'platform' } }), 'premium')).toHaveProviderWithProperties(AwsProvider, {
      region: 'eu-central-1',
      default_tags: [{ tags: { team: 'platform', tier: 'premium' } }],
    });
  });

  it('outputs the invoke URL, the walkthrough URL and the function name', () => {
    const tf = parse(synthStack(environment('dev'), 'standard'));
    expect(Object.keys(tf.output).sort()).toEqual(['function_name', 'hello_url', 'invoke_url', 'live_version']);
    expect(tf.output.invoke_url.value).toMatch(/^\$\{aws_api_gateway_stage\.proxy-api_stage_[0-9A-F]+\.invoke_url\}$/);
    expect(tf.output.hello_url.value).toMatch(/\.invoke_url\}\/hello$/);
  });

  it('keeps local state per environment and stack, on a path relative to the stack folder', () => {
    const paths = ['dev', 'prod'].flatMap((envName) =>
      TIERS.map((tier) => parse(synthStack(environment(envName), tier)).terraform.backend.local.path),
    );
    expect(paths).toEqual([
      '../../../state/dev/standard.tfstate',
      '../../../state/dev/premium.tfstate',
      '../../../state/prod/standard.tfstate',
      '../../../state/prod/premium.tfstate',
    ]);
  });

  it('keeps S3 state under the environment prefix, one key per stack, with S3 locking, in the environment account only, as its deploy role', () => {
    const env = environment('prod', {
      account: { id: '210987654321', deployRoleArn: 'arn:aws:iam::210987654321:role/deploy' },
      state: { type: 's3', bucket: 'acme-tfstate', keyPrefix: 'hello-world/prod', region: 'eu-west-1' },
    });
    expect(parse(synthStack(env, 'premium')).terraform.backend).toEqual({
      s3: {
        bucket: 'acme-tfstate',
        key: 'hello-world/prod/premium.tfstate',
        region: 'eu-west-1',
        encrypt: true,
        use_lockfile: true,
        allowed_account_ids: ['210987654321'],
        assume_role: { role_arn: 'arn:aws:iam::210987654321:role/deploy', session_name: 'hello-world-prod-premium' },
      },
    });
  });

  it("refuses any account but the environment's in the provider, and deploys as its role when it names one", () => {
    const withRole = environment('prod', { account: { id: '210987654321', deployRoleArn: 'arn:aws:iam::210987654321:role/deploy' } });
    expect(parse(synthStack(withRole, 'standard')).provider.aws[0]).toMatchObject({
      allowed_account_ids: ['210987654321'],
      assume_role: [{ role_arn: 'arn:aws:iam::210987654321:role/deploy', session_name: 'hello-world-prod-standard' }],
    });
    const callerCredentials = parse(synthStack(environment('dev'), 'standard')).provider.aws[0];
    expect([callerCredentials.allowed_account_ids, callerCredentials.assume_role]).toEqual([['123456789012'], undefined]);
  });

  it("uses the credentials it is given, as the workflows' jobs do, with DEPLOY_CREDENTIALS=caller: no role assumed by the provider or the backend", () => {
    const env = environment('prod', {
      account: { id: '210987654321', deployRoleArn: 'arn:aws:iam::210987654321:role/deploy' },
      state: { type: 's3', bucket: 'acme-tfstate', keyPrefix: 'hello-world/prod', region: 'eu-west-1' },
    });
    const asCaller = synthStack(env, 'standard', { credentials: 'caller' });
    const tf = parse(asCaller);
    expect([tf.provider.aws[0].allowed_account_ids, tf.provider.aws[0].assume_role]).toEqual([['210987654321'], undefined]);
    expect(tf.terraform.backend.s3.assume_role).toBeUndefined();
    expect(tf.terraform.backend.s3.allowed_account_ids).toEqual(['210987654321']);
    expect(asCaller).not.toContain('role/deploy');
    expect(synthStack(env, 'standard')).toContain('role/deploy');
  });

  it('requires the Terraform version its state locking needs', () => {
    expect(parse(synthStack(environment('dev'), 'standard')).terraform.required_version).toBe('>= 1.11.0');
  });

  it('configures the provider for planning without AWS only when asked', () => {
    const offline = parse(synthStack(environment('dev'), 'standard', { offlinePlan: true })).provider.aws[0];
    expect(offline).toMatchObject({
      skip_credentials_validation: true,
      skip_requesting_account_id: true,
      skip_metadata_api_check: 'true',
    });
    const normal = parse(synthStack(environment('dev'), 'standard')).provider.aws[0];
    expect(normal.skip_credentials_validation).toBeUndefined();
    expect(normal.access_key).toBeUndefined();
  });

  it('gives each tier its own throttling and reserved concurrency, premium above standard', () => {
    const env = environment('prod', { tiers: { standard: { reservedConcurrency: 100 }, premium: { reservedConcurrency: 450 } } });
    const [standard, premium] = TIERS.map((tier) => parse(synthStack(env, tier)));
    // Each of the stage's two methods gets half of the tier's budget.
    expect(onlyResource(standard, 'aws_api_gateway_method_settings').settings).toMatchObject({ throttling_rate_limit: 25, throttling_burst_limit: 50 });
    expect(onlyResource(premium, 'aws_api_gateway_method_settings').settings).toMatchObject({ throttling_rate_limit: 100, throttling_burst_limit: 200 });
    expect(onlyResource(standard, 'aws_lambda_function').reserved_concurrent_executions).toBe(100);
    expect(onlyResource(premium, 'aws_lambda_function').reserved_concurrent_executions).toBe(450);
  });

  it("puts a WAF web ACL limiting each client IP to the tier's clientRateLimit on its stage only where webAcl is set", () => {
    const env = environment('prod', { webAcl: true, tiers: { premium: { clientRateLimit: 9000 } } });
    for (const [tier, limit] of [['standard', 1500], ['premium', 9000]] as const) {
      const tf = parse(synthStack(env, tier));
      const acl = onlyResource(tf, 'aws_wafv2_web_acl');
      expect(acl.name).toBe(`hello-world-prod-${tier}-api`);
      expect(acl.rule[0].statement.rate_based_statement).toMatchObject({ limit, aggregate_key_type: 'IP' });
      expect(onlyResource(tf, 'aws_wafv2_web_acl_association').resource_arn).toMatch(/^\$\{aws_api_gateway_stage\.proxy-api_stage_[0-9A-F]+\.arn\}$/);
    }
    const without = parse(synthStack(environment('dev'), 'standard'));
    expect(without.resource.aws_wafv2_web_acl).toBeUndefined();
    expect(without.resource.aws_wafv2_web_acl_association).toBeUndefined();
  });

  it('requires an API key for a tier only when configured, and outputs its id', () => {
    const env = environment('prod', { tiers: { premium: { apiKeyRequired: true } } });
    const premium = parse(synthStack(env, 'premium'));
    expect(onlyResource(premium, 'aws_api_gateway_usage_plan').throttle_settings).toEqual({ rate_limit: 200, burst_limit: 400 });
    expect(premium.output.api_key_id).toBeDefined();
    expect(parse(synthStack(env, 'standard')).resource.aws_api_gateway_usage_plan).toBeUndefined();
  });

  it("gives each of a tier's API key clients its own key and outputs them by client, the first as api_key_id", () => {
    const env = environment('prod', { tiers: { premium: { apiKeyRequired: true, apiKeyClients: ['acme', 'globex'] } } });
    const premium = parse(synthStack(env, 'premium'));
    expect(onlyResource(premium, 'aws_api_gateway_usage_plan').throttle_settings).toEqual({ rate_limit: 100, burst_limit: 200 });
    expect(Object.keys(premium.output.api_key_ids.value)).toEqual(['acme', 'globex']);
    expect(premium.output.api_key_id.value).toBe(premium.output.api_key_ids.value.acme);
  });

  it("never holds the account's CloudWatch role: the tiers check at plan that account-settings created it", () => {
    for (const tier of TIERS) {
      const tf = parse(synthStack(environment('dev', { apiGatewayCloudWatchRole: 'create' }), tier));
      expect(tf.resource.aws_api_gateway_account).toBeUndefined();
      const check = onlyData(tf, 'aws_iam_roles');
      expect(check.name_regex).toBe('^api-gateway-cloudwatch-eu-central-1$');
      expect(check.lifecycle.postcondition).toEqual([
        {
          condition: '${length(self.names) == 1}',
          error_message:
            "The account has no role api-gateway-cloudwatch-eu-central-1, so API Gateway cannot write this stage's logs in eu-central-1. " +
            'Create it once for the account and region: ENVIRONMENT=dev npx cdktf deploy account-settings (docs/deploying.md, "A new account").',
        },
      ]);
      // The stage and its logging settings wait for the check.
      expect(onlyResource(tf, 'aws_api_gateway_method_settings').depends_on).toEqual([expect.stringMatching(/^data\.aws_iam_roles\./)]);
    }
    // Offline plans reach no AWS, so they cannot look.
    expect(parse(synthStack(environment('dev'), 'standard', { offlinePlan: true })).data?.aws_iam_roles).toBeUndefined();
  });

  it('sends every alarm to the SNS topic of the environment, with its thresholds, the function timeout and the tier reservation', () => {
    const topic = 'arn:aws:sns:eu-central-1:123456789012:on-call';
    const env = environment('prod', {
      timeoutSeconds: 5,
      tiers: { premium: { reservedConcurrency: 400 } },
      alarms: { snsTopicArn: topic, api5xx: 5, api4xxPercent: 50, apiLatencyP99Ms: 800, functionDurationPercentOfTimeout: 60, concurrencyPercentOfReservation: 90 },
    });
    const alarms = Object.values(parse(synthStack(env, 'premium')).resource.aws_cloudwatch_metric_alarm) as any[];
    expect(alarms.map((alarm) => [alarm.alarm_name.replace('hello-world-prod-premium-', ''), alarm.threshold, alarm.alarm_actions]).sort()).toEqual([
      ['api-4xx', 50, [topic]],
      ['api-5xx', 5, [topic]],
      ['api-latency-p99', 800, [topic]],
      ['function-concurrency', 360, [topic]],
      ['function-duration', 3000, [topic]],
      ['function-errors', 1, [topic]],
      ['function-throttles', 1, [topic]],
    ]);
  });

  it("puts every role the stacks create under the organisation's permissions boundary and path", () => {
    const boundary = 'arn:aws:iam::123456789012:policy/platform-boundary';
    const env = environment('dev', { apiGatewayCloudWatchRole: 'create', iam: { permissionsBoundaryArn: boundary, rolePath: '/service/greeting/' } });
    const roles = TIERS.flatMap((tier) => Object.values(parse(synthStack(env, tier)).resource.aws_iam_role) as any[]);
    expect(roles).toHaveLength(4);
    for (const role of roles) expect(role).toMatchObject({ permissions_boundary: boundary, path: '/service/greeting/' });
    const plain = Object.values(parse(synthStack(environment('dev'), 'standard')).resource.aws_iam_role) as any[];
    for (const role of plain) expect([role.permissions_boundary, role.path]).toEqual([undefined, undefined]);
  });

  it('keeps every log group on destroy only where the environment says so (skip_destroy)', () => {
    for (const [retain, expected] of [[true, true], [false, undefined]] as const) {
      const groups = Object.values(parse(synthStack(environment('prod', { retainLogsOnDestroy: retain }), 'premium')).resource.aws_cloudwatch_log_group) as any[];
      expect(groups).toHaveLength(3);
      for (const group of groups) expect(group.skip_destroy).toBe(expected);
    }
  });

  it.each(TIERS)('synthesizes the %s stack as in the snapshot', (tier) => {
    expect(synthStack(environment('dev'), tier)).toMatchSnapshot();
  });
});
