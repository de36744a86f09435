/**
 * `npm run apply -- plans/<environment>`
 *
 * Applies what a plan bundle (what `npm run plan` wrote) was reviewed to do, and only that: it
 * synthesizes ENVIRONMENT from this checkout, and takes from that synth the stacks, their order
 * and folders (cdktf.out/stacks/<stack>), configuration, lock files and assets. The bundle's
 * manifest is checked, never trusted. Each stack's saved plan must carry exactly that
 * configuration and lock file, write to the same backend, and be planned against the state
 * there is now (bundle-authenticity.ts); then this checkout plans the stack again and that plan,
 * never the file it was handed, is applied, when Terraform reads both as doing the same
 * (plan-effects.ts). Before anything is applied it refuses, naming what differs, a bundle that
 * is not: other code than HEAD or a dirty tree, another environment, Terraform version or stack
 * list, a file whose sha256 is not the manifest's, a moved state, other changes.
 * Then `terraform apply` per stack, in `cdktf deploy`'s order, waiting for a state lock someone
 * else holds; a stack that fails stops the rest and says what to do next. Then the smoke checks.
 * Exit codes: 0 applied and smoke passed; 1 refused, failed, or smoke failed; 130 on Ctrl-C.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { parseArgs } from 'util';
import { SynthSettings, synthSettingsFrom } from '../src/config/synth-settings';
import { TIERS } from '../src/config/environment-config';
import { synthesizeGreetingApp } from '../src/greeting-app';
import { REQUIRED_TERRAFORM_VERSION } from '../src/stacks/environment-stack';
import { CheckoutStack, savedPlanProblems } from './lib/bundle-authenticity';
import { planDifferences } from './lib/plan-effects';
import { summaryProblems } from './lib/plan-summary';
import { StackPlan, summarizePlanJson } from './lib/terraform-plan';
import { gitSource } from './lib/git-source';
import { BundleManifest, BundleRefused, bundleFileProblems, manifestProblems, readManifest, stateProblem, stateStamp } from './lib/plan-bundle';
import { SavedPlan, SavedPlanError, readSavedPlan } from './lib/saved-plan';
import { STACKS } from './plan';
import { errorText, interruptTerraform, runTerraform, terraformFailure } from './lib/terraform-run';
import { APPLY_PROPAGATION_RETRY, SmokeCheck, formatSmokeCheck, smokeChecks } from './smoke';
import { PROJECT_ROOT } from './lib/project-root';
import type { ReleaseOutcome } from '../src/release/release-runner';

/** `stacks` empty means every stack of the checkout's environment. */
export function parseApplyArgs(args: string[]): { bundle: string; stacks: string[] } {
  const usage = `use npm run apply -- plans/<environment> [${STACKS.join(' ')}] (the folder npm run plan wrote; the stacks it planned, when not all)`;
  let parsed;
  try {
    parsed = parseArgs({ args, options: {}, strict: true, allowPositionals: true });
  } catch (error) {
    throw new Error(`${(error as Error).message}; ${usage}`);
  }
  const [bundle, ...stacks] = parsed.positionals;
  if (bundle === undefined) throw new Error(`expected a bundle folder, got none; ${usage}`);
  for (const stack of stacks) {
    if (!STACKS.includes(stack)) throw new Error(`${JSON.stringify(stack)} is not a stack; ${usage}`);
  }
  return { bundle, stacks };
}

/** What of a synth's settings an apply synthesizes with: those of the plan, or the plan is refused. */
export type ApplySynthSettings = Partial<Pick<SynthSettings, 'packaging' | 'credentials' | 'localAwsEndpoint'>>;

/** How long an apply waits for a state lock someone else holds before it gives up. */
export const DEFAULT_LOCK_TIMEOUT_SECONDS = 300;

/** This checkout's own plan of a stack, made beside its configuration and applied when it does what the reviewed plan does. */
export const CHECKED_PLAN = 'checked.tfplan';

/** The folder (in the project, beside cdktf.out, at its depth) an apply synthesizes into before it checks. */
export const STAGING_PREFIX = '.cdktf-apply-';

