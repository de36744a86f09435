import { Construct } from 'constructs';
import { IamRole } from '@cdktf/provider-aws/lib/iam-role';
import { IamRolePolicyAttachment } from '@cdktf/provider-aws/lib/iam-role-policy-attachment';
import { assertValid, resourceNameProblem } from '../rules/aws-limits';
import { RoleSettings, roleArguments, trustPolicyFor } from './service-role';

/** AWS's managed policy that lets a function write its CloudWatch logs, and nothing else. */
export const BASIC_EXECUTION_POLICY_ARN =
  'arn:aws:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole';
/** AWS's managed policy that lets a function send X-Ray trace segments, and nothing else. */
export const XRAY_WRITE_POLICY_ARN = 'arn:aws:iam::aws:policy/AWSXRayDaemonWriteAccess';

export interface LoggingRoleProps {
  /** Name of the IAM role (the walkthrough's `basic-lambda-logging`). At most 64 characters. */
  readonly roleName: string;
  /**
   * Managed policy attached to the role.
   * @default BASIC_EXECUTION_POLICY_ARN (CloudWatch Logs only)
   */
  readonly managedPolicyArn?: string;
  /**
   * Also let the function send X-Ray traces (`AWSXRayDaemonWriteAccess`), for active tracing.
   * @default true
   */
  readonly tracing?: boolean;
  /**
   * Permissions boundary and path of the role.
   * @default no boundary, path '/'
   */
  readonly roleSettings?: RoleSettings;
}

/**
 * The execution role of a Lambda function: only `lambda.amazonaws.com` may assume it, and it
 * may do no more than write logs and traces ("start with the least privileges the function
 * needs").
 */
export class LoggingRole extends Construct {
  /** ARN of the role, for the function's `role`. */
  public readonly roleArn: string;
  /** Name of the role. */
  public readonly roleName: string;
  /** The policy attachments; depend on them so the function can log from its first call. */
  public readonly policyAttachments: IamRolePolicyAttachment[];

  constructor(scope: Construct, id: string, props: LoggingRoleProps) {
    super(scope, id);
    assertValid('LoggingRole', 'roleName', props.roleName, (v) => resourceNameProblem(v, 64));
    const managedPolicyArn = props.managedPolicyArn ?? BASIC_EXECUTION_POLICY_ARN;
    if (!/^arn:aws[a-z-]*:iam::(aws|\d{12}):policy\/.+$/.test(managedPolicyArn)) {
      throw new Error(
        `LoggingRole managedPolicyArn: ${JSON.stringify(managedPolicyArn)} is not an IAM policy ARN; use one such as ${BASIC_EXECUTION_POLICY_ARN}`,
      );
    }

    const role = new IamRole(this, 'role', {
      name: props.roleName,
      description: 'Execution role of a Lambda function: CloudWatch Logs only',
      assumeRolePolicy: trustPolicyFor('lambda.amazonaws.com'),
      ...roleArguments('LoggingRole', props.roleSettings),
    });
    this.policyAttachments = [
      new IamRolePolicyAttachment(this, 'basic-execution', { role: role.name, policyArn: managedPolicyArn }),
    ];
    if (props.tracing ?? true) {
      this.policyAttachments.push(
        new IamRolePolicyAttachment(this, 'xray-write', { role: role.name, policyArn: XRAY_WRITE_POLICY_ARN }),
      );
    }
    this.roleArn = role.arn;
    this.roleName = role.name;
  }
}
