import * as fs from 'fs';
import * as path from 'path';
import { GREETING_VARIABLE } from '../../src/rules/defaults';
import { copyStackConfig } from './plan-bundle';
import { hideInText, hideSensitiveValues, sensitiveStrings } from './sensitive-values';
import { TerraformError, runTerraform as terraform } from './terraform-run';

/** What to do when terraform cannot reach the registry for a provider. */
export const AIR_GAPPED_HINT =
  'Terraform could not fetch a provider from the registry. Without registry access, point terraform at a filesystem mirror: docs/deploying.md, "Air-gapped use".';

/**
 * What to do about a provider terraform init could not install: for hashicorp/archive (which
 * a mirror may lack), the packaging setting that does without it; for any other, the mirror.
 */
export function providerInstallHint(text: string): string | undefined {
  if (!providerUnreachable(text)) return undefined;
  const missing = [...new Set([...text.matchAll(/(?:registry\.terraform\.io\/)?hashicorp\/([\w-]+)/g)].map((match) => match[1]))];
  if (missing.length === 1 && missing[0] === 'archive') {
    return (
      'Terraform could not install hashicorp/archive (not in the registry or mirror it uses). Synthesize without it: ' +
      'FUNCTION_PACKAGING=synth-zip npm run plan (docs/deploying.md, "Packaging the function"), or add hashicorp/archive 2.7.1 to the mirror.'
    );
  }
  return AIR_GAPPED_HINT;
}

/** Whether terraform init failed because a provider could not be downloaded. */
export function providerUnreachable(text: string): boolean {
  return /Failed to query available provider packages|Failed to install provider|could not connect to registry\.terraform\.io|provider registry\.terraform\.io\/[\w-]+\/[\w-]+ was not found/i.test(text);
}

/** One resource change of a plan, with the attributes a reviewer looks at. */
export interface ResourceChange {
  readonly address: string;
  /**
   * What happens to the object: `forget` removes it from the state and leaves it in AWS (a
   * `removed` block); `no-op` is listed only when the state changes otherwise (an import, a move).
   */
  readonly action: 'create' | 'update' | 'replace' | 'destroy' | 'forget' | 'read' | 'no-op';
  /** Attribute name → `before → after`, or the planned value for a create. */
  readonly details: Readonly<Record<string, string>>;
  /** The id of the AWS object this change imports into the state (an `import` block). */
  readonly importing?: string;
  /** The address the object had in the state before (a `moved` block). */
  readonly movedFrom?: string;
}

/** How many objects a plan changes, by what happens to them; any non-zero count is a change. */
export interface PlanCounts {
  readonly add: number;
  readonly change: number;
  readonly replace: number;
  readonly destroy: number;
  /** Taken into the state from AWS. */
  readonly import: number;
  /** Dropped from the state, left in AWS. */
  readonly forget: number;
  /** Given a new address in the state. */
  readonly move: number;
}

export const NO_CHANGES: PlanCounts = { add: 0, change: 0, replace: 0, destroy: 0, import: 0, forget: 0, move: 0 };

export interface StackPlan {
  readonly stack: string;
  readonly counts: PlanCounts;
  readonly changes: readonly ResourceChange[];
  /** Output name → planned value, or `(known after apply)`. */
  readonly outputs: Readonly<Record<string, string>>;
  /** Warnings of `terraform plan`: a reviewed plan has none. */
  readonly warnings: readonly string[];
  /** Warnings of `terraform init`, such as a lock file with this platform's hashes only. */
  readonly initWarnings: readonly string[];
  /** How the plan's new function version reaches callers; undefined where it publishes none. */
  readonly release?: PlannedRelease;
}

/** Who moves a new version's traffic, and how, in words. */
export interface PlannedRelease {
  readonly by: 'CodeDeploy' | 'Terraform';
  readonly how: string;
  /**
   * The release trigger is replaced, with the same version, because the release of that
   * version never started (its runner failed, so Terraform tainted it): this plan starts it again.
   */
  readonly retry?: true;
}

/** GradualRelease's trigger, replaced by each new version: it holds nothing in AWS. */
export const isReleaseTrigger = (address: string): boolean => /^terraform_data\.release_[0-9A-F]+$/.test(address);

export interface PlanFiles {
  readonly tfplan: string;
  readonly text: string;
  readonly json: string;
  /** The folder of what terraform needs beside the plan to apply it (plan-bundle.ts). */
  readonly config: string;
}