const REPLAN_HINT = 'plan again from this commit (npm run plan) and have that plan reviewed';

export interface ApplyBundleOptions {
  readonly projectRoot: string;
  readonly bundleDir: string;
  /** ENVIRONMENT of this apply. */
  readonly environment: string;
  /**
   * The synth settings (FUNCTION_PACKAGING, DEPLOY_CREDENTIALS, a local AWS_ENDPOINT_URL).
   * @default archive-provider, deploy-role, AWS
   */
  readonly settings?: ApplySynthSettings;
  /**
   * Synthesizes the checkout's stacks.
   * @default the app (`synthesizeGreetingApp`), with `settings`
   */
  readonly synthesize?: Synthesize;
  /**
   * Seconds each stack's apply waits for a state lock held by someone else.
   * @default DEFAULT_LOCK_TIMEOUT_SECONDS
   */
  readonly lockTimeoutSeconds?: number;
  /**
   * The stacks to apply, which the bundle must hold exactly (`npm run plan -- account-settings`
   * for a new account's first stack): never fewer than asked for.
   * @default every stack of the checkout's environment
   */
  readonly stacks?: readonly string[];
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
  if (run.error || run.status !== 0) throw new BundleRefused([`could not run terraform version (${run.error?.message ?? run.stderr.trim()}); install Terraform ${REQUIRED_TERRAFORM_VERSION}`]);
  return String(JSON.parse(run.stdout).terraform_version);
}

/** The checkout's stacks of an environment, synthesized into `outdir`, in the order they are applied. */
export type Synthesize = (outdir: string) => readonly CheckoutStack[];

/** The stacks `cdktf deploy` and `npm run apply` manage, synthesized as `npm run plan` does. */
function synthesizeCheckout(projectRoot: string, environment: string, settings: ApplySynthSettings): Synthesize {
  return (outdir) => {
    const app = synthesizeGreetingApp({ environmentName: environment, projectRoot, outdir, ...settings });
    return [...(app.accountSettings ? [app.accountSettings] : []), ...app.stacks].map((stack) => ({ name: stack.node.id, dir: app.stackDirs[stack.node.id] }));
  };
}

/**
 * Synthesizes the checkout into a fresh folder beside cdktf.out, checks every stack's saved plan
 * against it and against the state there is now (init and state pull only: nothing is written),
 * and only when all is well puts the folder in cdktf.out's place. On a refusal the folder goes
 * and the checkout is as it was.
 */
