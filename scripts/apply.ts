/**
 * `npm run apply -- plans/<environment>`
 *
 * Applies a plan bundle (what `npm run plan` wrote) exactly: `terraform apply <stack>.tfplan`
 * per stack, in `cdktf deploy`'s order, each in the same folder of this checkout as it was
 * planned in (cdktf.out/stacks/<stack>), so `npx cdktf output` and `npm run smoke` see it.
 * Before anything is applied it checks the whole bundle and refuses, naming what differs: a
 * file whose sha256 is not the manifest's, a plan of another environment than ENVIRONMENT, of
 * other code than HEAD or of a dirty tree, another Terraform version, a state that moved since
 * the plan. A stack that fails stops the rest. Then it runs the smoke checks.
 * Exit codes: 0 applied and smoke passed; 1 refused, failed, or smoke failed; 130 on Ctrl-C.
 */
import * as fs from 'fs';
import * as path from 'path';
import { parseArgs } from 'util';
import { synthSettingsFrom } from '../src/config/synth-settings';
import { TIERS } from '../src/config/environment-config';
import { gitSource } from './lib/git-source';
import { BundleManifest, BundleRefused, bundleFileProblems, manifestProblems, readManifest, stateProblem, stateStamp } from './lib/plan-bundle';
import { errorText, interruptTerraform, runTerraform, terraformFailure } from './lib/terraform-run';
import { SmokeCheck, formatSmokeCheck, smokeChecks } from './smoke';
import { PROJECT_ROOT } from './lib/project-root';

export function parseApplyArgs(args: string[]): { bundle: string } {
  const usage = 'use npm run apply -- plans/<environment> (the folder npm run plan wrote)';
  let parsed;
  try {
    parsed = parseArgs({ args, options: {}, strict: true, allowPositionals: true });
  } catch (error) {
    throw new Error(`${(error as Error).message}; ${usage}`);
  }
  if (parsed.positionals.length !== 1) throw new Error(`expected one bundle folder, got ${parsed.positionals.length}; ${usage}`);
  return { bundle: parsed.positionals[0] };
}

export interface ApplyBundleOptions {
  readonly projectRoot: string;
  readonly bundleDir: string;
  /** ENVIRONMENT of this apply. */
  readonly environment: string;
  readonly progress?: (line: string) => void;
  /**
   * Runs after every stack applied; a failed check fails the apply.
   * @default the smoke checks of `npm run smoke`, for the bundle's tiers
   */
  readonly smoke?: (stacksDir: string) => Promise<readonly SmokeCheck[]>;
}

export interface ApplyBundleResult {
  /** Stacks applied, in order. */
  readonly applied: readonly string[];
  /** The stack that failed to apply and terraform's error, if one did. */
  readonly failed?: { readonly stack: string; readonly message: string };
  readonly smoke: readonly SmokeCheck[];
}

export class ApplyError extends Error {
  constructor(
    message: string,
    readonly result: ApplyBundleResult,
  ) {
    super(message);
    this.name = 'ApplyError';
  }
}

async function terraformVersion(): Promise<string> {
  const run = await runTerraform(PROJECT_ROOT, ['version', '-json']);
  if (run.error || run.status !== 0) throw new BundleRefused([`could not run terraform version (${run.error?.message ?? run.stderr.trim()}); install Terraform 1.10 or later`]);
  return String(JSON.parse(run.stdout).terraform_version);
}

/**
 * Puts each stack's planned files in its folder and initializes it from the bundle's lock file;
 * reads nothing but the state. Returns each stack's folder.
 */
async function prepareStacks(projectRoot: string, bundleDir: string, manifest: BundleManifest, progress: (line: string) => void): Promise<Map<string, string>> {
  const dirs = new Map<string, string>();
  for (const stack of manifest.stacks) {
    const dir = path.join(projectRoot, stack.workdir);
    // A fresh folder: nothing of an earlier synth or apply can join the planned files.
    fs.rmSync(dir, { recursive: true, force: true });
    fs.cpSync(path.join(bundleDir, stack.config), dir, { recursive: true });
    dirs.set(stack.name, dir);
  }
  // Only reads: the stacks are checked side by side (applied in order below).
  const checked = await Promise.all(
    manifest.stacks.map(async (stack): Promise<string | undefined> => {
      const dir = dirs.get(stack.name)!;
      progress(`${stack.name}: terraform init (the bundle's lock file)`);
      const init = await runTerraform(dir, ['init', '-input=false', '-no-color', '-lockfile=readonly']);
      if (init.error || init.status !== 0) return `stack ${stack.name}: terraform init failed: ${errorText(init.stderr || init.stdout || init.error?.message || '')}`;
      const pull = await runTerraform(dir, ['state', 'pull']);
      if (pull.status !== 0) return `stack ${stack.name}: could not read its state: ${errorText(pull.stderr)}`;
      return stateProblem(stack, stateStamp(pull.stdout));
    }),
  );
  const problems = checked.filter((problem): problem is string => problem !== undefined);
  if (problems.length) throw new BundleRefused(problems);
  return dirs;
}

