import * as fs from 'fs';
import * as path from 'path';
import { App } from 'cdktf';
import { buildHandlerBundle } from './bundling/handler-bundle';
import { buildReleaseRunnerBundle } from './bundling/release-runner-bundle';
import { zipSingleFile } from './bundling/function-zip';
import { DeployCredentials, FunctionPackaging, SynthSettings, localStateFolder } from './config/synth-settings';
import { EnvironmentConfig } from './config/environment-config';
import { TIER_CATALOG, TierCatalog } from './config/tier-catalog';
import { loadCheckedEnvironments } from './config/environment-set';
import { ACCOUNT_SETTINGS_STACK, AccountSettingsStack } from './stacks/account-settings-stack';
import { BOOTSTRAP_STACK, BootstrapStack } from './stacks/bootstrap-stack';
import { GreetingStack } from './stacks/greeting-stack';
import { forgetStaleBackend } from './backend/stale-backend';
import { localStateHoldsResources } from './backend/local-state';
import { PROVIDER_LOCK_FILE, requiredProviders, stackProviderLock, writeStackProviderLock } from './providers/provider-locks';

export interface GreetingAppOptions {
  /** Name of the environment file under `environments/`. */
  readonly environmentName: string;
  /** Folder holding `environments/`, `lambda-src/` and `state/`. */
  readonly projectRoot: string;
  /**
   * Where cdktf writes the stacks.
   * @default CDKTF_OUTDIR, as set by the cdktf CLI, else 'cdktf.out'
   */
  readonly outdir?: string;
  /**
   * Plan without an AWS account (see {@link GreetingStackProps.offlinePlan}).
   * @default false
   */
  readonly offlinePlan?: boolean;
  /**
   * How the function's zip is made (see {@link SynthSettings.packaging}).
   * @default 'archive-provider'
   */
  readonly packaging?: FunctionPackaging;
  /**
   * Whose credentials Terraform acts with (see {@link SynthSettings.credentials}).
   * @default 'deploy-role'
   */
  readonly credentials?: DeployCredentials;
  /**
   * The local AWS the stacks are deployed to (see {@link SynthSettings.localAwsEndpoint}).
   * @default AWS
   */
  readonly localAwsEndpoint?: string;
  /**
   * The QoS tiers: one stack each, named after the tier, in this order.
   * @default TIER_CATALOG (standard, premium)
   */
  readonly tiers?: TierCatalog;
}

export interface GreetingApp {
  readonly app: App;
  readonly environment: EnvironmentConfig;
  /** The tiers' stacks, in the catalog's order (`standard` then `premium`). */
  readonly stacks: readonly GreetingStack[];
  /** The account's API Gateway settings, when the environment creates them. */
  readonly accountSettings?: AccountSettingsStack;
  /**
   * What the account needs before the workflows can plan and apply there, when the environment
   * has a `ci` section: an administrator deploys it (`cdktf deploy bootstrap`); `npm run plan`
   * and `npm run apply` never touch it.
   */
  readonly bootstrap?: BootstrapStack;
  /** Absolute folder each stack is synthesized to, by stack name. */
  readonly stackDirs: Readonly<Record<string, string>>;
}

/**
 * The whole app: a stack per tier of the selected environment (`standard` and `premium`), and its
 * `account-settings` stack when the environment sets the account's API Gateway role. Everything is
 * validated while the stacks are built, so bad input fails before anything is written.
 */