async function prepareStacks(
  options: ApplyBundleOptions,
  manifest: BundleManifest,
  progress: (line: string) => void,
): Promise<{ stacks: readonly CheckoutStack[]; plans: Map<string, string>; summaries: readonly StackPlan[] }> {
  const staging = fs.mkdtempSync(path.join(options.projectRoot, STAGING_PREFIX));
  try {
    let synthesized: readonly CheckoutStack[];
    try {
      progress(`Synthesizing ${options.environment} from this checkout`);
      synthesized = (options.synthesize ?? synthesizeCheckout(options.projectRoot, options.environment, options.settings ?? {}))(staging);
    } catch (error) {
      throw new BundleRefused([`this checkout does not synthesize (${(error as Error).message}); fix that, then ${REPLAN_HINT}`]);
    }
    const unknown = (options.stacks ?? []).filter((name) => !synthesized.some((stack) => stack.name === name));
    if (unknown.length) throw new BundleRefused([`${options.environment} has no stack ${unknown.join(', ')}; its stacks are ${synthesized.map((stack) => stack.name).join(', ')}`]);
    const wanted = options.stacks?.length ? synthesized.filter((stack) => options.stacks!.includes(stack.name)) : synthesized;
    const problems = stackListProblems(manifest, wanted.map((stack) => stack.name), options.environment);
    if (problems.length) throw new BundleRefused(problems);
    const plans = new Map(wanted.map((stack) => [stack.name, path.join(options.bundleDir, `${stack.name}.tfplan`)]));
    // In the bundle's order, as `npm run plan` summarized them, whichever check ends first.
    const summaries: StackPlan[] = [];
    // Only reads: the stacks are checked side by side (applied in order below).
    const checked = await Promise.all(
      wanted.map(async (stack, index): Promise<string[]> => {
        let saved: SavedPlan;
        try {
          saved = readSavedPlan(plans.get(stack.name)!);
        } catch (error) {
          if (error instanceof SavedPlanError) return [`stack ${stack.name}: ${error.message}`];
          throw error;
        }
        progress(`${stack.name}: terraform init (this checkout's lock file)`);
        const init = await runTerraform(stack.dir, ['init', '-input=false', '-no-color', '-lockfile=readonly']);
        if (init.error || init.status !== 0) return [`stack ${stack.name}: terraform init failed: ${errorText(init.stderr || init.stdout || init.error?.message || '')}`];
        const pull = await runTerraform(stack.dir, ['state', 'pull']);
        if (pull.status !== 0) return [`stack ${stack.name}: could not read its state: ${errorText(pull.stderr)}`];
        const moved = stateProblem(stack.name, stateStamp(JSON.stringify(saved.state)), stateStamp(pull.stdout));
        const problems = [...(moved ? [moved] : []), ...savedPlanProblems(stack, saved, pull.stdout, path.join(options.bundleDir, stack.name))];
        if (problems.length) return problems;
        // What is applied is this checkout's own plan, and only when it does what the reviewed one showed.
        progress(`${stack.name}: terraform plan (this checkout, against the state there is now, to compare with the reviewed plan)`);
        const planning = await runTerraform(stack.dir, ['plan', '-input=false', '-no-color', '-lock=false', `-out=${CHECKED_PLAN}`]);
        if (planning.status !== 0) return [terraformFailure(stack.name, 'plan', planning)];
        const shown = await Promise.all([plans.get(stack.name)!, CHECKED_PLAN].map((file) => runTerraform(stack.dir, ['show', '-json', file])));
        const failed = shown.find((run) => run.status !== 0);
        if (failed) return [terraformFailure(stack.name, 'show', failed)];
        const planned = JSON.parse(shown[1].stdout);
        summaries[index] = summarizePlanJson(stack.name, planned);
        return planDifferences(stack.name, JSON.parse(shown[0].stdout), planned);
      }),
    );
    const found = checked.flat();
    // What the reviewers read must be what is applied: the pull request's job wrote summary.md.
    const reviewedSummary = path.join(options.bundleDir, 'summary.md');
    if (!found.length && !fs.existsSync(reviewedSummary)) found.push(`the bundle has no summary.md, the summary reviewers read; ${REPLAN_HINT}`);
    else if (!found.length) found.push(...summaryProblems(fs.readFileSync(reviewedSummary, 'utf8'), options.environment, summaries));
    if (found.length) throw new BundleRefused(found);
    const target = path.join(options.projectRoot, 'cdktf.out');
    fs.rmSync(target, { recursive: true, force: true });
    fs.renameSync(staging, target);
    const stacks = wanted.map((stack) => ({ ...stack, dir: path.join(target, path.relative(staging, stack.dir)) }));
    return { stacks, plans, summaries };
  } finally {
    fs.rmSync(staging, { recursive: true, force: true });
  }
}

