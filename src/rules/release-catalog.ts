/**
 * How a new function version reaches a tier's callers, one entry per strategy: what it does,
 * its defaults, and what CodeDeploy calls it. The environment schema offers these under
 * `release`; `GradualRelease` builds the CodeDeploy side of the gradual ones. Adding a
 * strategy is one entry here.
 *
 * The gradual strategies are CodeDeploy's own for Lambda: it moves the alias's weights and,
 * when an alarm of the deployment group goes into ALARM, sends all traffic back to the version
 * the alias served before, on AWS's side, whether or not the job that started it is still
 * running (CodeDeploy User Guide, "Deployment configurations on an AWS Lambda compute
 * platform", https://docs.aws.amazon.com/codedeploy/latest/userguide/deployment-configurations.html,
 * and "Redeploy and roll back a deployment with CodeDeploy",
 * https://docs.aws.amazon.com/codedeploy/latest/userguide/deployments-rollback-and-redeploy.html).
 */
import type { AlarmThresholdName } from './alarm-catalog';
import { describeValue } from './aws-limits';

export interface ReleaseStrategyDefinition {
  /** What a release does, for docs, the plan summary and messages. */
  readonly describe: (percent: number, intervalMinutes: number) => string;
  /**
   * CodeDeploy's traffic routing type for the strategy, or undefined where Terraform moves the
   * alias itself.
   */
  readonly codeDeployType?: 'TimeBasedCanary' | 'TimeBasedLinear';
  /** Share of traffic moved to the new version in the first step (canary) or in each step (linear), whole percent. */
  readonly defaultPercent?: number;
  /** Minutes between the steps. */
  readonly defaultIntervalMinutes?: number;
}

export const RELEASE_CATALOG = {
  'all-at-once': {
    describe: () => 'all traffic moves to the new version at once (Terraform moves the alias)',
  },
  canary: {
    describe: (percent, minutes) => `${percent}% of traffic on the new version for ${minutes} min, then all of it, rolled back on an alarm`,
    codeDeployType: 'TimeBasedCanary',
    defaultPercent: 10,
    defaultIntervalMinutes: 5,
  },
  linear: {
    describe: (percent, minutes) => `${percent}% more traffic on the new version every ${minutes} min until all of it, rolled back on an alarm`,
    codeDeployType: 'TimeBasedLinear',
    defaultPercent: 10,
    defaultIntervalMinutes: 1,
  },
} as const satisfies Record<string, ReleaseStrategyDefinition>;

export type ReleaseStrategy = keyof typeof RELEASE_CATALOG;
/** The strategies CodeDeploy carries out. */
export type GradualStrategy = Exclude<ReleaseStrategy, 'all-at-once'>;
export const RELEASE_STRATEGIES = Object.keys(RELEASE_CATALOG) as ReleaseStrategy[];

/** An environment's strategy when its file names none: today's behaviour, the walkthrough's. */
export const DEFAULT_RELEASE_STRATEGY: ReleaseStrategy = 'all-at-once';

/**
 * The tier's alarms that stop a gradual release when they go into ALARM: what a caller of the
 * new version would notice first (its errors, the API's 5XX answers, slow answers).
 */
export const DEFAULT_RELEASE_ALARMS: readonly AlarmThresholdName[] = ['functionErrors', 'api5xx', 'apiLatencyP99Ms'];

/** Longest wait between two steps, minutes: our bound (a day), not CodeDeploy's. A release is watched by someone. */
export const MAX_RELEASE_INTERVAL_MINUTES = 1440;

/** The CodeDeploy application of a tier's releases is named after its function; its deployment group after the function and alias. */
export const releaseDeploymentGroupName = (functionName: string, aliasName: string) => `${functionName}-${aliasName}`;

/** A release's settings, every default filled in. */
export type ReleaseSettings =
  | { readonly strategy: 'all-at-once' }
  | {
      readonly strategy: GradualStrategy;
      readonly percent: number;
      readonly intervalMinutes: number;
      /** Names of the tier's alarms (keys of the alarm catalog) that stop it. */
      readonly alarms: readonly AlarmThresholdName[];
    };

export function releasePercentProblem(value: unknown): string | undefined {
  if (!Number.isInteger(value) || (value as number) < 1 || (value as number) > 99) {
    return `${describeValue(value)} is not a share of traffic to move in a step; use a whole percent from 1 to 99`;
  }
  return undefined;
}

export function releaseIntervalProblem(value: unknown): string | undefined {
  if (!Number.isInteger(value) || (value as number) < 1 || (value as number) > MAX_RELEASE_INTERVAL_MINUTES) {
    return `${describeValue(value)} is not a time between steps; use whole minutes from 1 to ${MAX_RELEASE_INTERVAL_MINUTES}`;
  }
  return undefined;
}

/** What a release of `settings` does, in words. */
export function describeRelease(settings: ReleaseSettings): string {
  if (settings.strategy === 'all-at-once') return `all-at-once: ${RELEASE_CATALOG['all-at-once'].describe()}`;
  return `${settings.strategy}: ${RELEASE_CATALOG[settings.strategy].describe(settings.percent, settings.intervalMinutes)}`;
}
