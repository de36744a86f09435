/**
 * Starts and follows one gradual release: a CodeDeploy deployment that moves a function's
 * alias from the version it serves to a new one, step by step, and rolls it back when an alarm
 * of the deployment group goes into ALARM. Terraform runs this file (bundled, from the stack's
 * assets) after each new version, as `GradualRelease`'s `terraform_data` says; it reads its
 * inputs from the environment that resource sets.
 *
 * CodeDeploy does the shifting and the rollback on AWS's side: if this process dies, the
 * release still completes or rolls back ("Deployment configurations on an AWS Lambda compute
 * platform", https://docs.aws.amazon.com/codedeploy/latest/userguide/deployment-configurations.html).
 * This process only starts it and reports it, as terraform-aws-modules/lambda's deploy module
 * does with the AWS CLI.
 *
 * It imports nothing of the app: it runs where Terraform applies, as one file.
 */
import { createHash } from 'crypto';
import * as fs from 'fs';
import { CloudWatchClient, DescribeAlarmsCommand } from '@aws-sdk/client-cloudwatch';
import {
  CodeDeployClient,
  CreateDeploymentCommand,
  DeploymentInfo,
  GetDeploymentCommand,
  GetDeploymentConfigCommand,
  GetDeploymentGroupCommand,
  ListDeploymentsCommand,
} from '@aws-sdk/client-codedeploy';
import { GetAliasCommand, GetFunctionConfigurationCommand, LambdaClient } from '@aws-sdk/client-lambda';
import { fromTemporaryCredentials } from '@aws-sdk/credential-providers';
import { lambdaTime, pastReleases } from './release-history';

/** What the release resource passes. */
export interface ReleaseInputs {
  readonly application: string;
  readonly deploymentGroup: string;
  readonly functionName: string;
  readonly alias: string;
  readonly targetVersion: string;
  readonly region: string;
  /** The role Terraform's provider assumes, which the release acts as too. */
  readonly roleArn?: string;
  /** Seconds between two looks at the deployment. */
  readonly pollSeconds: number;
  /** A file the outcome is appended to, one JSON line (npm run apply reads it). */
  readonly outcomeFile?: string;
}

/** How one release ended. */
export interface ReleaseOutcome {
  readonly functionName: string;
  readonly targetVersion: string;
  /**
   * `failed`: no deployment started (the next plan retries it); `unknown`: a deployment started
   * but the runner could not follow it to its end (CodeDeploy ends it on its own).
   */
  readonly status: 'unchanged' | 'succeeded' | 'rolled-back' | 'failed' | 'unknown';
  /** The version the alias serves at the end. */
  readonly liveVersion?: string;
  readonly deploymentId?: string;
  /** The alarms in ALARM at the end, the likely reason of a rollback. */
  readonly alarms?: readonly string[];
  /** What CodeDeploy or this runner said went wrong. */
  readonly reason?: string;
}

const REQUIRED = {
  application: 'RELEASE_APPLICATION',
  deploymentGroup: 'RELEASE_DEPLOYMENT_GROUP',
  functionName: 'RELEASE_FUNCTION',
  alias: 'RELEASE_ALIAS',
  targetVersion: 'RELEASE_TARGET_VERSION',
  region: 'RELEASE_REGION',
} as const;

/** The inputs from `env`, or an error naming the first missing variable. */
export function releaseInputs(env: NodeJS.ProcessEnv): ReleaseInputs {
  const read = Object.fromEntries(
    Object.entries(REQUIRED).map(([field, variable]) => {
      const value = env[variable];
      if (!value) throw new Error(`${variable} is not set; the release resource of the stack sets it (run this through terraform apply)`);
      return [field, value];
    }),
  ) as Record<keyof typeof REQUIRED, string>;
  if (!/^\d+$/.test(read.targetVersion)) throw new Error(`RELEASE_TARGET_VERSION ${JSON.stringify(read.targetVersion)} is not a published version number`);
  const pollSeconds = env.RELEASE_POLL_SECONDS === undefined ? 15 : Number(env.RELEASE_POLL_SECONDS);
  if (!(pollSeconds > 0 && pollSeconds <= 300)) throw new Error(`RELEASE_POLL_SECONDS ${JSON.stringify(env.RELEASE_POLL_SECONDS)} is not a number of seconds from above 0 to 300`);
  return { ...read, roleArn: env.RELEASE_ROLE_ARN || undefined, pollSeconds, outcomeFile: env.RELEASE_OUTCOME_FILE || undefined };
}