/** The bundle's stacks must be those asked for (every stack of the checkout, unless named), in its order, each where a plan of it is. */
function stackListProblems(manifest: BundleManifest, names: readonly string[], environment: string): string[] {
  const listed = manifest.stacks.map((stack) => stack.name);
  const problems: string[] = [];
  if (JSON.stringify(listed) !== JSON.stringify(names)) {
    problems.push(
      `the bundle holds the stacks ${JSON.stringify(listed)}, but this apply is of ${environment}'s ${JSON.stringify(names)}` +
        `${listed.length ? '' : ' (a bundle of no stacks applies nothing)'}: a bundle is applied whole, ` +
        `every stack unless named (npm run apply -- plans/${environment} ${listed.join(' ') || '<stack>'}); ${REPLAN_HINT}`,
    );
  }
  for (const stack of manifest.stacks) {
    const expected = { tfplan: `${stack.name}.tfplan`, config: stack.name, workdir: `cdktf.out/stacks/${stack.name}` };
    for (const [field, value] of Object.entries(expected) as [keyof typeof expected, string][]) {
      if (stack[field] !== value) problems.push(`stack ${stack.name}: the manifest puts its ${field} at ${JSON.stringify(stack[field])}, not ${JSON.stringify(value)} where npm run plan puts it; ${REPLAN_HINT}`);
    }
  }
  return problems;
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
    ...manifestProblems(manifest, {
      environment: options.environment,
      source: gitSource(options.projectRoot),
      terraform: await terraformVersion(),
      packaging: options.settings?.packaging ?? 'archive-provider',
      credentials: options.settings?.credentials ?? 'deploy-role',
    }),
  ];
  if (problems.length) throw new BundleRefused(problems);
  const { stacks, plans, summaries } = await prepareStacks(options, manifest, progress);

  const applied: string[] = [];
  // Where each gradual release's runner records how it ended (GradualRelease): a rolled-back
  // release leaves Terraform's apply successful, so it is failed here.
  const outcomes = fs.mkdtempSync(path.join(os.tmpdir(), 'release-outcomes-'));
  try {
    for (const stack of stacks) {
      const reviewed = path.basename(plans.get(stack.name)!);
      progress(`${stack.name}: terraform apply ${CHECKED_PLAN}, this checkout's plan, which does what the reviewed ${reviewed} (sha256 ${manifest.files[reviewed]}) does`);
      // A lock someone else holds (a person's cdktf deploy) is waited for, not failed on half-way;
      // a state that moved since the check makes Terraform refuse the plan as stale.
      const outcomeFile = path.join(outcomes, `${stack.name}.jsonl`);
      const run = await runTerraform(stack.dir, ['apply', '-input=false', '-no-color', `-lock-timeout=${options.lockTimeoutSeconds ?? DEFAULT_LOCK_TIMEOUT_SECONDS}s`, CHECKED_PLAN], {
        onLine: (line) => progress(`${stack.name}: ${line}`),
        env: { RELEASE_OUTCOME_FILE: outcomeFile },
      });
      if (run.status !== 0) {
        // A release that did not start fails its runner, and so the apply (GradualRelease): say so, and that the next plan retries it.
        const unstarted = releaseOutcomes(outcomeFile, stack.name).filter((outcome) => outcome.status === 'failed');
        const message =
          terraformFailure(stack.name, 'apply', run) +
          unstarted.map((outcome) => `\n${describeUnreleased(outcome)}; Terraform marked its release tainted, so the next plan starts it again`).join('');
        const result = { applied, failed: { stack: stack.name, message }, smoke: [] };
        const rest = stacks.slice(applied.length + 1).map((later) => later.name);
        throw new ApplyError(
          `stack ${stack.name} failed to apply${applied.length ? ` (applied before it: ${applied.join(', ')})` : ' (nothing applied before it)'}` +
            `${rest.length ? `; not applied: ${rest.join(', ')}` : ''}:\n${message}\n` +
            `Next: fix the cause above, then plan again from this commit (npm run plan; in the workflows, a pull request) and apply that plan: ` +
            `${applied.length ? `the state of ${applied.join(', ')} moved, so this bundle is refused for them now` : `a failed apply keeps what it finished, so the state of ${stack.name} may have moved and this bundle be refused for it`}.`,
          result,
        );
      }
      applied.push(stack.name);
      // A stack whose plan releases by CodeDeploy must say how its release ended; anything but
      // succeeded or unchanged (a runner that never ran, an unknown status) fails, as a rollback does.
      const releasing = summaries.find((summary) => summary.stack === stack.name)?.release?.by === 'CodeDeploy';
      const recorded = releaseOutcomes(outcomeFile, stack.name);
      if (releasing && !recorded.length) {
        recorded.push({ functionName: stack.name, targetVersion: '(new)', status: 'failed', reason: 'its release runner recorded no outcome (did node run?)' });
      }
      const unreleased = recorded.filter((outcome) => outcome.status !== 'succeeded' && outcome.status !== 'unchanged');
      if (unreleased.length) {
        const rest = stacks.slice(applied.length).map((later) => later.name);
        const message = unreleased.map(describeUnreleased).join('\n');
        throw new ApplyError(
          `stack ${stack.name} applied, but ${message}${rest.length ? `; not applied: ${rest.join(', ')}` : ''}.\n` +
            'Next: find why the new version fails (the alarm, the function\'s logs), fix it and ship the fix. Until then the alias stays where CodeDeploy left it, ' +
            'and plans show no change of it (docs/releases-and-rollback.md, "How a release runs").',
          { applied, failed: { stack: stack.name, message }, smoke: [] },
        );
      }
    }
  } finally {
    fs.rmSync(outcomes, { recursive: true, force: true });
  }

  const tiers = stacks.filter((stack) => (TIERS as readonly string[]).includes(stack.name));
  if (!tiers.length) return { applied, smoke: [] };
  const stacksDir = path.dirname(tiers[0].dir);
  progress('smoke checks');
  const smoke = await (
    options.smoke ??
    ((dir: string) =>
      smokeChecks({
        projectRoot: options.projectRoot,
        environment: options.environment,
        stacksDir: dir,
        tiers: tiers.map((tier) => tier.name),
        credentials: options.settings?.credentials,
        // Right after a first deploy a stage may not reach its function yet.
        retry: { ...APPLY_PROPAGATION_RETRY, say: (line) => progress(`smoke: ${line}`) },
      }))
  )(stacksDir);
  return { applied, smoke };
}

