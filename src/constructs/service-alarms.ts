import { Construct } from 'constructs';
import { Token } from 'cdktf';
import { CloudwatchMetricAlarm } from '@cdktf/provider-aws/lib/cloudwatch-metric-alarm';
import { alarmThresholdProblem, assertValid } from '../rules/aws-limits';
import { DEFAULT_ALARM_THRESHOLD } from '../rules/defaults';

export interface ServiceAlarmsProps {
  /** First part of each alarm's name. */
  readonly alarmNamePrefix: string;
  /** Lambda function whose errors and throttles are watched. */
  readonly functionName: string;
  /** REST API and stage whose 5XX answers are watched. */
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
   * API 5XX answers per 5 minutes that raise the alarm.
   * @default DEFAULT_ALARM_THRESHOLD (1)
   */
  readonly api5xx?: number;
  /**
   * SNS topic told when an alarm fires and when it clears.
   * @default none: the alarms show in CloudWatch only
   */
  readonly snsTopicArn?: string;
}

/**
 * CloudWatch alarms on what a caller of the service would notice: errors, throttling, 5XX.
 * The thresholds' defaults (one event in 5 minutes) are this service's own choice.
 */
export class ServiceAlarms extends Construct {
  /** Names of the alarms. */
  public readonly alarmNames: string[];

  constructor(scope: Construct, id: string, props: ServiceAlarmsProps) {
    super(scope, id);
    const actions = props.snsTopicArn ? [props.snsTopicArn] : undefined;
    const alarm = (alarmId: string, what: string, namespace: string, metricName: string, dimensions: Record<string, string>, threshold: number) => {
      assertValid('ServiceAlarms', alarmId, threshold, alarmThresholdProblem);
      return new CloudwatchMetricAlarm(this, alarmId, {
        alarmName: `${props.alarmNamePrefix}-${alarmId}`,
        alarmDescription: `${what}: ${Token.asString(threshold)} or more in 5 minutes`,
        namespace,
        metricName,
        dimensions,
        statistic: 'Sum',
        period: 300,
        evaluationPeriods: 1,
        threshold,
        comparisonOperator: 'GreaterThanOrEqualToThreshold',
        // No traffic is no failure.
        treatMissingData: 'notBreaching',
        alarmActions: actions,
        okActions: actions,
      });
    };
    const alarms = [
      alarm('function-errors', 'Function errors', 'AWS/Lambda', 'Errors', { FunctionName: props.functionName }, props.functionErrors ?? DEFAULT_ALARM_THRESHOLD),
      alarm('function-throttles', 'Function throttles', 'AWS/Lambda', 'Throttles', { FunctionName: props.functionName }, props.functionThrottles ?? DEFAULT_ALARM_THRESHOLD),
      alarm('api-5xx', 'API 5XX answers', 'AWS/ApiGateway', '5XXError', { ApiName: props.apiName, Stage: props.stageName }, props.api5xx ?? DEFAULT_ALARM_THRESHOLD),
    ];
    this.alarmNames = alarms.map((a) => a.alarmName);
  }
}
