import { Construct } from 'constructs';
import { Op, Token } from 'cdktf';
import { CloudwatchMetricAlarm } from '@cdktf/provider-aws/lib/cloudwatch-metric-alarm';
import { assertValid, reservedConcurrencyProblem, timeoutProblem } from '../rules/aws-limits';
import { ALARM_CATALOG, AlarmDefinition, AlarmThresholdName, AlarmThresholds } from '../rules/alarm-catalog';
import { DEFAULT_TIMEOUT_SECONDS } from '../rules/defaults';

/** A CloudWatch alarm, by name and ARN. */
export interface IAlarm {
  readonly alarmName: string;
  readonly alarmArn: string;
}

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
   * The function's reserved concurrency: the concurrency alarm fires near it.
   * @default none: no concurrency alarm
   */
  readonly reservedConcurrency?: number;
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
  /** Each alarm by its catalog key (`functionErrors`, `api5xx`, ...); absent where not made (no reserved concurrency). */
  public readonly alarmOf: Partial<Record<AlarmThresholdName, IAlarm>>;

  constructor(scope: Construct, id: string, props: ServiceAlarmsProps) {
    super(scope, id);
    const actions = props.snsTopicArn ? [props.snsTopicArn] : undefined;
    const timeoutSeconds = props.functionTimeoutSeconds ?? DEFAULT_TIMEOUT_SECONDS;
    assertValid('ServiceAlarms', 'functionTimeoutSeconds', timeoutSeconds, timeoutProblem);
    const dimensions = {
      function: { FunctionName: props.functionName },
      api: { ApiName: props.apiName, Stage: props.stageName },
    };

    const reserved = props.reservedConcurrency;
    if (reserved !== undefined) assertValid('ServiceAlarms', 'reservedConcurrency', reserved, reservedConcurrencyProblem);
    const context = { timeoutSeconds: Token.asString(timeoutSeconds), reservedConcurrency: Token.asString(reserved) };

    const alarm = (field: AlarmThresholdName, definition: AlarmDefinition) => {
      const threshold = props[field] ?? definition.default;
      assertValid('ServiceAlarms', field, threshold, definition.problem);
      const period = definition.period ?? 300;
      const compared =
        definition.comparedValue === 'percent-of-timeout-in-ms'
          ? percentOf(threshold, timeoutSeconds, 1000)
          : definition.comparedValue === 'percent-of-reservation'
            ? percentOf(threshold, reserved as number, 1)
            : threshold;
      const { metric, rate } = definition;
      const percentile = metric !== undefined && /^p\d/.test(metric.statistic);
      return new CloudwatchMetricAlarm(this, definition.id, {
        alarmName: `${props.alarmNamePrefix}-${definition.id}`,
        alarmDescription: definition.description(Token.asString(threshold), context),
        ...(metric && {
          namespace: definition.namespace,
          metricName: metric.metricName,
          dimensions: dimensions[definition.watches],
          statistic: percentile ? undefined : metric.statistic,
          extendedStatistic: percentile ? metric.statistic : undefined,
          evaluateLowSampleCountPercentiles: percentile ? definition.lowSampleCountPercentiles : undefined,
          period,
        }),
        ...(rate && {
          // Metric math: the share in percent, 0 while there are fewer than `minimumOf` of the whole.
          metricQuery: [
            { id: 'part', returnData: false, metric: { namespace: definition.namespace, metricName: rate.part, dimensions: dimensions[definition.watches], stat: 'Sum', period } },
            { id: 'whole', returnData: false, metric: { namespace: definition.namespace, metricName: rate.of, dimensions: dimensions[definition.watches], stat: 'Sum', period } },
            { id: 'rate', returnData: true, expression: `IF(whole >= ${rate.minimumOf}, 100 * part / whole, 0)`, label: `${rate.part} in percent of ${rate.of}` },
          ],
        }),
        threshold: compared,
        evaluationPeriods: definition.evaluationPeriods ?? 1,
        datapointsToAlarm: definition.datapointsToAlarm,
        comparisonOperator: 'GreaterThanOrEqualToThreshold',
        // No traffic is no failure.
        treatMissingData: 'notBreaching',
        alarmActions: actions,
        okActions: actions,
      });
    };
    const alarms = Object.entries<AlarmDefinition>(ALARM_CATALOG)
      .filter(([, definition]) => !definition.requiresReservedConcurrency || reserved !== undefined)
      .map(([field, definition]) => [field as AlarmThresholdName, alarm(field as AlarmThresholdName, definition)] as const);
    this.alarmNames = alarms.map(([, a]) => a.alarmName);
    this.alarmOf = Object.fromEntries(alarms.map(([field, a]) => [field, { alarmName: a.alarmName, alarmArn: a.arn }]));
  }
}

/** `percent` % of `whole`, times `unit`: a plain number for resolved figures, else an expression Terraform works out. */
function percentOf(percent: number, whole: number, unit: number): number {
  if (Token.isUnresolved(percent) || Token.isUnresolved(whole)) return Token.asNumber(Op.div(Op.mul(Op.mul(whole, percent), unit), 100));
  return (whole * percent * unit) / 100;
}
