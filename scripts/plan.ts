/**
 * `npm run plan -- [account-settings] [standard] [premium] [--offline]`
 *
 * Synthesizes the environment chosen by ENVIRONMENT (default dev) once, then runs
 * `terraform init` and `terraform plan` for each stack (default: all the environment has) and writes under
 * plans/<environment>/: <stack>.tfplan, <stack>.txt, <stack>.json and summary.md.
 * With no AWS credentials set (or with --offline) it plans with dummy keys and no account
 * checks, and the summary says so.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { parseArgs } from 'util';
import { TIERS } from '../src/config/environment-config';
import { DEFAULT_ENVIRONMENT, ENVIRONMENT_VARIABLE } from '../src/config/load-environment';
import { synthesizeGreetingApp } from '../src/greeting-app';
import { ACCOUNT_SETTINGS_STACK } from '../src/stacks/account-settings-stack';
import { renderSummary } from './lib/plan-summary';
import { PlanError, StackPlan, planStack } from './lib/terraform-plan';

const PROJECT_ROOT = path.resolve(__dirname, '..');

/** Whether the AWS SDK chain would find credentials: variables, a profile, or shared files. */
export function hasAwsCredentials(env: NodeJS.ProcessEnv = process.env, home = os.homedir()): boolean {
  if (env.AWS_ACCESS_KEY_ID || env.AWS_PROFILE || env.AWS_WEB_IDENTITY_TOKEN_FILE) return true;
  if (env.AWS_CONTAINER_CREDENTIALS_RELATIVE_URI || env.AWS_CONTAINER_CREDENTIALS_FULL_URI) return true;
  const files = [env.AWS_SHARED_CREDENTIALS_FILE ?? path.join(home, '.aws', 'credentials'), env.AWS_CONFIG_FILE ?? path.join(home, '.aws', 'config')];
  return files.some((file) => fs.existsSync(file));
}

/** Stacks `npm run plan` knows; account-settings exists only where the environment creates it. */
const STACKS = [ACCOUNT_SETTINGS_STACK, ...TIERS];

/** `stacks` empty means every stack the environment has. */
export function parsePlanArgs(args: string[]): { stacks: string[]; offline: boolean } {
  const usage = `use ${STACKS.join(', ')} and/or --offline`;
  let parsed;
  try {
    parsed = parseArgs({ args, options: { offline: { type: 'boolean' } }, strict: true, allowPositionals: true });
  } catch (error) {
    throw new Error(`${(error as Error).message}; ${usage}`);
  }
  for (const stack of parsed.positionals) {
    if (!STACKS.includes(stack)) throw new Error(`${JSON.stringify(stack)} is not a stack or option; ${usage}`);
  }
  return { stacks: parsed.positionals, offline: parsed.values.offline ?? false };
}

async function main(): Promise<void> {
  const { stacks: named, offline: forcedOffline } = parsePlanArgs(process.argv.slice(2));
  const environmentName = process.env[ENVIRONMENT_VARIABLE] || DEFAULT_ENVIRONMENT;
  const offline = forcedOffline || !hasAwsCredentials();
  const progress = (line: string) => process.stderr.write(`${line}\n`);
  if (offline) progress('No AWS credentials set: planning offline with dummy keys and no account checks.');

  progress(`Synthesizing ${environmentName}`);
  const { stackDirs } = synthesizeGreetingApp({
    environmentName,
    projectRoot: PROJECT_ROOT,
    outdir: path.join(PROJECT_ROOT, 'cdktf.out'),
    offlinePlan: offline,
  });
  const stacks = named.length ? named : Object.keys(stackDirs);
  const missing = stacks.filter((stack) => !stackDirs[stack]);
  if (missing.length) throw new Error(`${environmentName} has no stack ${missing.join(', ')}; its stacks are ${Object.keys(stackDirs).join(', ')}`);
  const planDir = path.join(PROJECT_ROOT, 'plans', environmentName);
  // The stacks share nothing, so they plan side by side; the summary keeps the stacks' order.
  const plans: StackPlan[] = await Promise.all(stacks.map((stack) => planStack(stack, stackDirs[stack], planDir, progress)));

  const summaryFile = path.join(planDir, 'summary.md');
  fs.writeFileSync(summaryFile, renderSummary({ environment: environmentName, offline, plans }));
  progress(`Wrote ${path.relative(process.cwd(), summaryFile)}`);
}

if (require.main === module) {
  main().catch((error: Error) => {
    const prefix = error instanceof PlanError ? 'plan failed for stack ' : 'plan: ';
    console.error(`${prefix}${error.message}`);
    process.exit(1);
  });
}
