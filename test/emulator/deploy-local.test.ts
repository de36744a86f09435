/**
 * `npm run deploy:local` as a developer runs it, and the emulator's lifetime: whatever way
 * the run ends, no emulator, terraform or work folder is left behind.
 */
import { ChildProcess, spawn } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { emulatorUnavailableReason } from '../../scripts/emulator/aws-emulator';
import { parseDeployLocalArgs } from '../../scripts/deploy-local';
import { PROJECT_ROOT, processIds, terraformSkipReason, underLoad } from '../helpers';

const skipReason = terraformSkipReason() ?? emulatorUnavailableReason();
const describeEmulated = skipReason ? describe.skip : describe;
if (skipReason) console.warn(`Skipping the deploy:local tests: ${skipReason}.`);

interface Finished {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** Starts a TypeScript script of the project as npm would, collecting its output. */
function startScript(script: string, args: string[] = [], env: NodeJS.ProcessEnv = {}) {
  const child = spawn(process.execPath, ['--require', 'esbuild-register', script, ...args], {
    cwd: PROJECT_ROOT,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  const finished = new Promise<Finished>((resolve) => child.on('close', (code) => resolve({ code, stdout, stderr })));
  const waitFor = async (pattern: RegExp, timeoutMs = underLoad(60_000)): Promise<RegExpMatchArray> => {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const match = pattern.exec(stderr) ?? pattern.exec(stdout);
      if (match) return match;
      if (child.exitCode !== null || Date.now() > deadline) throw new Error(`never printed ${pattern}:\n${stdout}\n${stderr}`);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  };
  return { child, finished, waitFor };
}

/** Whether the process runs; an exited one that nobody has reaped yet (a zombie) does not. */
function alive(pid: number): boolean {
  try {
    return !/^\d+ \(.*\) Z /.test(fs.readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return false;
  }
}

/** Processes whose working directory is inside `dir` (terraform runs in the stack folders). */
function processesIn(dir: string): number[] {
  return processIds((pid) => fs.readlinkSync(`/proc/${pid}/cwd`).startsWith(dir));
}

async function until(condition: () => boolean, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) return false;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return true;
}

describe('deploy:local arguments', () => {
  it('takes the environment from --environment, else ENVIRONMENT, else dev', () => {
    expect(parseDeployLocalArgs(['--environment', 'prod'], {})).toEqual({ environment: 'prod' });
    expect(parseDeployLocalArgs(['-e', 'staging'], {})).toEqual({ environment: 'staging' });
    expect(parseDeployLocalArgs([], { ENVIRONMENT: 'prod' })).toEqual({ environment: 'prod' });
    expect(parseDeployLocalArgs([], {})).toEqual({ environment: 'dev' });
  });

  it('fails on an unknown option, naming it and the usage', () => {
    expect(() => parseDeployLocalArgs(['--env', 'prod'], {})).toThrow(/Unknown option '--env'[\s\S]*usage: npm run deploy:local \[-- --environment <name>\]/);
  });
});

describeEmulated('npm run deploy:local', () => {
  const running: ChildProcess[] = [];
  afterAll(() => {
    for (const child of running) if (child.exitCode === null) child.kill('SIGKILL');
  });

  it('deploys dev to a throw-away emulator, prints the outputs and a timing table, re-plans clean and destroys', async () => {
    const run = startScript('scripts/deploy-local.ts', ['--environment', 'dev']);
    running.push(run.child);
    const [, pid, workDir] = await run.waitFor(/emulator on http:\/\/127\.0\.0\.1:\d+ \(pid (\d+)\), working in (\S+)/);
    const { code, stdout, stderr } = await run.finished;
    expect({ code, stderr }).toEqual({ code: 0, stderr: expect.stringContaining('dev/standard: destroy') });
    expect(stdout).toMatch(/^standard:\n {2}function_name = "hello-world-dev-standard"\n {2}hello_url = "https:\/\/\w+\.execute-api\.eu-central-1\.amazonaws\.com\/test\/hello"/m);
    expect(stdout).toMatch(/^premium:\n {2}function_name = "hello-world-dev-premium"/m);
    expect(stdout).toMatch(
      /^stack +apply s +re-plan s +destroy s +re-plan\naccount-settings +[\d.]+ +[\d.]+ +[\d.]+ +no changes\nstandard +[\d.]+ +[\d.]+ +[\d.]+ +no changes\npremium +[\d.]+ +[\d.]+ +[\d.]+ +no changes$/m,
    );
    expect(stdout).toContain('dev: every stack deployed, re-planned to no changes and was destroyed.');
    expect(alive(Number(pid))).toBe(false);
    expect(fs.existsSync(workDir)).toBe(false);
    // The checkout's own synth output and state are untouched.
    expect(fs.existsSync(path.join(PROJECT_ROOT, 'cdktf.out', 'stacks', 'standard', 'emulator_override.tf.json'))).toBe(false);
  }, underLoad(240_000));

  it.each(['SIGINT', 'SIGTERM'] as const)('stops terraform and the emulator and removes its work folder on %s', async (signal) => {
    const run = startScript('scripts/deploy-local.ts', ['--environment', 'dev']);
    running.push(run.child);
    const [, pid, workDir] = await run.waitFor(/emulator on http:\/\/127\.0\.0\.1:\d+ \(pid (\d+)\), working in (\S+)/);
    await run.waitFor(/dev\/account-settings: init and apply/);
    // Interrupt while terraform is at work in a stack folder (the first: no need to wait for more).
    expect(await until(() => processesIn(workDir).length > 0, underLoad(30_000))).toBe(true);
    run.child.kill(signal);
    const { code, stderr } = await run.finished;
    expect(code).toBe(130);
    expect(stderr).toContain(`deploy:local: ${signal}: stopping terraform and the emulator`);
    expect(await until(() => !alive(Number(pid)) && processesIn(workDir).length === 0, underLoad(15_000))).toBe(true);
    expect(fs.existsSync(workDir)).toBe(false);
  }, underLoad(120_000));

  it('stops the emulator when the process that started it is killed outright', async () => {
    const starter = path.join(PROJECT_ROOT, 'test', 'fixtures', 'start-emulator.ts');
    const run = startScript(starter);
    running.push(run.child);
    const [, pid] = await run.waitFor(/emulator pid (\d+)/);
    expect(alive(Number(pid))).toBe(true);
    run.child.kill('SIGKILL');
    await run.finished;
    expect(await until(() => !alive(Number(pid)), underLoad(10_000))).toBe(true);
  }, underLoad(60_000));
});
