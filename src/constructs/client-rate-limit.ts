import { Construct } from 'constructs';
import { Wafv2WebAcl } from '@cdktf/provider-aws/lib/wafv2-web-acl';
import { Wafv2WebAclAssociation } from '@cdktf/provider-aws/lib/wafv2-web-acl-association';
import { WAF_EVALUATION_WINDOWS, assertValid, describeValue, resourceNameProblem, wafRateLimitProblem } from '../rules/aws-limits';
import { DEFAULT_CLIENT_RATE_LIMIT, DEFAULT_CLIENT_RATE_WINDOW_SECONDS } from '../rules/defaults';

/** An API Gateway stage a web ACL can be put in front of; {@link ProxyApi} is one. */
export interface IApiStage {
  /** `arn:aws:apigateway:<region>::/restapis/<id>/stages/<stage>`. */
  readonly stageArn: string;
}

export interface ClientRateLimitProps {
  /** Name of the web ACL and prefix of its CloudWatch metric names; letters, digits and hyphens, at most 128. */
  readonly name: string;
  /** The stage whose callers are limited. */
  readonly stage: IApiStage;
  /**
   * Requests one client (source IP) may send per window; beyond it WAF answers 403 until the
   * client's rate falls below it again.
   * @default DEFAULT_CLIENT_RATE_LIMIT (1500)
   */
  readonly requestsPerClient?: number;
  /**
   * The window requests are counted over, seconds: 60, 120, 300 or 600.
   * @default DEFAULT_CLIENT_RATE_WINDOW_SECONDS (300)
   */
  readonly windowSeconds?: number;
}

/**
 * A regional WAF web ACL on one stage, with one rate-based rule per client IP: a stage's
 * throttle is one bucket for every caller, so without it one noisy client can use up a tier
 * for all (CKV2_AWS_29). Everything else is allowed; the rule's metrics and sampled requests
 * are on, so a blocked client shows in CloudWatch.
 */
export class ClientRateLimit extends Construct {
  public readonly webAclArn: string;

  constructor(scope: Construct, id: string, props: ClientRateLimitProps) {
    super(scope, id);
    const requestsPerClient = props.requestsPerClient ?? DEFAULT_CLIENT_RATE_LIMIT;
    const windowSeconds = props.windowSeconds ?? DEFAULT_CLIENT_RATE_WINDOW_SECONDS;
    assertValid('ClientRateLimit', 'name', props.name, (value) => resourceNameProblem(value, 128));
    assertValid('ClientRateLimit', 'requestsPerClient', requestsPerClient, wafRateLimitProblem);
    assertValid('ClientRateLimit', 'windowSeconds', windowSeconds, (value) =>
      (WAF_EVALUATION_WINDOWS as readonly unknown[]).includes(value) ? undefined : `${describeValue(value)} is not a WAF evaluation window; use ${WAF_EVALUATION_WINDOWS.join(', ')} seconds`,
    );
    const visibility = (metricName: string) => ({ cloudwatchMetricsEnabled: true, metricName, sampledRequestsEnabled: true });
    const acl = new Wafv2WebAcl(this, 'web-acl', {
      name: props.name,
      description: `At most ${requestsPerClient} requests per client IP in ${windowSeconds} s`,
      scope: 'REGIONAL',
      defaultAction: { allow: {} },
      rule: [
        {
          name: 'requests-per-client-ip',
          priority: 0,
          action: { block: {} },
          // The provider types statements as any: they are written as Terraform has them.
          statement: { rate_based_statement: { limit: requestsPerClient, aggregate_key_type: 'IP', evaluation_window_sec: windowSeconds } },
          visibilityConfig: visibility(`${props.name}-per-client`),
        },
      ],
      visibilityConfig: visibility(props.name),
    });
    new Wafv2WebAclAssociation(this, 'association', { resourceArn: props.stage.stageArn, webAclArn: acl.arn });
    this.webAclArn = acl.arn;
  }
}
