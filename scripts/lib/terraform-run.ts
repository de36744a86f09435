/**
 * The one way scripts and tests run terraform: non-interactive, each command in a process
 * group of its own (terraform and the providers it starts), every group tracked until it ends
 * so that a signal, a timeout or the end of a test file stops all of it, and one error type,
 * {@link TerraformError}, that names the stack, the failing resources and terraform's error.
 */
import { ChildProcess, spawn } from 'child_process';

export interface TerraformRun {
  readonly status: number | null;
  /** Signal that ended terraform, when one did. */
  readonly signal: NodeJS.Signals | null;
  readonly stdout: string;
  readonly stderr: string;
  /** Set when terraform could not be started at all. */
  readonly error?: Error;
  /** Set when terraform ran past `timeoutMs` and was stopped. */
  readonly timedOut?: boolean;
}

export interface TerraformRunOptions {
  /** Variables added to this process's environment. */
  readonly env?: NodeJS.ProcessEnv;
  /** Called with each complete line terraform prints on stdout, as it prints it. */
  readonly onLine?: (line: string, child: ChildProcess) => void;
  /**
   * Stop terraform after this many milliseconds: SIGINT (it saves its state), then SIGKILL of
   * its whole process group {@link GRACE_MS} later.
   * @default no limit
   */
  readonly timeoutMs?: number;
  /**
   * After SIGINT (a timeout), how long terraform gets before its group is killed.
   * @default GRACE_MS
   */
  readonly graceMs?: number;
}

/** How long terraform gets to finish the calls under way and save its state after SIGINT. */
export const GRACE_MS = 20_000;

/**
 * Go runtime settings for terraform and the providers it starts (they inherit its environment):
 * collect garbage when the heap has grown to five times what survived the last collection, not
 * two. Each command is short-lived and mostly loads the AWS provider's schema, so the default
 * collector (GOGC=100) spends much of its CPU on garbage that exit would free anyway. Not
 * `GOGC=off`: every page a bigger heap touches is a page fault, and where transparent huge pages
 * are only `madvise` (as on this project's machine) those 4 KiB faults cost more than the
 * collector saves. Measured on a 2-core machine (2026-12-02), median CPU of a tier's plan
 * against the emulator, 5 runs: huge pages `madvise` 6.53 s by default, 6.30 with GOGC=400,
 * 8.10 with GOGC=off; huge pages `always` 4.92, 3.55, 4.42. About 40 MB more memory per process.
 */
export const TERRAFORM_GO_RUNTIME: Readonly<Record<string, string>> = { GOGC: '400' };

/** {@link TERRAFORM_GO_RUNTIME} as a shell writes it: `GOGC=400`. */
export const TERRAFORM_GO_RUNTIME_ASSIGNMENTS = Object.entries(TERRAFORM_GO_RUNTIME)
  .map(([name, value]) => `${name}=${value}`)
  .join(' ');

/** {@link TERRAFORM_GO_RUNTIME}, unless `env` tunes Go's collector itself (then as it says). */
export function goRuntimeFor(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  return env.GOGC !== undefined || env.GOMEMLIMIT !== undefined ? {} : { ...TERRAFORM_GO_RUNTIME };
}

/** Environment for terraform runs that must never wait for input or print colour codes. */
export function terraformEnv(extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  const env = { ...process.env, ...extra };
  return { ...goRuntimeFor(env), ...env, TF_IN_AUTOMATION: '1', TF_INPUT: '0', CHECKPOINT_DISABLE: '1', ...extra };
}

/**
 * The Terraform binary to run: `TERRAFORM_BINARY_NAME`, as cdktf reads it (an OpenTofu user
 * sets `tofu`; this project tests Terraform only), else `terraform` from PATH.
 */
export function terraformBinary(env: NodeJS.ProcessEnv): string {
  return env.TERRAFORM_BINARY_NAME || 'terraform';
}

