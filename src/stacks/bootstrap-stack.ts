import * as path from 'path';
import { Construct } from 'constructs';
import { LocalBackend, TerraformOutput } from 'cdktf';
import { IamOpenidConnectProvider } from '@cdktf/provider-aws/lib/iam-openid-connect-provider';
import { AwsProvider } from '@cdktf/provider-aws/lib/provider';
import { EnvironmentConfig, S3StateConfig } from '../config/environment-config';
import { planBundleKeyAlias } from '../config/load-environment';
import { GITHUB_OIDC_HOST, GitHubActionsRole } from '../constructs/github-actions-role';
import { PlanBundleKey } from '../constructs/plan-bundle-key';
import { StateBucket } from '../constructs/state-bucket';
import { applyRolePolicy, planRolePolicy } from './ci-role-policies';
import { VersionedStack } from './versioned-stack';

/** The stack's name: `cdktf deploy bootstrap`, once per account, by an administrator. */
export const BOOTSTRAP_STACK = 'bootstrap';

/** The encryption context key the plan-bundle keys condition on (scripts/github/sealed-bundle.ts sets it). */
export const SEAL_CONTEXT_ENVIRONMENT = 'greeting-service:environment';

export interface BootstrapStackProps {
  /** The environment it was synthesized for: its account is bootstrapped, in its region. */
  readonly environment: EnvironmentConfig;
  /** Every environment of the project (those of the same account with a `ci` section get roles). */
  readonly environments: readonly EnvironmentConfig[];
  /**
   * Path from the stack's folder to the project root (local state under `state/bootstrap/`).
   * @default '../../..'
   */
  readonly projectRootFromStack?: string;
  /**
   * Folder of local state under the project root (`localStateFolder`: another for a local AWS).
   * @default 'state'
   */
  readonly stateFolder?: string;
}

/** An environment the workflows manage: it has a `ci` section and its state in S3 (the schema requires both together). */
type CiEnvironment = EnvironmentConfig & { readonly ci: NonNullable<EnvironmentConfig['ci']>; readonly state: S3StateConfig };

/** A role ARN's path and name: `arn:aws:iam::1:role/a/b/name` → `/a/b/`, `name`. */
function roleNameAndPath(arn: string): { roleName: string; path: string } {
  const resource = arn.split(':').slice(5).join(':').replace(/^role/, '');
  const name = resource.slice(resource.lastIndexOf('/') + 1);
  return { roleName: name, path: resource.slice(0, resource.lastIndexOf('/') + 1) };
}

/**
 * What an account needs once before the workflows can plan and apply there, in the spirit of
 * `cdk bootstrap`: GitHub Actions' OIDC identity provider and, for every environment of the
 * account that the workflows manage, its plan role (trusted by the GitHub environment
 * `<env>-plan` of its repository only; reads, writes nothing), its apply role (trusted by the
 * GitHub environment `<env>` only), the KMS key that seals its saved plans from one to the other,
 * and its state bucket when its file names none. An administrator deploys it with their own
 * credentials (no deploy role: it may not exist yet); its state is a local file under
 * `state/bootstrap/`, as the bucket it creates cannot hold it before it exists.
 */
export class BootstrapStack extends VersionedStack {
  /** The workflows' roles, by environment name. */
  public readonly roles: Readonly<Record<string, { readonly plan: GitHubActionsRole; readonly apply: GitHubActionsRole }>>;

  constructor(scope: Construct, id: string, props: BootstrapStackProps) {
    super(scope, id);
    const { environment } = props;
    const account = environment.account.id;
    new LocalBackend(this, { path: path.posix.join(props.projectRootFromStack ?? '../../..', props.stateFolder ?? 'state', 'bootstrap', `${account}.tfstate`) });
    const providers = new Map<string, AwsProvider>();
    const providerIn = (region: string) => {
      let provider = providers.get(region);
      if (!provider) {
        provider = new AwsProvider(this, providers.size === 0 ? 'aws' : `aws-${region}`, {
          region,
          // The account's own administrator, and only in this account.
          allowedAccountIds: [account],
          defaultTags: [{ tags: { ...environment.tags, 'managed-by': 'cdktf bootstrap' } }],
          ...(providers.size === 0 ? {} : { alias: region }),
        });
        providers.set(region, provider);
      }
      return provider;
    };
    providerIn(environment.region);

    const managed = props.environments.filter((candidate): candidate is CiEnvironment => candidate.account.id === account && candidate.ci !== undefined && candidate.state.type === 's3');
    if (!managed.length) {
      throw new Error(
        `account ${account} has no environment with a ci section, so there is nothing to bootstrap; add "ci": {"repository", "planRoleArn", "applyRoleArn"} to environments/${environment.name}.json`,
      );
    }
    // One identity provider per account and issuer (IAM: "EntityAlreadyExists" for a second).
    const oidc = new IamOpenidConnectProvider(this, 'github-oidc', {
      url: `https://${GITHUB_OIDC_HOST}`,
      clientIdList: ['sts.amazonaws.com'],
    });

    const roles: Record<string, { plan: GitHubActionsRole; apply: GitHubActionsRole }> = {};
    const buckets = new Set<string>();
    for (const env of managed) {
      const plan = new GitHubActionsRole(this, `${env.name}-plan-role`, {
        ...roleNameAndPath(env.ci.planRoleArn),
        oidcProviderArn: oidc.arn,
        repository: env.ci.repository,
        gitHubEnvironment: `${env.name}-plan`,
        policy: planRolePolicy(env),
        description: `Plans ${env.name} for pull requests of ${env.ci.repository}: reads, writes nothing`,
      });
      const apply = new GitHubActionsRole(this, `${env.name}-apply-role`, {
        ...roleNameAndPath(env.ci.applyRoleArn),
        oidcProviderArn: oidc.arn,
        repository: env.ci.repository,
        gitHubEnvironment: env.name,
        policy: applyRolePolicy(env),
        description: `Applies ${env.name}'s reviewed plans from ${env.ci.repository}`,
      });
      roles[env.name] = { plan, apply };
      const key = new PlanBundleKey(this, `${env.name}-plan-bundle-key`, {
        alias: planBundleKeyAlias(env),
        accountId: account,
        sealerRoleArn: plan.roleArn,
        openerRoleArn: apply.roleArn,
        encryptionContext: { [SEAL_CONTEXT_ENVIRONMENT]: env.name },
        provider: env.region === environment.region ? undefined : providerIn(env.region),
      });
      if (env.state.bucketFromBootstrap && !buckets.has(env.state.bucket)) {
        buckets.add(env.state.bucket);
        new StateBucket(this, `state-bucket-${env.state.bucket}`, {
          bucketName: env.state.bucket,
          provider: env.state.region === environment.region ? undefined : providerIn(env.state.region),
        });
      }
      new TerraformOutput(this, `${env.name}_plan_role_arn`, { value: plan.roleArn, description: `ci.planRoleArn of environments/${env.name}.json` });
      new TerraformOutput(this, `${env.name}_apply_role_arn`, { value: apply.roleArn, description: `ci.applyRoleArn of environments/${env.name}.json` });
      new TerraformOutput(this, `${env.name}_plan_bundle_key_arn`, { value: key.key.arn, description: `The key ${planBundleKeyAlias(env)} that seals ${env.name}'s saved plans` });
      new TerraformOutput(this, `${env.name}_state_bucket`, { value: env.state.bucket, description: `Where ${env.name}'s state is kept` });
    }
    this.roles = roles;
  }
}
