import { assertValid, permissionsBoundaryProblem, rolePathProblem } from '../rules/aws-limits';

/**
 * The trust policy of a role that exactly one AWS service may assume.
 *
 * No `aws:SourceAccount`/`aws:SourceArn` condition: IAM puts those keys in the request only
 * when the calling service passes them (IAM User Guide, "AWS global condition context keys",
 * https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_condition-keys.html#condition-keys-sourceaccount),
 * and neither Lambda's execution-role page
 * (https://docs.aws.amazon.com/lambda/latest/dg/lambda-intro-execution-role.html) nor API
 * Gateway's CloudWatch-role and integration-credentials pages
 * (https://docs.aws.amazon.com/apigateway/latest/developerguide/set-up-logging.html) document
 * that these services send them when they assume a role; a condition on a key that is never
 * sent denies every assume (prowler-cloud/prowler#4714). Add one only for a service whose
 * documentation says it sends the key, and cite that page here.
 */
export function trustPolicyFor(servicePrincipal: string): string {
  return JSON.stringify({
    Version: '2012-10-17',
    Statement: [
      {
        Effect: 'Allow',
        Principal: { Service: servicePrincipal },
        Action: 'sts:AssumeRole',
      },
    ],
  });
}

/** What many organisations require of every IAM role: a permissions boundary, a path. */
export interface RoleSettings {
  /**
   * ARN of the managed policy that bounds what the role may ever do.
   * @default no boundary
   */
  readonly permissionsBoundaryArn?: string;
  /**
   * IAM path the role is created under, such as `/service/`; it becomes part of the role's ARN.
   * @default '/'
   */
  readonly path?: string;
}

/** The IamRole arguments for `settings`, checked (tokens pass through); `owner` and `field` prefix messages. */
export function roleArguments(owner: string, settings: RoleSettings = {}, field = 'roleSettings'): { permissionsBoundary?: string; path?: string } {
  const unlessUnset = (check: (value: unknown) => string | undefined) => (value: unknown) => (value === undefined ? undefined : check(value));
  assertValid(owner, `${field}.permissionsBoundaryArn`, settings.permissionsBoundaryArn, unlessUnset(permissionsBoundaryProblem));
  assertValid(owner, `${field}.path`, settings.path, unlessUnset(rolePathProblem));
  return {
    ...(settings.permissionsBoundaryArn === undefined ? {} : { permissionsBoundary: settings.permissionsBoundaryArn }),
    ...(settings.path === undefined ? {} : { path: settings.path }),
  };
}
