import { Construct } from 'constructs';
import { AssetType, DataResource, Fn, TerraformAsset } from 'cdktf';
import { CodedeployApp } from '@cdktf/provider-aws/lib/codedeploy-app';
import { CodedeployDeploymentConfig } from '@cdktf/provider-aws/lib/codedeploy-deployment-config';
import { CodedeployDeploymentGroup } from '@cdktf/provider-aws/lib/codedeploy-deployment-group';
import { IamRole } from '@cdktf/provider-aws/lib/iam-role';
import { IamRolePolicy } from '@cdktf/provider-aws/lib/iam-role-policy';
import { assertValid, describeValue, regionProblem, resourceNameProblem, roleArnProblem } from '../rules/aws-limits';
import { GradualStrategy, RELEASE_CATALOG, releaseDeploymentGroupName, releaseIntervalProblem, releasePercentProblem } from '../rules/release-catalog';
import type { IAlarm } from './service-alarms';
import { RoleSettings, roleArguments, trustPolicyFor } from './service-role';

/** A function whose alias a release moves from one published version to another. */
export interface IReleasableFunction {
  readonly functionName: string;
  /** The version the last change published: what a release moves the alias to. */
  readonly functionVersion: string;
  /** The alias callers invoke. */
  readonly aliasName: string;
  readonly aliasArn: string;
}

export interface GradualReleaseProps {
  /** Name of the CodeDeploy application, and first part of its deployment group's, configuration's and role's names. At most 50 characters. */
  readonly name: string;
  /**
   * The function and alias released. Its alias must leave its version and weights to
   * CodeDeploy (`GreetingFunction`'s `trafficShiftedBy: 'codedeploy'`), or Terraform and
   * CodeDeploy would move it in turn.
   */
  readonly target: IReleasableFunction;
  /** `canary` (a share for a while, then all) or `linear` (equal steps). */
  readonly strategy: GradualStrategy;
  /**
   * Share of traffic moved in the first step (canary) or in each step (linear), whole percent, 1 to 99.
   * @default the release catalog's for the strategy (10)
   */
  readonly percent?: number;
  /**
   * Minutes between the steps, 1 to 1440.
   * @default the release catalog's for the strategy (canary 5, linear 1)
   */
  readonly intervalMinutes?: number;
  /** The CloudWatch alarms that stop the release and send all traffic back: at least one. */
  readonly alarms: readonly IAlarm[];
  /** The release runner bundled into one file (`buildReleaseRunnerBundle`), which Terraform runs with `node` after each new version. */
  readonly runnerFile: string;
  /** Region of the function: where the runner calls CodeDeploy and Lambda. */
  readonly region: string;
  /**
   * Role the runner assumes, as the stack's AWS provider does.
   * @default the credentials Terraform runs with
   */
  readonly actingRoleArn?: string;
  /**
   * Permissions boundary and path of CodeDeploy's role.
   * @default no boundary, path '/'
   */
  readonly roleSettings?: RoleSettings;
}

/**
 * Releases each new version of a function gradually with CodeDeploy: a deployment group that
 * shifts the alias's traffic by the strategy and rolls it back on AWS's side when one of
 * `alarms` goes into ALARM, and a `terraform_data` resource, replaced by each new
 * version, whose `local-exec` starts the deployment and reports it until it ends.
 *
 * A rolled-back release does not fail `terraform apply`: a failing provisioner taints the
 * resource, and the next apply would release the rolled-back version again. A release that
 * never started does fail it, so the next plan replaces the tainted resource and starts it
 * again (`releaseExitCode`); a retry never starts a version CodeDeploy rolled back. The runner prints the
 * outcome and records it where `RELEASE_OUTCOME_FILE` says, which `npm run apply` sets and
 * checks (docs/releases-and-rollback.md, "How a release runs").
 */
export class GradualRelease extends Construct {
  public readonly applicationName: string;
  public readonly deploymentGroupName: string;
  public readonly deploymentConfigName: string;

