import { Testing } from 'cdktf';
import { IamRole } from '@cdktf/provider-aws/lib/iam-role';
import { IamRolePolicyAttachment } from '@cdktf/provider-aws/lib/iam-role-policy-attachment';
import { BASIC_EXECUTION_POLICY_ARN, LoggingRole, XRAY_WRITE_POLICY_ARN } from '../../src/constructs/logging-role';
import { onlyResource, parse } from '../helpers';

describe('LoggingRole', () => {
  const synth = () => Testing.synthScope((scope) => new LoggingRole(scope, 'logging', { roleName: 'basic-lambda-logging' }));

  it('lets only lambda.amazonaws.com assume the role', () => {
    const role = onlyResource(parse(synth()), 'aws_iam_role');
    expect(role.name).toBe('basic-lambda-logging');
    expect(JSON.parse(role.assume_role_policy)).toEqual({
      Version: '2012-10-17',
      Statement: [{ Effect: 'Allow', Principal: { Service: 'lambda.amazonaws.com' }, Action: 'sts:AssumeRole' }],
    });
  });

  it('attaches AWSLambdaBasicExecutionRole through its own attachment resource', () => {
    const synthesized = synth();
    expect(synthesized).toHaveResourceWithProperties(IamRolePolicyAttachment, {
      policy_arn: 'arn:aws:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole',
    });
    expect(BASIC_EXECUTION_POLICY_ARN).toBe('arn:aws:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole');
    const role = onlyResource(parse(synthesized), 'aws_iam_role');
    expect(role.managed_policy_arns).toBeUndefined();
    expect(role.inline_policy).toBeUndefined();
    expect(synthesized).toHaveResource(IamRole);
  });

  it('lets the function send X-Ray traces unless tracing is off', () => {
    const policies = (synthesized: string) =>
      Object.values(parse(synthesized).resource.aws_iam_role_policy_attachment).map((a: any) => a.policy_arn);
    expect(policies(synth())).toEqual([BASIC_EXECUTION_POLICY_ARN, 'arn:aws:iam::aws:policy/AWSXRayDaemonWriteAccess']);
    expect(XRAY_WRITE_POLICY_ARN).toBe('arn:aws:iam::aws:policy/AWSXRayDaemonWriteAccess');
    const untraced = Testing.synthScope((scope) => new LoggingRole(scope, 'logging', { roleName: 'r', tracing: false }));
    expect(policies(untraced)).toEqual([BASIC_EXECUTION_POLICY_ARN]);
  });

  it('fails on a role name IAM would reject, naming the field and the value', () => {
    expect(() =>
      Testing.synthScope((scope) => new LoggingRole(scope, 'logging', { roleName: 'has spaces' })),
    ).toThrow('LoggingRole roleName: "has spaces" is not a usable name; use letters, digits and hyphens, at most 64 characters');
  });

  it('fails on a managed policy that is not an IAM policy ARN', () => {
    expect(() =>
      Testing.synthScope(
        (scope) => new LoggingRole(scope, 'logging', { roleName: 'r', managedPolicyArn: 'AWSLambdaBasicExecutionRole' }),
      ),
    ).toThrow(/LoggingRole managedPolicyArn: "AWSLambdaBasicExecutionRole" is not an IAM policy ARN; use one such as arn:aws:iam::aws:policy/);
  });

  it('takes a permissions boundary and a path, and fails naming the field on a bad one', () => {
    const boundary = 'arn:aws:iam::aws:policy/PowerUserAccess';
    const role = onlyResource(
      parse(Testing.synthScope((scope) => new LoggingRole(scope, 'logging', { roleName: 'r', roleSettings: { permissionsBoundaryArn: boundary, path: '/svc/' } }))),
      'aws_iam_role',
    );
    expect(role).toMatchObject({ permissions_boundary: boundary, path: '/svc/' });
    expect(() => Testing.synthScope((scope) => new LoggingRole(scope, 'logging', { roleName: 'r', roleSettings: { path: 'svc' } }))).toThrow(
      'LoggingRole roleSettings.path: "svc" is not an IAM path',
    );
  });
});
