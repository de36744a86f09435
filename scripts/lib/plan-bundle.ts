/**
 * The plan bundle: what `npm run plan` leaves in plans/<environment>/ so that exactly the
 * reviewed plan can be applied later, from another checkout at another path. Per stack: the
 * saved plan (`<stack>.tfplan`, which carries the configuration and the state it was planned
 * against), and in `<stack>/` the files terraform needs beside it to apply (cdk.tf.json, the
 * lock file, the function's zip and whatever else the configuration names under assets/).
 * `manifest.json` says where it came from and holds the sha256 of every other file.
 */
import { createHash } from 'crypto';
import * as fs from 'fs';
import * as path from 'path';
import { unzipSync } from 'fflate';
import { GitSource } from './git-source';

export const MANIFEST_FILE = 'manifest.json';
/** Bumped when the manifest changes shape: an older `npm run apply` refuses a newer bundle. */
export const BUNDLE_FORMAT = 2;

/** A state as Terraform identifies it: lineage '' and serial 0 when there is no state yet. */
export interface StateStamp {
  readonly lineage: string;
  readonly serial: number;
}

export interface BundleStack {
  readonly name: string;
  /** The saved plan, relative to the bundle. */
  readonly tfplan: string;
  /** The folder of the files terraform needs beside the plan, relative to the bundle. */
  readonly config: string;
  /**
   * Where the stack was planned, relative to the project root: it is applied at the same place
   * in the applying checkout, so relative paths (a local state's) mean the same.
   */
  readonly workdir: string;
  /** The state the plan was made against, as recorded in the plan itself (for people: apply reads the plan). */
  readonly state: StateStamp;
}

export interface BundleManifest {
  readonly format: number;
  readonly environment: string;
  /** The commit planned; null when the project was not a git checkout. */
  readonly source: GitSource | null;
  /** Planned with dummy keys (`--offline`): shows changes, cannot be applied. */
  readonly offline: boolean;
  /** A refresh-only plan (`--drift`): reports drift, is not applied. */
  readonly drift: boolean;
  readonly packaging: string;
  /** DEPLOY_CREDENTIALS of the plan (`deploy-role` or `caller`). */
  readonly credentials: string;
  /** `terraform version` that planned; a plan applies only with the same version. */
  readonly terraform: string;
  /** Provider source → version, from the stacks' lock files. */
  readonly providers: Readonly<Record<string, string>>;
  /** In the order they are applied. */
  readonly stacks: readonly BundleStack[];
  /** Every file of the bundle but the manifest (posix path relative to it) → sha256 hex. */
  readonly files: Readonly<Record<string, string>>;
}

/** Files beside cdk.tf.json that a plan needs at apply. */
const STACK_FILES = ['cdk.tf.json', '.terraform.lock.hcl'];

/**
 * Copies into `destDir` what terraform needs beside a stack's saved plan: cdk.tf.json, the lock
 * file and every file the configuration names under assets/ (the function's zip; with the
 * archive provider, the zip it wrote during plan and its source). Earlier synths' leftovers in
 * assets/ are not copied: only what this configuration refers to.
 */
export function copyStackConfig(stackDir: string, destDir: string): void {
  fs.mkdirSync(destDir, { recursive: true });
  for (const file of STACK_FILES) fs.copyFileSync(path.join(stackDir, file), path.join(destDir, file));
  const config = JSON.parse(fs.readFileSync(path.join(stackDir, 'cdk.tf.json'), 'utf8'));
  for (const asset of assetPaths(config)) {
    const source = path.join(stackDir, asset);
    if (!fs.statSync(source, { throwIfNoEntry: false })?.isFile()) continue;
    fs.mkdirSync(path.dirname(path.join(destDir, asset)), { recursive: true });
    fs.copyFileSync(source, path.join(destDir, asset));
  }
}

/** Every string in a configuration that is a relative path under assets/. */
function assetPaths(value: unknown, found = new Set<string>()): Set<string> {
  if (typeof value === 'string') {
    if (/^assets\/[^${}]+$/.test(value) && !value.split('/').includes('..')) found.add(value);
  } else if (value && typeof value === 'object') {
    for (const inner of Object.values(value)) assetPaths(inner, found);
  }
  return found;
}

/** The state a saved plan was made against: the `tfstate` entry terraform stores in it. */
export function planState(tfplanFile: string): StateStamp {
  const entries = unzipSync(fs.readFileSync(tfplanFile), { filter: (entry) => entry.name === 'tfstate' });
  const state = entries.tfstate;
  if (!state) throw new Error(`${tfplanFile} holds no tfstate: it is not a terraform plan file`);
  return stateStamp(Buffer.from(state).toString('utf8'));
}

