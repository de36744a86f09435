import { Construct } from 'constructs';
import { ApiGatewayAccount } from '../constructs/api-gateway-account';
import { EnvironmentStack, EnvironmentStackProps } from './environment-stack';

/** The stack's name: `cdktf deploy account-settings`, once per account and region. */
export const ACCOUNT_SETTINGS_STACK = 'account-settings';

/**
 * The name of the role API Gateway logs as, one per account and region: the account setting
 * points at it, and every tier stack checks for it before it plans a stage.
 */
export const apiGatewayCloudWatchRoleName = (region: string) => `api-gateway-cloudwatch-${region}`;

/**
 * What an AWS account holds once per region, whatever environments and tiers deploy to it:
 * API Gateway's CloudWatch role. Destroying an environment's tiers leaves it alone; destroying
 * this stack stops every stage of the account and region from logging (docs/security.md).
 */
export class AccountSettingsStack extends EnvironmentStack {
  public readonly apiGatewayAccount: ApiGatewayAccount;

  constructor(scope: Construct, id: string, props: EnvironmentStackProps) {
    super(scope, id, props);
    const env = props.environment;
    this.apiGatewayAccount = new ApiGatewayAccount(this, 'api-gateway-account', {
      roleName: apiGatewayCloudWatchRoleName(env.region),
      roleSettings: this.roleSettings,
    });
  }
}
