/** How scripts act in an environment's account: as Terraform does, so they see what it deployed. */
import { fromTemporaryCredentials } from '@aws-sdk/credential-providers';
import type { EnvironmentConfig } from '../../src/config/environment-config';
import type { DeployCredentials } from '../../src/config/synth-settings';

/**
 * An AWS SDK client's credentials setting for the environment's account, as Terraform's own
 * (`credentials`, DEPLOY_CREDENTIALS): with `deploy-role`, its deploy role
 * (`account.deployRoleArn`, the role the stacks deploy as), assumed from the caller's
 * credentials with the session `<prefix>-<env>-<purpose>`; without one, or with `caller` (a
 * workflow job's role), the caller's own (an empty setting).
 */
export function environmentCredentials(env: Pick<EnvironmentConfig, 'account' | 'name' | 'namePrefix'>, purpose: string, credentials: DeployCredentials = 'deploy-role') {
  const roleArn = credentials === 'caller' ? undefined : env.account.deployRoleArn;
  return roleArn ? { credentials: fromTemporaryCredentials({ params: { RoleArn: roleArn, RoleSessionName: `${env.namePrefix}-${env.name}-${purpose}` } }) } : {};
}
