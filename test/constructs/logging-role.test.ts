import { Testing } from 'cdktf';
import { IamRole } from '@cdktf/provider-aws/lib/iam-role';
import { IamRolePolicyAttachment } from '@cdktf/provider-aws/lib/iam-role-policy-attachment';
import { BASIC_EXECUTION_POLICY_ARN, LOG_WRITING_ACTIONS, LoggingRole, XRAY_WRITE_POLICY_ARN } from '../../src/constructs/logging-role';
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

  const policies = (synthesized: string) => Object.values<any>(parse(synthesized).resource.aws_iam_role_policy ?? {});
  const attached = (synthesized: string) => Object.values<any>(parse(synthesized).resource.aws_iam_role_policy_attachment ?? {}).map((a) => a.policy_arn);

  it('attaches no managed policy by default: X-Ray\'s two trace calls as its own aws_iam_role_policy, logs only as granted', () => {
    const synthesized = synth();
    expect(attached(synthesized)).toEqual([]);
    expect(policies(synthesized).map((policy) => [policy.name, policy.policy])).toEqual([
      ['xray-tracing', '${jsonencode({"Version" = "2012-10-17", "Statement" = [{"Effect" = "Allow", "Action" = ["xray:PutTraceSegments", "xray:PutTelemetryRecords"], "Resource" = "*"}]})}'],
    ]);
    const role = onlyResource(parse(synthesized), 'aws_iam_role');
    expect(role.managed_policy_arns).toBeUndefined();
    expect(role.inline_policy).toBeUndefined();
    expect(synthesized).toHaveResource(IamRole);
  });

  it('grants writing to one log group\'s streams, and nothing of log groups themselves, in the caller\'s scope', () => {
    const tf = parse(
      Testing.synthScope((scope) => {
        const role = new LoggingRole(scope, 'logging', { roleName: 'r' });
        role.grantLogWriting(scope, 'own-logs', { arn: 'arn:aws:logs:eu-central-1:123456789012:log-group:/aws/lambda/HelloWorld' });
      }),
    );
    const grant = tf.resource.aws_iam_role_policy['own-logs'];
    expect(grant.role).toMatch(/^\$\{aws_iam_role\.logging_role_[0-9A-F]+\.name\}$/);
    expect(grant.policy).toBe(
      '${jsonencode({"Version" = "2012-10-17", "Statement" = [{"Effect" = "Allow", "Action" = ["logs:CreateLogStream", "logs:PutLogEvents"], "Resource" = "arn:aws:logs:eu-central-1:123456789012:log-group:/aws/lambda/HelloWorld:*"}]})}',
    );
    expect(LOG_WRITING_ACTIONS).not.toContain('logs:CreateLogGroup');
  });

  it("attaches the walkthrough's managed policies with policies: 'managed', where a log grant adds nothing", () => {
    const managed = Testing.synthScope((scope) => {
      const role = new LoggingRole(scope, 'logging', { roleName: 'r', policies: 'managed' });
      expect(role.grantLogWriting(scope, 'own-logs', { arn: 'arn:aws:logs:eu-central-1:123456789012:log-group:g' })).toBeUndefined();
    });
    expect(managed).toHaveResourceWithProperties(IamRolePolicyAttachment, { policy_arn: BASIC_EXECUTION_POLICY_ARN });
    expect(attached(managed)).toEqual([BASIC_EXECUTION_POLICY_ARN, XRAY_WRITE_POLICY_ARN]);
    expect(policies(managed)).toEqual([]);
    expect(BASIC_EXECUTION_POLICY_ARN).toBe('arn:aws:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole');
    expect(XRAY_WRITE_POLICY_ARN).toBe('arn:aws:iam::aws:policy/AWSXRayDaemonWriteAccess');
  });

  it('lets the function send X-Ray traces unless tracing is off, either way', () => {
    expect(policies(Testing.synthScope((scope) => new LoggingRole(scope, 'logging', { roleName: 'r', tracing: false })))).toEqual([]);
    expect(attached(Testing.synthScope((scope) => new LoggingRole(scope, 'logging', { roleName: 'r', tracing: false, policies: 'managed' })))).toEqual([
      BASIC_EXECUTION_POLICY_ARN,
    ]);
  });

  it('fails on a policies choice that is not one, and on managedPolicyArn without policies: "managed"', () => {
    expect(() => Testing.synthScope((scope) => new LoggingRole(scope, 'logging', { roleName: 'r', policies: 'aws' as never }))).toThrow(
      'LoggingRole policies: "aws" is not a choice; use "scoped" (least privilege) or "managed"',
    );
    expect(() => Testing.synthScope((scope) => new LoggingRole(scope, 'logging', { roleName: 'r', managedPolicyArn: BASIC_EXECUTION_POLICY_ARN }))).toThrow(
      'LoggingRole managedPolicyArn: set, but policies is "scoped", which attaches no managed policy; set policies: "managed" or drop managedPolicyArn',
    );
  });

  it('fails on a role name IAM would reject, naming the field and the value', () => {
    expect(() =>
      Testing.synthScope((scope) => new LoggingRole(scope, 'logging', { roleName: 'has spaces' })),
    ).toThrow('LoggingRole roleName: "has spaces" is not a usable name; use letters, digits and hyphens, at most 64 characters');
  });

  it('fails on a managed policy that is not an IAM policy ARN', () => {
    expect(() =>
      Testing.synthScope(
        (scope) => new LoggingRole(scope, 'logging', { roleName: 'r', policies: 'managed', managedPolicyArn: 'AWSLambdaBasicExecutionRole' }),
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
