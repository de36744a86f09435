/**
 * The review loop against the local AWS, with the commands as typed: `npm run plan` in one git
 * clone, the bundle copied to a clone at another path, `npm run apply -- plans/staging` there,
 * `npm run plan` again (no changes). Staging, because its state is in S3 (the emulator's): a
 * bundle applied from another checkout needs a state both can reach. Every refusal is checked to
 * change nothing in the emulator (its inventory, the functions' settings, the state objects).
 */
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { GetFunctionConfigurationCommand, LambdaClient, ListFunctionsCommand, UpdateFunctionConfigurationCommand } from '@aws-sdk/client-lambda';
import { BucketLocationConstraint, CreateBucketCommand, ListObjectsV2Command, S3Client } from '@aws-sdk/client-s3';
import { AwsEmulator, emulatorClientConfig, emulatorInventory, emulatorUnavailableReason, startAwsEmulator } from '../../scripts/emulator/aws-emulator';
import { emulatorExports } from '../../scripts/emulator/shell-exports';
import { S3StateConfig } from '../../src/config/environment-config';
import { loadEnvironment } from '../../src/config/load-environment';
import { PROJECT_ROOT, checkout, exportedEnvironment, makeTempDir, runAsTyped, terraformSkipReason, underLoad } from '../helpers';

const skipReason = terraformSkipReason() ?? emulatorUnavailableReason();
const describeEmulated = skipReason ? describe.skip : describe;
if (skipReason) console.warn(`Skipping the review loop tests: ${skipReason}.`);

const REGION = 'eu-central-1';
/** staging as loaded: the file holds only what differs from the defaults. */
const STAGING = loadEnvironment('staging', path.join(PROJECT_ROOT, 'environments'));
const STAGING_STATE = STAGING.state as S3StateConfig;

function git(cwd: string, ...args: string[]): string {
  const run = spawnSync('git', ['-c', 'user.name=Reviewer', '-c', 'user.email=reviewer@example.com', ...args], { cwd, encoding: 'utf8' });
  if (run.status !== 0) throw new Error(`git ${args.join(' ')} failed: ${run.stderr}`);
  return run.stdout.trim();
}

