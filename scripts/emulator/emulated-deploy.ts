/**
 * Deploys the app's stacks to the AWS emulator with real terraform and the real AWS provider:
 * the Terraform JSON `cdktf synth` writes, plus one override file per stack that points the
 * provider (and an S3 backend) at the emulator. Terraform merges `*_override.tf.json` into the
 * configuration, so `cdk.tf.json` stays as users get it.
 */
import * as fs from 'fs';
import * as path from 'path';
import { synthesizeGreetingApp } from '../../src/greeting-app';
import { BOOTSTRAP_STACK } from '../../src/stacks/bootstrap-stack';
import { replaceArchiveWithLocalZip } from '../air-gapped/local-archive';
import { TerraformError, TerraformRun, TerraformRunOptions, runTerraform } from '../lib/terraform-run';
import { BucketLocationConstraint, CreateBucketCommand, S3Client } from '@aws-sdk/client-s3';
import { EMULATED_SERVICES, EMULATOR_CREDENTIALS, emulatorClientConfig } from './aws-emulator';

/** The file, beside each stack's `cdk.tf.json`, that points it at the emulator. */
export const EMULATOR_OVERRIDE_FILE = 'emulator_override.tf.json';

export interface EmulatedStack {
  readonly name: string;
  /** The stack's working directory (`<outdir>/stacks/<name>`). */
  readonly dir: string;
  /**
   * The emulator's endpoint, for what terraform runs beside the provider (a gradual release's
   * runner): the AWS SDK's AWS_ENDPOINT_URL and the emulator's keys, as `npm run emulator`'s lines set them.
   */
  readonly endpoint?: string;
}

export interface EmulatedEnvironment {
  readonly environment: string;
  /** The environment's AWS region. */
  readonly region: string;
  /** The role its stacks deploy as, where it has one (`account.deployRoleArn`): they act in its account. */
  readonly deployRoleArn?: string;
  /** The stacks in the order `cdktf deploy` applies them (dependencies first). */
  readonly stacks: readonly EmulatedStack[];
}

export interface EmulatedSynthOptions {
  /**
   * Replace the `archive_file` data source by the same zip built locally, for machines whose
   * provider mirror lacks hashicorp/archive.
   * @default false
   */
  readonly localArchive?: boolean;
}

/**
 * Synthesizes `environment` in `projectRoot` (a throw-away copy: local state lands in its
 * `state/`) and points every stack at the emulator at `endpoint`.
 */
export async function synthesizeForEmulator(
  projectRoot: string,
  environment: string,
  endpoint: string,
  options: EmulatedSynthOptions = {},
): Promise<EmulatedEnvironment> {
  const outdir = path.join(projectRoot, 'cdktf.out');
  const app = synthesizeGreetingApp({ environmentName: environment, projectRoot, outdir });
  // The account's bootstrap stack is an administrator's, deployed on its own (cdktf deploy bootstrap).
  const deployable = Object.keys(app.stackDirs).filter((name) => name !== BOOTSTRAP_STACK);
  const stacks = deployOrder(outdir, deployable)
    .filter((name) => deployable.includes(name))
    .map((name) => ({ name, dir: app.stackDirs[name], endpoint }));
  for (const stack of stacks) {
    if (options.localArchive) await replaceArchiveWithLocalZip(stack.dir);
    writeEmulatorOverride(stack.dir, endpoint);
  }
  const state = app.environment.state;
  const { deployRoleArn } = app.environment.account;
  if (state.type === 's3') await ensureBucket(endpoint, state.bucket, state.region, deployRoleArn);
  return { environment, region: app.environment.region, deployRoleArn, stacks };
}

/** The state bucket, in the emulator's S3 and the environment's account, as a platform team would have created it in AWS. */
async function ensureBucket(endpoint: string, bucket: string, region: string, roleArn: string | undefined): Promise<void> {
  const s3 = new S3Client(emulatorClientConfig(endpoint, region, roleArn));
  try {
    await s3.send(new CreateBucketCommand({ Bucket: bucket, CreateBucketConfiguration: { LocationConstraint: region as BucketLocationConstraint } }));
  } catch (error) {
    // Ours already, or another account's: the backend's allowed_account_ids then refuses it, as on AWS.
    if (!['BucketAlreadyOwnedByYou', 'BucketAlreadyExists'].includes((error as Error).name)) throw error;
  }
}