/** Lineage and serial of a state's JSON (`terraform state pull`); empty text is no state. */
export function stateStamp(stateJson: string): StateStamp {
  if (!stateJson.trim()) return { lineage: '', serial: 0 };
  const state = JSON.parse(stateJson);
  return { lineage: String(state.lineage ?? ''), serial: Number(state.serial ?? 0) };
}

/** Provider source → version, as a `.terraform.lock.hcl` pins them. */
export function lockedProviders(lockFileText: string): Record<string, string> {
  const providers: Record<string, string> = {};
  for (const match of lockFileText.matchAll(/^provider "([^"]+)" \{\s*\n\s*version\s*=\s*"([^"]+)"/gm)) providers[match[1]] = match[2];
  return providers;
}

function sha256(file: string): string {
  return createHash('sha256').update(fs.readFileSync(file)).digest('hex');
}

/** Every file under `dir` but the manifest, as sorted posix paths relative to it. */
function bundleFiles(dir: string): string[] {
  const files: string[] = [];
  const walk = (relative: string) => {
    for (const entry of fs.readdirSync(path.join(dir, relative), { withFileTypes: true })) {
      const inner = relative ? `${relative}/${entry.name}` : entry.name;
      if (entry.isDirectory()) walk(inner);
      else if (inner !== MANIFEST_FILE) files.push(inner);
    }
  };
  walk('');
  return files.sort();
}

/** Writes manifest.json with the sha256 of every file now in the bundle. */
export function writeManifest(bundleDir: string, fields: Omit<BundleManifest, 'format' | 'files'>): BundleManifest {
  const files = Object.fromEntries(bundleFiles(bundleDir).map((file) => [file, sha256(path.join(bundleDir, file))]));
  const manifest: BundleManifest = { format: BUNDLE_FORMAT, ...fields, files };
  fs.writeFileSync(path.join(bundleDir, MANIFEST_FILE), `${JSON.stringify(manifest, null, 2)}\n`);
  return manifest;
}

/** A bundle that must not be applied; the message says what differs and what to do. */
export class BundleRefused extends Error {
  constructor(readonly problems: readonly string[]) {
    super(`refused, nothing applied:\n${problems.map((problem) => `- ${problem}`).join('\n')}`);
    this.name = 'BundleRefused';
  }
}

const REPLAN = 'plan again (npm run plan) and have that plan reviewed';

/** Reads a bundle's manifest; refuses a folder that has none or an unknown format. */
export function readManifest(bundleDir: string): BundleManifest {
  const file = path.join(bundleDir, MANIFEST_FILE);
  if (!fs.existsSync(file)) throw new BundleRefused([`${bundleDir} has no ${MANIFEST_FILE}: it is not a plan bundle (npm run plan writes plans/<environment>/)`]);
  let manifest: BundleManifest;
  try {
    manifest = JSON.parse(fs.readFileSync(file, 'utf8'));
  } catch (error) {
    throw new BundleRefused([`${file} is not JSON (${(error as Error).message}); ${REPLAN}`]);
  }
  if (manifest?.format !== BUNDLE_FORMAT) {
    throw new BundleRefused([`${file} has format ${JSON.stringify(manifest?.format)}; this checkout applies format ${BUNDLE_FORMAT}: ${REPLAN}`]);
  }
  const shape = manifestShapeProblem(manifest);
  if (shape) throw new BundleRefused([`${file} ${shape}; ${REPLAN}`]);
  return manifest;
}

/** What of a manifest is not of the shape npm run plan writes (it is read before anything else is). */
function manifestShapeProblem(manifest: any): string | undefined {
  const text = (value: unknown) => typeof value === 'string';
  if (!Array.isArray(manifest.stacks)) return 'lists no stacks';
  for (const stack of manifest.stacks) {
    if (!stack || !['name', 'tfplan', 'config', 'workdir'].every((field) => text(stack[field]))) return `has a stack entry that is not {name, tfplan, config, workdir, state}: ${JSON.stringify(stack)}`;
    if (!/^[a-z][a-z0-9-]*$/.test(stack.name)) return `names a stack ${JSON.stringify(stack.name)}, which no stack is called`;
  }
  if (!manifest.files || typeof manifest.files !== 'object' || !Object.values(manifest.files).every(text)) return 'has no list of file hashes';
  for (const file of Object.keys(manifest.files)) {
    const parts = file.split('/');
    if (path.isAbsolute(file) || parts.includes('..') || parts.includes('') || parts.includes('.')) return `lists ${JSON.stringify(file)}, which is not a path inside the bundle`;
  }
  if (!text(manifest.environment) || !text(manifest.terraform)) return 'names no environment or Terraform version';
  return undefined;
}