/**
 * Checks the whole bundle, then applies its stacks in order. Throws {@link BundleRefused}
 * (nothing applied) or {@link ApplyError} (the stacks before the failing one applied).
 */
export async function applyBundle(options: ApplyBundleOptions): Promise<ApplyBundleResult> {
  const progress = options.progress ?? (() => undefined);
  const manifest = readManifest(options.bundleDir);
  const problems = [
    ...bundleFileProblems(options.bundleDir, manifest),
    ...manifestProblems(manifest, { environment: options.environment, source: gitSource(options.projectRoot), terraform: await terraformVersion() }),
  ];
  if (problems.length) throw new BundleRefused(problems);
  const dirs = await prepareStacks(options.projectRoot, options.bundleDir, manifest, progress);

  const applied: string[] = [];
  for (const stack of manifest.stacks) {
    progress(`${stack.name}: terraform apply ${stack.tfplan}`);
    const run = await runTerraform(dirs.get(stack.name)!, ['apply', '-input=false', '-no-color', path.resolve(options.bundleDir, stack.tfplan)], {
      onLine: (line) => progress(`${stack.name}: ${line}`),
    });
    if (run.status !== 0) {
      const message = terraformFailure(stack.name, 'apply', run);
      const result = { applied, failed: { stack: stack.name, message }, smoke: [] };
      const rest = manifest.stacks.slice(applied.length + 1).map((later) => later.name);
      throw new ApplyError(
        `stack ${stack.name} failed to apply${applied.length ? ` (applied before it: ${applied.join(', ')})` : ' (nothing applied before it)'}` +
          `${rest.length ? `; not applied: ${rest.join(', ')}` : ''}:\n${message}`,
        result,
      );
    }
    applied.push(stack.name);
  }

  const tiers = manifest.stacks.filter((stack) => (TIERS as readonly string[]).includes(stack.name));
  if (!tiers.length) return { applied, smoke: [] };
  const stacksDir = path.dirname(dirs.get(tiers[0].name)!);
  progress('smoke checks');
  const smoke = await (options.smoke ?? ((dir: string) => smokeChecks({ projectRoot: options.projectRoot, environment: options.environment, stacksDir: dir, tiers: tiers.map((tier) => tier.name) })))(stacksDir);
  return { applied, smoke };
}

async function main(): Promise<number> {
  const { bundle } = parseApplyArgs(process.argv.slice(2));
  const { environmentName: environment } = synthSettingsFrom(process.env);
  const progress = (line: string) => process.stderr.write(`${line}\n`);
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.once(signal, () => {
      progress(`apply: ${signal}: stopping terraform`);
      void interruptTerraform().then(() => process.exit(130));
    });
  }
  try {
    const result = await applyBundle({ projectRoot: PROJECT_ROOT, bundleDir: path.resolve(bundle), environment, progress });
    console.log(`Applied ${result.applied.join(', ')} from ${bundle}.`);
    if (!result.smoke.length) return 0;
    for (const check of result.smoke) console.log(formatSmokeCheck(check));
    const failed = result.smoke.filter((check) => !check.ok);
    console.log(failed.length ? `Smoke checks: ${failed.length} of ${result.smoke.length} failed.` : `Smoke checks: all ${result.smoke.length} passed.`);
    return failed.length ? 1 : 0;
  } catch (error) {
    if (error instanceof BundleRefused || error instanceof ApplyError) {
      console.error(`apply: ${error.message}`);
      return 1;
    }
    throw error;
  }
}

if (require.main === module) {
  main().then(
    (code) => process.exit(code),
    (error: Error) => {
      console.error(`apply: ${error.message}`);
      process.exit(1);
    },
  );
}
