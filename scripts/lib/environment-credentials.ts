/** How scripts act in an environment's account: as Terraform does, so they see what it deployed. */
import { fromTemporaryCredentials } from '@aws-sdk/credential-providers';
import type { EnvironmentConfig } from '../../src/config/environment-config';

/**
 * An AWS SDK client's credentials setting for the environment's account: its deploy role
 * (`account.deployRoleArn`, the role the stacks deploy as), assumed from the caller's
 * credentials with the session `<prefix>-<env>-<purpose>`; without one, the caller's own
 * (an empty setting).
 */
export function environmentCredentials(env: Pick<EnvironmentConfig, 'account' | 'name' | 'namePrefix'>, purpose: string) {
  const roleArn = env.account.deployRoleArn;
  return roleArn ? { credentials: fromTemporaryCredentials({ params: { RoleArn: roleArn, RoleSessionName: `${env.namePrefix}-${env.name}-${purpose}` } }) } : {};
}
