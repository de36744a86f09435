/**
 * `npm run plan -- [account-settings] [standard] [premium] [--offline] [--drift]`
 *
 * Synthesizes the environment chosen by ENVIRONMENT (default dev) once, then runs
 * `terraform init` and `terraform plan` for each stack (default: all the environment has),
 * side by side, into a fresh folder, and only when every stack planned replaces
 * plans/<environment>/ with it: <stack>.tfplan, <stack>.txt, <stack>.json and summary.md, plus
 * what `npm run apply` needs to apply exactly these plans from another checkout (<stack>/ and
 * manifest.json: scripts/lib/plan-bundle.ts).
 * When a stack fails, plans/<environment>/ holds only a summary.md that says FAILED at the top
 * and names every failing stack, so no earlier green plan is left to review; every terraform
 * it started has ended before it exits. Exit codes follow `terraform plan -detailed-exitcode`:
 * 0 no changes, 2 changes (or, with --drift, drift), 1 an error; 130 on Ctrl-C.
 *
 * Online, before any stack is planned, it checks the account as Terraform will find it: its
 * Lambda quota against the tiers' reservations, and that CloudWatch may publish to the alarms'
 * SNS topic (lambda-quota.ts, alarm-topic.ts).
 * Without AWS credentials (the AWS SDK's own default chain finds none) or with --offline, it
 * plans with dummy keys and no account checks, and the summary says so. --drift plans
 * refresh-only: what differs between AWS and the state, nothing of the configuration.
 */
import * as fs from 'fs';
import * as path from 'path';
import { parseArgs } from 'util';
import { fromNodeProviderChain } from '@aws-sdk/credential-providers';
import { EnvironmentConfig, TIERS } from '../src/config/environment-config';
import { DeployCredentials, FunctionPackaging, synthSettingsFrom } from '../src/config/synth-settings';
import { synthesizeGreetingApp } from '../src/greeting-app';
import { ACCOUNT_SETTINGS_STACK } from '../src/stacks/account-settings-stack';
import { gitSource } from './lib/git-source';
import { checkLambdaQuota } from './lib/lambda-quota';
import { alarmTopicClients, alarmTopicProblems } from './lib/alarm-topic';
import { lockedProviders, planState, writeManifest } from './lib/plan-bundle';
import { renderFailedSummary, renderSummary } from './lib/plan-summary';
import { PlanFiles, StackPlan, changesSomething, planStack } from './lib/terraform-plan';
import { interruptTerraform } from './lib/terraform-run';
import { PROJECT_ROOT } from './lib/project-root';

/**
 * Whether the AWS SDK's default credential chain finds credentials here: variables, SSO,
 * profiles, web identity, container or instance roles. Nothing is sent to AWS but the
 * chain's own lookups (the instance metadata service, where there is one).
 */
export async function awsCredentialsAvailable(): Promise<boolean> {
  try {
    const credentials = await fromNodeProviderChain({ timeout: 1000, maxRetries: 0 })();
    return Boolean(credentials.accessKeyId);
  } catch {
    return false;
  }
}

/**
 * Stacks `npm run plan` knows, in the order `cdktf deploy` applies them (account-settings, which
 * exists only where the environment creates it, before the tiers that use it).
 */
export const STACKS = [ACCOUNT_SETTINGS_STACK, ...TIERS];

/** `stacks` empty means every stack the environment has. */
export function parsePlanArgs(args: string[]): { stacks: string[]; offline: boolean; drift: boolean } {
  const usage = `use ${STACKS.join(', ')}, --offline and/or --drift`;
  let parsed;
  try {
    parsed = parseArgs({ args, options: { offline: { type: 'boolean' }, drift: { type: 'boolean' } }, strict: true, allowPositionals: true });
  } catch (error) {
    throw new Error(`${(error as Error).message}; ${usage}`);
  }
  for (const stack of parsed.positionals) {
    if (!STACKS.includes(stack)) throw new Error(`${JSON.stringify(stack)} is not a stack or option; ${usage}`);
  }
  return { stacks: parsed.positionals, offline: parsed.values.offline ?? false, drift: parsed.values.drift ?? false };
}

/**
 * `terraform plan -detailed-exitcode`'s answer for a set of plans: 2 when any changes something,
 * in AWS or in the state alone (an import, a forget, a move).
 */
export function planExitCode(plans: readonly StackPlan[]): 0 | 2 {
  return plans.some(({ counts }) => changesSomething(counts)) ? 2 : 0;
}

