/**
 * The service's alarms, one entry each: what CloudWatch watches, the threshold's meaning, its
 * default and its check. `ServiceAlarms` makes one alarm per entry and takes each threshold as
 * a prop of the entry's key; the environment schema offers the same key under `alarms`. Adding
 * an alarm is one entry here.
 */
import { alarmThresholdProblem, latencyThresholdProblem, percentOfTimeoutProblem } from './aws-limits';
import { DEFAULT_ALARM_THRESHOLD, DEFAULT_API_4XX_ALARM, DEFAULT_API_P99_LATENCY_MS, DEFAULT_DURATION_PERCENT_OF_TIMEOUT } from './defaults';

/** One alarm of the service, over 5-minute periods. */
export interface AlarmDefinition {
  /** The alarm's construct id and the last part of its name (`<alarmNamePrefix>-<id>`). */
  readonly id: string;
  /** What it watches: the function (`FunctionName`) or the API's stage (`ApiName`, `Stage`). */
  readonly watches: 'function' | 'api';
  /** CloudWatch namespace and metric. */
  readonly namespace: string;
  readonly metricName: string;
  /** `Sum`, `Maximum`, ... or a percentile such as `p99` (an extended statistic). */
  readonly statistic: string;
  /** What the threshold is, with its unit: the documentation of the prop and of the environment field. */
  readonly threshold: string;
  /** The threshold when none is given. */
  readonly default: number;
  /** What is wrong with a threshold, or undefined. */
  readonly problem: (value: unknown) => string | undefined;
  /** The alarm's description, given the threshold (and the function's timeout) as text. */
  readonly description: (threshold: string, timeoutSeconds: string) => string;
  /**
   * The figure CloudWatch compares the metric with, when it is not the threshold itself.
   * @default the threshold
   */
  readonly comparedValue?: 'percent-of-timeout-in-ms';
}

export const ALARM_CATALOG = {
  functionErrors: {
    id: 'function-errors',
    watches: 'function',
    namespace: 'AWS/Lambda',
    metricName: 'Errors',
    statistic: 'Sum',
    threshold: 'Function errors in 5 minutes that raise the alarm.',
    default: DEFAULT_ALARM_THRESHOLD,
    problem: alarmThresholdProblem,
    description: (threshold) => `Function errors: ${threshold} or more in 5 minutes`,
  },
  functionThrottles: {
    id: 'function-throttles',
    watches: 'function',
    namespace: 'AWS/Lambda',
    metricName: 'Throttles',
    statistic: 'Sum',
    threshold: 'Throttled invocations in 5 minutes that raise the alarm.',
    default: DEFAULT_ALARM_THRESHOLD,
    problem: alarmThresholdProblem,
    description: (threshold) => `Function throttles: ${threshold} or more in 5 minutes`,
  },
  functionDurationPercentOfTimeout: {
    id: 'function-duration',
    watches: 'function',
    namespace: 'AWS/Lambda',
    metricName: 'Duration',
    statistic: 'Maximum',
    threshold: 'The longest function run in 5 minutes, in percent of the timeout, that raises the alarm.',
    default: DEFAULT_DURATION_PERCENT_OF_TIMEOUT,
    problem: percentOfTimeoutProblem,
    description: (percent, timeoutSeconds) => `Function run of ${percent}% of its ${timeoutSeconds} s timeout or longer in 5 minutes`,
    comparedValue: 'percent-of-timeout-in-ms',
  },
  api5xx: {
    id: 'api-5xx',
    watches: 'api',
    namespace: 'AWS/ApiGateway',
    metricName: '5XXError',
    statistic: 'Sum',
    threshold: 'API 5XX answers in 5 minutes that raise the alarm.',
    default: DEFAULT_ALARM_THRESHOLD,
    problem: alarmThresholdProblem,
    description: (threshold) => `API 5XX answers: ${threshold} or more in 5 minutes`,
  },
  api4xx: {
    id: 'api-4xx',
    watches: 'api',
    namespace: 'AWS/ApiGateway',
    metricName: '4XXError',
    statistic: 'Sum',
    threshold: "API 4XX answers in 5 minutes that raise the alarm: callers' mistakes, so more than one.",
    default: DEFAULT_API_4XX_ALARM,
    problem: alarmThresholdProblem,
    description: (threshold) => `API 4XX answers: ${threshold} or more in 5 minutes`,
  },
  apiLatencyP99Ms: {
    id: 'api-latency-p99',
    watches: 'api',
    namespace: 'AWS/ApiGateway',
    metricName: 'Latency',
    statistic: 'p99',
    threshold: 'API latency, p99 over 5 minutes, in ms, that raises the alarm.',
    default: DEFAULT_API_P99_LATENCY_MS,
    problem: latencyThresholdProblem,
    description: (threshold) => `API latency p99 of ${threshold} ms or more over 5 minutes`,
  },
} as const satisfies Record<string, AlarmDefinition>;

/** The name of an alarm's threshold: a prop of `ServiceAlarms` and a field of an environment's `alarms`. */
export type AlarmThresholdName = keyof typeof ALARM_CATALOG;

/** A threshold per alarm of {@link ALARM_CATALOG}, each optional (its entry's default). */
export type AlarmThresholds = { readonly [name in AlarmThresholdName]?: number };
