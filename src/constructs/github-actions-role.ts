import { Construct } from 'constructs';
import { Fn } from 'cdktf';
import { IamRole } from '@cdktf/provider-aws/lib/iam-role';
import { IamRolePolicy } from '@cdktf/provider-aws/lib/iam-role-policy';
import { assertValid, gitHubRepositoryProblem, resourceNameProblem, rolePathProblem } from '../rules/aws-limits';

/** The issuer of GitHub Actions' OIDC tokens; IAM names its identity provider after it. */
export const GITHUB_OIDC_HOST = 'token.actions.githubusercontent.com';

/** A policy document: the statements of a role's inline policy. */
export interface PolicyDocument {
  readonly Version: '2012-10-17';
  readonly Statement: readonly Record<string, unknown>[];
}

/**
 * The trust policy of a role that GitHub Actions jobs of one repository assume through OIDC, and
 * only jobs that run in one GitHub environment (whose protection rules, such as required
 * reviewers and "main only", then guard the role).
 *
 * - `aud` and `sub`, the claims IAM's OIDC federation checks (IAM User Guide, "Create a role for
 *   OpenID Connect federation", https://docs.aws.amazon.com/IAM/latest/UserGuide/id_roles_create_for-idp_oidc.html,
 *   and "Available keys for AWS OIDC federation",
 *   https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_iam-condition-keys.html#condition-keys-wif).
 *   A job that names a GitHub environment gets the subject `repo:<owner>/<repo>:environment:<name>`
 *   (GitHub Docs, "OpenID Connect reference", "Filtering for a specific environment"); a pull
 *   request's job without one gets `repo:<owner>/<repo>:pull_request`, a branch's `…:ref:refs/heads/<branch>`.
 * - `repository` and `environment`, the GitHub claims IAM also takes as condition keys (Service
 *   Authorization Reference, AWS STS, AssumeRoleWithWebIdentity); they say the same again, and
 *   an IAM policy simulator can evaluate them.
 */
export function gitHubActionsTrustPolicy(oidcProviderArn: string, repository: string, gitHubEnvironment: string): string {
  return Fn.jsonencode({
    Version: '2012-10-17',
    Statement: [
      {
        Effect: 'Allow',
        Principal: { Federated: oidcProviderArn },
        Action: 'sts:AssumeRoleWithWebIdentity',
        Condition: {
          StringEquals: {
            [`${GITHUB_OIDC_HOST}:aud`]: 'sts.amazonaws.com',
            [`${GITHUB_OIDC_HOST}:sub`]: `repo:${repository}:environment:${gitHubEnvironment}`,
            [`${GITHUB_OIDC_HOST}:repository`]: repository,
            [`${GITHUB_OIDC_HOST}:environment`]: gitHubEnvironment,
          },
        },
      },
    ],
  });
}

export interface GitHubActionsRoleProps {
  /** The role's name. At most 64 characters. */
  readonly roleName: string;
  /**
   * The role's IAM path.
   * @default '/'
   */
  readonly path?: string;
  /** ARN of the account's IAM OIDC identity provider for GitHub Actions. */
  readonly oidcProviderArn: string;
  /** `owner/name` of the only repository whose jobs may assume the role. */
  readonly repository: string;
  /** The GitHub environment the job must run in (its `environment:`). */
  readonly gitHubEnvironment: string;
  /** What the role may do: its inline policy. */
  readonly policy: PolicyDocument;
  /** What the role is for, shown in IAM. */
  readonly description: string;
  /**
   * Longest session, seconds: a plan or an apply job.
   * @default 3600
   */
  readonly maxSessionDuration?: number;
}

/** A role one GitHub environment of one repository assumes through OIDC, with one inline policy. */
export class GitHubActionsRole extends Construct {
  public readonly role: IamRole;
  public readonly roleArn: string;

  constructor(scope: Construct, id: string, props: GitHubActionsRoleProps) {
    super(scope, id);
    assertValid('GitHubActionsRole', 'roleName', props.roleName, (v) => resourceNameProblem(v, 64));
    assertValid('GitHubActionsRole', 'repository', props.repository, gitHubRepositoryProblem);
    if (props.path !== undefined) assertValid('GitHubActionsRole', 'path', props.path, rolePathProblem);
    this.role = new IamRole(this, 'role', {
      name: props.roleName,
      ...(props.path === undefined ? {} : { path: props.path }),
      description: props.description,
      assumeRolePolicy: gitHubActionsTrustPolicy(props.oidcProviderArn, props.repository, props.gitHubEnvironment),
      maxSessionDuration: props.maxSessionDuration ?? 3600,
    });
    new IamRolePolicy(this, 'policy', { name: 'ci', role: this.role.name, policy: Fn.jsonencode(props.policy) });
    this.roleArn = this.role.arn;
  }
}