/**
 * The AppSpec of a Lambda deployment: which alias moves from which version to which
 * (CodeDeploy User Guide, "AppSpec 'resources' section (AWS Lambda deployments only)",
 * https://docs.aws.amazon.com/codedeploy/latest/userguide/reference-appspec-file-structure-resources.html).
 */
export function lambdaAppSpec(functionName: string, alias: string, currentVersion: string, targetVersion: string): { content: string; sha256: string } {
  const content = JSON.stringify({
    // A string, as terraform-aws-modules/lambda's deploy module sends it: JSON has no number 0.0.
    version: '0.0',
    Resources: [{ [functionName.replace(/[^A-Za-z0-9]/g, '')]: { Type: 'AWS::Lambda::Function', Properties: { Name: functionName, Alias: alias, CurrentVersion: currentVersion, TargetVersion: targetVersion } } }],
  });
  return { content, sha256: createHash('sha256').update(content).digest('hex') };
}

/** Minutes a deployment of a traffic routing config takes from its first shift to its last. */
export function releaseMinutes(routing: { type?: string; timeBasedCanary?: { canaryInterval?: number }; timeBasedLinear?: { linearInterval?: number; linearPercentage?: number } } | undefined): number {
  if (routing?.type === 'TimeBasedCanary') return routing.timeBasedCanary?.canaryInterval ?? 0;
  if (routing?.type === 'TimeBasedLinear') {
    const { linearInterval = 0, linearPercentage = 100 } = routing.timeBasedLinear ?? {};
    return (Math.ceil(100 / linearPercentage) - 1) * linearInterval;
  }
  return 0;
}

/** "4 min 05 s" */
export function minutesAndSeconds(ms: number): string {
  const seconds = Math.max(0, Math.round(ms / 1000));
  return `${Math.floor(seconds / 60)} min ${String(seconds % 60).padStart(2, '0')} s`;
}

/** One line of progress: who serves what share, and about how long is left. */
export function progressLine(current: string, target: string, targetWeight: number | undefined, leftMs: number | undefined): string {
  const share = targetWeight === undefined ? 0 : Math.round(targetWeight * 100);
  const left = leftMs === undefined ? '' : `, about ${minutesAndSeconds(leftMs)} left`;
  return `version ${current} → ${target}: ${share}% of traffic on ${target}, ${100 - share}% on ${current}${left}`;
}

const DONE = new Set(['Succeeded', 'Failed', 'Stopped']);
/** Lambda's and CodeDeploy's clocks may disagree by this much (a version's time against a deployment's). */
const CLOCK_SKEW_MS = 1000;
/** A deployment's statuses before it ends: one of them holds the group (one deployment at a time). */
export const UNFINISHED_STATUSES = ['Created', 'Queued', 'InProgress', 'Baking', 'Ready'] as const;

/** The AWS clients a release uses. */
export interface ReleaseClients {
  readonly lambda: LambdaClient;
  readonly codedeploy: CodeDeployClient;
  readonly cloudwatch: CloudWatchClient;
}

/** Clients in the function's region, acting as `roleArn` where it is set. */
export function releaseClients(inputs: ReleaseInputs): ReleaseClients {
  const credentials = inputs.roleArn ? fromTemporaryCredentials({ params: { RoleArn: inputs.roleArn, RoleSessionName: `release-${inputs.functionName}`.slice(0, 64) }, clientConfig: { region: inputs.region } }) : undefined;
  const config = { region: inputs.region, ...(credentials ? { credentials } : {}) };
  return { lambda: new LambdaClient(config), codedeploy: new CodeDeployClient(config), cloudwatch: new CloudWatchClient(config) };
}

