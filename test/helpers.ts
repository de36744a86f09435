import { createHash } from 'crypto';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { spawn, spawnSync } from 'child_process';
import { findProviderMirror } from '../scripts/air-gapped/provider-mirror';
import { copyProject } from '../scripts/lib/project-copy';
import { signalGroup, trackProcessGroup } from '../scripts/lib/terraform-run';

export const PROJECT_ROOT = path.resolve(__dirname, '..');
export const FIXTURE_HANDLER = path.join(__dirname, 'fixtures', 'index.js');
/** Stands in for the bundled release runner where a stack is only synthesized (an asset, never run). */
export const FIXTURE_RELEASE_RUNNER = path.join(__dirname, 'fixtures', 'release.js');
/** The seed's API Gateway sample events and their expected answers (lambda-src/events). */
export const EVENTS_DIR = path.join(PROJECT_ROOT, 'lambda-src', 'events');

/** The Terraform JSON of a synthesized scope, parsed. */
export function parse(synthesized: string): any {
  return JSON.parse(synthesized);
}

/** The only resource of a type in parsed Terraform JSON; fails when there are none or several. */
export function onlyResource(tf: any, type: string): any {
  const resources = Object.values(tf.resource?.[type] ?? {});
  if (resources.length !== 1) throw new Error(`expected one ${type}, found ${resources.length}`);
  return resources[0];
}

const tempDirs: string[] = [];

/** A new folder under the system's temporary folder, removed after the test file (see setup.ts). */
export function makeTempDir(prefix: string): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  tempDirs.push(dir);
  return dir;
}

export function removeTempDirs(): void {
  for (const dir of tempDirs.splice(0)) fs.rmSync(dir, { recursive: true, force: true });
}

/** A checkout of the app's sources in a folder of its own, sharing this one's node_modules. */
export function checkout(): string {
  const dir = copyProject(PROJECT_ROOT, 'checkout-');
  tempDirs.push(dir);
  return dir;
}

/**
 * Why tests that run terraform at all are skipped: `npm run test:unit` (TEST_UNIT=1) runs
 * none, and a machine without terraform cannot. Undefined when they run.
 */
export function terraformMissingReason(): string | undefined {
  if (process.env.TEST_UNIT === '1') return 'TEST_UNIT=1 (npm run test:unit): no terraform, no emulator';
  if (spawnSync('terraform', ['version'], { encoding: 'utf8' }).status !== 0) return 'terraform is not on PATH';
  return undefined;
}

/**
 * Why tests that run real terraform with the AWS provider from a mirror cannot run on this
 * machine, or undefined when they can.
 */
export function terraformSkipReason(): string | undefined {
  const missing = terraformMissingReason();
  if (missing) return missing;
  if (!findProviderMirror()) return 'no provider mirror with hashicorp/aws (set TF_PLUGIN_MIRROR to one made by `terraform providers mirror`)';
  return undefined;
}

/**
 * The jest timeout of a case that runs terraform or the emulator: what it needs alone here
 * (`aloneMs`, already with room), three times over, so that a loaded machine (the other jest
 * worker, a CPU hog) fails no case on time alone. No case asserts on the wall clock.
 */
export const underLoad = (aloneMs: number): number => aloneMs * 3;

/** How a command run by {@link runAsTyped} ended, and what it printed (stdout and stderr, interleaved). */
export interface Finished {
  readonly code: number | null;
  readonly output: string;
}

/**
 * Runs a command as a shell would, in a process group of its own that is killed whole after
 * `timeoutMs`; terminal escape codes are stripped, so the output is what a person reads.
 */
