import { TerraformVariable, Testing } from 'cdktf';
import { ServiceAlarms, ServiceAlarmsProps } from '../../src/constructs/service-alarms';
import { parse } from '../helpers';

const synth = (props: Partial<ServiceAlarmsProps> = {}) =>
  parse(
    Testing.synthScope(
      (scope) =>
        new ServiceAlarms(scope, 'alarms', { alarmNamePrefix: 'hello-dev-standard', functionName: 'fn', apiName: 'api', stageName: 'test', ...props }),
    ),
  );

const byName = (tf: any, name: string) => (Object.values(tf.resource.aws_cloudwatch_metric_alarm) as any[]).find((a) => a.alarm_name === name);

describe('ServiceAlarms', () => {
  it('alarms on function errors and throttles and API 5XX answers per 5 minutes', () => {
    const alarms = (Object.values(synth().resource.aws_cloudwatch_metric_alarm) as any[]).filter((a) => a.statistic === 'Sum');
    expect(alarms.map((a) => [a.alarm_name, a.namespace, a.metric_name, a.dimensions, a.threshold]).sort()).toEqual([
      ['hello-dev-standard-api-5xx', 'AWS/ApiGateway', '5XXError', { ApiName: 'api', Stage: 'test' }, 1],
      ['hello-dev-standard-function-errors', 'AWS/Lambda', 'Errors', { FunctionName: 'fn' }, 1],
      ['hello-dev-standard-function-throttles', 'AWS/Lambda', 'Throttles', { FunctionName: 'fn' }, 1],
    ]);
    for (const alarm of alarms) {
      expect(alarm).toMatchObject({ period: 300, evaluation_periods: 1, comparison_operator: 'GreaterThanOrEqualToThreshold', treat_missing_data: 'notBreaching' });
      expect(alarm.alarm_actions).toBeUndefined();
    }
  });

  it('alarms on API 4XX answers as a share of the requests by metric math, never below 20 requests in 5 minutes', () => {
    const alarm = byName(synth({ api4xxPercent: 25 }), 'hello-dev-standard-api-4xx');
    expect(alarm.metric_name).toBeUndefined();
    expect(alarm.threshold).toBe(25);
    const metric = (name: string) => ({ namespace: 'AWS/ApiGateway', metric_name: name, dimensions: { ApiName: 'api', Stage: 'test' }, stat: 'Sum', period: 300 });
    expect(alarm.metric_query).toEqual([
      { id: 'part', return_data: false, metric: metric('4XXError') },
      { id: 'whole', return_data: false, metric: metric('Count') },
      { id: 'rate', return_data: true, expression: 'IF(whole >= 20, 100 * part / whole, 0)', label: '4XXError in percent of Count' },
    ]);
  });

  it('alarms on concurrency near the reserved concurrency only for a function that has one', () => {
    expect(byName(synth(), 'hello-dev-standard-function-concurrency')).toBeUndefined();
    expect(byName(synth({ reservedConcurrency: 400 }), 'hello-dev-standard-function-concurrency')).toMatchObject({
      namespace: 'AWS/Lambda',
      metric_name: 'ConcurrentExecutions',
      statistic: 'Maximum',
      period: 60,
      threshold: 320,
      alarm_description: 'Concurrent executions at 80% of the 400 reserved or more in a minute',
    });
    expect(byName(synth({ reservedConcurrency: 10, concurrencyPercentOfReservation: 50 }), 'hello-dev-standard-function-concurrency').threshold).toBe(5);
  });

  it("alarms on API latency's p99 in 3 of 5 minutes, leaving minutes too sparse for a p99 alone, and on function runs near the timeout, thresholds from props", () => {
    const defaults = synth();
    expect(byName(defaults, 'hello-dev-standard-api-latency-p99')).toMatchObject({
      namespace: 'AWS/ApiGateway',
      metric_name: 'Latency',
      extended_statistic: 'p99',
      evaluate_low_sample_count_percentiles: 'ignore',
      threshold: 1000,
      dimensions: { ApiName: 'api', Stage: 'test' },
      period: 60,
      evaluation_periods: 5,
      datapoints_to_alarm: 3,
    });
    // 80 % of the default 3 s timeout.
    expect(byName(defaults, 'hello-dev-standard-function-duration')).toMatchObject({ metric_name: 'Duration', statistic: 'Maximum', threshold: 2400 });
    const tuned = synth({ apiLatencyP99Ms: 250, functionTimeoutSeconds: 10, functionDurationPercentOfTimeout: 90 });
    expect(byName(tuned, 'hello-dev-standard-api-latency-p99').threshold).toBe(250);
    expect(byName(tuned, 'hello-dev-standard-function-duration')).toMatchObject({
      threshold: 9000,
      alarm_description: 'Function run of 90% of its 10 s timeout or longer in 5 minutes',
    });
  });

  it.each([
    [{ apiLatencyP99Ms: 29000 }, 'ServiceAlarms apiLatencyP99Ms: 29000 is not a latency threshold; use whole milliseconds from 1 to 28999'],
    [{ functionDurationPercentOfTimeout: 120 }, 'ServiceAlarms functionDurationPercentOfTimeout: 120 is not a percentage of the timeout; use a whole number from 1 to 100'],
    [{ api4xxPercent: 0.5 }, 'ServiceAlarms api4xxPercent: 0.5 is not a percentage of the requests; use a whole number from 1 to 100'],
    [{ reservedConcurrency: -1 }, 'ServiceAlarms reservedConcurrency: -1 is not'],
  ])('fails on %j naming the field, the value and the fix', (props, message) => {
    expect(() => synth(props)).toThrow(message);
  });

  it('takes thresholds and notifies the SNS topic when one is given', () => {
    const topic = 'arn:aws:sns:eu-central-1:123456789012:on-call';
    const alarms = Object.values(synth({ functionErrors: 3, snsTopicArn: topic }).resource.aws_cloudwatch_metric_alarm) as any[];
    const errors = alarms.find((a) => a.metric_name === 'Errors');
    expect(errors).toMatchObject({ threshold: 3, alarm_actions: [topic], ok_actions: [topic] });
  });

  it('takes a threshold from a Terraform variable, in the threshold and the description', () => {
    const tf = parse(
      Testing.synthScope((scope) => {
        const threshold = new TerraformVariable(scope, 'errors', { type: 'number' }).numberValue;
        new ServiceAlarms(scope, 'alarms', { alarmNamePrefix: 'p', functionName: 'fn', apiName: 'api', stageName: 'test', functionErrors: threshold });
      }),
    );
    const alarm = (Object.values(tf.resource.aws_cloudwatch_metric_alarm) as any[]).find((a) => a.alarm_name === 'p-function-errors');
    expect([alarm.threshold, alarm.alarm_description]).toEqual(['${var.errors}', 'Function errors: ${var.errors} or more in 5 minutes']);
  });

  it('fails on a threshold below 1', () => {
    expect(() => synth({ api5xx: 0 })).toThrow('ServiceAlarms api5xx: 0 is not a threshold; use a whole count of at least 1');
  });
});
