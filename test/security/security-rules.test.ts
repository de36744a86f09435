import * as path from 'path';
import { Testing } from 'cdktf';
import { TIERS } from '../../src/config/environment-config';
import { listEnvironments, loadEnvironment } from '../../src/config/load-environment';
import { ACCOUNT_SETTINGS_STACK, AccountSettingsStack } from '../../src/stacks/account-settings-stack';
import { GreetingStack } from '../../src/stacks/greeting-stack';
import { FIXTURE_HANDLER, FIXTURE_RELEASE_RUNNER, PROJECT_ROOT } from '../helpers';
import { RULES, policyDocument } from './rules';

const ENVIRONMENTS = path.join(PROJECT_ROOT, 'environments');

/** Every stack of every shipped environment, synthesized: the tiers, and account-settings where there is one. */
const stacks = listEnvironments(ENVIRONMENTS).flatMap((environment) => {
  const config = loadEnvironment(environment, ENVIRONMENTS);
  const tiers = TIERS.map((tier) => {
    const stack = new GreetingStack(Testing.app(), tier, { environment: config, tier, codeFile: FIXTURE_HANDLER, releaseRunnerFile: FIXTURE_RELEASE_RUNNER });
    return { environment, tier: tier as string, tf: JSON.parse(Testing.synth(stack)) };
  });
  if (config.apiGatewayCloudWatchRole !== 'create') return tiers;
  const account = new AccountSettingsStack(Testing.app(), ACCOUNT_SETTINGS_STACK, { environment: config });
  return [...tiers, { environment, tier: ACCOUNT_SETTINGS_STACK, tf: JSON.parse(Testing.synth(account)) }];
});

describe.each(RULES.map((rule) => [`${rule.ids.join(', ')}: ${rule.title}`, rule] as const))('%s', (_, rule) => {
  it.each(stacks.map((s) => [`${s.environment}/${s.tier}`, s] as const))('holds for %s', (_name, { tf, environment }) => {
    expect(rule.check(tf, environment)).toEqual([]);
  });
});

