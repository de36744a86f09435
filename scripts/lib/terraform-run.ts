import { ChildProcess, spawn } from 'child_process';

export interface TerraformRun {
  readonly status: number | null;
  /** Signal that ended terraform, when one did. */
  readonly signal: NodeJS.Signals | null;
  readonly stdout: string;
  readonly stderr: string;
  /** Set when terraform could not be started at all. */
  readonly error?: Error;
}

export interface TerraformRunOptions {
  /** Variables added to this process's environment. */
  readonly env?: NodeJS.ProcessEnv;
  /** Called with each complete line terraform prints on stdout, as it prints it. */
  readonly onLine?: (line: string, child: ChildProcess) => void;
}

/** Environment for terraform runs that must never wait for input or print colour codes. */
export function terraformEnv(extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  return { ...process.env, TF_IN_AUTOMATION: '1', TF_INPUT: '0', CHECKPOINT_DISABLE: '1', ...extra };
}

/** The terraform processes this process started and that have not ended yet. */
const running = new Set<ChildProcess>();

/**
 * Runs terraform without a terminal or stdin, so nothing can wait on a prompt. Every child is
 * tracked until it ends, so {@link interruptTerraform} can stop all of them on any exit path.
 */
export function runTerraform(cwd: string, args: readonly string[], options: TerraformRunOptions = {}): Promise<TerraformRun> {
  return new Promise((resolve) => {
    const child = spawn('terraform', args, { cwd, env: terraformEnv(options.env), stdio: ['ignore', 'pipe', 'pipe'] });
    running.add(child);
    let stdout = '';
    let stderr = '';
    let partial = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
      stdout += chunk;
      if (!options.onLine) return;
      const lines = (partial + chunk).split('\n');
      partial = lines.pop() ?? '';
      for (const line of lines) options.onLine(line, child);
    });
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    child.on('error', (error) => {
      running.delete(child);
      resolve({ status: null, signal: null, stdout, stderr, error });
    });
    child.on('close', (status, signal) => {
      running.delete(child);
      resolve({ status, signal, stdout, stderr });
    });
  });
}

/**
 * Sends SIGINT, as Ctrl-C does, to every terraform still running, and resolves once all have
 * exited: terraform finishes the calls under way, writes its state and exits. One still
 * running after `graceMs` is killed.
 */
export async function interruptTerraform(graceMs = 20_000): Promise<void> {
  const children = [...running];
  const exits = children.map((child) => new Promise<void>((resolve) => child.once('close', () => resolve())));
  for (const child of children) child.kill('SIGINT');
  const timer = setTimeout(() => children.forEach((child) => child.kill('SIGKILL')), graceMs);
  await Promise.all(exits);
  clearTimeout(timer);
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