/**
 * `terraform init` and `terraform plan` for one synthesized stack, non-interactively and with
 * no provider lock step (which would ask the registry), writing `<stack>.tfplan`,
 * `<stack>.txt` and `<stack>.json` to `planDir`, and in `<stack>/` the files needed to apply the
 * saved plan elsewhere (plan-bundle.ts). Honours TF_CLI_CONFIG_FILE, so a filesystem
 * mirror serves the providers.
 */
export async function planStack(
  stack: string,
  stackDir: string,
  planDir: string,
  progress: (line: string) => void = () => undefined,
  options: { readonly refreshOnly?: boolean } = {},
): Promise<StackPlan & { files: PlanFiles; terraformVersion: string }> {
  fs.mkdirSync(planDir, { recursive: true });
  const files: PlanFiles = {
    tfplan: path.resolve(planDir, `${stack}.tfplan`),
    text: path.resolve(planDir, `${stack}.txt`),
    json: path.resolve(planDir, `${stack}.json`),
    config: path.resolve(planDir, stack),
  };
  progress(`${stack}: terraform init`);
  const init = await terraform(stackDir, ['init', '-input=false', '-no-color']);
  if (init.error || init.status !== 0) throw new TerraformError(stack, 'init', init, providerInstallHint(`${init.stderr}\n${init.stdout}`));
  const initWarnings = textWarnings(`${init.stdout}\n${init.stderr}`);

  progress(`${stack}: terraform plan`);
  // No state lock: a plan writes nothing, and the plan role may not write the lock object. What
  // keeps a plan from being applied over a newer state is `npm run apply`'s state check and
  // Terraform's own refusal of a stale saved plan.
  const plan = await terraform(stackDir, ['plan', '-input=false', '-no-color', '-lock=false', ...(options.refreshOnly ? ['-refresh-only'] : []), `-out=${files.tfplan}`]);
  if (plan.status !== 0) throw new TerraformError(stack, 'plan', plan);
  const warnings = textWarnings(`${plan.stdout}\n${plan.stderr}`);

  // One more provider start for the machine-readable plan; the text above is the plan's own.
  const json = await terraform(stackDir, ['show', '-json', files.tfplan]);
  if (json.status !== 0) throw new TerraformError(stack, 'show', json);
  // Only the saved plan keeps what Terraform marks sensitive (it holds the state by design):
  // Terraform's text hides it, but not a copy in an attribute the provider leaves unmarked.
  const shown = JSON.parse(json.stdout);
  const planJson = hideSensitiveValues(shown);
  fs.writeFileSync(files.json, `${JSON.stringify(planJson)}\n`);
  fs.writeFileSync(files.text, hideInText(plan.stdout, sensitiveStrings(shown)));
  // After the plan: with the archive provider, the zip is written during plan.
  copyStackConfig(stackDir, files.config);

  const summary = summarizePlanJson(stack, planJson, warnings, initWarnings, options.refreshOnly);
  progress(`${stack}: ${describeCounts(summary.counts)}, ${warnings.length} plan warnings`);
  return { ...summary, files, terraformVersion: String(planJson.terraform_version) };
}

/** The attributes worth a reviewer's eye, per resource type. */
const ATTRIBUTES: Record<string, Record<string, (values: any) => unknown>> = {
  aws_lambda_function: {
    memory: (v) => (v?.memory_size === undefined ? undefined : `${v.memory_size} MB`),
    runtime: (v) => v?.runtime,
    timeout: (v) => (v?.timeout === undefined ? undefined : `${v.timeout} s`),
    greeting: (v) => v?.environment?.[0]?.variables?.[GREETING_VARIABLE],
    reserved_concurrency: (v) => (v?.reserved_concurrent_executions >= 0 ? v.reserved_concurrent_executions : undefined),
    source_code_hash: (v) => v?.source_code_hash,
  },
  aws_api_gateway_stage: { stage: (v) => v?.stage_name },
  aws_api_gateway_method_settings: {
    throttle: (v) => {
      const settings = v?.settings?.[0];
      return settings ? `${settings.throttling_rate_limit}/s, burst ${settings.throttling_burst_limit}, each method` : undefined;
    },
  },
  aws_cloudwatch_log_group: { retention: (v) => (v?.retention_in_days === undefined ? undefined : `${v.retention_in_days} days`) },
};

