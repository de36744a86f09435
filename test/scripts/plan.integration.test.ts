/**
 * Plans the synthesized stacks with the real AWS provider, offline.
 *
 * This machine's provider mirror holds hashicorp/aws but not hashicorp/archive, so in each
 * synthesized stack (in a throw-away checkout) the `archive_file` data source, and only it,
 * is replaced by the same zip built here: the same single file at the zip's root, mode 0644,
 * and its base64 SHA-256 as `source_code_hash`. Everything else is planned exactly as it ships.
 */
import * as fs from 'fs';
import * as path from 'path';
import { replaceArchiveWithLocalZip } from '../../scripts/air-gapped/local-archive';
import { planEnvironment } from '../../scripts/plan';
import { findProviderMirror, writeMirrorCliConfig } from '../../scripts/air-gapped/provider-mirror';
import { renderSummary } from '../../scripts/lib/plan-summary';
import { NO_CHANGES } from '../../scripts/lib/terraform-plan';
import { checkout, terraformSkipReason, underLoad } from '../helpers';

const mirror = findProviderMirror();
const skipReason = terraformSkipReason();
const describeOffline = skipReason ? describe.skip : describe;
if (skipReason) console.warn(`Skipping the offline plan tests: ${skipReason}.`);

/** `npm run plan --offline` of the named stacks of `environment` in `dir`, archive_file replaced by the same zip built here. */
async function synthAndPlan(dir: string, environment: string, stacks: string[]) {
  const result = await planEnvironment({ projectRoot: dir, environment, stacks, offline: true, prepareStack: replaceArchiveWithLocalZip });
  if (result.exitCode === 1) throw new Error(result.failures.map((failure) => `${failure.stack}: ${failure.message}`).join('\n'));
  return result.plans.map((plan) => ({ ...plan, json: JSON.parse(fs.readFileSync(plan.files.json, 'utf8')) }));
}

/** A checkout whose plans/dev/ holds an older, green plan: a summary and a saved plan. */
function checkoutWithGreenPlan(): { dir: string; planDir: string } {
  const dir = checkout();
  const planDir = path.join(dir, 'plans', 'dev');
  fs.mkdirSync(planDir, { recursive: true });
  fs.writeFileSync(path.join(planDir, 'summary.md'), '# Terraform plan: dev\n\nan older, green plan\n');
  fs.writeFileSync(path.join(planDir, 'standard.tfplan'), 'old');
  return { dir, planDir };
}

function lambdaOf(planJson: any): any {
  return planJson.planned_values.root_module.resources.find((r: any) => r.type === 'aws_lambda_function').values;
}