describeEmulated('reviewing and shipping a change: plan bundles applied from another clone', () => {
  let emulator: AwsEmulator;
  let planner: string;
  let shipper: string;
  let env: NodeJS.ProcessEnv;
  let lambda: LambdaClient;
  let s3: S3Client;

  const run = (cwd: string, args: string[], extra: NodeJS.ProcessEnv = {}) => runAsTyped('npm', ['run', '--silent', ...args], { cwd, env: { ...env, ...extra } });
  const plan = (cwd: string, ...args: string[]) => run(cwd, ['plan', '--', ...args]);
  const apply = (cwd: string, bundle: string) => run(cwd, ['apply', '--', bundle]);

  /** The planner's plans/staging, copied to a new folder (as a CI artifact would be). */
  const planned = async (cwd = planner, ...stacks: string[]): Promise<string> => {
    const result = await plan(cwd, ...stacks);
    if (result.code !== 0 && result.code !== 2) throw new Error(`npm run plan failed:\n${result.output.slice(-3000)}`);
    const copy = path.join(makeTempDir('bundle-'), 'staging');
    fs.cpSync(path.join(cwd, 'plans', 'staging'), copy, { recursive: true });
    return copy;
  };

  /** Everything a refused apply must leave as it was: what exists, the functions' settings, the state objects. */
  const snapshot = async (): Promise<string[]> => {
    const lines = await emulatorInventory(emulator.endpoint, [REGION], STAGING.account.deployRoleArn);
    for (const fn of (await lambda.send(new ListFunctionsCommand({}))).Functions ?? []) {
      const config = await lambda.send(new GetFunctionConfigurationCommand({ FunctionName: fn.FunctionName }));
      lines.push(`config ${fn.FunctionName} ${config.MemorySize} ${JSON.stringify(config.Environment?.Variables)} ${config.CodeSha256}`);
    }
    for (const object of (await s3.send(new ListObjectsV2Command({ Bucket: STAGING_STATE.bucket }))).Contents ?? []) lines.push(`state ${object.Key} ${object.ETag}`);
    return lines.sort();
  };

  /** A commit in `cwd` with staging's greeting set to `greeting`. */
  const commitGreeting = (cwd: string, greeting: string) => {
    const file = path.join(cwd, 'environments', 'staging.json');
    fs.writeFileSync(file, `${JSON.stringify({ ...JSON.parse(fs.readFileSync(file, 'utf8')), greeting }, null, 2)}\n`);
    git(cwd, 'commit', '-qam', `staging says ${greeting}`);
  };

  const copyInto = (bundle: string, cwd: string) => {
    const target = path.join(cwd, 'plans', 'staging');
    fs.rmSync(target, { recursive: true, force: true });
    fs.cpSync(bundle, target, { recursive: true });
    return 'plans/staging';
  };

  /**
   * A bundle of the planner's HEAD, planned once and shared by the cases that only need it refused
   * (none applies it); each gets a copy of its own to alter. One stack with a function zip is
   * enough for what they check (`npm run plan -- standard`).
   */
  let atHead: Promise<string> | undefined;
  const bundleAtHead = async (): Promise<string> => {
    const copy = path.join(makeTempDir('bundle-'), 'staging');
    fs.cpSync(await (atHead ??= planned(planner, 'standard')), copy, { recursive: true });
    return copy;
  };

  const expectRefused = async (bundle: string, reason: RegExp) => {
    const before = await snapshot();
    const result = await apply(shipper, copyInto(bundle, shipper));
    expect(result.code).toBe(1);
    expect(result.output).toContain('refused, nothing applied');
    expect(result.output).toMatch(reason);
    expect(await snapshot()).toEqual(before);
  };

  beforeAll(async () => {
    // A new account's smaller Lambda quota (AWS's default is 1000), which the schema cannot know.
    emulator = await startAwsEmulator(undefined, undefined, { EMULATOR_LAMBDA_CONCURRENT_EXECUTIONS: '300' });
    // Two git clones at different paths: one plans (a pull request's job), one applies (main's).
    planner = checkout();
    fs.copyFileSync(path.join(PROJECT_ROOT, '.gitignore'), path.join(planner, '.gitignore'));
    git(planner, 'init', '-q');
    git(planner, 'add', '-A');
    git(planner, 'commit', '-qm', 'the reviewed change');
    shipper = path.join(makeTempDir('shipping-'), 'clone');
    git(path.dirname(shipper), 'clone', '-q', planner, shipper);
    fs.symlinkSync(path.join(PROJECT_ROOT, 'node_modules'), path.join(shipper, 'node_modules'));
    // TF_CLI_CONFIG_FILE names the planner's mirror settings, which the shipper shares.
    env = { ...exportedEnvironment(emulatorExports(emulator.endpoint, REGION, planner)), ENVIRONMENT: 'staging', FORCE_COLOR: '0' };
    // Staging's own account, as its deploy role acts in it.
    lambda = new LambdaClient(emulatorClientConfig(emulator.endpoint, REGION, STAGING.account.deployRoleArn));
    s3 = new S3Client(emulatorClientConfig(emulator.endpoint, REGION, STAGING.account.deployRoleArn));
    await s3.send(new CreateBucketCommand({ Bucket: STAGING_STATE.bucket, CreateBucketConfiguration: { LocationConstraint: STAGING_STATE.region as BucketLocationConstraint } }));
    // A new account: its API Gateway role first (README, "A new account"), as a bundle of its own.
    const settingsPlan = await plan(planner, 'account-settings');
    if (settingsPlan.code !== 2) throw new Error(`planning staging's account-settings failed:\n${settingsPlan.output.slice(-3000)}`);
    const applied = await apply(planner, 'plans/staging');
    if (applied.code !== 0) throw new Error(`applying staging's account-settings failed:\n${applied.output.slice(-3000)}`);
  }, underLoad(240_000));

  afterAll(async () => {
    await emulator?.stop();
  });

  it('applies a bundle planned in another clone exactly, smoke-checks it, and then plans no changes', async () => {
    git(shipper, 'fetch', '-q', 'origin');
    git(shipper, 'reset', '-q', '--hard', 'origin/HEAD');
    const bundle = await planned();
    const manifest = JSON.parse(fs.readFileSync(path.join(bundle, 'manifest.json'), 'utf8'));
    expect(manifest).toMatchObject({ environment: 'staging', source: { commit: git(planner, 'rev-parse', 'HEAD'), dirty: false }, offline: false });
    // Staging sets its account's API Gateway role itself (it shares its account with no other environment).
    expect(manifest.stacks.map((stack: any) => stack.name)).toEqual(['account-settings', 'standard', 'premium']);

    const applied = await apply(shipper, copyInto(bundle, shipper));
    expect(applied.output).toContain('Applied account-settings, standard, premium from plans/staging.');
    expect(applied.output).toContain('Smoke checks: all 8 passed.');
    expect(applied.code).toBe(0);

    const again = await plan(shipper);
    expect(again.output).toContain('standard: 0 to add, 0 to change, 0 to replace, 0 to destroy');
    expect(again.code).toBe(0);
  }, underLoad(300_000));

  it('fails to apply a bundle planned from another commit than HEAD, and changes nothing', async () => {
    const bundle = await bundleAtHead();
    git(shipper, 'fetch', '-q', 'origin');
    git(shipper, 'reset', '-q', '--hard', 'origin/HEAD');
    commitGreeting(shipper, 'Servus');
    await expectRefused(bundle, new RegExp(`planned from commit ${git(planner, 'rev-parse', 'HEAD')} .*but HEAD is ${git(shipper, 'rev-parse', 'HEAD')}.*the code differs`));
  }, underLoad(240_000));

  it('fails to apply a bundle whose function zip was altered after the plan, and changes nothing', async () => {
    const bundle = await bundleAtHead();
    git(shipper, 'fetch', '-q', 'origin');
    git(shipper, 'reset', '-q', '--hard', 'origin/HEAD');
    const zip = Object.keys(JSON.parse(fs.readFileSync(path.join(bundle, 'manifest.json'), 'utf8')).files).find((file) => file.startsWith('standard/') && file.endsWith('.zip'))!;
    fs.appendFileSync(path.join(bundle, zip), 'tampered');
    await expectRefused(bundle, new RegExp(`${zip.replace(/[.]/g, '\\.')} was changed after the plan`));
  }, underLoad(240_000));

  it('fails to apply a bundle planned before another apply moved the state, and changes nothing', async () => {
    git(shipper, 'fetch', '-q', 'origin');
    git(shipper, 'reset', '-q', '--hard', 'origin/HEAD');
    commitGreeting(shipper, 'Bonjour');
    // The state check is per stack: one stack's two bundles show it (`npm run plan -- standard`).
    const older = await planned(shipper, 'standard');
    const newer = await planned(shipper, 'standard');
    const applied = await apply(shipper, copyInto(newer, shipper));
    expect(applied.code).toBe(0);
    // Against no state where this case runs alone (the tiers never applied before it).
    await expectRefused(older, /stack standard: its state moved since the plan \(planned against (?:no state|lineage \S+ serial \d+), now lineage \S+ serial \d+\)/);
  }, underLoad(300_000));

  it("fails an online plan whose reservations the account's real Lambda quota cannot hold, naming both, and leaves no plan", async () => {
    const cwd = path.join(makeTempDir('quota-'), 'clone');
    git(path.dirname(cwd), 'clone', '-q', planner, cwd);
    fs.symlinkSync(path.join(PROJECT_ROOT, 'node_modules'), path.join(cwd, 'node_modules'));
    const file = path.join(cwd, 'environments', 'staging.json');
    const config = JSON.parse(fs.readFileSync(file, 'utf8'));
    config.tiers = { standard: { reservedConcurrency: 100 }, premium: { reservedConcurrency: 400 } };
    fs.writeFileSync(file, `${JSON.stringify(config, null, 2)}\n`);
    git(cwd, 'commit', '-qam', 'staging reserves 500');
    const result = await plan(cwd);
    expect(result.output).toContain(
      `staging reserves 500 concurrent executions (standard 100, premium 400), but account ${STAGING.account.id} in eu-central-1 leaves 200 for them: its Lambda quota is 300`,
    );
    expect(result.code).toBe(1);
    expect(fs.readdirSync(path.join(cwd, 'plans', 'staging'))).toEqual(['summary.md']);
  }, underLoad(120_000));

  it('reports drift made through the AWS API with --drift, naming the function and only it, and exits 0 once it is undone', async () => {
    const functionName = `${STAGING.namePrefix}-staging-premium`;
    // Whatever greeting the state has (refresh-only compares AWS with the state, not the code):
    // only where the tiers were never applied (this case alone) are they shipped first.
    const deployed = await lambda.send(new GetFunctionConfigurationCommand({ FunctionName: functionName })).then(
      () => true,
      () => false,
    );
    if (!deployed) {
      expect((await plan(planner)).code).toBe(2);
      expect((await apply(planner, 'plans/staging')).code).toBe(0);
    }
    await lambda.send(new UpdateFunctionConfigurationCommand({ FunctionName: functionName, MemorySize: 1024 }));
    const drift = await plan(planner, '--drift');
    expect(drift.code).toBe(2);
    const summary = fs.readFileSync(path.join(planner, 'plans', 'staging', 'summary.md'), 'utf8');
    expect(summary).toMatch(/^# Drift: staging/);
    expect(summary).toContain('| account-settings | 0 | 0 | 0 | 0 | 0 |\n| standard | 0 | 0 | 0 | 0 | 0 |\n| premium | 0 | 1 | 0 | 0 | 0 |');
    expect(summary).toMatch(/\| `aws_lambda_function\.[^`]+` \| update \| memory: 512 MB → 1024 MB \|/);
    // A drift bundle reports; it is never applied.
    const refused = await apply(planner, 'plans/staging');
    expect(refused.code).toBe(1);
    expect(refused.output).toContain('a --drift (refresh-only) plan');
    // Put back as Terraform has it: the scheduled check then closes its issue (exit 0).
    await lambda.send(new UpdateFunctionConfigurationCommand({ FunctionName: functionName, MemorySize: 512 }));
    const steady = await plan(planner, '--drift', 'premium');
    expect([steady.code, steady.output]).toEqual([0, expect.stringContaining('premium: 0 to add, 0 to change, 0 to replace, 0 to destroy')]);
  }, underLoad(240_000));
});
