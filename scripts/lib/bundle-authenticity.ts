/**
 * Whether a saved plan is a plan of this checkout's code against the state there is now, read
 * from the plan itself and never from what a bundle says of it. `terraform apply <plan>` applies
 * what the plan file holds: its changes, with the backend it names, to the state it carries
 * (Terraform's `apply` command: "the saved plan file … contains all the information Terraform
 * needs"), and it refuses only a plan whose state's lineage and serial moved. A hand-made plan
 * can carry another configuration, backend, lock file or state under the right lineage and
 * serial; each check below closes one of those ways.
 */
import { createHash } from 'crypto';
import * as fs from 'fs';
import * as path from 'path';
import { unzipSync } from 'fflate';
import { PlannedChange, SavedPlan, UNKNOWN } from './saved-plan';

/** A stack as the applying checkout synthesizes it. */
export interface CheckoutStack {
  readonly name: string;
  /** Its synthesized folder (cdk.tf.json, .terraform.lock.hcl, assets/). */
  readonly dir: string;
}

/** The files Terraform reads as configuration in a module folder (`.tf` and `.tf.json`). */
export function configFileNames(dir: string): string[] {
  return fs
    .readdirSync(dir, { withFileTypes: true })
    .filter((entry) => entry.isFile() && /\.tf(\.json)?$/.test(entry.name))
    .map((entry) => entry.name)
    .sort();
}

const sha256 = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex');

/** A lock file's provider entries: every line but comments and blank ones (comments mean nothing to Terraform, which drops them). */
export function lockEntries(text: string): string {
  return text
    .split('\n')
    .filter((line) => line.trim() !== '' && !line.trimStart().startsWith('#'))
    .join('\n');
}

/** A value without null, '', empty lists and empty objects, at any depth: how Terraform's unset and an absent setting compare equal. */
function setParts(value: unknown): unknown {
  if (Array.isArray(value)) return value.length ? value.map(setParts) : undefined;
  if (value && typeof value === 'object') {
    const entries = Object.entries(value).map(([key, inner]) => [key, setParts(inner)] as const).filter(([, inner]) => inner !== undefined);
    return entries.length ? Object.fromEntries(entries.sort(([a], [b]) => a.localeCompare(b))) : undefined;
  }
  return value === null || value === '' ? undefined : value;
}

const same = (a: unknown, b: unknown) => JSON.stringify(setParts(a)) === JSON.stringify(setParts(b));

/** `type.name`, `data.type.name`, with `[key]` for an instance of count or for_each, as Terraform writes addresses. */
function instanceAddress(resource: any, instance: any): string {
  const key = instance.index_key === undefined ? '' : `[${typeof instance.index_key === 'number' ? instance.index_key : JSON.stringify(instance.index_key)}]`;
  return `${resource.mode === 'data' ? 'data.' : ''}${resource.type}.${resource.name}${key}`;
}

/** Each object of a state (`tfstate`'s JSON) by address (`#<deposed key>` for a deposed one) → its attributes. */
function objectsOf(state: any): Map<string, any> {
  const objects = new Map<string, any>();
  for (const resource of state?.resources ?? []) {
    if (resource.module) continue;
    for (const instance of resource.instances ?? []) {
      objects.set(`${instanceAddress(resource, instance)}${instance.deposed ? `#${instance.deposed}` : ''}`, instance.attributes ?? {});
    }
  }
  return objects;
}

/** The resource an instance address belongs to: `aws_x.y["a"]` → `aws_x.y`. */
const resourceOf = (address: string) => address.replace(/\[[^\]]*\]$/, '');

const REPLAN = 'plan again from this commit (npm run plan) and have that plan reviewed';

/**
 * Why `plan` (the stack's saved plan) must not be applied by this checkout: each a sentence naming
 * the stack, what differs and what to do; empty when it is this checkout's plan against
 * `currentState` (`terraform state pull`, '' for none). `bundleStackDir` is the bundle's folder of
 * the stack, whose files must be the checkout's own, or outputs the plan itself describes.
 */