describe('the rules catch what they are for', () => {
  const rule = (id: string) => RULES.find((r) => r.ids.includes(id))!;
  const prod = stacks.find((s) => s.environment === 'prod' && s.tier === 'standard')!;
  const copy = () => JSON.parse(JSON.stringify(prod.tf));
  const first = (tf: any, type: string) => Object.values(tf.resource[type])[0] as any;
  const policyNamed = (tf: any, name: string) => Object.values<any>(tf.resource.aws_iam_role_policy).find((policy) => policy.name === name);
  const invokePolicy = (tf: any) => policyNamed(tf, 'invoke-function');

  it("fails a prod stage whose web ACL association is gone or whose rate rule only counts (CKV2_AWS_29)", () => {
    const counting = copy();
    first(counting, 'aws_wafv2_web_acl').rule[0].action = { count: {} };
    expect(rule('CKV2_AWS_29').check(counting, 'prod')).toEqual([expect.stringMatching(/: its web ACL has no blocking rate-based rule$/)]);
    const unprotected = copy();
    delete unprotected.resource.aws_wafv2_web_acl_association;
    expect(rule('CKV2_AWS_29').check(unprotected, 'prod')).toEqual([expect.stringMatching(/: no aws_wafv2_web_acl_association in prod$/)]);
  });

  it('fails a trust policy that lets any AWS principal assume the role (CKV_AWS_60)', () => {
    const tf = copy();
    first(tf, 'aws_iam_role').assume_role_policy = JSON.stringify({
      Version: '2012-10-17',
      Statement: [{ Effect: 'Allow', Principal: { AWS: '*' }, Action: 'sts:AssumeRole' }],
    });
    expect(rule('CKV_AWS_60').check(tf, 'dev')).toEqual([expect.stringMatching(/trust statement 0 allows \{"AWS":"\*"\} to sts:AssumeRole$/)]);
  });

  it('fails an invoke policy widened to every function (CKV_AWS_355)', () => {
    const tf = copy();
    const policy = invokePolicy(tf);
    policy.policy = JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 'lambda:*', Resource: '*' }] });
    expect(rule('CKV_AWS_355').check(tf, 'dev')).toEqual([
      expect.stringContaining('statement 0 allows action ["lambda:*"]'),
      expect.stringContaining('statement 0 applies to ["*"]'),
    ]);
  });

  it('reads a jsonencode policy as the JSON it makes, and fails it widened to every function (CKV_AWS_355)', () => {
    const policy = invokePolicy(prod.tf).policy;
    expect(policyDocument(policy)).toEqual({
      Version: '2012-10-17',
      Statement: [{ Effect: 'Allow', Action: 'lambda:InvokeFunction', Resource: expect.stringMatching(/^\$\{aws_lambda_alias\.[\w-]+\.arn\}$/) }],
    });
    const tf = copy();
    invokePolicy(tf).policy = '${jsonencode({"Version" = "2012-10-17", "Statement" = [{"Effect" = "Allow", "Action" = "lambda:*", "Resource" = "*"}]})}';
    expect(rule('CKV_AWS_355').check(tf, 'dev')).toEqual([
      expect.stringContaining('statement 0 allows action ["lambda:*"]'),
      expect.stringContaining('statement 0 applies to ["*"]'),
    ]);
  });

  it("fails the execution role's log policy widened to every log group, but not to its own group's streams (CKV_AWS_355)", () => {
    const tf = copy();
    const logs = policyNamed(tf, 'write-own-logs');
    expect((policyDocument(logs.policy) as { Statement: any[] }).Statement[0].Resource).toMatch(/^\$\{aws_cloudwatch_log_group\.[\w-]+\.arn\}:\*$/);
    expect(rule('CKV_AWS_355').check(tf, 'dev')).toEqual([]);
    logs.policy = JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: ['logs:CreateLogStream', 'logs:PutLogEvents'], Resource: 'arn:aws:logs:eu-central-1:123456789012:*' }] });
    expect(rule('CKV_AWS_355').check(tf, 'dev')).toEqual([expect.stringContaining('statement 0 applies to ["arn:aws:logs:eu-central-1:123456789012:*"]')]);
  });

  it('allows "*" for X-Ray\'s trace calls, which take no resource, but fails it once a restrictable action joins them (CKV_AWS_355)', () => {
    const tf = copy();
    const xray = policyNamed(tf, 'xray-tracing');
    expect((policyDocument(xray.policy) as { Statement: any[] }).Statement[0]).toEqual({ Effect: 'Allow', Action: ['xray:PutTraceSegments', 'xray:PutTelemetryRecords'], Resource: '*' });
    xray.policy = JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: ['xray:PutTraceSegments', 'logs:CreateLogGroup'], Resource: '*' }] });
    expect(rule('CKV_AWS_355').check(tf, 'dev')).toEqual([expect.stringContaining('statement 0 applies to ["*"]')]);
  });

  it('fails a function that only passes traces through (CKV_AWS_50)', () => {
    const tf = copy();
    first(tf, 'aws_lambda_function').tracing_config = { mode: 'PassThrough' };
    expect(rule('CKV_AWS_50').check(tf, 'dev')).toEqual([expect.stringContaining('tracing_config is {"mode":"PassThrough"}')]);
  });

  it('fails a prod log group kept for 30 days (CKV_AWS_338), but not a dev one', () => {
    const tf = copy();
    first(tf, 'aws_cloudwatch_log_group').retention_in_days = 30;
    expect(rule('CKV_AWS_338').check(prod.tf, 'prod')).toEqual([]);
    expect(rule('CKV_AWS_338').check(tf, 'prod')).toEqual([expect.stringContaining('retention_in_days is 30 in prod')]);
    expect(rule('CKV_AWS_338').check(tf, 'dev')).toEqual([]);
  });

  it('fails a stage without method settings (CKV2_AWS_4) or access logs (CKV_AWS_76)', () => {
    const tf = copy();
    delete tf.resource.aws_api_gateway_method_settings;
    delete first(tf, 'aws_api_gateway_stage').access_log_settings;
    expect(rule('CKV2_AWS_4').check(tf, 'dev')).toHaveLength(1);
    expect(rule('CKV_AWS_76').check(tf, 'dev')).toHaveLength(1);
  });

  it('fails a deprecated runtime (CKV_AWS_363)', () => {
    const tf = copy();
    first(tf, 'aws_lambda_function').runtime = 'nodejs20.x';
    expect(rule('CKV_AWS_363').check(tf, 'dev')).toEqual([expect.stringContaining('runtime nodejs20.x is deprecated')]);
  });
});