/**
 * Stack names from cdktf's manifest, each after the stacks it depends on, as `cdktf deploy`
 * runs them; stacks that do not depend on each other keep the order of `preferred` (the app's
 * own: account-settings, then standard, then premium), the rest follow.
 */
export function deployOrder(outdir: string, preferred: readonly string[] = []): string[] {
  const manifest = JSON.parse(fs.readFileSync(path.join(outdir, 'manifest.json'), 'utf8'));
  const dependencies: Record<string, string[]> = Object.fromEntries(
    Object.entries<any>(manifest.stacks).map(([name, stack]) => [name, stack.dependencies ?? []]),
  );
  const order: string[] = [];
  const visit = (name: string, path: string[]) => {
    if (order.includes(name)) return;
    if (path.includes(name)) throw new Error(`stacks depend on each other in a cycle: ${[...path, name].join(' → ')}`);
    for (const dependency of dependencies[name]) visit(dependency, [...path, name]);
    order.push(name);
  };
  const known = Object.keys(dependencies);
  for (const name of [...preferred.filter((name) => known.includes(name)), ...known]) visit(name, []);
  return order;
}

/** AWS provider arguments that send every call to the emulator at `endpoint`. */
export function emulatorProviderSettings(endpoint: string) {
  return {
    access_key: EMULATOR_CREDENTIALS.accessKeyId,
    secret_key: EMULATOR_CREDENTIALS.secretAccessKey,
    skip_metadata_api_check: 'true',
    s3_use_path_style: true,
    endpoints: [Object.fromEntries(EMULATED_SERVICES.map((service) => [service, endpoint]))],
  };
}

/** Writes the override that sends the stack's AWS calls, and its S3 state if any, to `endpoint`. */
export function writeEmulatorOverride(stackDir: string, endpoint: string): void {
  const synthesized = JSON.parse(fs.readFileSync(path.join(stackDir, 'cdk.tf.json'), 'utf8'));
  const override: any = { provider: { aws: [emulatorProviderSettings(endpoint)] } };
  const s3 = synthesized.terraform?.backend?.s3;
  if (s3) {
    // An override's backend block replaces the original whole, so it repeats every setting.
    override.terraform = {
      backend: {
        s3: {
          ...s3,
          access_key: EMULATOR_CREDENTIALS.accessKeyId,
          secret_key: EMULATOR_CREDENTIALS.secretAccessKey,
          // STS answers too, so the backend checks the account (allowed_account_ids) as on AWS.
          endpoints: { s3: endpoint, sts: endpoint, iam: endpoint },
          use_path_style: true,
        },
      },
    };
  }
  fs.writeFileSync(path.join(stackDir, EMULATOR_OVERRIDE_FILE), `${JSON.stringify(override, null, 2)}\n`);
}

async function terraformIn(stack: EmulatedStack, args: string[], options?: TerraformRunOptions): Promise<TerraformRun> {
  const sdk = stack.endpoint
    ? { AWS_ENDPOINT_URL: stack.endpoint, AWS_ACCESS_KEY_ID: EMULATOR_CREDENTIALS.accessKeyId, AWS_SECRET_ACCESS_KEY: EMULATOR_CREDENTIALS.secretAccessKey }
    : {};
  const run = await runTerraform(stack.dir, args, { ...options, env: { ...sdk, ...options?.env } });
  if (run.error) throw new TerraformError(stack.name, args[0], run);
  return run;
}

/** `terraform init` once per working directory; again only when the backend changed. */
export async function initStack(stack: EmulatedStack): Promise<void> {
  const init = await terraformIn(stack, ['init', '-input=false', '-no-color', '-reconfigure']);
  if (init.status !== 0) throw new TerraformError(stack.name, 'init', init);
}

/** `terraform apply` of one stack; throws a {@link TerraformError} naming what AWS refused. */
export async function applyStack(stack: EmulatedStack, options?: TerraformRunOptions): Promise<TerraformRun> {
  const run = await terraformIn(stack, ['apply', '-auto-approve', '-input=false', '-no-color'], options);
  if (run.status !== 0) throw new TerraformError(stack.name, 'apply', run);
  return run;
}

