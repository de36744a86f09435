import { Construct } from 'constructs';
import { Op, Token } from 'cdktf';
import { CloudwatchMetricAlarm, CloudwatchMetricAlarmConfig } from '@cdktf/provider-aws/lib/cloudwatch-metric-alarm';
import { alarmThresholdProblem, assertValid, latencyThresholdProblem, percentOfTimeoutProblem, timeoutProblem } from '../rules/aws-limits';
import {
  DEFAULT_ALARM_THRESHOLD,
  DEFAULT_API_4XX_ALARM,
  DEFAULT_API_P99_LATENCY_MS,
  DEFAULT_DURATION_PERCENT_OF_TIMEOUT,
  DEFAULT_TIMEOUT_SECONDS,
} from '../rules/defaults';

export interface ServiceAlarmsProps {
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
   * Function errors per 5 minutes that raise the alarm.
   * @default DEFAULT_ALARM_THRESHOLD (1)
   */
  readonly functionErrors?: number;
  /**
   * Throttled invocations per 5 minutes that raise the alarm.
   * @default DEFAULT_ALARM_THRESHOLD (1)
   */
  readonly functionThrottles?: number;
  /**
   * The longest function run in 5 minutes, in percent of the timeout, that raises the alarm.
   * @default DEFAULT_DURATION_PERCENT_OF_TIMEOUT (80)
   */
  readonly functionDurationPercentOfTimeout?: number;
  /**
   * API 5XX answers per 5 minutes that raise the alarm.
   * @default DEFAULT_ALARM_THRESHOLD (1)
   */
  readonly api5xx?: number;
  /**
   * API 4XX answers per 5 minutes that raise the alarm.
   * @default DEFAULT_API_4XX_ALARM (100)
   */
  readonly api4xx?: number;
  /**
   * API latency, p99 over 5 minutes, in milliseconds, that raises the alarm.
   * @default DEFAULT_API_P99_LATENCY_MS (1000)
   */
  readonly apiLatencyP99Ms?: number;
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
    const durationPercent = props.functionDurationPercentOfTimeout ?? DEFAULT_DURATION_PERCENT_OF_TIMEOUT;
    assertValid('ServiceAlarms', 'functionTimeoutSeconds', timeoutSeconds, timeoutProblem);
    assertValid('ServiceAlarms', 'functionDurationPercentOfTimeout', durationPercent, percentOfTimeoutProblem);
    const functionDimensions = { FunctionName: props.functionName };
    const apiDimensions = { ApiName: props.apiName, Stage: props.stageName };

    type Measure = Pick<CloudwatchMetricAlarmConfig, 'namespace' | 'metricName' | 'dimensions' | 'statistic' | 'extendedStatistic' | 'threshold'>;
    const alarm = (alarmId: string, description: string, measure: Measure) =>
      new CloudwatchMetricAlarm(this, alarmId, {
        alarmName: `${props.alarmNamePrefix}-${alarmId}`,
        alarmDescription: description,
        ...measure,
        period: 300,
        evaluationPeriods: 1,
        comparisonOperator: 'GreaterThanOrEqualToThreshold',
        // No traffic is no failure.
        treatMissingData: 'notBreaching',
        alarmActions: actions,
        okActions: actions,
      });
    const count = (alarmId: string, what: string, namespace: string, metricName: string, dimensions: Record<string, string>, threshold: number) => {
      assertValid('ServiceAlarms', alarmId, threshold, alarmThresholdProblem);
      return alarm(alarmId, `${what}: ${Token.asString(threshold)} or more in 5 minutes`, { namespace, metricName, dimensions, statistic: 'Sum', threshold });
    };

    const latency = props.apiLatencyP99Ms ?? DEFAULT_API_P99_LATENCY_MS;
    assertValid('ServiceAlarms', 'apiLatencyP99Ms', latency, latencyThresholdProblem);
    // Resolved figures make a plain number; tokens stay an expression Terraform works out.
    const durationMs =
      Token.isUnresolved(timeoutSeconds) || Token.isUnresolved(durationPercent)
        ? Token.asNumber(Op.mul(Op.mul(timeoutSeconds, durationPercent), 10))
        : timeoutSeconds * durationPercent * 10;
    const alarms = [
      count('function-errors', 'Function errors', 'AWS/Lambda', 'Errors', functionDimensions, props.functionErrors ?? DEFAULT_ALARM_THRESHOLD),
      count('function-throttles', 'Function throttles', 'AWS/Lambda', 'Throttles', functionDimensions, props.functionThrottles ?? DEFAULT_ALARM_THRESHOLD),
      alarm(
        'function-duration',
        `Function run of ${Token.asString(durationPercent)}% of its ${Token.asString(timeoutSeconds)} s timeout or longer in 5 minutes`,
        { namespace: 'AWS/Lambda', metricName: 'Duration', dimensions: functionDimensions, statistic: 'Maximum', threshold: durationMs },
      ),
      count('api-5xx', 'API 5XX answers', 'AWS/ApiGateway', '5XXError', apiDimensions, props.api5xx ?? DEFAULT_ALARM_THRESHOLD),
      count('api-4xx', 'API 4XX answers', 'AWS/ApiGateway', '4XXError', apiDimensions, props.api4xx ?? DEFAULT_API_4XX_ALARM),
      alarm('api-latency-p99', `API latency p99 of ${Token.asString(latency)} ms or more over 5 minutes`, {
        namespace: 'AWS/ApiGateway',
        metricName: 'Latency',
        dimensions: apiDimensions,
        extendedStatistic: 'p99',
        threshold: latency,
      }),
    ];
    this.alarmNames = alarms.map((a) => a.alarmName);
  }
}