export interface PlanEnvironmentOptions {
  readonly projectRoot: string;
  readonly environment: string;
  /** Stack names; empty: every stack the environment has. */
  readonly stacks: readonly string[];
  readonly offline: boolean;
  /** Refresh-only: what differs between AWS and the state. */
  readonly drift?: boolean;
  readonly progress?: (line: string) => void;
  /**
   * How the function's zip is made (FUNCTION_PACKAGING).
   * @default 'archive-provider'
   */
  readonly packaging?: FunctionPackaging;
  /**
   * Whose credentials Terraform acts with (DEPLOY_CREDENTIALS).
   * @default 'deploy-role'
   */
  readonly credentials?: DeployCredentials;
  /**
   * The local AWS planned against (a loopback AWS_ENDPOINT_URL): the tiers' URL outputs are its URLs.
   * @default AWS
   */
  readonly localAwsEndpoint?: string;
  /**
   * Runs after synth, before any stack is planned; a problem it returns fails the plan as a
   * stack's error would (npm run plan: the account's Lambda quota, online).
   */
  readonly preflight?: (environment: EnvironmentConfig) => Promise<string | undefined>;
  /** Runs on each synthesized stack folder before it is planned (the tests' local zip). */
  readonly prepareStack?: (stackDir: string) => Promise<unknown>;
}

export interface PlanEnvironmentResult {
  readonly planDir: string;
  /** Each stack's plan, with its files in `planDir`; none when any stack failed (nothing is kept). */
  readonly plans: readonly (StackPlan & { readonly files: PlanFiles })[];
  /** Each failing stack and why; empty when every stack planned. */
  readonly failures: readonly { stack: string; message: string }[];
  readonly exitCode: 0 | 1 | 2;
}

/**
 * Plans the stacks into a fresh folder beside plans/<environment>/ and moves it into place
 * only when every stack planned; otherwise leaves plans/<environment>/summary.md saying FAILED.
 * Waits for every stack, so all failures are named and no terraform is left running.
 */
export async function planEnvironment(options: PlanEnvironmentOptions): Promise<PlanEnvironmentResult> {
  const progress = options.progress ?? (() => undefined);
  const plansRoot = path.join(options.projectRoot, 'plans');
  const planDir = path.join(plansRoot, options.environment);
  fs.mkdirSync(plansRoot, { recursive: true });
  const fresh = fs.mkdtempSync(path.join(plansRoot, `.${options.environment}-`));
  const fail = (failures: { stack: string; message: string }[], plans: StackPlan[] = []) => {
    fs.rmSync(fresh, { recursive: true, force: true });
    fs.rmSync(planDir, { recursive: true, force: true });
    fs.mkdirSync(planDir, { recursive: true });
    fs.writeFileSync(path.join(planDir, 'summary.md'), renderFailedSummary({ environment: options.environment, offline: options.offline, failures, plans }));
    // Nothing planned is kept, so no plan is returned either.
    return { planDir, plans: [], failures, exitCode: 1 as const };
  };

  let stackDirs: Readonly<Record<string, string>>;
  let environment: EnvironmentConfig;
  try {
    progress(`Synthesizing ${options.environment}`);
    ({ stackDirs, environment } = synthesizeGreetingApp({
      environmentName: options.environment,
      projectRoot: options.projectRoot,
      outdir: path.join(options.projectRoot, 'cdktf.out'),
      offlinePlan: options.offline,
      packaging: options.packaging,
      credentials: options.credentials,
      localAwsEndpoint: options.localAwsEndpoint,
    }));
  } catch (error) {
    return fail([{ stack: '(synth)', message: (error as Error).message }]);
  }
  try {
    const problem = await options.preflight?.(environment);
    if (problem) return fail([{ stack: '(account)', message: problem }]);
  } catch (error) {
    return fail([{ stack: '(account)', message: `could not check the account: ${(error as Error).message}` }]);
  }
  // The account's bootstrap stack is an administrator's (cdktf deploy bootstrap), never planned here.
  const stacks = (options.stacks.length ? [...new Set(options.stacks)] : Object.keys(stackDirs).filter((stack) => STACKS.includes(stack))).sort((a, b) => STACKS.indexOf(a) - STACKS.indexOf(b));
  const missing = stacks.filter((stack) => !stackDirs[stack]);
  if (missing.length) {
    return fail(missing.map((stack) => ({ stack, message: `${options.environment} has no stack ${stack}; its stacks are ${Object.keys(stackDirs).join(', ')}` })));
  }

  // The stacks share nothing, so they plan side by side; every one is waited for.
  const settled = await Promise.allSettled(
    stacks.map(async (stack) => {
      await options.prepareStack?.(stackDirs[stack]);
      return planStack(stack, stackDirs[stack], fresh, progress, { refreshOnly: options.drift });
    }),
  );
  const plans = settled.flatMap((result) => (result.status === 'fulfilled' ? [result.value] : []));
  const failures = settled.flatMap((result, i) =>
    result.status === 'rejected' ? [{ stack: stacks[i], message: (result.reason as Error).message.replace(new RegExp(`^${stacks[i]}: `), '') }] : [],
  );
  if (failures.length) return fail(failures, plans);

  fs.writeFileSync(path.join(fresh, 'summary.md'), renderSummary({ environment: options.environment, offline: options.offline, plans, drift: options.drift }));
  const providers = Object.assign({}, ...plans.map((plan) => lockedProviders(fs.readFileSync(path.join(plan.files.config, '.terraform.lock.hcl'), 'utf8'))));
  writeManifest(fresh, {
    environment: options.environment,
    source: gitSource(options.projectRoot) ?? null,
    offline: options.offline,
    drift: options.drift ?? false,
    packaging: options.packaging ?? 'archive-provider',
    credentials: options.credentials ?? 'deploy-role',
    terraform: plans[0].terraformVersion,
    providers,
    stacks: plans.map((plan) => ({
      name: plan.stack,
      tfplan: path.basename(plan.files.tfplan),
      config: path.basename(plan.files.config),
      workdir: path.relative(options.projectRoot, stackDirs[plan.stack]).split(path.sep).join('/'),
      state: planState(plan.files.tfplan),
    })),
  });
  fs.rmSync(planDir, { recursive: true, force: true });
  fs.renameSync(fresh, planDir);
  // The files moved with their folder: name them where they are now.
  const moved = plans.map((plan) => ({
    ...plan,
    files: Object.fromEntries(Object.entries(plan.files).map(([kind, file]) => [kind, path.join(planDir, path.relative(fresh, file))])) as unknown as PlanFiles,
  }));
  return { planDir, plans: moved, failures, exitCode: planExitCode(moved) };
}

