import { Construct } from 'constructs';
import { IamRole } from '@cdktf/provider-aws/lib/iam-role';
import { IamRolePolicy } from '@cdktf/provider-aws/lib/iam-role-policy';
import { IamRolePolicyAttachment } from '@cdktf/provider-aws/lib/iam-role-policy-attachment';
import { Fn, ITerraformDependable } from 'cdktf';
import { assertValid, resourceNameProblem } from '../rules/aws-limits';
import { RoleSettings, roleArguments, trustPolicyFor } from './service-role';

/** AWS's managed policy for a function's logs: create and write any log group of the account. */
export const BASIC_EXECUTION_POLICY_ARN =
  'arn:aws:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole';
/** AWS's managed policy that lets a function send X-Ray trace segments, and nothing else. */
export const XRAY_WRITE_POLICY_ARN = 'arn:aws:iam::aws:policy/AWSXRayDaemonWriteAccess';

/** The X-Ray calls Lambda's active tracing makes with the execution role (AWS Lambda Developer Guide, "Using Lambda with AWS X-Ray"). */
export const XRAY_TRACING_ACTIONS = ['xray:PutTraceSegments', 'xray:PutTelemetryRecords'] as const;
/** What a function's runtime does with its own log group: create streams in it and write to them. */
export const LOG_WRITING_ACTIONS = ['logs:CreateLogStream', 'logs:PutLogEvents'] as const;

/** A log group the role may write to: its ARN as the AWS provider reports it (no trailing `:*`). */
export interface ILogGroupRef {
  readonly arn: string;
}

/**
 * What a function needs of the role it runs as. {@link LoggingRole} implements it; a role made
 * elsewhere can too (its ARN, nothing to wait for, and a grant that adds what it lacks).
 */
export interface IExecutionRole {
  /** ARN of the role, for the function's `role`. */
  readonly roleArn: string;
  /** What the function depends on so it can log and trace from its first call. */
  readonly permissions: readonly ITerraformDependable[];
  /**
   * Lets the role write `logGroup`, creating what that takes in `scope` under `id`; returns it
   * (the function depends on it too), or undefined when the role may already.
   */
  grantLogWriting(scope: Construct, id: string, logGroup: ILogGroupRef): ITerraformDependable | undefined;
}

export interface LoggingRoleProps {
  /** Name of the IAM role (the walkthrough's `basic-lambda-logging`). At most 64 characters. */
  readonly roleName: string;
  /**
   * What the role's permissions are made of:
   * - `scoped`: inline policies only, each as narrow as the function needs: streams and events
   *   in each log group granted with {@link LoggingRole.grantLogWriting} (no `CreateLogGroup`,
   *   no other group), and X-Ray's two trace-writing calls ({@link XRAY_TRACING_ACTIONS});
   * - `managed`: the walkthrough's AWS managed policies, `AWSLambdaBasicExecutionRole` (or
   *   `managedPolicyArn`), which may create and write any log group of the account, and
   *   `AWSXRayDaemonWriteAccess`.
   * @default 'scoped'
   */
  readonly policies?: 'scoped' | 'managed';
  /**
   * With `policies: 'managed'`, the managed policy attached for logging.
   * @default BASIC_EXECUTION_POLICY_ARN
   */
  readonly managedPolicyArn?: string;
  /**
   * Also let the function send X-Ray traces, for active tracing.
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
 * may do no more than write its logs and traces ("start with the least privileges the
 * function needs").
 */
export class LoggingRole extends Construct implements IExecutionRole {
  /** ARN of the role, for the function's `role`. */
  public readonly roleArn: string;
  /** Name of the role. */
  public readonly roleName: string;
  /** The managed policy attachments (`policies: 'managed'`; none when scoped). */
  public readonly policyAttachments: IamRolePolicyAttachment[];
  /**
   * Everything the role's permissions are made of so far: a function depends on these (and on
   * its {@link grantLogWriting} grant) so it can log and trace from its first call.
   */
  public readonly permissions: ITerraformDependable[];
  /** `scoped` or `managed`: see {@link LoggingRoleProps.policies}. */
  public readonly policies: 'scoped' | 'managed';

  constructor(scope: Construct, id: string, props: LoggingRoleProps) {
    super(scope, id);
    assertValid('LoggingRole', 'roleName', props.roleName, (v) => resourceNameProblem(v, 64));
    this.policies = props.policies ?? 'scoped';
    if (this.policies !== 'scoped' && this.policies !== 'managed') {
      throw new Error(`LoggingRole policies: ${JSON.stringify(props.policies)} is not a choice; use "scoped" (least privilege) or "managed" (the walkthrough's AWS managed policies)`);
    }
    if (props.managedPolicyArn !== undefined && this.policies !== 'managed') {
      throw new Error('LoggingRole managedPolicyArn: set, but policies is "scoped", which attaches no managed policy; set policies: "managed" or drop managedPolicyArn');
    }
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
    this.role = role;
    this.roleArn = role.arn;
    this.roleName = role.name;
    this.policyAttachments = [];
    this.permissions = [];
    const tracing = props.tracing ?? true;
    if (this.policies === 'managed') {
      this.policyAttachments.push(new IamRolePolicyAttachment(this, 'basic-execution', { role: role.name, policyArn: managedPolicyArn }));
      if (tracing) this.policyAttachments.push(new IamRolePolicyAttachment(this, 'xray-write', { role: role.name, policyArn: XRAY_WRITE_POLICY_ARN }));
      this.permissions.push(...this.policyAttachments);
    } else if (tracing) {
      this.permissions.push(
        new IamRolePolicy(this, 'xray-tracing', {
          name: 'xray-tracing',
          role: role.name,
          // X-Ray's trace-writing calls take no resource ARN (Service Authorization Reference).
          policy: Fn.jsonencode({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: [...XRAY_TRACING_ACTIONS], Resource: '*' }] }),
        }),
      );
    }
  }

  private readonly role: IamRole;

  /**
   * Lets the function write to `logGroup` and no other: `CreateLogStream` and `PutLogEvents`
   * on its streams, as an inline policy created in `scope` (the caller's) under `id`. Returns
   * it, or undefined with `policies: 'managed'`, whose managed policy already allows it.
   */
  public grantLogWriting(scope: Construct, id: string, logGroup: ILogGroupRef): IamRolePolicy | undefined {
    if (this.policies === 'managed') return undefined;
    return new IamRolePolicy(scope, id, {
      name: 'write-own-logs',
      role: this.role.name,
      policy: Fn.jsonencode({
        Version: '2012-10-17',
        // `<group ARN>:*` is the group's streams (log-stream:<name>), where both calls act.
        Statement: [{ Effect: 'Allow', Action: [...LOG_WRITING_ACTIONS], Resource: `${logGroup.arn}:*` }],
      }),
    });
  }
}
