import { TerraformVariable, Testing } from 'cdktf';
import { ClientRateLimit, ClientRateLimitProps } from '../../src/constructs/client-rate-limit';
import { onlyResource, parse } from '../helpers';

const STAGE = { stageArn: 'arn:aws:apigateway:eu-west-1::/restapis/abc123/stages/test' };
const synth = (props: Partial<ClientRateLimitProps> = {}) =>
  parse(Testing.synthScope((scope) => new ClientRateLimit(scope, 'limit', { name: 'hello-prod-standard-api', stage: STAGE, ...props })));

describe('ClientRateLimit', () => {
  it('blocks a client IP past its requests per 5 minutes and allows everything else, on the stage it is given', () => {
    const tf = synth({ requestsPerClient: 1200 });
    const acl = onlyResource(tf, 'aws_wafv2_web_acl');
    expect(acl).toMatchObject({ name: 'hello-prod-standard-api', scope: 'REGIONAL', default_action: { allow: {} } });
    expect(acl.rule).toEqual([
      {
        name: 'requests-per-client-ip',
        priority: 0,
        action: { block: {} },
        statement: { rate_based_statement: { limit: 1200, aggregate_key_type: 'IP', evaluation_window_sec: 300 } },
        visibility_config: { cloudwatch_metrics_enabled: true, metric_name: 'hello-prod-standard-api-per-client', sampled_requests_enabled: true },
      },
    ]);
    const association = onlyResource(tf, 'aws_wafv2_web_acl_association');
    expect(association.resource_arn).toBe(STAGE.stageArn);
    expect(association.web_acl_arn).toMatch(/^\$\{aws_wafv2_web_acl\.limit_web-acl_[0-9A-F]+\.arn\}$/);
  });

  it('defaults to 1500 requests per client in a 5-minute window', () => {
    expect(onlyResource(synth(), 'aws_wafv2_web_acl').rule[0].statement.rate_based_statement).toEqual({ limit: 1500, aggregate_key_type: 'IP', evaluation_window_sec: 300 });
  });

  it.each([
    [{ requestsPerClient: 99 }, 'ClientRateLimit requestsPerClient: 99 is not a WAF rate limit; use a whole number of requests per client from 100 to 2000000000'],
    [{ requestsPerClient: 150.5 }, 'ClientRateLimit requestsPerClient: 150.5 is not a WAF rate limit'],
    [{ windowSeconds: 30 }, 'ClientRateLimit windowSeconds: 30 is not a WAF evaluation window; use 60, 120, 300, 600 seconds'],
    [{ name: 'has space' }, 'ClientRateLimit name: "has space" is not a usable name'],
  ])('fails for %j, naming the field, the value and the fix', (props, message) => {
    expect(() => synth(props)).toThrow(message);
  });

  it('passes a Terraform token through unchecked', () => {
    const tf = parse(
      Testing.synthScope((scope) => {
        const limit = new TerraformVariable(scope, 'limit', { type: 'number' });
        new ClientRateLimit(scope, 'limit-acl', { name: 'api', stage: STAGE, requestsPerClient: limit.numberValue });
      }),
    );
    expect(onlyResource(tf, 'aws_wafv2_web_acl').rule[0].statement.rate_based_statement.limit).toBe('${var.limit}');
  });
});