export function runAsTyped(
  command: string,
  args: readonly string[],
  options: { cwd: string; env: NodeJS.ProcessEnv; timeoutMs?: number; /** Sees the output as it comes. */ onOutput?: (soFar: string) => void },
): Promise<Finished> {
  return new Promise((resolve) => {
    const child = spawn(command, args, { cwd: options.cwd, env: { ...process.env, ...options.env }, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
    // Stopped with the rest of this process's groups: on a signal and after each test file (setup.ts).
    trackProcessGroup(child);
    let output = '';
    const take = (chunk: string) => {
      output += chunk;
      options.onOutput?.(output);
    };
    child.stdout.setEncoding('utf8').on('data', take);
    child.stderr.setEncoding('utf8').on('data', take);
    const timer = setTimeout(() => signalGroup(child, 'SIGKILL'), options.timeoutMs ?? underLoad(240_000));
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, output: output.replace(/\x1b\[[0-9;?]*[A-Za-z]/g, '') });
    });
  });
}

/** The ids of this machine's processes for which `where` (given the id as /proc names it) holds. */
export function processIds(where: (pid: string) => boolean): number[] {
  return fs
    .readdirSync('/proc')
    .filter((entry) => /^\d+$/.test(entry))
    .filter((pid) => {
      try {
        return where(pid);
      } catch {
        // gone meanwhile
        return false;
      }
    })
    .map(Number);
}

/** The variables `npm run emulator`'s export lines set in a shell. */
export function exportedEnvironment(lines: readonly string[]): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const line of lines) {
    for (const [, name, value] of line.replace(/\s+#.*$/, '').matchAll(/(\w+)=(\S+)/g)) env[name] = value;
  }
  return env;
}

/**
 * Every file under `dir` (symlinks not followed; git's index left out, which `git status` may
 * refresh) → its sha256: two equal snapshots mean nothing was written, removed or added.
 */
export function folderSnapshot(dir: string): Record<string, string> {
  const files: Record<string, string> = {};
  const walk = (relative: string) => {
    for (const entry of fs.readdirSync(path.join(dir, relative), { withFileTypes: true })) {
      const inner = path.join(relative, entry.name);
      if (entry.isDirectory()) walk(inner);
      else if (entry.isFile() && inner !== path.join('.git', 'index')) files[inner] = createHash('sha256').update(fs.readFileSync(path.join(dir, inner))).digest('hex');
      else if (entry.isSymbolicLink()) files[inner] = `-> ${fs.readlinkSync(path.join(dir, inner))}`;
    }
  };
  walk('');
  return files;
}

/** The README's quick start, command by command, as a newcomer types them. */
export interface QuickStart {
  readonly install: string;
  readonly emulator: string;
  readonly deploy: string;
  readonly hello: string;
  readonly destroy: string;
}

/**
 * Reads the commands of README.md's "Quick start" section (its `sh` blocks, comments left out)
 * and names each by what it does; throws when the section holds other commands than these, so
 * the README and the tests that type its commands cannot drift apart.
 */
export function readmeQuickStart(readme = fs.readFileSync(path.join(PROJECT_ROOT, 'README.md'), 'utf8')): QuickStart {
  const section = readme.split(/^## /m).find((part) => part.startsWith('Quick start'));
  if (!section) throw new Error('README.md has no "## Quick start" section');
  const commands = [...section.matchAll(/^```sh\n([\s\S]*?)^```/gm)]
    .flatMap(([, block]) => block.split('\n'))
    .map((line) => line.replace(/\s+#.*$/, '').trim())
    .filter(Boolean);
  const shapes: [keyof QuickStart, RegExp][] = [
    ['install', /^npm ci$/],
    ['emulator', /^npm run emulator$/],
    ['deploy', /^npx cdktf deploy account-settings standard premium --auto-approve$/],
    ['hello', /^curl "\$\(cd cdktf\.out\/stacks\/standard && terraform output -raw hello_url\)\?name=David"$/],
    ['destroy', /^npx cdktf destroy standard premium --auto-approve$/],
  ];
  if (commands.length !== shapes.length || shapes.some(([, shape], i) => !shape.test(commands[i]))) {
    throw new Error(`README.md's quick start runs ${JSON.stringify(commands)}; the tests type ${shapes.map(([, shape]) => shape.source).join(', ')}: change both together`);
  }
  return Object.fromEntries(shapes.map(([name], i) => [name, commands[i]])) as unknown as QuickStart;
}