/** Runs one release to its end, printing as it goes. */
export async function runRelease(
  inputs: ReleaseInputs,
  print: (line: string) => void = (line) => console.log(`release: ${line}`),
  clients: ReleaseClients = releaseClients(inputs),
): Promise<ReleaseOutcome> {
  const { lambda, codedeploy } = clients;
  const { functionName, alias, targetVersion } = inputs;

  const before = await aliasNow(lambda, inputs);
  const current = before.FunctionVersion as string;
  if (current === targetVersion && !Object.keys(before.RoutingConfig?.AdditionalVersionWeights ?? {}).length) {
    print(`${functionName}:${alias} serves version ${targetVersion} already; nothing to release`);
    return { functionName, targetVersion, status: 'unchanged', liveVersion: current };
  }

  // A version CodeDeploy rolled back (an alarm, a failure, a stop) is never released again by a
  // retry (a release Terraform tainted when its run was cut short): that takes a new version.
  // Only deployments of this alias made since the version was published count: version numbers
  // are predictable, and one made before (which fails: no such version) must not bar it.
  const published = lambdaTime((await lambda.send(new GetFunctionConfigurationCommand({ FunctionName: functionName, Qualifier: targetVersion }))).LastModified);
  const since = published === undefined ? undefined : published - CLOCK_SKEW_MS;
  const rolledBack = (await pastReleases(codedeploy, inputs.application, inputs.deploymentGroup, ['Failed', 'Stopped'], since)).find(
    (release) => release.functionName === functionName && release.alias === alias && release.targetVersion === targetVersion,
  );
  if (rolledBack) {
    const reason =
      `CodeDeploy already rolled version ${targetVersion} back (deployment ${rolledBack.deploymentId}, ${rolledBack.status}); it is not released again: ` +
      `ship a fixed version, or move ${alias} to it by hand (npm run rollback -- <tier> --to ${targetVersion})`;
    print(`ROLLED BACK: ${reason}; ${alias} serves version ${current}`);
    return { functionName, targetVersion, status: 'rolled-back', liveVersion: current, deploymentId: rolledBack.deploymentId, reason };
  }

  const appSpec = lambdaAppSpec(functionName, alias, current, targetVersion);
  let deploymentId: string;
  try {
    ({ deploymentId } = (await codedeploy.send(
      new CreateDeploymentCommand({
        applicationName: inputs.application,
        deploymentGroupName: inputs.deploymentGroup,
        description: `${functionName}:${alias} version ${current} → ${targetVersion}`,
        revision: { revisionType: 'AppSpecContent', appSpecContent: appSpec },
      }),
    )) as { deploymentId: string });
  } catch (error) {
    if ((error as Error).name !== 'DeploymentLimitExceededException') throw error;
    // One deployment per group at a time: an earlier release still runs (CodeDeploy finishes it whether or not its job is alive).
    const running = await codedeploy.send(new ListDeploymentsCommand({ applicationName: inputs.application, deploymentGroupName: inputs.deploymentGroup, includeOnlyStatuses: [...UNFINISHED_STATUSES] }));
    const reason = `an earlier release of ${functionName} is still running (CodeDeploy deployment ${running.deployments?.join(', ') || 'unknown'}); wait for it to end, then plan and apply again (the plan starts this release again)`;
    print(reason);
    return { functionName, targetVersion, status: 'failed', liveVersion: current, reason };
  }
  print(`${functionName}:${alias} version ${current} → ${targetVersion}, CodeDeploy deployment ${deploymentId}`);
  try {
    return await followRelease(inputs, clients, deploymentId, print);
  } catch (error) {
    // The deployment exists and CodeDeploy ends it, here or not: never a blind retry of it.
    const reason = `could not follow CodeDeploy deployment ${deploymentId} to its end: ${(error as Error).message}`;
    print(`UNKNOWN: ${reason}; CodeDeploy completes it or rolls it back on its own`);
    return { functionName, targetVersion, status: 'unknown', deploymentId, reason };
  }
}

/** The released alias as it stands: its version and weights. */
const aliasNow = (lambda: LambdaClient, inputs: ReleaseInputs) => lambda.send(new GetAliasCommand({ FunctionName: inputs.functionName, Name: inputs.alias }));

