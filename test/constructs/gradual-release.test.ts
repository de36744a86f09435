import * as fs from 'fs';
import * as path from 'path';
import { Testing } from 'cdktf';
import { GradualRelease, GradualReleaseProps } from '../../src/constructs/gradual-release';
import { GreetingFunction } from '../../src/constructs/greeting-function';
import { makeTempDir, parse } from '../helpers';

const runnerFile = path.join(makeTempDir('runner-'), 'release.js');
fs.writeFileSync(runnerFile, 'console.log("release")\n');
const codeFile = path.join(makeTempDir('code-'), 'index.js');
fs.writeFileSync(codeFile, 'exports.helloworld = async () => "Hello";\n');

const synth = (props: Partial<GradualReleaseProps> = {}) =>
  parse(
    Testing.synthScope((scope) => {
      const fn = new GreetingFunction(scope, 'fn', { functionName: 'hello-prod-standard', codeFile, trafficShiftedBy: 'codedeploy' });
      new GradualRelease(scope, 'release', {
        name: 'hello-prod-standard',
        target: fn,
        strategy: 'canary',
        alarms: ['function-errors', 'api-5xx'].map((name) => ({
          alarmName: `hello-prod-standard-${name}`,
          alarmArn: `arn:aws:cloudwatch:eu-west-1:345678901234:alarm:hello-prod-standard-${name}`,
        })),
        runnerFile,
        region: 'eu-west-1',
        ...props,
      });
    }),
  );

const only = (tf: any, type: string) => {
  const all = Object.values(tf.resource[type] ?? {}) as any[];
  expect(all).toHaveLength(1);
  return all[0];
};

describe('GradualRelease', () => {
  it('shifts by a canary of 10% for 5 minutes unless told otherwise, in a configuration named after its figures', () => {
    const config = only(synth(), 'aws_codedeploy_deployment_config');
    expect(config).toMatchObject({
      deployment_config_name: 'hello-prod-standard-canary-10pct-5min',
      compute_platform: 'Lambda',
      traffic_routing_config: { type: 'TimeBasedCanary', time_based_canary: { percentage: 10, interval: 5 } },
      // CodeDeploy cannot change a configuration: the next is created before this one goes.
      lifecycle: { create_before_destroy: true },
    });
  });

  it('shifts in equal steps for linear', () => {
    const config = only(synth({ strategy: 'linear', percent: 25, intervalMinutes: 2 }), 'aws_codedeploy_deployment_config');
    expect(config.deployment_config_name).toBe('hello-prod-standard-linear-25pct-2min');
    expect(config.traffic_routing_config).toEqual({ type: 'TimeBasedLinear', time_based_linear: { percentage: 25, interval: 2 } });
  });

  it("rolls back on AWS's side when a deployment fails or one of the named alarms fires", () => {
    const tf = synth();
    const group = only(tf, 'aws_codedeploy_deployment_group');
    expect(group).toMatchObject({
      deployment_group_name: 'hello-prod-standard-live',
      deployment_style: { deployment_option: 'WITH_TRAFFIC_CONTROL', deployment_type: 'BLUE_GREEN' },
      auto_rollback_configuration: { enabled: true, events: ['DEPLOYMENT_FAILURE', 'DEPLOYMENT_STOP_ON_ALARM'] },
      alarm_configuration: { enabled: true, alarms: ['hello-prod-standard-function-errors', 'hello-prod-standard-api-5xx'] },
    });
    expect(only(tf, 'aws_codedeploy_app')).toMatchObject({ name: 'hello-prod-standard', compute_platform: 'Lambda' });
  });

  it("gives CodeDeploy a role that may move this function's alias only and read the release's alarms", () => {
    const tf = synth();
    const role = Object.values(tf.resource.aws_iam_role).find((r: any) => r.name === 'hello-prod-standard-codedeploy') as any;
    expect(JSON.parse(role.assume_role_policy).Statement).toEqual([{ Effect: 'Allow', Principal: { Service: 'codedeploy.amazonaws.com' }, Action: 'sts:AssumeRole' }]);
    const policy = (Object.values(tf.resource.aws_iam_role_policy) as any[]).find((p) => p.name === 'shift-alias');
    expect(policy.policy).toMatch(
      /"Action" = \["lambda:GetAlias", "lambda:UpdateAlias", "lambda:GetProvisionedConcurrencyConfig"\], "Resource" = aws_lambda_alias\.fn_alias_[0-9A-F]+\.arn\}, \{"Effect" = "Allow", "Action" = "cloudwatch:DescribeAlarms", "Resource" = \["arn:aws:cloudwatch:eu-west-1:345678901234:alarm:hello-prod-standard-function-errors", "arn:aws:cloudwatch:eu-west-1:345678901234:alarm:hello-prod-standard-api-5xx"\]\}\]/,
    );
    expect(policy.policy).not.toMatch(/lambda:\*|"s3:/);
  });

  it('runs the release once per new version, after the group exists, and fails the apply (tainting it, so the next plan retries) only where the runner says so', () => {
    const release = only(synth({ actingRoleArn: 'arn:aws:iam::345678901234:role/deploy' }), 'terraform_data');
    expect(release.triggers_replace).toEqual({ version: expect.stringMatching(/^\$\{aws_lambda_function\.fn_function_[0-9A-F]+\.version\}$/) });
    expect(release.depends_on).toEqual([expect.stringMatching(/^aws_codedeploy_deployment_group\./)]);
    const [{ 'local-exec': exec }] = release.provisioner;
    expect(exec.command).toMatch(/^node assets\/release_runner_[0-9A-F]+\/[0-9A-F]+\/release\.js$/);
    expect(exec.on_failure).toBe('fail');
    expect(exec.environment).toMatchObject({ RELEASE_ALIAS: 'live', RELEASE_REGION: 'eu-west-1', RELEASE_ROLE_ARN: 'arn:aws:iam::345678901234:role/deploy' });
  });

  it("leaves the alias's version and weights to CodeDeploy", () => {
    expect(only(synth(), 'aws_lambda_alias').lifecycle).toEqual({ ignore_changes: ['function_version', 'routing_config'] });
  });

  it.each([
    [{ percent: 100 }, 'GradualRelease percent: 100 is not a share of traffic to move in a step; use a whole percent from 1 to 99'],
    [{ intervalMinutes: 2000 }, 'GradualRelease intervalMinutes: 2000 is not a time between steps; use whole minutes from 1 to 1440'],
    [{ strategy: 'all-at-once' as never }, 'GradualRelease strategy: "all-at-once" is not a gradual strategy; use canary or linear'],
    [{ alarms: [] }, 'GradualRelease alarms: [] names no alarm'],
    [{ name: 'x'.repeat(51) }, 'GradualRelease name:'],
  ])('fails on %j, naming the prop, the value and the fix', (props, message) => {
    expect(() => synth(props)).toThrow(message);
  });
});