function actionOf(actions: string[]): ResourceChange['action'] {
  if (actions.includes('forget')) return 'forget';
  if (actions.includes('delete') && actions.includes('create')) return 'replace';
  if (actions.includes('create')) return 'create';
  if (actions.includes('delete')) return 'destroy';
  if (actions.includes('update')) return 'update';
  if (actions.includes('read')) return 'read';
  return 'no-op';
}

/**
 * Attributes refresh fills in from other resources, which report themselves if they drift:
 * a role lists the policies its own attachment and policy resources added
 * (`managed_policy_arns`, `inline_policy`); a stage names the web ACL its
 * `aws_wafv2_web_acl_association` put in front of it (`web_acl_arn`, recorded empty when the
 * stage was created before the association).
 */
const VIEWS_OF_OTHER_RESOURCES: Record<string, readonly string[]> = {
  aws_iam_role: ['managed_policy_arns', 'inline_policy'],
  aws_api_gateway_stage: ['web_acl_arn'],
};

/**
 * Attributes the provider reads back as 0 where the configuration leaves them unset: a
 * metric-math query's `period` (PutMetricAlarm takes none for an expression; the provider
 * flattens the missing value to 0).
 */
const READ_BACK_AS_ZERO: Record<string, (values: any) => any> = {
  aws_cloudwatch_metric_alarm: (values) =>
    values?.metric_query ? { ...values, metric_query: values.metric_query.map((query: any) => (query.period === 0 ? { ...query, period: null } : query)) } : values,
};

/**
 * Whether a refresh-only change is drift: not an attribute read back as "", [] or {} where
 * the state held null (or as 0, {@link READ_BACK_AS_ZERO}), not a view of another resource.
 */
function isDrift(change: any): boolean {
  const ignored = VIEWS_OF_OTHER_RESOURCES[change.type] ?? [];
  const normalized = READ_BACK_AS_ZERO[change.type] ?? ((values: any) => values);
  const comparable = (values: any) =>
    withoutEmpty(normalized(values && Object.fromEntries(Object.entries(values).filter(([key]) => !ignored.includes(key)))));
  return JSON.stringify(comparable(change.change.before)) !== JSON.stringify(comparable(change.change.after));
}

/** A value with null, "", empty lists and empty maps left out, at any depth: how they compare equal. */
function withoutEmpty(value: unknown): unknown {
  if (Array.isArray(value)) return value.length ? value.map(withoutEmpty) : undefined;
  if (value && typeof value === 'object') {
    const entries = Object.entries(value).map(([key, inner]) => [key, withoutEmpty(inner)] as const).filter(([, inner]) => inner !== undefined);
    return entries.length ? Object.fromEntries(entries) : undefined;
  }
  return value === null || value === '' ? undefined : value;
}

const show = (value: unknown) => (value === undefined || value === null ? '(known after apply)' : String(value));

/**
 * `terraform plan`'s own line for counts (`N to add, N to change, N to replace, N to destroy`),
 * with imports, forgets and moves named where there are any.
 */
export function describeCounts(counts: PlanCounts): string {
  const extra = (['import', 'forget', 'move'] as const).filter((kind) => counts[kind] > 0).map((kind) => `${counts[kind]} to ${kind}`);
  return [`${counts.add} to add`, `${counts.change} to change`, `${counts.replace} to replace`, `${counts.destroy} to destroy`, ...extra].join(', ');
}

/** Whether a plan changes anything, in AWS or in the state alone. */
export const changesSomething = (counts: PlanCounts): boolean => Object.values(counts).some((count) => count > 0);

/**
 * Reads `terraform show -json` of a plan into counts, reviewed attributes and outputs, with
 * what Terraform marks sensitive hidden. Besides what changes in AWS, what changes only in the
 * state is counted and listed: an import (`change.importing`, even without a diff), a forget
 * (`forget`: a `removed` block) and a move (`previous_address`). For a refresh-only plan
 * (`drift`), what changed outside Terraform (`resource_drift`) is counted: a resource changed
 * in AWS as `change`, one deleted in AWS as `destroy`.
 */