/** Follows a started deployment to its end, printing the shares as they move. */
async function followRelease(inputs: ReleaseInputs, clients: ReleaseClients, deploymentId: string, print: (line: string) => void): Promise<ReleaseOutcome> {
  const { lambda, codedeploy, cloudwatch } = clients;
  const { functionName, alias, targetVersion } = inputs;
  const live = () => aliasNow(lambda, inputs);
  let info: DeploymentInfo = {};
  let totalMs: number | undefined;
  let last = '';
  let lastLeft = 0;
  for (;;) {
    info = (await codedeploy.send(new GetDeploymentCommand({ deploymentId }))).deploymentInfo ?? {};
    if (totalMs === undefined && info.deploymentConfigName) {
      const routing = (await codedeploy.send(new GetDeploymentConfigCommand({ deploymentConfigName: info.deploymentConfigName }))).deploymentConfigInfo?.trafficRoutingConfig;
      totalMs = releaseMinutes(routing) * 60_000;
      print(`by ${info.deploymentConfigName}: about ${minutesAndSeconds(totalMs)} in all`);
    }
    if (DONE.has(info.status ?? '')) break;
    const now = await live();
    const weight = now.RoutingConfig?.AdditionalVersionWeights?.[targetVersion];
    const started = info.createTime ? new Date(info.createTime).getTime() : undefined;
    const left = totalMs !== undefined && started !== undefined ? totalMs - (Date.now() - started) : undefined;
    const line = now.FunctionVersion === targetVersion ? `version ${targetVersion} serves all traffic; CodeDeploy is finishing` : progressLine(now.FunctionVersion as string, targetVersion, weight, left);
    // A line when the share changes, and at least one a minute.
    if (line.replace(/, about .*$/, '') !== last.replace(/, about .*$/, '') || (left !== undefined && Math.floor(left / 60_000) !== Math.floor(lastLeft / 60_000))) print(line);
    last = line;
    lastLeft = left ?? 0;
    await new Promise((resolve) => setTimeout(resolve, inputs.pollSeconds * 1000));
  }

  // CodeDeploy has said how it ended: what follows only adds detail, and may fail without changing that.
  const after = (await live().catch(() => undefined))?.FunctionVersion;
  if (info.status === 'Succeeded') {
    print(`released: ${functionName}:${alias} serves version ${after ?? targetVersion}`);
    return { functionName, targetVersion, status: 'succeeded', liveVersion: after ?? targetVersion, deploymentId };
  }
  const alarming = await alarmsInAlarm(inputs, codedeploy, cloudwatch).catch(() => []);
  const why = alarming.length ? `alarm ${alarming.join(', ')} in ALARM` : info.errorInformation?.message || `deployment ${info.status}`;
  print(`ROLLED BACK: version ${targetVersion} of ${functionName} is not live (${why}); ${alias} serves ${after === undefined ? 'the version it served before' : `version ${after}`}`);
  return { functionName, targetVersion, status: 'rolled-back', ...(after !== undefined && { liveVersion: after }), deploymentId, alarms: alarming, reason: why };
}

/** The deployment group's alarms in ALARM: the likely reason of a rollback. */
async function alarmsInAlarm(inputs: ReleaseInputs, codedeploy: CodeDeployClient, cloudwatch: CloudWatchClient): Promise<string[]> {
  const group = (await codedeploy.send(new GetDeploymentGroupCommand({ applicationName: inputs.application, deploymentGroupName: inputs.deploymentGroup }))).deploymentGroupInfo;
  const watched = (group?.alarmConfiguration?.alarms ?? []).map((alarm) => alarm.name as string);
  if (!watched.length) return [];
  // Filtered here too: not every implementation applies StateValue beside AlarmNames (moto does not).
  return ((await cloudwatch.send(new DescribeAlarmsCommand({ AlarmNames: watched, StateValue: 'ALARM' }))).MetricAlarms ?? [])
    .filter((alarm) => alarm.StateValue === 'ALARM')
    .map((alarm) => alarm.AlarmName as string);
}

/** Appends `outcome` to `file` as one JSON line. */
export function recordOutcome(file: string | undefined, outcome: ReleaseOutcome): void {
  if (file) fs.appendFileSync(file, `${JSON.stringify(outcome)}\n`);
}

/**
 * The runner's exit status, which decides what Terraform does with the release resource. A
 * release that started exits 0 however it ends (succeeded, rolled back, or followed no further:
 * CodeDeploy ends it on its own): the resource stays, and the next plan shows no change, so a
 * rolled-back version is not released again. A release that never started exits 1: the
 * provisioner fails, Terraform marks the resource tainted ("If a creation-time provisioner
 * fails, the resource is marked as tainted",
 * https://developer.hashicorp.com/terraform/language/resources/provisioners/syntax), and the
 * next plan replaces it, which starts the release again.
 */
export function releaseExitCode(outcome: ReleaseOutcome): 0 | 1 {
  return outcome.status === 'failed' ? 1 : 0;
}

if (require.main === module) {
  let inputs: ReleaseInputs | undefined;
  (async () => {
    inputs = releaseInputs(process.env);
    const outcome = await runRelease(inputs);
    recordOutcome(inputs.outcomeFile, outcome);
    process.exitCode = releaseExitCode(outcome);
  })().catch((error: Error) => {
    console.error(`release: failed: ${error.message}`);
    if (inputs) recordOutcome(inputs.outcomeFile, { functionName: inputs.functionName, targetVersion: inputs.targetVersion, status: 'failed', reason: error.message });
    process.exitCode = 1;
  });
}
