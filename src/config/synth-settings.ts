/**
 * The settings of a synth that are not an environment's (those are in `environments/`): read
 * from this process's environment variables by main.ts and the scripts, checked here, once.
 */
import { ConfigError, environmentNameFrom } from './load-environment';

/** How the function's zip is made. */
export const FUNCTION_PACKAGINGS = ['archive-provider', 'synth-zip'] as const;
export type FunctionPackaging = (typeof FUNCTION_PACKAGINGS)[number];
export const PACKAGING_VARIABLE = 'FUNCTION_PACKAGING';

/**
 * Whose credentials Terraform acts with in an environment's account.
 * - `deploy-role` (default): it assumes `account.deployRoleArn` where the file names one, from
 *   whatever credentials the person has (`cdktf deploy` from a laptop).
 * - `caller`: the credentials it is given, as they are: a workflow job's OIDC role (the plan
 *   role or the apply role). The plan job and the apply job then synthesize byte-identical
 *   configuration, which `npm run apply` requires of a saved plan.
 */
export const DEPLOY_CREDENTIALS = ['deploy-role', 'caller'] as const;
export type DeployCredentials = (typeof DEPLOY_CREDENTIALS)[number];
export const CREDENTIALS_VARIABLE = 'DEPLOY_CREDENTIALS';

/** What a synth was asked for. */
export interface SynthSettings {
  readonly environmentName: string;
  /** Plan without AWS (`OFFLINE_PLAN=1`): dummy keys, no account checks. */
  readonly offlinePlan: boolean;
  /**
   * - `archive-provider` (default): hashicorp/archive's `archive_file` zips the bundle at plan.
   * - `synth-zip`: synth zips it (the same file, at the zip's root, mode 0644) and the stack
   *   deploys that file; for machines that cannot install hashicorp/archive.
   */
  readonly packaging: FunctionPackaging;
  /** Whose credentials Terraform uses (`DEPLOY_CREDENTIALS`; {@link DEPLOY_CREDENTIALS}). */
  readonly credentials: DeployCredentials;
  /**
   * The local AWS Terraform talks to (`AWS_ENDPOINT_URL` on 127.0.0.1, localhost or [::1]): the
   * tiers' URL outputs are that emulator's URLs for the stage, since the stage's own
   * `execute-api` host is not served there. Undefined for AWS.
   */
  readonly localAwsEndpoint?: string;
}

const LOOPBACK_HOSTS = ['127.0.0.1', 'localhost', '[::1]'];

/** Reads and checks the synth's settings; throws naming the variable, its value and the fix. */
export function synthSettingsFrom(env: NodeJS.ProcessEnv): SynthSettings {
  const packaging = env[PACKAGING_VARIABLE] || 'archive-provider';
  if (!(FUNCTION_PACKAGINGS as readonly string[]).includes(packaging)) {
    throw new ConfigError(
      `${PACKAGING_VARIABLE}=${JSON.stringify(packaging)} is not a way to package the function; use ${FUNCTION_PACKAGINGS.join(' or ')} ` +
        `(synth-zip where hashicorp/archive cannot be installed; docs/deploying.md, "Packaging the function")`,
    );
  }
  const credentials = env[CREDENTIALS_VARIABLE] || 'deploy-role';
  if (!(DEPLOY_CREDENTIALS as readonly string[]).includes(credentials)) {
    throw new ConfigError(
      `${CREDENTIALS_VARIABLE}=${JSON.stringify(credentials)} is not a choice of credentials; use deploy-role (assume account.deployRoleArn, the default) ` +
        `or caller (the credentials Terraform is given, as the workflows' jobs do)`,
    );
  }
  const offline = env.OFFLINE_PLAN ?? '';
  if (!['', '0', '1'].includes(offline)) throw new ConfigError(`OFFLINE_PLAN=${JSON.stringify(offline)} is not 0 or 1; use OFFLINE_PLAN=1 to plan without AWS`);
  return {
    environmentName: environmentNameFrom(env),
    offlinePlan: offline === '1',
    packaging: packaging as FunctionPackaging,
    credentials: credentials as DeployCredentials,
    localAwsEndpoint: localAwsEndpoint(env.AWS_ENDPOINT_URL),
  };
}

function localAwsEndpoint(value: string | undefined): string | undefined {
  if (!value) return undefined;
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new ConfigError(`AWS_ENDPOINT_URL=${JSON.stringify(value)} is not a URL; use the line npm run emulator printed, such as http://127.0.0.1:4566, or unset it for AWS`);
  }
  if (!LOOPBACK_HOSTS.includes(url.hostname)) return undefined;
  if (url.protocol !== 'http:' || (url.pathname !== '/' && url.pathname !== '') || url.search || url.hash) {
    throw new ConfigError(`AWS_ENDPOINT_URL=${JSON.stringify(value)} is not a local AWS endpoint; use http://<host>:<port> as npm run emulator prints it`);
  }
  // Terraform would evaluate template syntax; a URL of host and port cannot hold any.
  return `${url.protocol}//${url.host}`;
}

/**
 * The folder, under the project root, of the stacks' local state: `state` for AWS; for a local
 * AWS, `state/local-aws/<port>`, which `npm run emulator` empties when it starts and when it
 * stops, as that local AWS's resources go with it. So a deploy to the local AWS never reads or
 * writes the state of a real environment, and a new local AWS never starts from an old one's.
 */
export function localStateFolder(localAwsEndpoint: string | undefined): string {
  if (!localAwsEndpoint) return 'state';
  return `state/local-aws/${new URL(localAwsEndpoint).port || '80'}`;
}