export function savedPlanProblems(stack: CheckoutStack, plan: SavedPlan, currentState: string, bundleStackDir?: string): string[] {
  const problems: string[] = [];
  const say = (problem: string) => problems.push(`stack ${stack.name}: ${problem}`);
  const config = JSON.parse(fs.readFileSync(path.join(stack.dir, 'cdk.tf.json'), 'utf8'));

  // The configuration it carries, byte for byte, and nothing else of it.
  const ours = configFileNames(stack.dir);
  const theirs = Object.keys(plan.configFiles).sort();
  if (JSON.stringify(ours) !== JSON.stringify(theirs)) {
    say(`the saved plan's configuration is the files ${JSON.stringify(theirs)}, this checkout synthesizes ${JSON.stringify(ours)}: it was not planned from this code; ${REPLAN}`);
  } else {
    for (const file of ours) {
      const here = sha256(fs.readFileSync(path.join(stack.dir, file)));
      const planned = sha256(plan.configFiles[file]);
      if (here !== planned) say(`the saved plan's ${file} (sha256 ${planned}) is not the one this checkout synthesizes (sha256 ${here}): it was not planned from this code; ${REPLAN}`);
    }
  }
  const expected = new Set(['tfplan', 'tfstate', 'tfstate-prev', 'tfconfig/modules.json', '.terraform.lock.hcl', ...ours.map((file) => `tfconfig/m-/${file}`)]);
  const extra = Object.keys(plan.entries).filter((entry) => !entry.endsWith('/') && !expected.has(entry));
  if (extra.length) say(`the saved plan holds ${extra.map((entry) => JSON.stringify(entry)).join(', ')}, which no plan of this configuration holds; ${REPLAN}`);
  const modules = plan.entries['tfconfig/modules.json'];
  let moduleList: unknown;
  try {
    moduleList = modules && JSON.parse(Buffer.from(modules).toString('utf8'));
  } catch {
    moduleList = undefined;
  }
  if (JSON.stringify(moduleList) !== JSON.stringify([{ Key: '', Dir: '.' }])) say(`the saved plan's modules are not this configuration's (one root module, no others); ${REPLAN}`);

  // The providers it was planned with.
  const lock = fs.readFileSync(path.join(stack.dir, '.terraform.lock.hcl'), 'utf8');
  if (plan.lockFile === undefined || lockEntries(plan.lockFile) !== lockEntries(lock)) {
    say(`the saved plan's lock file is not the one this checkout synthesizes from providers.lock.hcl (other providers or checksums); ${REPLAN}`);
  }

  // Where it writes the state.
  const [backendType, backendConfig] = Object.entries<any>(config.terraform?.backend ?? { local: {} })[0];
  const backend = plan.plan.backend;
  if (!backend || backend.type !== backendType || backend.workspace !== 'default' || !same(backend.config, backendConfig)) {
    say(
      `the saved plan writes its state to the ${backend ? `${backend.type} backend ${JSON.stringify(setParts(backend.config) ?? {})} (workspace ${backend.workspace})` : 'no backend'}, ` +
        `but this checkout's is the ${backendType} backend ${JSON.stringify(setParts(backendConfig) ?? {})} (workspace default); ${REPLAN}`,
    );
  }

  // A whole, normal plan: nothing a reviewer did not see in the configuration.
  if (plan.plan.mode !== 'normal') say(`the saved plan is a ${plan.plan.mode} plan; only a normal plan of the configuration is applied; ${REPLAN}`);
  if (plan.plan.errored) say(`the saved plan is of a plan that failed (errored), and cannot be applied; ${REPLAN}`);
  if (plan.plan.targets.length) say(`the saved plan is limited to ${plan.plan.targets.join(', ')} (-target); ${REPLAN} without -target`);
  if (plan.plan.forceReplace.length) say(`the saved plan replaces ${plan.plan.forceReplace.join(', ')} though the configuration did not change them (-replace); ${REPLAN} without -replace`);
  if (plan.plan.variables.length) say(`the saved plan sets variables (${plan.plan.variables.join(', ')}), and this configuration declares none; ${REPLAN}`);

  // The state it was planned against is the state there is.
  const current = currentState.trim() ? JSON.parse(currentState) : { resources: [], outputs: {} };
  const stored = plan.previousState ?? {};
  if (!same(stored.resources, current.resources) || !same(stored.outputs, current.outputs)) {
    say(`the state the saved plan carries is not the stack's state (its resources or outputs differ, though Terraform compares only lineage and serial); ${REPLAN}`);
  }
  const before = objectsOf(stored);
  const refreshed = objectsOf(plan.state);
  for (const [address, attributes] of refreshed) {
    if (address.startsWith('data.')) continue;
    if (!before.has(address) || before.get(address).id !== attributes.id) {
      say(`the saved plan's refreshed state holds ${address} (id ${JSON.stringify(attributes.id)}), which the stack's state does not; ${REPLAN}`);
    }
  }

  // Its changes touch only objects of this stack, and delete only what the configuration dropped.
  const configured = new Set(Object.entries<any>(config.resource ?? {}).flatMap(([type, resources]) => Object.keys(resources).map((name) => `${type}.${name}`)));
  const repeated = new Set(
    Object.entries<any>(config.resource ?? {}).flatMap(([type, resources]) =>
      Object.entries<any>(resources)
        .filter(([, body]) => body.count !== undefined || body.for_each !== undefined)
        .map(([name]) => `${type}.${name}`),
    ),
  );
  for (const change of plan.plan.changes) problems.push(...changeProblems(stack.name, change, configured, repeated, refreshed));

  // Files the bundle brings for this stack.
  if (bundleStackDir) problems.push(...bundleStackFileProblems(stack, config, plan, bundleStackDir));
  return problems;
}

