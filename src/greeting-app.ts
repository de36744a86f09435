import * as path from 'path';
import { App } from 'cdktf';
import { buildHandlerBundle } from './bundling/handler-bundle';
import { EnvironmentConfig, TIERS } from './config/environment-config';
import { loadEnvironment } from './config/load-environment';
import { GreetingStack } from './stacks/greeting-stack';
import { forgetStaleBackend } from './backend/stale-backend';

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
}

export interface GreetingApp {
  readonly app: App;
  readonly environment: EnvironmentConfig;
  readonly stacks: readonly GreetingStack[];
  /** Absolute folder each stack is synthesized to, by stack name. */
  readonly stackDirs: Readonly<Record<string, string>>;
}

/**
 * The whole app: the selected environment's `standard` and `premium` stacks. Everything is
 * validated while the stacks are built, so bad input fails before anything is written.
 */
export function createGreetingApp(options: GreetingAppOptions): GreetingApp {
  const environment = loadEnvironment(options.environmentName, path.join(options.projectRoot, 'environments'));
  const codeFile = buildHandlerBundle(options.projectRoot).file;
  const app = new App({ outdir: options.outdir });
  const stackDirs: Record<string, string> = {};
  // Each stack is named after its tier: `cdktf deploy standard premium`.
  const stacks = TIERS.map((tier) => {
    stackDirs[tier] = path.resolve(app.outdir, 'stacks', tier);
    return new GreetingStack(app, tier, {
      environment,
      tier,
      codeFile,
      projectRootFromStack: path.relative(stackDirs[tier], options.projectRoot).split(path.sep).join('/'),
      offlinePlan: options.offlinePlan,
    });
  });
  // The tier that sets the account's CloudWatch role goes first; `cdktf deploy` keeps the order.
  const first = stacks.find((stack) => stack.apiGatewayAccount);
  for (const stack of stacks) if (first && stack !== first) stack.addDependency(first);
  return { app, environment, stacks, stackDirs };
}

/**
 * Builds and synthesizes the app, then clears any stack folder's record of another
 * environment's backend so the next `terraform init` needs no prompt and migrates nothing.
 */
export function synthesizeGreetingApp(options: GreetingAppOptions): GreetingApp {
  const greetingApp = createGreetingApp(options);
  greetingApp.app.synth();
  for (const stackDir of Object.values(greetingApp.stackDirs)) forgetStaleBackend(stackDir);
  return greetingApp;
}