/** The outcomes a stack's releases recorded during its apply (none where it releases all at once or nothing changed). */
function releaseOutcomes(file: string, stack: string): ReleaseOutcome[] {
  if (!fs.existsSync(file)) return [];
  return fs
    .readFileSync(file, 'utf8')
    .split('\n')
    .filter((line) => line.trim())
    .map((line) => {
      try {
        return JSON.parse(line) as ReleaseOutcome;
      } catch {
        return { functionName: stack, targetVersion: '(unknown)', status: 'unknown', reason: `its release runner recorded an unreadable outcome: ${line.slice(0, 200)}` } as ReleaseOutcome;
      }
    });
}

function describeUnreleased(outcome: ReleaseOutcome): string {
  const what = `its release of ${outcome.functionName} version ${outcome.targetVersion}`;
  const live = outcome.liveVersion ? `; live serves version ${outcome.liveVersion}` : '';
  if (outcome.status === 'rolled-back') return `${what} was rolled back (${outcome.reason})${live}`;
  if (outcome.status === 'failed') return `${what} did not start: ${outcome.reason}${live}`;
  if (outcome.status === 'unknown' && outcome.deploymentId) {
    return `${what} started (CodeDeploy deployment ${outcome.deploymentId}) but its end is unknown (${outcome.reason}); CodeDeploy completes it or rolls it back on its own: see that deployment`;
  }
  if (outcome.status === 'unknown') return `${what} has no known end: ${outcome.reason}`;
  return `${what} ended ${JSON.stringify(outcome.status)}, not succeeded${live}`;
}

async function main(): Promise<number> {
  const { bundle, stacks } = parseApplyArgs(process.argv.slice(2));
  const { environmentName: environment, packaging, credentials, localAwsEndpoint } = synthSettingsFrom(process.env);
  const progress = (line: string) => process.stderr.write(`${line}\n`);
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.once(signal, () => {
      progress(`apply: ${signal}: stopping terraform`);
      void interruptTerraform().then(() => process.exit(130));
    });
  }
  try {
    const result = await applyBundle({ projectRoot: PROJECT_ROOT, bundleDir: path.resolve(bundle), environment, stacks, settings: { packaging, credentials, localAwsEndpoint }, progress });
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