/**
 * `terraform destroy` of one stack, from its state as it stands: `-refresh=false` skips the
 * read of every resource before the destroy plan (measured: about a fifth of the command's
 * CPU). The deletes go by ID, and the AWS provider takes a resource already gone as deleted.
 */
export async function destroyStack(stack: EmulatedStack, options?: TerraformRunOptions): Promise<TerraformRun> {
  const run = await terraformIn(stack, ['destroy', '-auto-approve', '-input=false', '-no-color', '-refresh=false'], options);
  if (run.status !== 0) throw new TerraformError(stack.name, 'destroy', run);
  return run;
}

export interface StackReplan {
  readonly stack: string;
  /** True when terraform found nothing to change (`-detailed-exitcode` 0). */
  readonly clean: boolean;
  /** Every resource the plan would touch, with terraform's actions. */
  readonly changes: readonly { readonly address: string; readonly type: string; readonly actions: readonly string[]; readonly before: any; readonly after: any }[];
}

/** `terraform plan -detailed-exitcode`, refreshing from the emulator, and what it would change. */
export async function planStackAgainstEmulator(stack: EmulatedStack): Promise<StackReplan> {
  const planFile = path.join(stack.dir, 'emulator.tfplan');
  const plan = await terraformIn(stack, ['plan', '-detailed-exitcode', '-input=false', '-no-color', `-out=${planFile}`]);
  if (plan.status !== 0 && plan.status !== 2) throw new TerraformError(stack.name, 'plan', plan);
  try {
    // A clean plan changes nothing: no need to start the provider again to read it.
    if (plan.status === 0) return { stack: stack.name, clean: true, changes: [] };
    const show = await terraformIn(stack, ['show', '-json', planFile]);
    if (show.status !== 0) throw new TerraformError(stack.name, 'show', show);
    const changes = (JSON.parse(show.stdout).resource_changes ?? [])
      .filter((change: any) => !change.change.actions.every((action: string) => action === 'no-op' || action === 'read'))
      .map((change: any) => ({ address: change.address, type: change.type, actions: change.change.actions, before: change.change.before, after: change.change.after }));
    return { stack: stack.name, clean: false, changes };
  } finally {
    fs.rmSync(planFile, { force: true });
  }
}

/** Seconds each step of a stack took. */
export interface StackTiming {
  readonly stack: string;
  readonly seconds: number;
}

async function timed<T>(work: () => Promise<T>): Promise<[T, number]> {
  const started = process.hrtime.bigint();
  const result = await work();
  return [result, Number(process.hrtime.bigint() - started) / 1e9];
}

/** Inits and applies every stack, dependencies first; stops at the first that fails. */
export async function deployEnvironment(env: EmulatedEnvironment, progress: (line: string) => void = () => undefined): Promise<StackTiming[]> {
  const timings: StackTiming[] = [];
  for (const stack of env.stacks) {
    progress(`${env.environment}/${stack.name}: init and apply`);
    const [, seconds] = await timed(async () => {
      await initStack(stack);
      await applyStack(stack);
    });
    timings.push({ stack: stack.name, seconds });
  }
  return timings;
}

/** Plans every stack again; all of them side by side, as they share nothing. */
export async function replanEnvironment(env: EmulatedEnvironment): Promise<(StackReplan & { seconds: number })[]> {
  return Promise.all(
    env.stacks.map(async (stack) => {
      const [replan, seconds] = await timed(() => planStackAgainstEmulator(stack));
      return { ...replan, seconds };
    }),
  );
}

/** Destroys every stack in the reverse of the deploy order. */
export async function destroyEnvironment(env: EmulatedEnvironment, progress: (line: string) => void = () => undefined): Promise<StackTiming[]> {
  const timings: StackTiming[] = [];
  for (const stack of [...env.stacks].reverse()) {
    progress(`${env.environment}/${stack.name}: destroy`);
    const [, seconds] = await timed(() => destroyStack(stack));
    timings.push({ stack: stack.name, seconds });
  }
  return timings;
}