describeOffline('offline terraform plan of the synthesized stacks (archive_file replaced by a locally built zip)', () => {
  const savedConfig = process.env.TF_CLI_CONFIG_FILE;
  beforeAll(() => {
    // The checkout's own .build/terraform-mirror.rc, which the other test files running beside
    // this one read too: it stays (removing its folder once failed their terraform init).
    process.env.TF_CLI_CONFIG_FILE = writeMirrorCliConfig(mirror as string);
  });
  afterAll(() => {
    if (savedConfig === undefined) delete process.env.TF_CLI_CONFIG_FILE;
    else process.env.TF_CLI_CONFIG_FILE = savedConfig;
  });

  /** `npm run plan --offline` of every stack of dev, in a checkout whose plans/dev/ held an older, green plan. */
  let dev: { dir: string; planDir: string; result: Awaited<ReturnType<typeof planEnvironment>> };
  /** Its plans of the two tiers, with the plan JSON. */
  let devPlans: Awaited<ReturnType<typeof synthAndPlan>>;
  beforeAll(async () => {
    const { dir, planDir } = checkoutWithGreenPlan();
    const result = await planEnvironment({ projectRoot: dir, environment: 'dev', stacks: [], offline: true, prepareStack: replaceArchiveWithLocalZip });
    dev = { dir, planDir, result };
    devPlans = result.plans.filter((plan) => plan.stack !== 'account-settings').map((plan) => ({ ...plan, json: JSON.parse(fs.readFileSync(plan.files.json, 'utf8')) }));
  }, underLoad(180_000));

  it('plans both stacks with no errors and no warnings: 25 resources each, 128 and 512 MB', () => {
    // standard also sets dev's API Gateway CloudWatch role: a role, its policy and the account setting.
    expect(devPlans.map((plan) => [plan.stack, plan.counts, plan.warnings])).toEqual([
      ['standard', { ...NO_CHANGES, add: 25 }, []],
      ['premium', { ...NO_CHANGES, add: 25 }, []],
    ]);
    expect(lambdaOf(devPlans[0].json)).toMatchObject({ function_name: 'hello-world-dev-standard', memory_size: 128, runtime: 'nodejs22.x' });
    expect(lambdaOf(devPlans[1].json)).toMatchObject({ function_name: 'hello-world-dev-premium', memory_size: 512 });
    for (const plan of devPlans) {
      expect(fs.readFileSync(plan.files.text, 'utf8')).not.toMatch(/\u001b\[|Warning/);
      expect(fs.existsSync(plan.files.tfplan)).toBe(true);
    }
  });

  it('writes a summary with the counts and the memory figures', () => {
    const summary = renderSummary({ environment: 'dev', offline: true, plans: devPlans });
    expect(summary).toContain('| standard | 25 | 0 | 0 | 0 | 0 |');
    expect(summary).toContain('| premium | 25 | 0 | 0 | 0 | 0 |');
    expect(summary).toMatch(/aws_lambda_function\.greeting-function_[0-9A-F]+` \| create \| memory: 128 MB; runtime: nodejs22.x; timeout: 3 s; greeting: Hello/);
    expect(summary).toMatch(/create \| memory: 512 MB/);
    expect(summary).toContain('Planned offline');
  });

  // What a greeting or a code change plans (only the function's environment, or only its
  // source_code_hash) is checked against deployed state: test/emulator/deploy.integration.test.ts.

  it('npm run plan: replaces plans/<env>/ only once every stack planned, and exits 2 for changes', () => {
    const { dir, planDir, result } = dev;
    expect([result.exitCode, result.failures]).toEqual([2, []]);
    expect(fs.readdirSync(planDir).filter((file) => file.endsWith('.tfplan')).sort()).toEqual(['account-settings.tfplan', 'premium.tfplan', 'standard.tfplan']);
    // The plans returned name their files where they are now.
    expect(result.plans.flatMap((plan) => Object.values(plan.files)).filter((file) => !file.startsWith(planDir + path.sep) || !fs.existsSync(file))).toEqual([]);
    const summary = fs.readFileSync(path.join(planDir, 'summary.md'), 'utf8');
    expect(summary).toMatch(/^# Terraform plan: dev\n/);
    expect(summary).not.toContain('an older, green plan');
    expect(fs.readFileSync(path.join(planDir, 'standard.tfplan'), 'latin1')).not.toBe('old');
    // The bundle npm run apply takes: the stacks in apply order, each with its files and their hashes.
    const manifest = JSON.parse(fs.readFileSync(path.join(planDir, 'manifest.json'), 'utf8'));
    expect(manifest).toMatchObject({ environment: 'dev', offline: true, drift: false, source: null, terraform: expect.stringMatching(/^1\.\d+\.\d+$/) });
    expect(manifest.providers['registry.terraform.io/hashicorp/aws']).toBe('5.100.0');
    expect(manifest.stacks.map((stack: any) => [stack.name, stack.workdir, stack.state])).toEqual(
      ['account-settings', 'standard', 'premium'].map((stack) => [stack, `cdktf.out/stacks/${stack}`, { lineage: '', serial: 0 }]),
    );
    const zip = JSON.parse(fs.readFileSync(path.join(planDir, 'standard', 'cdk.tf.json'), 'utf8')).resource.aws_lambda_function;
    expect(Object.keys(manifest.files)).toEqual(
      expect.arrayContaining(['standard.tfplan', 'standard/cdk.tf.json', 'standard/.terraform.lock.hcl', `standard/${(Object.values(zip)[0] as any).filename}`]),
    );
    // Nothing of the fresh folder is left beside it.
    expect(fs.readdirSync(path.join(dir, 'plans'))).toEqual(['dev']);
  });

  it('npm run plan: leaves only a FAILED summary naming every failing stack when any fails, and no earlier plan', async () => {
    const { dir, planDir } = checkoutWithGreenPlan();
    // Both tiers reference a variable that does not exist; account-settings plans.
    const breakTiers = async (stackDir: string) => {
      await replaceArchiveWithLocalZip(stackDir);
      if (path.basename(stackDir) === 'account-settings') return;
      const file = path.join(stackDir, 'cdk.tf.json');
      const tf = JSON.parse(fs.readFileSync(file, 'utf8'));
      tf.output.broken = { value: '${var.missing}' };
      fs.writeFileSync(file, JSON.stringify(tf));
    };
    const result = await planEnvironment({ projectRoot: dir, environment: 'dev', stacks: [], offline: true, prepareStack: breakTiers });
    expect(result.exitCode).toBe(1);
    expect(result.failures.map((failure) => failure.stack)).toEqual(['standard', 'premium']);
    for (const failure of result.failures) expect(failure.message).toMatch(/terraform plan failed:[\s\S]*Reference to undeclared input variable/);
    expect(fs.readdirSync(planDir)).toEqual(['summary.md']);
    const summary = fs.readFileSync(path.join(planDir, 'summary.md'), 'utf8');
    expect(summary.split('\n')[0]).toBe('# FAILED: Terraform plan: dev');
    expect(summary).toContain('> **FAILED:** standard, premium did not plan.');
    expect(summary).toContain('The other stacks planned (account-settings), but are not kept');
    expect(fs.readdirSync(path.join(dir, 'plans'))).toEqual(['dev']);
  }, underLoad(180_000));

  it('plans every stack of staging and prod offline with no warnings (their S3 state made local in this copy)', async () => {
    const dir = checkout();
    for (const environment of ['staging', 'prod']) {
      const file = path.join(dir, 'environments', `${environment}.json`);
      fs.writeFileSync(file, JSON.stringify({ ...JSON.parse(fs.readFileSync(file, 'utf8')), state: { type: 'local' }, ci: undefined }));
    }
    const stacks = { staging: ['standard', 'premium'], prod: ['account-settings', 'standard', 'premium'] };
    for (const [environment, names] of Object.entries(stacks)) {
      const plans = await synthAndPlan(dir, environment, names);
      expect(plans.map((plan) => [plan.stack, plan.warnings, plan.initWarnings, plan.counts.add > 0])).toEqual(names.map((name) => [name, [], [], true]));
    }
  }, underLoad(240_000));

  it('plans dev, then prod, then dev again for the same stack against their own state, with no prompt or migration', async () => {
    const dir = checkout();
    // prod as a team without S3 yet would have it: local state, like dev.
    const prodFile = path.join(dir, 'environments', 'prod.json');
    fs.writeFileSync(prodFile, JSON.stringify({ ...JSON.parse(fs.readFileSync(prodFile, 'utf8')), state: { type: 'local' }, ci: undefined }));
    // A state per environment that says whose it is, as an output the configuration lacks.
    for (const environment of ['dev', 'prod']) {
      const stateFile = path.join(dir, 'state', environment, 'standard.tfstate');
      fs.mkdirSync(path.dirname(stateFile), { recursive: true });
      fs.writeFileSync(
        stateFile,
        JSON.stringify({
          version: 4,
          terraform_version: '1.11.4',
          serial: 1,
          lineage: `lineage-${environment}`,
          outputs: { state_of: { value: environment, type: 'string' } },
          resources: [],
        }),
      );
    }
    for (const environment of ['dev', 'prod', 'dev']) {
      const [plan] = await synthAndPlan(dir, environment, ['standard']);
      expect(plan.json.prior_state.values.outputs.state_of.value).toBe(environment);
      expect(plan.warnings).toEqual([]);
      expect(lambdaOf(plan.json).function_name).toBe(`hello-world-${environment}-standard`);
    }
    for (const environment of ['dev', 'prod']) {
      const state = JSON.parse(fs.readFileSync(path.join(dir, 'state', environment, 'standard.tfstate'), 'utf8'));
      expect([state.lineage, state.outputs.state_of.value]).toEqual([`lineage-${environment}`, environment]);
    }
  }, underLoad(180_000));
});
