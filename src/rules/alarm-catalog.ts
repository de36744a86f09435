/**
 * The service's alarms, one entry each: what CloudWatch watches, the threshold's meaning, its
 * default and its check. `ServiceAlarms` makes one alarm per entry and takes each threshold as
 * a prop of the entry's key; the environment schema offers the same key under `alarms`. Adding
 * an alarm is one entry here.
 */
import { alarmThresholdProblem, latencyThresholdProblem, percentOfTimeoutProblem, percentProblem } from './aws-limits';
import {
  DEFAULT_ALARM_THRESHOLD,
  DEFAULT_API_4XX_PERCENT,
  DEFAULT_API_P99_LATENCY_MS,
  DEFAULT_CONCURRENCY_PERCENT_OF_RESERVATION,
  DEFAULT_DURATION_PERCENT_OF_TIMEOUT,
} from './defaults';

/** What an alarm's description and compared value may use besides its threshold. */
export interface AlarmContext {
  /** The function's timeout, seconds, as text. */
  readonly timeoutSeconds: string;
  /** The function's reserved concurrency, as text. */
  readonly reservedConcurrency: string;
}

/** One metric of a namespace, with the statistic over each period. */
export interface AlarmMetric {
  readonly metricName: string;
  /** `Sum`, `Maximum`, ... or a percentile such as `p99` (an extended statistic). */
  readonly statistic: string;
}

/**
 * A share of one metric in another, in percent, by metric math: zero while the other is below
 * `minimumOf` in a period, so a handful of requests cannot raise it.
 */
export interface AlarmRate {
  readonly part: string;
  readonly of: string;
  readonly minimumOf: number;
}

/** One alarm of the service. */
export interface AlarmDefinition {
  /** The alarm's construct id and the last part of its name (`<alarmNamePrefix>-<id>`). */
  readonly id: string;
  /** What it watches: the function (`FunctionName`) or the API's stage (`ApiName`, `Stage`). */
  readonly watches: 'function' | 'api';
  /** CloudWatch namespace. */
  readonly namespace: string;
  /** The one metric compared with the threshold, or a rate of two (`rate`). */
  readonly metric?: AlarmMetric;
  readonly rate?: AlarmRate;
  /** What the threshold is, with its unit: the documentation of the prop and of the environment field. */
  readonly threshold: string;
  /** The threshold when none is given. */
  readonly default: number;
  /** What is wrong with a threshold, or undefined. */
  readonly problem: (value: unknown) => string | undefined;
  /** The alarm's description, given the threshold as text. */
  readonly description: (threshold: string, context: AlarmContext) => string;
  /**
   * The figure CloudWatch compares the metric with, when it is not the threshold itself: a
   * percentage of the timeout in ms, or of the reserved concurrency in executions.
   * @default the threshold
   */
  readonly comparedValue?: 'percent-of-timeout-in-ms' | 'percent-of-reservation';
  /**
   * Made only for a function with reserved concurrency.
   * @default always made
   */
  readonly requiresReservedConcurrency?: boolean;
  /**
   * Seconds per datapoint, datapoints looked at, and how many of them must breach.
   * @default one 5-minute datapoint
   */
  readonly period?: number;
  readonly evaluationPeriods?: number;
  readonly datapointsToAlarm?: number;
  /**
   * For a percentile: what the alarm does in a period with too few datapoints for the
   * percentile to mean anything (fewer than 10/(1-p), 1000 for p99: Amazon CloudWatch User
   * Guide, "Percentile-based alarms and low data samples",
   * https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/percentiles-with-low-samples.html).
   * @default 'evaluate' (CloudWatch's own default)
   */
  readonly lowSampleCountPercentiles?: 'evaluate' | 'ignore';
}