function changeProblems(stackName: string, change: PlannedChange, configured: Set<string>, repeated: Set<string>, refreshed: Map<string, any>): string[] {
  const problems: string[] = [];
  const say = (problem: string) => problems.push(`stack ${stackName}: the saved plan ${problem}; ${REPLAN}`);
  if (change.address.startsWith('data.')) return problems;
  const resource = resourceOf(change.address);
  const inConfig = configured.has(resource);
  const removes = change.action === 'delete' || change.action === 'forget';
  if (change.action === 'unknown') say(`changes ${change.address} in a way this apply does not know`);
  else if (removes && inConfig && !repeated.has(resource) && !change.deposedKey) say(`${change.action === 'forget' ? 'forgets' : 'deletes'} ${change.address}, which the configuration still has`);
  else if (!removes && !inConfig) say(`${change.action}s ${change.address}, which is not in the configuration`);
  if (change.before !== undefined && change.before !== null) {
    const id = (change.before as any)?.id;
    const object = refreshed.get(`${change.address}${change.deposedKey ? `#${change.deposedKey}` : ''}`);
    if (!object) say(`${change.action}s ${change.address} (id ${JSON.stringify(id === UNKNOWN ? '(unknown)' : id)}), which the state it carries does not hold`);
    else if (id !== object.id) say(`${change.action}s ${change.address} as the object ${JSON.stringify(id)}, but the state holds ${JSON.stringify(object.id)} there`);
  }
  return problems;
}

/**
 * The bundle's folder of a stack may hold the checkout's own files (the same bytes) and the zips
 * `archive_file` wrote at plan, which are checked against the plan (their sha256 as the plan
 * read it) and the checkout (the file they zip).
 */
function bundleStackFileProblems(stack: CheckoutStack, config: any, plan: SavedPlan, bundleStackDir: string): string[] {
  const problems: string[] = [];
  const say = (problem: string) => problems.push(`stack ${stack.name}: ${problem}`);
  const archives = new Map<string, { name: string; sourceFile: string }>();
  for (const [name, body] of Object.entries<any>(config.data?.archive_file ?? {})) archives.set(path.posix.normalize(body.output_path), { name, sourceFile: body.source_file });
  const refreshed = objectsOf(plan.state);
  for (const file of listFiles(bundleStackDir)) {
    const bundled = fs.readFileSync(path.join(bundleStackDir, file));
    const archive = archives.get(file);
    if (archive) {
      const planned = refreshed.get(`data.archive_file.${archive.name}`)?.output_base64sha256;
      const actual = createHash('sha256').update(bundled).digest('base64');
      if (planned !== actual) {
        say(`the bundle's ${file} (base64 sha256 ${actual}) is not the zip the plan made (${planned ?? 'none recorded'}); ${REPLAN}`);
        continue;
      }
      let entries: Record<string, Uint8Array> = {};
      try {
        entries = unzipSync(new Uint8Array(bundled));
      } catch {
        // reported below: it holds nothing of the checkout
      }
      const source = fs.readFileSync(path.join(stack.dir, archive.sourceFile));
      const names = Object.keys(entries);
      if (names.length !== 1 || names[0] !== path.posix.basename(archive.sourceFile) || sha256(entries[names[0]]) !== sha256(source)) {
        say(`the bundle's ${file} does not hold exactly this checkout's ${archive.sourceFile}; ${REPLAN}`);
      }
      continue;
    }
    const ours = path.join(stack.dir, file);
    if (!fs.statSync(ours, { throwIfNoEntry: false })?.isFile()) {
      say(`the bundle's ${file} is not a file this checkout synthesizes or the plan describes; ${REPLAN}`);
      continue;
    }
    const here = fs.readFileSync(ours);
    // `terraform init` may rewrite a lock file's comments, never its entries.
    const differs = file === '.terraform.lock.hcl' ? lockEntries(bundled.toString('utf8')) !== lockEntries(here.toString('utf8')) : sha256(bundled) !== sha256(here);
    if (differs) say(`the bundle's ${file} is not the one this checkout synthesizes; ${REPLAN}`);
  }
  return problems;
}

/** Every file under `dir`, as sorted posix paths relative to it. */
export function listFiles(dir: string): string[] {
  const files: string[] = [];
  const walk = (relative: string) => {
    for (const entry of fs.readdirSync(path.join(dir, relative), { withFileTypes: true })) {
      const inner = relative ? `${relative}/${entry.name}` : entry.name;
      if (entry.isDirectory()) walk(inner);
      else files.push(inner);
    }
  };
  if (fs.existsSync(dir)) walk('');
  return files.sort();
}
