import { Testing } from 'cdktf';
import { LambdaFunction } from '@cdktf/provider-aws/lib/lambda-function';
import { AwsProvider } from '@cdktf/provider-aws/lib/provider';
import { EnvironmentConfig, TIERS, Tier } from '../../src/config/environment-config';
import { parseEnvironment } from '../../src/config/load-environment';
import { GreetingStack, GreetingStackProps } from '../../src/stacks/greeting-stack';
import { FIXTURE_HANDLER, onlyResource, parse } from '../helpers';

function environment(name: string, fields: Record<string, unknown> = {}): EnvironmentConfig {
  return parseEnvironment(name, { region: 'eu-central-1', tags: { environment: name }, ...fields }, `environments/${name}.json`);
}

function synthStack(env: EnvironmentConfig, tier: Tier, props: Partial<GreetingStackProps> = {}): string {
  const stack = new GreetingStack(Testing.app(), { environment: env, tier, codeFile: FIXTURE_HANDLER, ...props });
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
          onlyResource(tf, 'aws_cloudwatch_log_group').name,
          onlyResource(tf, 'aws_api_gateway_rest_api').name,
          ...Object.values(tf.resource.aws_iam_role).map((role: any) => role.name),
        ];
        for (const name of ownNames) {
          expect(name).toContain(`-${envName}-${tier}`);
          expect(names.has(name)).toBe(false);
          names.add(name);
        }
      }
    }
    expect(names.size).toBe(6 * 5);
  });

  it('passes the environment greeting, timeout, retention and stage to the constructs', () => {
    const env = environment('staging', { greeting: 'Bonjour', timeoutSeconds: 5, logRetentionDays: 30, stageName: 'v1' });
    const tf = parse(synthStack(env, 'standard'));
    expect(onlyResource(tf, 'aws_lambda_function')).toMatchObject({
      function_name: 'hello-world-staging-standard',
      timeout: 5,
      environment: { variables: { GREETING: 'Bonjour' } },
    });
    expect(onlyResource(tf, 'aws_cloudwatch_log_group').retention_in_days).toBe(30);
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
    expect(Object.keys(tf.output).sort()).toEqual(['function_name', 'hello_url', 'invoke_url']);
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

  it('keeps S3 state under the environment prefix, one key per stack, with S3 locking', () => {
    const env = environment('prod', { state: { type: 's3', bucket: 'acme-tfstate', keyPrefix: 'hello-world/prod', region: 'eu-west-1' } });
    expect(parse(synthStack(env, 'premium')).terraform.backend).toEqual({
      s3: {
        bucket: 'acme-tfstate',
        key: 'hello-world/prod/premium.tfstate',
        region: 'eu-west-1',
        encrypt: true,
        use_lockfile: true,
      },
    });
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

  it.each(TIERS)('synthesizes the %s stack as in the snapshot', (tier) => {
    expect(synthStack(environment('dev'), tier)).toMatchSnapshot();
  });
});
