/**
 * Applies the stacks of dev and prod to a local AWS emulator (moto, patched where it answers
 * differently from AWS: scripts/emulator/moto_server.py) with real terraform and the real AWS
 * provider from the mirror, then proves what a plan alone cannot: every stack re-plans to
 * "no changes", changes move only what they should, an interrupted deploy converges, a failed
 * one names what AWS refused, destroy leaves nothing behind (but the logs prod keeps), and S3
 * state locks.
 *
 * As in the offline plan test, only the `archive_file` data source stands in (the mirror has
 * no hashicorp/archive): the same zip is built locally.
 */
import * as fs from 'fs';
import * as path from 'path';
import { CloudWatchLogsClient, DeleteLogGroupCommand, DescribeLogGroupsCommand } from '@aws-sdk/client-cloudwatch-logs';
import { CreateRoleCommand, DeleteRoleCommand, IAMClient } from '@aws-sdk/client-iam';
import { CloudWatchClient, SetAlarmStateCommand } from '@aws-sdk/client-cloudwatch';
import { CodeDeployClient, CreateDeploymentCommand, StopDeploymentCommand } from '@aws-sdk/client-codedeploy';
import { GetAliasCommand, LambdaClient, UpdateFunctionConfigurationCommand } from '@aws-sdk/client-lambda';
import { GetObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { AwsEmulator, emulatorClientConfig, emulatorInventory, emulatorUnavailableReason, startAwsEmulator } from '../../scripts/emulator/aws-emulator';
import {
  EmulatedEnvironment,
  EmulatedStack,
  applyStack,
  deployEnvironment,
  destroyEnvironment,
  destroyStack,
  initStack,
  planStackAgainstEmulator,
  replanEnvironment,
  synthesizeForEmulator,
  writeEmulatorOverride,
} from '../../scripts/emulator/emulated-deploy';
import { replaceArchiveWithLocalZip } from '../../scripts/air-gapped/local-archive';
import { planEnvironment } from '../../scripts/plan';
import { findProviderMirror, writeMirrorCliConfig } from '../../scripts/air-gapped/provider-mirror';
import { interruptTerraform, runTerraform, signalGroup } from '../../scripts/lib/terraform-run';
import { lambdaAppSpec } from '../../src/release/release-runner';
import { checkout, makeTempDir, terraformSkipReason, underLoad } from '../helpers';

const mirror = findProviderMirror();
const skipReason = terraformSkipReason() ?? emulatorUnavailableReason();
const describeEmulated = skipReason ? describe.skip : describe;
if (skipReason) console.warn(`Skipping the emulated deploy tests: ${skipReason}.`);

const ENVIRONMENTS = ['dev', 'prod'] as const;

/** Rewrites one environment file of a checkout. */
function editEnvironment(dir: string, environment: string, edit: (config: any) => any): void {
  const file = path.join(dir, 'environments', `${environment}.json`);
  fs.writeFileSync(file, JSON.stringify(edit(JSON.parse(fs.readFileSync(file, 'utf8'))), null, 2));
}

/** One stack of a synthesized environment, by name. */
function stackOf(env: EmulatedEnvironment, name: string) {
  const stack = env.stacks.find((candidate) => candidate.name === name);
  if (!stack) throw new Error(`${env.environment} has no stack ${name}`);
  return stack;
}

/** Resource addresses a plan would touch, with terraform's actions: `update aws_lambda_function`. */
function planned(changes: readonly { type: string; actions: readonly string[] }[]): string[] {
  return changes.map((change) => `${change.actions.join('+')} ${change.type}`).sort();
}

describeEmulated('deploy to the AWS emulator: apply, re-plan clean, change, interrupt, destroy, lock', () => {
  let emulator: AwsEmulator;
  /** A checkout per environment: each synthesizes into its own cdktf.out, as on a developer's machine. */
  const dirs: Record<string, string> = {};
  const deployed: Record<string, EmulatedEnvironment> = {};
  let inventoryAfterDeploy: string[];
  /** What the emulator holds in dev's and prod's accounts (each environment has its own), in their regions. */
  const inventory = async () =>
    (await Promise.all(ENVIRONMENTS.map((name) => emulatorInventory(emulator.endpoint, [deployed[name].region], deployed[name].deployRoleArn)))).flat().sort();
  /** A client's settings for prod's account and region. */
  const inProd = () => emulatorClientConfig(emulator.endpoint, deployed.prod.region, deployed.prod.deployRoleArn);
  const savedConfig = process.env.TF_CLI_CONFIG_FILE;

  const synth = async (environment: string, projectRoot = dirs[environment]) =>
    synthesizeForEmulator(projectRoot, environment, emulator.endpoint, { localArchive: true });

  beforeAll(async () => {
    const config = writeMirrorCliConfig(mirror as string);
    process.env.TF_CLI_CONFIG_FILE = config;
    // A CodeDeploy minute lasts 3 s here: prod's canary (10% for 5 minutes) takes 15 s.
    emulator = await startAwsEmulator(undefined, 0, { EMULATOR_CODEDEPLOY_MINUTE_SECONDS: '3', EMULATOR_CODEDEPLOY_POLL_SECONDS: '0.2' });
    for (const environment of ENVIRONMENTS) {
      dirs[environment] = checkout();
      deployed[environment] = await synth(environment);
    }
    // Environments share nothing but the emulator, so they deploy side by side.
    await Promise.all(Object.values(deployed).map((env) => deployEnvironment(env)));
    inventoryAfterDeploy = await inventory();
  }, underLoad(300_000));

  afterAll(async () => {
    await interruptTerraform();
    await emulator?.stop();
    if (savedConfig === undefined) delete process.env.TF_CLI_CONFIG_FILE;
    else process.env.TF_CLI_CONFIG_FILE = savedConfig;
  });

  it('deploys every stack of dev and prod, and the emulator holds each stack once', () => {
    for (const environment of ENVIRONMENTS) {
      for (const tier of ['standard', 'premium']) {
        const name = `hello-world-${environment}-${tier}`;
        expect(inventoryAfterDeploy.filter((line) => line.endsWith(` lambda-function ${name}`))).toHaveLength(1);
        expect(inventoryAfterDeploy.filter((line) => line.endsWith(` rest-api ${name}-api`))).toHaveLength(1);
        expect(inventoryAfterDeploy).toContain(`${deployed[environment].region} lambda-alias ${name}:live`);
      }
    }
    expect(deployed.dev.stacks.map((stack) => stack.name)).toEqual(['account-settings', 'standard', 'premium']);
  });

  it("keeps prod in its own account: dev's account holds none of prod's resources", async () => {
    expect(deployed.prod.deployRoleArn).toMatch(/^arn:aws:iam::(\d{12}):/);
    const devAccount = await emulatorInventory(emulator.endpoint, [deployed.dev.region, deployed.prod.region]);
    expect(devAccount.filter((line) => /hello-world-prod-|api-gateway-cloudwatch-eu-west-1/.test(line))).toEqual([]);
    expect(devAccount.filter((line) => / lambda-function hello-world-dev-/.test(line))).toHaveLength(2);
  });

  it('re-plans every stack of dev and prod to no changes after apply', async () => {
    const replans = (await Promise.all(ENVIRONMENTS.map((environment) => replanEnvironment(deployed[environment])))).flat();
    // Each stack's pending changes, so a failure shows what keeps changing.
    expect(replans.map((replan) => [replan.stack, replan.changes.map((change) => change.address)])).toEqual([
      ['account-settings', []],
      ['standard', []],
      ['premium', []],
      ['account-settings', []],
      ['standard', []],
      ['premium', []],
    ]);
    expect(replans.every((replan) => replan.clean)).toBe(true);
  }, underLoad(120_000));

  it('npm run plan --drift reports a change made in AWS behind Terraform, and none where there is none (prod, behind its web ACL)', async () => {
    const lambda = new LambdaClient(inProd());
    // Someone doubles prod premium's memory in the console.
    await lambda.send(new UpdateFunctionConfigurationCommand({ FunctionName: 'hello-world-prod-premium', MemorySize: 1024 }));
    const prepareStack = async (stackDir: string) => {
      await replaceArchiveWithLocalZip(stackDir);
      writeEmulatorOverride(stackDir, emulator.endpoint);
    };
    // Another checkout, as the scheduled job has: prod's state is in the emulator's S3.
    const driftDir = checkout();
    const drift = await planEnvironment({ projectRoot: driftDir, environment: 'prod', stacks: ['standard', 'premium'], offline: false, drift: true, prepareStack });
    expect(drift.exitCode).toBe(2);
    // standard's stage is read back with the web ACL its association put in front of it: not drift.
    // (A drift check that finds none exits 0: the review loop's case.)
    expect(drift.plans.map((plan) => [plan.stack, plan.changes])).toEqual([
      ['standard', []],
      ['premium', [{ address: expect.stringMatching(/^aws_lambda_function\./), action: 'update', details: { memory: '512 MB → 1024 MB' } }]],
    ]);
    expect(fs.readFileSync(path.join(driftDir, 'plans', 'prod', 'summary.md'), 'utf8')).toMatch(/^# Drift: prod/);
    // Put back as Terraform has it, for the tests below.
    await lambda.send(new UpdateFunctionConfigurationCommand({ FunctionName: 'hello-world-prod-premium', MemorySize: 512 }));
  }, underLoad(180_000));

  it('updates the function in place, publishes a version and moves the alias when the greeting changes; nothing of the API is replaced', async () => {
    editEnvironment(dirs.dev, 'dev', (config) => ({ ...config, greeting: 'Bonjour' }));
    const env = await synth('dev');
    const plans = await Promise.all(['standard', 'premium'].map((tier) => planStackAgainstEmulator(stackOf(env, tier))));
    for (const plan of plans) {
      expect(planned(plan.changes)).toEqual(['update aws_lambda_alias', 'update aws_lambda_function']);
      const fn = plan.changes.find((change) => change.type === 'aws_lambda_function')!;
      expect(fn.after.environment).toEqual([{ variables: { GREETING: 'Bonjour' } }]);
      // Of the function, only its environment (and the version it publishes) changes: the code is the same.
      const changedArguments = Object.keys(fn.after).filter((key) => fn.after[key] !== undefined && JSON.stringify(fn.after[key]) !== JSON.stringify(fn.before[key]));
      expect(changedArguments).toEqual(['environment']);
      expect(fn.after.source_code_hash).toBe(fn.before.source_code_hash);
    }
    // Applied to standard (the other tier's plan is the same change), then planned again.
    const standard = stackOf(env, 'standard');
    await applyStack(standard);
    const replan = await planStackAgainstEmulator(standard);
    expect([replan.clean, replan.changes.map((change) => change.address)]).toEqual([true, []]);
    const state = await runTerraform(standard.dir, ['output', '-raw', 'live_version']);
    expect(state.stdout).toBe('2');
  }, underLoad(180_000));

  it("moves only source_code_hash, the version and the alias when the handler's code changes", async () => {
    const handler = path.join(dirs.dev, 'lambda-src', 'index.ts');
    fs.writeFileSync(handler, `${fs.readFileSync(handler, 'utf8')}\n// a change of code\nexport const CODE_REVISION = 2;\n`);
    const env = await synth('dev');
    const standard = stackOf(env, 'standard');
    const plan = await planStackAgainstEmulator(standard);
    expect(planned(plan.changes)).toEqual(['update aws_lambda_alias', 'update aws_lambda_function']);
    const fn = plan.changes.find((change) => change.type === 'aws_lambda_function')!;
    const changedArguments = Object.keys(fn.after).filter(
      (key) => fn.after[key] !== undefined && JSON.stringify(fn.after[key]) !== JSON.stringify(fn.before[key]),
    );
    expect(changedArguments).toEqual(['source_code_hash']);
    await applyStack(standard);
    expect((await planStackAgainstEmulator(standard)).clean).toBe(true);
  }, underLoad(180_000));

  // prod's canary, by CodeDeploy on the local AWS's scaled clock (a minute lasts 3 s here).
  const RELEASED = 'hello-world-prod-standard';
  /** prod's standard stack with `greeting`, synthesized and initialized, and its walkthrough URL on the local AWS. */
  const prodWith = async (greeting: string) => {
    editEnvironment(dirs.prod, 'prod', (config) => ({ ...config, greeting }));
    const standard = stackOf(await synth('prod'), 'standard');
    await initStack(standard);
    // The stack's URL is AWS's (`https://<api id>.execute-api...`); the local AWS serves the stage under its own endpoint.
    const apiId = new URL((await runTerraform(standard.dir, ['output', '-raw', 'invoke_url'])).stdout).hostname.split('.')[0];
    return { standard, url: `${emulator.endpoint}/restapis/${apiId}/test/_user_request_/hello?name=David` };
  };
  /** Applies the stack as `npm run apply` does, each release's outcome recorded; resolves with its output and the outcomes. */
  const applyReleasing = async (standard: EmulatedStack) => {
    const outcomes = path.join(makeTempDir('release-'), 'outcomes.jsonl');
    const run = await applyStack(standard, { env: { RELEASE_POLL_SECONDS: '1', RELEASE_OUTCOME_FILE: outcomes } });
    return { output: run.stdout, outcomes: fs.readFileSync(outcomes, 'utf8').trim().split('\n').map((line) => JSON.parse(line)) };
  };
  const live = async () => new LambdaClient(inProd()).send(new GetAliasCommand({ FunctionName: RELEASED, Name: 'live' }));
  /** Resolves once CodeDeploy has shifted the canary's share to `version`. */
  const canaryOf = async (version: string) => {
    for (const deadline = Date.now() + underLoad(60_000); Date.now() < deadline; await new Promise((resolve) => setTimeout(resolve, 100))) {
      if ((await live()).RoutingConfig?.AdditionalVersionWeights?.[version]) return;
    }
    throw new Error(`CodeDeploy never shifted traffic to version ${version}`);
  };
  /** What `count` requests through the API, one after another, answered with 200. */
  const answers = async (url: string, count: number) => {
    const texts: string[] = [];
    for (let i = 0; i < count; i++) {
      const reply = await fetch(url);
      if (reply.status === 200) texts.push(await reply.text());
    }
    return texts;
  };
  const replanned = async (standard: EmulatedStack) => {
    const replan = await planStackAgainstEmulator(standard);
    return [replan.clean, replan.changes.map((change) => change.address)];
  };

  it("sends about 10% of prod's API callers to a new greeting during its canary, then all of them, and re-plans clean", async () => {
    const { standard, url } = await prodWith('Bonjour');
    const applying = applyReleasing(standard);
    let during: string[];
    try {
      await canaryOf('2');
      during = await answers(url, 150);
    } finally {
      // Never leave an apply holding the state's lock behind a failed assertion.
      await applying.catch(() => undefined);
    }
    const { output, outcomes } = await applying;
    // Both versions answer, the new one about a tenth of the time (150 draws at 10%: 15 expected; 3 or fewer happens once in 2,000 runs).
    const bonjour = during.filter((text) => text === 'Bonjour David').length;
    expect(during.length - bonjour).toBe(during.filter((text) => text === 'Hello David').length);
    expect(bonjour).toBeGreaterThan(3);
    expect(bonjour).toBeLessThan(during.length * 0.3);
    expect(output).toMatch(/release: hello-world-prod-standard:live version 1 → 2, CodeDeploy deployment [0-9a-f-]{36}/);
    expect(output).toMatch(/release: version 1 → 2: 10% of traffic on 2, 90% on 1, about \d+ min \d+ s left/);
    expect(output).toMatch(/release: released: hello-world-prod-standard:live serves version 2/);
    expect(outcomes).toEqual([expect.objectContaining({ functionName: RELEASED, targetVersion: '2', status: 'succeeded', liveVersion: '2' })]);
    expect(new Set(await answers(url, 10))).toEqual(new Set(['Bonjour David']));
    expect(await replanned(standard)).toEqual([true, []]);
  }, underLoad(240_000));

  it("rolls prod's canary back when an alarm of the release goes into ALARM mid-shift, names it, re-plans clean; a next release that cannot start fails the apply and the next plan retries it", async () => {
    const { standard, url } = await prodWith('Hola');
    const applying = applyReleasing(standard);
    const cloudwatch = new CloudWatchClient(inProd());
    try {
      await canaryOf('3');
      await cloudwatch.send(new SetAlarmStateCommand({ AlarmName: `${RELEASED}-api-5xx`, StateValue: 'ALARM', StateReason: 'the canary answers 5XX' }));
      const { output, outcomes } = await applying;
      expect(output).toMatch(/release: ROLLED BACK: version 3 of hello-world-prod-standard is not live \(alarm hello-world-prod-standard-api-5xx in ALARM\); live serves version 2/);
      expect(outcomes).toEqual([expect.objectContaining({ status: 'rolled-back', liveVersion: '2', alarms: [`${RELEASED}-api-5xx`] })]);
      const now = await live();
      expect([now.FunctionVersion, now.RoutingConfig?.AdditionalVersionWeights ?? {}]).toEqual(['2', {}]);
      expect(new Set(await answers(url, 10))).toEqual(new Set(['Bonjour David']));
    } finally {
      await applying.catch(() => undefined);
      await cloudwatch.send(new SetAlarmStateCommand({ AlarmName: `${RELEASED}-api-5xx`, StateValue: 'OK', StateReason: 'fixed' }));
    }
    try {
      // Terraform leaves the alias where CodeDeploy put it back, and does not release version 3 again.
      expect(await replanned(standard)).toEqual([true, []]);
      const next = await prodWith('Hallo');
      // Someone's deployment holds the group (CodeDeploy runs one at a time): version 4's release
      // cannot start. Linear every 10 min: 90 emulated minutes, longer than any apply here.
      const codedeploy = new CodeDeployClient(inProd());
      const { deploymentId: holding } = await codedeploy.send(
        new CreateDeploymentCommand({
          applicationName: RELEASED,
          deploymentGroupName: `${RELEASED}-live`,
          deploymentConfigName: 'CodeDeployDefault.LambdaLinear10PercentEvery10Minutes',
          revision: { revisionType: 'AppSpecContent', appSpecContent: lambdaAppSpec(RELEASED, 'live', '2', '3') },
        }),
      );
      const outcomes = path.join(makeTempDir('release-'), 'outcomes.jsonl');
      let refused: Error;
      try {
        refused = await applyStack(next.standard, { env: { RELEASE_POLL_SECONDS: '1', RELEASE_OUTCOME_FILE: outcomes } }).then(
          () => new Error('the apply succeeded'),
          (error: Error) => error,
        );
      } finally {
        await codedeploy.send(new StopDeploymentCommand({ deploymentId: holding, autoRollbackEnabled: true }));
      }
      expect(refused.message).toMatch(/local-exec provisioner error/);
      expect(JSON.parse(fs.readFileSync(outcomes, 'utf8'))).toMatchObject({ status: 'failed', targetVersion: '4', reason: expect.stringContaining(`an earlier release of ${RELEASED} is still running`) });
      // Version 4 is published but not released: the plan starts its release again, and only that.
      const retry = await planStackAgainstEmulator(next.standard);
      expect(retry.changes.map((change) => `${change.actions.join('+')} ${change.address}`)).toEqual([expect.stringMatching(/^delete\+create terraform_data\.release_[0-9A-F]+$/)]);
      const { outcomes: retried } = await applyReleasing(next.standard);
      expect(retried).toEqual([expect.objectContaining({ status: 'succeeded', targetVersion: '4', liveVersion: '4' })]);
      expect(new Set(await answers(next.url, 5))).toEqual(new Set(['Hallo David']));
      expect(await replanned(next.standard)).toEqual([true, []]);
    } finally {
      // Synthesizing prod again made its stacks' folders forget their S3 backend: initialized again for the cases below.
      for (const stack of deployed.prod.stacks) await initStack(stack);
    }
  }, underLoad(300_000));

  it('destroys in reverse order and leaves none of the stacks’ resources in the emulator but prod’s retained log groups', async () => {
    const devNow = await synth('dev');
    await Promise.all([destroyEnvironment(devNow), destroyEnvironment(deployed.prod)]);
    // prod sets retainLogsOnDestroy: its six log groups outlive the stacks (skip_destroy).
    const prodLogGroups = inventoryAfterDeploy.filter((line) => / log-group .*hello-world-prod-/.test(line));
    expect(prodLogGroups).toHaveLength(6);
    // The execution log groups' API is gone: the inventory can no longer name it.
    const withoutApis = prodLogGroups.map((line) => line.replace(/Execution-Logs_<[^>]+>/, 'Execution-Logs_<no such API>')).sort();
    expect(await inventory()).toEqual(withoutApis);
    // Removed by hand, as after their retention, so the tests below create prod afresh.
    const logs = new CloudWatchLogsClient(inProd());
    for (const { logGroupName } of (await logs.send(new DescribeLogGroupsCommand({}))).logGroups ?? []) {
      await logs.send(new DeleteLogGroupCommand({ logGroupName }));
    }
    // What every case below starts from (and has when run alone): the accounts' API Gateway role.
    // Dev's comes back at the end of the next case, which needs it gone.
    await applyStack(stackOf(deployed.prod, 'account-settings'));
  }, underLoad(240_000));

  it("fails a tier's plan, naming the command that fixes it, while the account's API Gateway CloudWatch role is missing", async () => {
    // Without dev's account-settings, the role the account setting needs is gone (after the
    // destroy above, already: then this destroys nothing).
    const devNow = await synth('dev');
    await destroyStack(stackOf(devNow, 'account-settings'));
    try {
      const failure = await planStackAgainstEmulator(stackOf(devNow, 'standard')).then(
        () => 'planned',
        (error: Error) => error.message.replace(/\s+/g, ' '),
      );
      expect(failure).toContain(
        "The account has no role api-gateway-cloudwatch-eu-central-1, so API Gateway cannot write this stage's logs in eu-central-1. " +
          'Create it once for the account and region: ENVIRONMENT=dev npx cdktf deploy account-settings',
      );
    } finally {
      // As the message says; the tests below deploy tiers again, which the check lets through.
      await applyStack(stackOf(devNow, 'account-settings'));
    }
  }, underLoad(180_000));

  it("refuses credentials of another account than the environment's, in the provider and in the S3 backend", async () => {
    const dir = checkout();
    editEnvironment(dir, 'dev', (config) => ({ ...config, account: { id: '999999999999' } }));
    const dev = stackOf(await synth('dev', dir), 'standard');
    const devInit = await runTerraform(dev.dir, ['init', '-input=false', '-no-color']);
    expect([devInit.status, devInit.stderr]).toEqual([0, expect.anything()]);
    await expect(planStackAgainstEmulator(dev)).rejects.toThrow(/AWS account ID not allowed: 123456789012/);
    // Another account than dev's: the two may not share one (environment-set.ts).
    editEnvironment(dir, 'prod', (config) => ({ ...config, account: { id: '888888888888' }, ci: undefined }));
    const prod = stackOf(await synth('prod', dir), 'standard');
    const init = await runTerraform(prod.dir, ['init', '-input=false', '-no-color']);
    expect(init.status).toBe(1);
    expect(init.stderr).toMatch(/account ID not allowed|123456789012/);
  }, underLoad(120_000));

  /**
   * Applies dev's standard stack from nothing while a role made by hand holds its logging role's
   * name: AWS refuses that one, the rest is created. Resolves with the apply's error.
   */
  const applyRefused = async (standard: EmulatedStack): Promise<Error> => {
    // From nothing, as after the destroy above (then this destroys nothing).
    await destroyStack(standard);
    const iam = new IAMClient(emulatorClientConfig(emulator.endpoint, 'us-east-1'));
    await iam.send(new CreateRoleCommand({ RoleName: 'hello-world-dev-standard-logging', AssumeRolePolicyDocument: '{}' }));
    try {
      return await applyStack(standard).then(
        () => new Error('applied, although a role with its name was there'),
        (error: Error) => error,
      );
    } finally {
      await iam.send(new DeleteRoleCommand({ RoleName: 'hello-world-dev-standard-logging' }));
    }
  };

  it('fails naming the stack, the resource and AWS’s error when AWS refuses a resource, and keeps the state readable', async () => {
    const standard = stackOf(await synth('dev'), 'standard');
    expect((await applyRefused(standard)).message).toMatch(
      /^standard: terraform apply failed:\n {2}aws_iam_role\.logging-role_[0-9A-F]+: creating IAM Role \(hello-world-dev-standard-logging\)[^\n]*EntityAlreadyExists/,
    );
    const list = await runTerraform(standard.dir, ['state', 'list']);
    expect(list.status).toBe(0);
    expect(list.stdout).not.toMatch(/aws_iam_role\.logging-role_/);
  }, underLoad(120_000));

  it('converges when a deploy is interrupted half-way (SIGINT, as Ctrl-C), with no duplicate or orphaned resource', async () => {
    const standard = stackOf(await synth('dev'), 'standard');
    // Half-created, as the refused apply above leaves it; run alone, made so here. (From nothing,
    // an interrupt while many creates are under way can leave a resource in AWS but not in the
    // state: terraform stops the provider's calls in flight.)
    if (/aws_iam_role\.logging-role_/.test((await runTerraform(standard.dir, ['state', 'list'])).stdout)) await applyRefused(standard);
    // Ctrl-C right after the function is created: what hangs on it (alias, integrations,
    // deployment, stage) has not started, so the stop is half-way however much the refused
    // apply created (a count that varies with the machine's speed).
    await expect(
      applyStack(standard, {
        onLine: (line, child) => {
          if (/aws_lambda_function\.greeting-function_[0-9A-F]+: Creation complete after/.test(line)) signalGroup(child, 'SIGINT');
        },
      }),
    ).rejects.toThrow(/^standard: terraform apply was interrupted/);
    const partial = (await runTerraform(standard.dir, ['state', 'list'])).stdout;
    expect(partial).toMatch(/^aws_lambda_function\.greeting-function_/m);
    expect(partial).not.toMatch(/^aws_api_gateway_stage\./m);

    await applyStack(standard);
    // What dev's standard stack holds now is what it held after the first deploy.
    const ofStandard = (lines: string[]) => lines.filter((line) => /hello-world-dev-standard/.test(line));
    expect(ofStandard(inventoryAfterDeploy)).toHaveLength(22);
    expect(ofStandard(await inventory())).toEqual(ofStandard(inventoryAfterDeploy));
    expect((await planStackAgainstEmulator(standard)).clean).toBe(true);
  }, underLoad(180_000));

  it('refuses a second deploy of a stack while the first holds the S3 lock, naming the holder, and leaves the state whole', async () => {
    // prod with its state in the emulator's S3, as stacks of their own (another name prefix).
    const s3Dir = checkout();
    const bucket = 'hello-world-emulated-state';
    editEnvironment(s3Dir, 'prod', (config) => ({
      ...config,
      namePrefix: 'locked',
      state: { type: 's3', bucket, keyPrefix: 'hello-world/prod', region: 'eu-west-1', useLockfile: true },
    }));
    const env = await synth('prod', s3Dir);
    const s3 = new S3Client(emulatorClientConfig(emulator.endpoint, 'eu-west-1', env.deployRoleArn));
    const standard = stackOf(env, 'standard');
    const init = await runTerraform(standard.dir, ['init', '-input=false', '-no-color']);
    expect(init.stderr).toBe('');

    let second: Promise<Awaited<ReturnType<typeof runTerraform>>> | undefined;
    const first = applyStack(standard, {
      onLine: (line) => {
        // The first holds the lock from before its first change until its state is written.
        if (!second && /: Creating\.\.\.$/.test(line)) {
          second = runTerraform(standard.dir, ['apply', '-auto-approve', '-input=false', '-no-color']);
        }
      },
    });
    await first;
    const refused = await second!;
    expect(refused.status).toBe(1);
    expect(refused.stderr).toMatch(/Error acquiring the state lock/);
    expect(refused.stderr).toMatch(/Path: +hello-world-emulated-state\/hello-world\/prod\/standard\.tfstate/);
    expect(refused.stderr).toMatch(/Operation: +OperationTypeApply/);
    expect(refused.stderr).toMatch(/Who: +\S+@\S+/);

    const state = JSON.parse(
      await (await s3.send(new GetObjectCommand({ Bucket: bucket, Key: 'hello-world/prod/standard.tfstate' }))).Body!.transformToString(),
    );
    // A tier's 25, the concurrency alarm of prod's tiers (they reserve concurrency), prod's web ACL and its association,
    // and its canary's six: CodeDeploy's application, configuration, group and role with its policy, and the release.
    expect(state.resources.filter((resource: any) => resource.mode === 'managed')).toHaveLength(34);
    await expect(s3.send(new GetObjectCommand({ Bucket: bucket, Key: 'hello-world/prod/standard.tfstate.tflock' }))).rejects.toThrow();
    expect((await planStackAgainstEmulator(standard)).clean).toBe(true);
  }, underLoad(240_000));
});