export function summarizePlanJson(
  stack: string,
  rawPlanJson: any,
  warnings: readonly string[] = [],
  initWarnings: readonly string[] = [],
  drift = false,
): StackPlan {
  const planJson = hideSensitiveValues(rawPlanJson);
  const counts = { ...NO_CHANGES };
  const changes: ResourceChange[] = [];
  for (const change of (drift ? planJson.resource_drift : planJson.resource_changes) ?? []) {
    if (change.mode !== 'managed') continue;
    if (drift && !isDrift(change)) continue;
    const action = actionOf(change.change.actions);
    const importing = drift ? undefined : change.change.importing;
    const movedFrom = drift || !change.previous_address || change.previous_address === change.address ? undefined : String(change.previous_address);
    if (importing) counts.import++;
    if (movedFrom) counts.move++;
    if ((action === 'no-op' || action === 'read') && !importing && !movedFrom) continue;
    if (action === 'forget') {
      counts.forget++;
      // Replaced by a new object while the old one is forgotten (`create` and `forget`).
      if (change.change.actions.includes('create')) counts.add++;
    } else if (action !== 'no-op' && action !== 'read') {
      counts[({ create: 'add', update: 'change', replace: 'replace', destroy: 'destroy' } as const)[action]]++;
    }
    const details: Record<string, string> = {};
    for (const [name, read] of Object.entries(ATTRIBUTES[change.type] ?? {})) {
      const before = read(change.change.before);
      const after = read(change.change.after);
      if (action === 'create') {
        if (after !== undefined) details[name] = show(after);
      } else if (action === 'destroy' || action === 'forget') {
        if (before !== undefined) details[name] = show(before);
      } else if (JSON.stringify(before) !== JSON.stringify(after)) {
        details[name] = `${show(before)} → ${show(after)}`;
      }
    }
    changes.push({
      address: change.address,
      action,
      details,
      ...(importing && { importing: String(importing.id ?? importing.identity ?? '(an identity)') }),
      ...(movedFrom && { movedFrom }),
    });
  }
  const outputs: Record<string, string> = {};
  for (const [name, change] of Object.entries<any>(planJson.output_changes ?? {})) {
    if (change.actions.includes('delete') && !change.actions.includes('create')) continue;
    outputs[name] = change.after_unknown === true ? '(known after apply)' : show(change.after);
  }
  const release = drift ? undefined : releaseOf(planJson.resource_changes ?? []);
  return { stack, counts, changes, outputs, warnings: [...warnings], initWarnings: [...initWarnings], ...(release && { release }) };
}

/**
 * What releases a new version in a plan: a `release` terraform_data created (GradualRelease:
 * CodeDeploy shifts by its deployment configuration), or the alias moved by Terraform itself.
 */
function releaseOf(resourceChanges: readonly any[]): PlannedRelease | undefined {
  const gradual = resourceChanges.find((change) => change.mode === 'managed' && isReleaseTrigger(change.address) && change.change.actions.includes('create'));
  if (gradual) {
    const config = resourceChanges.find((change) => change.type === 'aws_codedeploy_deployment_config');
    const routing = (config?.change.after ?? config?.change.before)?.traffic_routing_config?.[0];
    const canary = routing?.time_based_canary?.[0];
    const linear = routing?.time_based_linear?.[0];
    const how = canary
      ? `canary by CodeDeploy: ${canary.percentage}% of traffic on the new version for ${canary.interval} min, then all of it, rolled back on an alarm`
      : linear
        ? `linear by CodeDeploy: ${linear.percentage}% more traffic on the new version every ${linear.interval} min, rolled back on an alarm`
        : 'by CodeDeploy';
    // Tainted, with the same version: a retry. With a new version (Terraform still says tainted), a release of that version.
    const sameVersion = !gradual.change.after_unknown?.triggers_replace && JSON.stringify(gradual.change.before?.triggers_replace) === JSON.stringify(gradual.change.after?.triggers_replace);
    return { by: 'CodeDeploy', how, ...(gradual.action_reason === 'replace_because_tainted' && sameVersion && { retry: true as const }) };
  }
  const alias = resourceChanges.find((change) => change.mode === 'managed' && change.type === 'aws_lambda_alias' && change.change.actions.includes('update'));
  const moves = alias && (alias.change.after_unknown?.function_version === true || alias.change.before?.function_version !== alias.change.after?.function_version);
  return moves ? { by: 'Terraform', how: 'all at once: Terraform moves the alias to the new version' } : undefined;
}

/** Summaries of the warnings in Terraform's human output (boxed or not). */
export function textWarnings(text: string): string[] {
  return [...text.matchAll(/^[│\s]*Warning: (.+)$/gm)].map((match) => match[1].trim());
}