/** The process groups this process started (terraform, or a command that runs it) that have not ended yet. */
const running = new Set<ChildProcess>();
/** Those already sent SIGINT: a second one makes terraform quit without saving its state. */
const interrupted = new WeakSet<ChildProcess>();

/** Sends `signal` to the child's process group: terraform and the providers it started. */
export function signalGroup(child: ChildProcess, signal: NodeJS.Signals): void {
  try {
    process.kill(-child.pid!, signal);
  } catch {
    // the group is gone already
  }
}

/** Resolves once the child has ended (at once if it has). */
const closed = (child: ChildProcess) =>
  new Promise<void>((resolve) => (child.exitCode !== null || child.signalCode !== null ? resolve() : child.once('close', () => resolve())));

function interrupt(child: ChildProcess): void {
  if (interrupted.has(child)) return;
  interrupted.add(child);
  signalGroup(child, 'SIGINT');
}

let forwarding = false;
/**
 * In their own groups, terraform processes no longer get the terminal's Ctrl-C: pass SIGINT,
 * SIGTERM and SIGHUP on. A script with its own handler decides when to exit; without one,
 * this process exits as the signal would once terraform has stopped. Its exit, on any path,
 * interrupts what still runs.
 */
function forwardSignals(): void {
  if (forwarding) return;
  forwarding = true;
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
    const onSignal = () => {
      const alone = process.listenerCount(signal) === 1;
      void interruptTerraform().then(() => {
        if (!alone) return;
        process.removeListener(signal, onSignal);
        process.kill(process.pid, signal);
      });
    };
    process.on(signal, onSignal);
  }
  // A process that ends while commands it started still run (an uncaught error, such as EPIPE
  // once its own parent has gone) leaves nothing to stop them: Ctrl-C them on the way out.
  process.on('exit', () => running.forEach(interrupt));
}

/**
 * Tracks a child started in a process group of its own (`detached`) until it ends: terraform
 * itself, or a command that runs it (`npm run plan`, `npx cdktf deploy`). A signal to this
 * process, {@link interruptTerraform} and {@link killTerraform} then reach its whole group.
 */
export function trackProcessGroup(child: ChildProcess): void {
  forwardSignals();
  running.add(child);
  child.once('close', () => running.delete(child));
}

/**
 * Runs terraform without a terminal or stdin, so nothing can wait on a prompt. Every child is
 * tracked until it ends, so {@link interruptTerraform} and {@link killTerraform} can stop all
 * of them on any exit path.
 */
export function runTerraform(cwd: string, args: readonly string[], options: TerraformRunOptions = {}): Promise<TerraformRun> {
  return new Promise((resolve) => {
    const env = terraformEnv(options.env);
    const child = spawn(terraformBinary(env), args, { cwd, env, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
    trackProcessGroup(child);
    let stdout = '';
    let stderr = '';
    let partial = '';
    let timedOut = false;
    const timers: NodeJS.Timeout[] = [];
    if (options.timeoutMs !== undefined) {
      timers.push(
        setTimeout(() => {
          timedOut = true;
          interrupt(child);
          timers.push(setTimeout(() => signalGroup(child, 'SIGKILL'), options.graceMs ?? GRACE_MS));
        }, options.timeoutMs),
      );
    }
    const done = (run: TerraformRun) => {
      running.delete(child);
      timers.forEach(clearTimeout);
      resolve(timedOut ? { ...run, timedOut } : run);
    };
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
      stdout += chunk;
      if (!options.onLine) return;
      const lines = (partial + chunk).split('\n');
      partial = lines.pop() ?? '';
      for (const line of lines) options.onLine(line, child);
    });
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    child.on('error', (error) => done({ status: null, signal: null, stdout, stderr, error }));
    child.on('close', (status, signal) => done({ status, signal, stdout, stderr }));
  });
}

/**
 * Sends SIGINT, as Ctrl-C does, to every terraform still running, and resolves once all have
 * exited: terraform finishes the calls under way, writes its state and exits. A process group
 * still running after `graceMs` is killed.
 */