/** Files that are missing, altered or not part of what was reviewed. */
export function bundleFileProblems(bundleDir: string, manifest: BundleManifest): string[] {
  const problems: string[] = [];
  for (const [file, hash] of Object.entries(manifest.files)) {
    const full = path.join(bundleDir, file);
    if (!fs.existsSync(full)) {
      problems.push(`${file} is missing from the bundle`);
      continue;
    }
    const now = sha256(full);
    if (now !== hash) problems.push(`${file} was changed after the plan (sha256 ${now}, the manifest says ${hash})`);
  }
  for (const file of bundleFiles(bundleDir)) {
    if (!(file in manifest.files)) problems.push(`${file} is not part of the planned bundle (not in ${MANIFEST_FILE}); remove it or ${REPLAN}`);
  }
  return problems;
}

/** What the applying checkout is. */
export interface ApplyingCheckout {
  /** ENVIRONMENT of the apply. */
  readonly environment: string;
  readonly source: GitSource | undefined;
  /** `terraform version` here. */
  readonly terraform: string;
  /** FUNCTION_PACKAGING here. */
  readonly packaging: string;
  /** DEPLOY_CREDENTIALS here. */
  readonly credentials: string;
}

/** Why a bundle cannot be applied by this checkout, read from its manifest alone. */
export function manifestProblems(manifest: BundleManifest, here: ApplyingCheckout): string[] {
  const problems: string[] = [];
  if (manifest.environment !== here.environment) {
    problems.push(`the bundle is a plan of ${manifest.environment}, but ENVIRONMENT is ${here.environment}; set ENVIRONMENT=${manifest.environment} or apply plans/${here.environment}`);
  }
  if (manifest.offline) problems.push(`the bundle was planned offline, with dummy keys and no account checks; plan with AWS credentials to apply`);
  if (manifest.drift) problems.push(`the bundle is a --drift (refresh-only) plan, which reports drift and is not applied; plan without --drift`);
  if (!manifest.source) {
    problems.push(`the bundle was planned outside a git checkout, so nothing says which code it is; ${REPLAN} from a commit`);
  } else {
    if (manifest.source.dirty) problems.push(`the bundle was planned from a dirty tree (commit ${manifest.source.commit} plus uncommitted changes); commit, then ${REPLAN}`);
    if (!here.source) {
      problems.push('this folder is not a git checkout, so it cannot show it holds the planned code; apply from a checkout of the planned commit');
    } else {
      if (here.source.dirty) problems.push(`this checkout has uncommitted changes (git status); apply from a clean checkout of ${manifest.source.commit}`);
      if (here.source.tree !== manifest.source.tree) {
        problems.push(
          `the bundle was planned from commit ${manifest.source.commit} (tree ${manifest.source.tree}), but HEAD is ${here.source.commit} (tree ${here.source.tree}): ` +
            `the code differs; ${REPLAN} from HEAD`,
        );
      }
    }
  }
  // Said here for a clear message; the configuration check would refuse it anyway.
  if (manifest.packaging !== here.packaging) {
    problems.push(`the bundle was planned with FUNCTION_PACKAGING=${manifest.packaging}, this apply synthesizes ${here.packaging}: set FUNCTION_PACKAGING=${manifest.packaging}`);
  }
  if ((manifest.credentials ?? 'deploy-role') !== here.credentials) {
    problems.push(`the bundle was planned with DEPLOY_CREDENTIALS=${manifest.credentials ?? 'deploy-role'}, this apply synthesizes ${here.credentials}: set DEPLOY_CREDENTIALS=${manifest.credentials ?? 'deploy-role'}`);
  }
  if (manifest.terraform !== here.terraform) {
    problems.push(`the bundle was planned with Terraform ${manifest.terraform}, this machine has ${here.terraform}; a saved plan applies only with the version that made it`);
  }
  return problems;
}

/** Whether a stack's state is still the one it was planned against (`planned`: as the saved plan records it). */
export function stateProblem(stack: string, planned: StateStamp, now: StateStamp): string | undefined {
  if (now.lineage === planned.lineage && now.serial === planned.serial) return undefined;
  const describe = (stamp: StateStamp) => (stamp.lineage ? `lineage ${stamp.lineage} serial ${stamp.serial}` : 'no state');
  return (
    `stack ${stack}: its state moved since the plan (planned against ${describe(planned)}, now ${describe(now)}): ` +
    `something was applied in between; ${REPLAN}`
  );
}
