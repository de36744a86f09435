import * as path from 'path';
import { Construct } from 'constructs';
import { LocalBackend, S3Backend } from 'cdktf';
import { AwsProvider } from '@cdktf/provider-aws/lib/provider';
import { EnvironmentConfig } from '../config/environment-config';
import type { DeployCredentials } from '../config/synth-settings';
import { RoleSettings } from '../constructs/service-role';
import { VersionedStack } from './versioned-stack';

export { REQUIRED_TERRAFORM_VERSION } from './versioned-stack';

export interface EnvironmentStackProps {
  /** The environment this stack is deployed to. */
  readonly environment: EnvironmentConfig;
  /**
   * Path from the stack's working directory (`<outdir>/stacks/<stack>`) to the project root,
   * where local state lives under `state/<environment>/`. Relative, so synthesized Terraform
   * holds no machine path.
   * @default '../../..' (the default `cdktf.out` output folder)
   */
  readonly projectRootFromStack?: string;
  /**
   * Folder of local state under the project root (`localStateFolder`: another for a local AWS).
   * @default 'state'
   */
  readonly stateFolder?: string;
  /**
   * Configure the AWS provider to plan without AWS: dummy keys, no credential, account or
   * metadata checks. Never for deploying.
   * @default false
   */
  readonly offlinePlan?: boolean;
  /**
   * Whose credentials Terraform acts with: `deploy-role` assumes `account.deployRoleArn` (where
   * set) for AWS and the S3 state; `caller` uses the credentials it is given as they are (a
   * workflow job's role), so that every job synthesizes the same configuration.
   * @default 'deploy-role'
   */
  readonly credentials?: DeployCredentials;
}

/**
 * A stack of one environment: its state (`state/<env>/<stack>.tfstate` on this machine, or
 * `<keyPrefix>/<stack>.tfstate` in S3), the Terraform version it needs, and an AWS provider
 * that works in the environment's account only (as its deploy role, when it names one).
 */
export abstract class EnvironmentStack extends VersionedStack {
  public readonly environment: EnvironmentConfig;
  /** Whether the stack is synthesized for an offline plan (no AWS calls at all). */
  public readonly offlinePlan: boolean;
  /** The environment's permissions boundary and path, for every role the stack creates. */
  protected readonly roleSettings: RoleSettings;
  /** The role the AWS provider assumes (`account.deployRoleArn`, unless the stack acts as its caller); undefined: the caller's credentials. */
  protected readonly actingRoleArn?: string;

  /** `id` is the stack's name (`cdktf deploy <id>`) and its state's name. */
  protected constructor(scope: Construct, id: string, props: EnvironmentStackProps, tags: Record<string, string> = {}) {
    super(scope, id);
    const env = props.environment;
    this.environment = env;
    this.offlinePlan = props.offlinePlan ?? false;
    this.roleSettings = { permissionsBoundaryArn: env.iam.permissionsBoundaryArn, path: env.iam.rolePath };
    // Shows in CloudTrail who deployed: `<namePrefix>-<environment>-<stack>`.
    const sessionName = `${env.namePrefix}-${env.name}-${id}`;
    const role = props.credentials === 'caller' ? undefined : env.account.deployRoleArn;
    this.actingRoleArn = role;

    if (env.state.type === 'local') {
      new LocalBackend(this, {
        path: path.posix.join(props.projectRootFromStack ?? '../../..', props.stateFolder ?? 'state', env.name, `${id}.tfstate`),
      });
    } else {
      const backend = new S3Backend(this, {
        bucket: env.state.bucket,
        key: `${env.state.keyPrefix}/${id}.tfstate`,
        region: env.state.region,
        encrypt: true,
      });
      // S3-native locking, the account guard and the role (Terraform 1.6+ syntax): cdktf's
      // S3Backend has no props for them.
      backend.addOverride('use_lockfile', env.state.useLockfile);
      backend.addOverride('allowed_account_ids', [env.account.id]);
      if (role) backend.addOverride('assume_role', { role_arn: role, session_name: sessionName });
    }

    new AwsProvider(this, 'aws', {
      region: env.region,
      defaultTags: [{ tags: { ...env.tags, ...tags } }],
      // Credentials of any other account are refused before anything is read or changed.
      ...(this.offlinePlan
        ? OFFLINE_PROVIDER_SETTINGS
        : { allowedAccountIds: [env.account.id], ...(role ? { assumeRole: [{ roleArn: role, sessionName }] } : {}) }),
    });
  }
}

/** Lets `terraform plan` run with no AWS account: nothing here is ever sent to AWS. */
const OFFLINE_PROVIDER_SETTINGS = {
  accessKey: 'offline-plan',
  secretKey: 'offline-plan',
  skipCredentialsValidation: true,
  skipRequestingAccountId: true,
  skipMetadataApiCheck: 'true',
  skipRegionValidation: true,
} as const;