export async function interruptTerraform(graceMs = GRACE_MS): Promise<void> {
  const children = [...running];
  const exits = children.map(closed);
  for (const child of children) interrupt(child);
  const timer = setTimeout(() => children.forEach((child) => signalGroup(child, 'SIGKILL')), graceMs);
  await Promise.all(exits);
  clearTimeout(timer);
}

/** Kills every terraform still running with its providers (SIGKILL to each group): the end of a test file. */
export async function killTerraform(): Promise<void> {
  const children = [...running];
  const exits = children.map(closed);
  for (const child of children) signalGroup(child, 'SIGKILL');
  await Promise.all(exits);
}

/** A terraform command that failed: its message names the stack, each failing resource and terraform's (AWS's) error. */
export class TerraformError extends Error {
  constructor(
    /** The stack (or folder) terraform ran for (not `stack`: that is the error's stack trace). */
    readonly stackName: string,
    /** The terraform command: `init`, `plan`, `apply`, ... */
    readonly command: string,
    readonly run: TerraformRun,
    /** What to do about it, when known: a line after terraform's error. */
    hint?: string,
  ) {
    super(terraformFailure(stackName, command, run, hint));
    this.name = 'TerraformError';
  }
}

/**
 * `<stack>: terraform <command> failed:` and then each failing resource with its error, or
 * terraform's diagnostics where none names a resource (a configuration error); an
 * interrupted or timed-out run says that its state holds what it finished.
 */
export function terraformFailure(stack: string, command: string, run: TerraformRun, hint?: string): string {
  if (run.error) return `${stack}: could not run terraform (${run.error.message}); install Terraform 1.11 or later`;
  const errors = terraformErrors(run.stderr);
  // On SIGINT terraform lets the calls under way finish, saves its state and says so.
  if (run.timedOut || run.signal || errors.some((error) => /^execution halted$/i.test(error.summary))) {
    const why = run.timedOut ? 'ran out of time and was stopped' : 'was interrupted';
    const state = ['apply', 'destroy'].includes(command) ? '; its state holds what it finished, so run it again' : '; run it again';
    return `${stack}: terraform ${command} ${why}${state}`;
  }
  const body = errors.some((error) => error.address)
    ? errors.map((error) => `  ${error.address ?? '(no resource)'}: ${error.summary}${error.detail ? `\n    ${error.detail.split('\n').join('\n    ')}` : ''}`).join('\n')
    : errorText(run.stderr || run.stdout);
  return `${stack}: terraform ${command} failed:\n${body}${hint ? `\n${hint}` : ''}`;
}

/** Terraform's diagnostics without the box drawing, blank lines dropped. */
export function errorText(text: string): string {
  return text
    .trim()
    .split('\n')
    .map((line) => line.replace(/^[│╷╵]\s?/, ''))
    .filter(Boolean)
    .join('\n');
}

/** One `Error:` diagnostic of terraform: what failed, on which resource, and AWS's answer. */
export interface TerraformDiagnostic {
  /** The first line after `Error:`, e.g. `creating IAM Role (x): operation error IAM: ...`. */
  readonly summary: string;
  /** Address of the resource it belongs to, when terraform names one (`with <address>,`). */
  readonly address?: string;
  /** The rest of the diagnostic: usually the service's own error. */
  readonly detail: string;
}

/** The `Error:` diagnostics in terraform's (no-color) stderr. */
export function terraformErrors(stderr: string): TerraformDiagnostic[] {
  const blocks = errorText(stderr).split(/^Error: /m).slice(1);
  return blocks.map((block) => {
    const [summary, ...rest] = block.split('\n');
    const address = /^ *with ([^,\s]+),?$/m.exec(block)?.[1];
    const detail = rest
      .filter((line) => !/^ *(with \S+,?|on \S+ line \d+.*|\d+: .*)$/.test(line))
      .join('\n')
      .trim();
    return { summary: summary.trim(), address, detail };
  });
}
