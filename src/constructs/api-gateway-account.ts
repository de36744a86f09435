import { Construct } from 'constructs';
import { ApiGatewayAccount as ApiGatewayAccountSetting } from '@cdktf/provider-aws/lib/api-gateway-account';
import { IamRole } from '@cdktf/provider-aws/lib/iam-role';
import { IamRolePolicyAttachment } from '@cdktf/provider-aws/lib/iam-role-policy-attachment';
import { assertValid, resourceNameProblem } from '../rules/aws-limits';
import { RoleSettings, roleArguments, trustPolicyFor } from './service-role';

/** AWS's managed policy that lets API Gateway write execution and access logs. */
export const PUSH_TO_CLOUDWATCH_POLICY_ARN =
  'arn:aws:iam::aws:policy/service-role/AmazonAPIGatewayPushToCloudWatchLogs';

export interface ApiGatewayAccountProps {
  /** Name of the role API Gateway writes logs as. At most 64 characters. */
  readonly roleName: string;
  /**
   * Permissions boundary and path of the role.
   * @default no boundary, path '/'
   */
  readonly roleSettings?: RoleSettings;
}

/**
 * The account's API Gateway CloudWatch role for the provider's region: without it no stage
 * of the account can write execution or access logs. There is one such setting per account
 * and region, so exactly one stack should hold this construct.
 */
export class ApiGatewayAccount extends Construct {
  /** The account setting; stages that log depend on it. */
  public readonly setting: ApiGatewayAccountSetting;
  public readonly roleArn: string;

  constructor(scope: Construct, id: string, props: ApiGatewayAccountProps) {
    super(scope, id);
    assertValid('ApiGatewayAccount', 'roleName', props.roleName, (v) => resourceNameProblem(v, 64));
    const role = new IamRole(this, 'role', {
      name: props.roleName,
      description: "API Gateway's role for writing logs to CloudWatch, account-wide in this region",
      assumeRolePolicy: trustPolicyFor('apigateway.amazonaws.com'),
      ...roleArguments('ApiGatewayAccount', props.roleSettings),
    });
    const attachment = new IamRolePolicyAttachment(this, 'push-to-cloudwatch', {
      role: role.name,
      policyArn: PUSH_TO_CLOUDWATCH_POLICY_ARN,
    });
    this.setting = new ApiGatewayAccountSetting(this, 'setting', {
      cloudwatchRoleArn: role.arn,
      dependsOn: [attachment],
    });
    this.roleArn = role.arn;
  }
}
