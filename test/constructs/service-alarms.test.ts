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

describe('ServiceAlarms', () => {
  it('alarms on function errors, function throttles and API 5XX answers per 5 minutes', () => {
    const alarms = Object.values(synth().resource.aws_cloudwatch_metric_alarm) as any[];
    expect(alarms.map((a) => [a.alarm_name, a.namespace, a.metric_name, a.dimensions, a.threshold]).sort()).toEqual([
      ['hello-dev-standard-api-5xx', 'AWS/ApiGateway', '5XXError', { ApiName: 'api', Stage: 'test' }, 1],
      ['hello-dev-standard-function-errors', 'AWS/Lambda', 'Errors', { FunctionName: 'fn' }, 1],
      ['hello-dev-standard-function-throttles', 'AWS/Lambda', 'Throttles', { FunctionName: 'fn' }, 1],
    ]);
    for (const alarm of alarms) {
      expect(alarm).toMatchObject({ statistic: 'Sum', period: 300, comparison_operator: 'GreaterThanOrEqualToThreshold', treat_missing_data: 'notBreaching' });
      expect(alarm.alarm_actions).toBeUndefined();
    }
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
    expect(() => synth({ api5xx: 0 })).toThrow('ServiceAlarms api-5xx: 0 is not a threshold; use a whole count of at least 1');
  });
});