export function createGreetingApp(options: GreetingAppOptions): GreetingApp {
  const tiers = options.tiers ?? TIER_CATALOG;
  // Checked with every other environment of the project: none may reach another.
  const { environment, environments } = loadCheckedEnvironments(options.environmentName, path.join(options.projectRoot, 'environments'), tiers);
  const codeFile = buildHandlerBundle(options.projectRoot).file;
  // Only where a tier releases gradually: Terraform runs it after each new version.
  const releaseRunnerFile = environment.release.strategy === 'all-at-once' ? undefined : buildReleaseRunnerBundle(options.projectRoot).file;
  const packaging = options.packaging ?? 'archive-provider';
  // Beside the bundle, rebuilt with it: the same bytes for the same code.
  const prebuiltZip = packaging === 'synth-zip' ? zipSingleFile(codeFile, path.join(path.dirname(codeFile), 'function.zip')) : undefined;
  const app = new App({ outdir: options.outdir });
  const stackDirs: Record<string, string> = {};
  // A local AWS's local state is apart from AWS's (localStateFolder).
  const stateFolder = localStateFolder(options.localAwsEndpoint);
  const stackProps = (name: string) => {
    stackDirs[name] = path.resolve(app.outdir, 'stacks', name);
    const projectRootFromStack = path.relative(stackDirs[name], options.projectRoot).split(path.sep).join('/');
    return { environment, projectRootFromStack, stateFolder, offlinePlan: options.offlinePlan, credentials: options.credentials };
  };
  // Created first, so it comes first in cdktf's manifest.
  const accountSettings =
    environment.apiGatewayCloudWatchRole === 'create' ? new AccountSettingsStack(app, ACCOUNT_SETTINGS_STACK, stackProps(ACCOUNT_SETTINGS_STACK)) : undefined;
  // Each tier's stack is named after it: `cdktf deploy standard premium`.
  const stacks = tiers.map(
    ({ name: tier }) => new GreetingStack(app, tier, { ...stackProps(tier), tier, codeFile, prebuiltZip, localAwsEndpoint: options.localAwsEndpoint, releaseRunnerFile }),
  );
  // A tier cannot be planned before account-settings is applied (each checks for its role at
  // plan). Where that stack's state is on this machine and records nothing yet (a new account, a
  // fresh local AWS), the tiers depend on it in cdktf: `cdktf deploy account-settings standard
  // premium` applies it first, and `cdktf deploy standard premium` stops in seconds naming it,
  // instead of failing at plan. Once it is applied they do not, so `cdktf deploy standard premium`
  // works alone. State in S3 cannot be read at synth (synth needs no AWS): there the plan-time
  // check names the command.
  if (accountSettings && environment.state.type === 'local') {
    const stateFile = path.join(options.projectRoot, stateFolder, environment.name, `${ACCOUNT_SETTINGS_STACK}.tfstate`);
    if (!localStateHoldsResources(stateFile)) for (const stack of stacks) stack.addDependency(accountSettings);
  }
  const bootstrap = environment.ci
    ? new BootstrapStack(app, BOOTSTRAP_STACK, { environment, environments, projectRootFromStack: stackProps(BOOTSTRAP_STACK).projectRootFromStack, stateFolder })
    : undefined;
  return { app, environment, stacks, accountSettings, bootstrap, stackDirs };
}

/**
 * Builds and synthesizes the app, then clears any stack folder's record of another
 * environment's backend so the next `terraform init` needs no prompt and migrates nothing,
 * and puts each stack's reviewed provider checksums where `terraform init` reads them.
 */
export function synthesizeGreetingApp(options: GreetingAppOptions): GreetingApp {
  const greetingApp = createGreetingApp(options);
  const lockFile = path.join(options.projectRoot, PROVIDER_LOCK_FILE);
  if (!fs.existsSync(lockFile)) throw new Error(`${lockFile} is missing: it holds the reviewed provider checksums every stack's terraform init verifies; restore it from git`);
  const lockText = fs.readFileSync(lockFile, 'utf8');
  const stacks = [...(greetingApp.accountSettings ? [greetingApp.accountSettings] : []), ...greetingApp.stacks, ...(greetingApp.bootstrap ? [greetingApp.bootstrap] : [])];
  // Checked before anything is written.
  const locks = stacks.map((stack) => ({ dir: greetingApp.stackDirs[stack.node.id], lock: stackProviderLock(stack.node.id, requiredProviders(stack), lockText) }));
  greetingApp.app.synth();
  for (const { dir, lock } of locks) {
    forgetStaleBackend(dir);
    writeStackProviderLock(dir, lock);
  }
  return greetingApp;
}