  constructor(scope: Construct, id: string, props: GradualReleaseProps) {
    super(scope, id);
    const entry = RELEASE_CATALOG[props.strategy];
    assertValid('GradualRelease', 'strategy', props.strategy, (value) =>
      entry && 'codeDeployType' in entry ? undefined : `${describeValue(value)} is not a gradual strategy; use canary or linear`,
    );
    const percent = props.percent ?? entry.defaultPercent;
    const intervalMinutes = props.intervalMinutes ?? entry.defaultIntervalMinutes;
    assertValid('GradualRelease', 'name', props.name, (value) => resourceNameProblem(value, 50));
    assertValid('GradualRelease', 'percent', percent, releasePercentProblem);
    assertValid('GradualRelease', 'intervalMinutes', intervalMinutes, releaseIntervalProblem);
    assertValid('GradualRelease', 'region', props.region, regionProblem);
    if (props.actingRoleArn !== undefined) assertValid('GradualRelease', 'actingRoleArn', props.actingRoleArn, roleArnProblem);
    if (props.alarms.length === 0) {
      throw new Error('GradualRelease alarms: [] names no alarm, and a release no alarm can stop only ends in all traffic on the new version; give at least one');
    }

    const application = new CodedeployApp(this, 'application', { name: props.name, computePlatform: 'Lambda' });
    const routing =
      entry.codeDeployType === 'TimeBasedCanary'
        ? { type: entry.codeDeployType, timeBasedCanary: { percentage: percent, interval: intervalMinutes } }
        : { type: entry.codeDeployType, timeBasedLinear: { percentage: percent, interval: intervalMinutes } };
    // A configuration cannot change (CodeDeploy has no update): a new one, named after its figures, replaces it.
    const config = new CodedeployDeploymentConfig(this, 'config', {
      deploymentConfigName: `${props.name}-${props.strategy}-${percent}pct-${intervalMinutes}min`,
      computePlatform: 'Lambda',
      trafficRoutingConfig: routing,
      lifecycle: { createBeforeDestroy: true },
    });

    // What CodeDeploy needs to shift this alias and watch the alarms: the actions of AWS's
    // AWSCodeDeployRoleForLambdaLimited
    // (https://docs.aws.amazon.com/aws-managed-policy/latest/reference/AWSCodeDeployRoleForLambdaLimited.html),
    // the Lambda ones on this alias only, and no S3 (the AppSpec travels in the deployment).
    // Trusted by the service principal alone, as the CodeDeploy User Guide's "Step 2: Create a
    // service role for CodeDeploy" (https://docs.aws.amazon.com/codedeploy/latest/userguide/getting-started-create-service-role.html)
    // has it: it documents no aws:SourceArn for CodeDeploy, and an unsent key would deny every
    // release. Only the apply role may pass it (ci-role-policies.ts), and it can move this alias only.
    const role = new IamRole(this, 'codedeploy-role', {
      name: `${props.name}-codedeploy`,
      description: `CodeDeploy shifts ${props.target.aliasName} of the function and watches its alarms`,
      assumeRolePolicy: trustPolicyFor('codedeploy.amazonaws.com'),
      ...roleArguments('GradualRelease', props.roleSettings),
    });
    const policy = new IamRolePolicy(this, 'codedeploy-policy', {
      name: 'shift-alias',
      role: role.name,
      policy: Fn.jsonencode({
        Version: '2012-10-17',
        Statement: [
          { Effect: 'Allow', Action: ['lambda:GetAlias', 'lambda:UpdateAlias', 'lambda:GetProvisionedConcurrencyConfig'], Resource: props.target.aliasArn },
          // AWS's own policy reads every alarm; the release's are enough.
          { Effect: 'Allow', Action: 'cloudwatch:DescribeAlarms', Resource: props.alarms.map((alarm) => alarm.alarmArn) },
        ],
      }),
    });

    const group = new CodedeployDeploymentGroup(this, 'group', {
      appName: application.name,
      deploymentGroupName: releaseDeploymentGroupName(props.name, props.target.aliasName),
      serviceRoleArn: role.arn,
      deploymentConfigName: config.deploymentConfigName,
      deploymentStyle: { deploymentOption: 'WITH_TRAFFIC_CONTROL', deploymentType: 'BLUE_GREEN' },
      // Back to the version the alias served, on AWS's side, when the deployment fails or an alarm fires.
      autoRollbackConfiguration: { enabled: true, events: ['DEPLOYMENT_FAILURE', 'DEPLOYMENT_STOP_ON_ALARM'] },
      alarmConfiguration: { enabled: true, alarms: props.alarms.map((alarm) => alarm.alarmName) },
      dependsOn: [policy],
    });

    // Copied into the stack's folder, so the command names a path relative to it.
    const runner = new TerraformAsset(this, 'runner', { path: props.runnerFile, type: AssetType.FILE });
    const release = new DataResource(this, 'release', {
      // Each new version replaces it, and so runs its provisioner: one release per version.
      triggersReplace: { version: props.target.functionVersion },
      dependsOn: [group],
    });
    // cdktf's provisioner type has no on_failure: written as Terraform has it. `fail` (Terraform's
    // default, written out for the reviewer): the runner exits non-zero only for a release that
    // never started, which taints the resource so the next plan retries it (see the class comment).
    release.addOverride('provisioner', [
      {
        'local-exec': {
          command: `node ${runner.path}`,
          on_failure: 'fail',
          environment: {
            RELEASE_APPLICATION: application.name,
            RELEASE_DEPLOYMENT_GROUP: group.deploymentGroupName,
            RELEASE_FUNCTION: props.target.functionName,
            RELEASE_ALIAS: props.target.aliasName,
            RELEASE_TARGET_VERSION: props.target.functionVersion,
            RELEASE_REGION: props.region,
            ...(props.actingRoleArn ? { RELEASE_ROLE_ARN: props.actingRoleArn } : {}),
          },
        },
      },
    ]);

    this.applicationName = application.name;
    this.deploymentGroupName = group.deploymentGroupName;
    this.deploymentConfigName = config.deploymentConfigName;
  }
}