export const ALARM_CATALOG = {
  functionErrors: {
    id: 'function-errors',
    watches: 'function',
    namespace: 'AWS/Lambda',
    metric: { metricName: 'Errors', statistic: 'Sum' },
    threshold: 'Function errors in 5 minutes that raise the alarm.',
    default: DEFAULT_ALARM_THRESHOLD,
    problem: alarmThresholdProblem,
    description: (threshold) => `Function errors: ${threshold} or more in 5 minutes`,
  },
  functionThrottles: {
    id: 'function-throttles',
    watches: 'function',
    namespace: 'AWS/Lambda',
    metric: { metricName: 'Throttles', statistic: 'Sum' },
    threshold: 'Throttled invocations in 5 minutes that raise the alarm.',
    default: DEFAULT_ALARM_THRESHOLD,
    problem: alarmThresholdProblem,
    description: (threshold) => `Function throttles: ${threshold} or more in 5 minutes`,
  },
  functionDurationPercentOfTimeout: {
    id: 'function-duration',
    watches: 'function',
    namespace: 'AWS/Lambda',
    metric: { metricName: 'Duration', statistic: 'Maximum' },
    threshold: 'The longest function run in 5 minutes, in percent of the timeout, that raises the alarm.',
    default: DEFAULT_DURATION_PERCENT_OF_TIMEOUT,
    problem: percentOfTimeoutProblem,
    description: (percent, { timeoutSeconds }) => `Function run of ${percent}% of its ${timeoutSeconds} s timeout or longer in 5 minutes`,
    comparedValue: 'percent-of-timeout-in-ms',
  },
  concurrencyPercentOfReservation: {
    id: 'function-concurrency',
    watches: 'function',
    namespace: 'AWS/Lambda',
    metric: { metricName: 'ConcurrentExecutions', statistic: 'Maximum' },
    threshold: "Concurrent executions, in percent of the function's reserved concurrency, that raise the alarm (functions with a reservation only).",
    default: DEFAULT_CONCURRENCY_PERCENT_OF_RESERVATION,
    problem: (value) => percentProblem(value, 'the reserved concurrency'),
    description: (percent, { reservedConcurrency }) => `Concurrent executions at ${percent}% of the ${reservedConcurrency} reserved or more in a minute`,
    comparedValue: 'percent-of-reservation',
    requiresReservedConcurrency: true,
    period: 60,
  },
  api5xx: {
    id: 'api-5xx',
    watches: 'api',
    namespace: 'AWS/ApiGateway',
    metric: { metricName: '5XXError', statistic: 'Sum' },
    threshold: 'API 5XX answers in 5 minutes that raise the alarm.',
    default: DEFAULT_ALARM_THRESHOLD,
    problem: alarmThresholdProblem,
    description: (threshold) => `API 5XX answers: ${threshold} or more in 5 minutes`,
  },
  api4xxPercent: {
    id: 'api-4xx',
    watches: 'api',
    namespace: 'AWS/ApiGateway',
    // Scanners and typos make 4XX answers at any traffic: a share of at least 20 requests, not a count.
    rate: { part: '4XXError', of: 'Count', minimumOf: 20 },
    threshold: "API 4XX answers, in percent of the requests in 5 minutes (20 requests or more), that raise the alarm: callers' mistakes, so a share.",
    default: DEFAULT_API_4XX_PERCENT,
    problem: (value) => percentProblem(value, 'the requests'),
    description: (percent) => `API 4XX answers: ${percent}% of the requests or more in 5 minutes (of 20 requests or more)`,
  },
  apiLatencyP99Ms: {
    id: 'api-latency-p99',
    watches: 'api',
    namespace: 'AWS/ApiGateway',
    metric: { metricName: 'Latency', statistic: 'p99' },
    threshold: 'API latency, p99 per minute in 3 of 5 minutes, in ms, that raises the alarm: one slow request does not.',
    default: DEFAULT_API_P99_LATENCY_MS,
    problem: latencyThresholdProblem,
    description: (threshold) => `API latency p99 of ${threshold} ms or more in 3 of 5 minutes`,
    period: 60,
    evaluationPeriods: 5,
    datapointsToAlarm: 3,
    // At this service's traffic a minute holds far fewer than the 1000 requests a p99 needs: a
    // few cold starts would be "the p99" and page. Such minutes leave the alarm as it is.
    lowSampleCountPercentiles: 'ignore',
  },
} as const satisfies Record<string, AlarmDefinition>;

/** The name of an alarm's threshold: a prop of `ServiceAlarms` and a field of an environment's `alarms`. */
export type AlarmThresholdName = keyof typeof ALARM_CATALOG;

/** A threshold per alarm of {@link ALARM_CATALOG}, each optional (its entry's default). */
export type AlarmThresholds = { readonly [name in AlarmThresholdName]?: number };
