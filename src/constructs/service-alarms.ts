import { Construct } from 'constructs';
import { Op, Token } from 'cdktf';
import { CloudwatchMetricAlarm } from '@cdktf/provider-aws/lib/cloudwatch-metric-alarm';
import { assertValid, timeoutProblem } from '../rules/aws-limits';
import { ALARM_CATALOG, AlarmDefinition, AlarmThresholdName, AlarmThresholds } from '../rules/alarm-catalog';
import { DEFAULT_TIMEOUT_SECONDS } from '../rules/defaults';

/**
 * Each alarm's threshold is a prop named after its entry of `ALARM_CATALOG`
 * (`src/rules/alarm-catalog.ts`: `functionErrors`, `api5xx`, ...), whose `threshold` says
 * what it means and the unit. @default each entry's `default`
 */
export interface ServiceAlarmsProps extends AlarmThresholds {
  /** First part of each alarm's name. */
  readonly alarmNamePrefix: string;
  /** Lambda function whose errors, throttles and duration are watched. */
  readonly functionName: string;
  /**
   * The function's timeout in seconds: the duration alarm fires near it.
   * @default DEFAULT_TIMEOUT_SECONDS (3)
   */
  readonly functionTimeoutSeconds?: number;
  /** REST API and stage whose answers and latency are watched. */
  readonly apiName: string;
  readonly stageName: string;
  /**
   * SNS topic told when an alarm fires and when it clears.
   * @default none: the alarms show in CloudWatch only
   */
  readonly snsTopicArn?: string;
}

/**
 * CloudWatch alarms on what a caller of the service would notice: errors, throttling, 4XX and
 * 5XX answers, slow answers, and runs close to the function's timeout. The thresholds'
 * defaults are this service's own choice.
 */
export class ServiceAlarms extends Construct {
  /** Names of the alarms. */
  public readonly alarmNames: string[];

  constructor(scope: Construct, id: string, props: ServiceAlarmsProps) {
    super(scope, id);
    const actions = props.snsTopicArn ? [props.snsTopicArn] : undefined;
    const timeoutSeconds = props.functionTimeoutSeconds ?? DEFAULT_TIMEOUT_SECONDS;
    assertValid('ServiceAlarms', 'functionTimeoutSeconds', timeoutSeconds, timeoutProblem);
    const dimensions = {
      function: { FunctionName: props.functionName },
      api: { ApiName: props.apiName, Stage: props.stageName },
    };

    const alarm = (field: AlarmThresholdName, definition: AlarmDefinition) => {
      const threshold = props[field] ?? definition.default;
      assertValid('ServiceAlarms', field, threshold, definition.problem);
      const percentile = /^p\d/.test(definition.statistic);
      return new CloudwatchMetricAlarm(this, definition.id, {
        alarmName: `${props.alarmNamePrefix}-${definition.id}`,
        alarmDescription: definition.description(Token.asString(threshold), Token.asString(timeoutSeconds)),
        namespace: definition.namespace,
        metricName: definition.metricName,
        dimensions: dimensions[definition.watches],
        statistic: percentile ? undefined : definition.statistic,
        extendedStatistic: percentile ? definition.statistic : undefined,
        threshold: definition.comparedValue === 'percent-of-timeout-in-ms' ? percentOfSecondsInMs(threshold, timeoutSeconds) : threshold,
        period: 300,
        evaluationPeriods: 1,
        comparisonOperator: 'GreaterThanOrEqualToThreshold',
        // No traffic is no failure.
        treatMissingData: 'notBreaching',
        alarmActions: actions,
        okActions: actions,
      });
    };
    const alarms = Object.entries<AlarmDefinition>(ALARM_CATALOG).map(([field, definition]) => alarm(field as AlarmThresholdName, definition));
    this.alarmNames = alarms.map((a) => a.alarmName);
  }
}

/** `percent` % of `seconds`, in ms: a plain number for resolved figures, else an expression Terraform works out. */
function percentOfSecondsInMs(percent: number, seconds: number): number {
  return Token.isUnresolved(percent) || Token.isUnresolved(seconds) ? Token.asNumber(Op.mul(Op.mul(seconds, percent), 10)) : seconds * percent * 10;
}