async function main(): Promise<number> {
  const { stacks, offline: forcedOffline, drift } = parsePlanArgs(process.argv.slice(2));
  const { environmentName: environment, packaging, credentials, localAwsEndpoint } = synthSettingsFrom(process.env);
  const progress = (line: string) => process.stderr.write(`${line}\n`);
  const offline = forcedOffline || !(await awsCredentialsAvailable());
  if (offline && drift) throw new Error('--drift compares AWS with the state, so it needs AWS credentials; drop --offline or set credentials');
  if (offline) progress('No AWS credentials found by the AWS SDK chain (or --offline): planning offline with dummy keys and no account checks.');

  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.once(signal, () => {
      progress(`plan: ${signal}: stopping terraform`);
      void interruptTerraform().then(() => process.exit(130));
    });
  }
  // An apply of this plan would fail at the function if the account's quota cannot hold its reservations.
  // And its alarms would page no one if CloudWatch may not publish to their topic.
  const preflight =
    offline || drift
      ? undefined
      : async (env: EnvironmentConfig) => {
          const problems = [await checkLambdaQuota(env, undefined, credentials), ...(await alarmTopicProblems(env, alarmTopicClients(env, credentials)))].filter(Boolean);
          return problems.length ? problems.join('\n') : undefined;
        };
  const result = await planEnvironment({ projectRoot: PROJECT_ROOT, environment, stacks, offline, drift, progress, packaging, credentials, localAwsEndpoint, preflight });
  const summary = path.relative(process.cwd(), path.join(result.planDir, 'summary.md'));
  if (result.failures.length) {
    for (const { stack, message } of result.failures) console.error(`plan failed for stack ${stack}: ${message}`);
    console.error(`Wrote ${summary} (FAILED)`);
  } else {
    progress(`Wrote ${summary}`);
  }
  return result.exitCode;
}

if (require.main === module) {
  main().then(
    (code) => process.exit(code),
    (error: Error) => {
      // Stack failures are reported above; what reaches here is a bad argument or option.
      console.error(`plan: ${error.message}`);
      process.exit(1);
    },
  );
}
