import { Testing } from 'cdktf';
import { ApiGatewayAccount } from '../../src/constructs/api-gateway-account';
import { onlyResource, parse } from '../helpers';

describe('ApiGatewayAccount', () => {
  const synth = () => Testing.synthScope((scope) => new ApiGatewayAccount(scope, 'account', { roleName: 'apigw-cloudwatch' }));

  it("sets the account's API Gateway CloudWatch role to a role only API Gateway may assume", () => {
    const tf = parse(synth());
    const role = onlyResource(tf, 'aws_iam_role');
    expect(JSON.parse(role.assume_role_policy).Statement).toEqual([
      { Effect: 'Allow', Principal: { Service: 'apigateway.amazonaws.com' }, Action: 'sts:AssumeRole' },
    ]);
    expect(onlyResource(tf, 'aws_iam_role_policy_attachment').policy_arn).toBe(
      'arn:aws:iam::aws:policy/service-role/AmazonAPIGatewayPushToCloudWatchLogs',
    );
    const setting = onlyResource(tf, 'aws_api_gateway_account');
    expect(setting.cloudwatch_role_arn).toMatch(/^\$\{aws_iam_role\.account_role_[0-9A-F]+\.arn\}$/);
    expect(setting.depends_on).toEqual([expect.stringMatching(/^aws_iam_role_policy_attachment\.account_push-to-cloudwatch_/)]);
    expect(setting.reset_on_delete).toBeUndefined(); // deprecated in the AWS provider: it would warn in every plan
  });

  it('fails on a role name IAM would reject', () => {
    expect(() => Testing.synthScope((scope) => new ApiGatewayAccount(scope, 'a', { roleName: 'no spaces allowed' }))).toThrow(
      'ApiGatewayAccount roleName: "no spaces allowed" is not a usable name',
    );
  });
});
