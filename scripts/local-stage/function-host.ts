import { Worker } from 'worker_threads';

/** Runs in each worker: loads the bundle and answers invocations, one message each. */
// Events and results cross as JSON text, as they reach Lambda: cheaper than cloning objects.
const WORKER_SOURCE = `
const { parentPort, workerData } = require('worker_threads');
if (workerData.directOutput) {
  // Straight to this process's stdout and stderr, not through the main thread.
  const fs = require('fs');
  const { format } = require('util');
  for (const level of ['log', 'info', 'debug', 'warn', 'error']) {
    const fd = level === 'warn' || level === 'error' ? 2 : 1;
    console[level] = (...parts) => fs.writeSync(fd, format(...parts) + '\\n');
  }
}
const handler = require(workerData.handlerFile)[workerData.exportName];
parentPort.on('message', ([id, event]) => {
  Promise.resolve()
    .then(() => handler(JSON.parse(event), { awsRequestId: id }))
    .then(
      (result) => parentPort.postMessage([id, JSON.stringify(result === undefined ? null : result)]),
      (error) => parentPort.postMessage([id, undefined, { errorType: (error && error.name) || 'Error', errorMessage: String((error && error.message) || error) }]),
    );
});
`;

/** How one invocation ended. */
export type Invocation =
  | { readonly outcome: 'result'; readonly result: unknown }
  | { readonly outcome: 'error'; readonly errorType: string; readonly errorMessage: string }
  | { readonly outcome: 'timeout'; readonly errorMessage: string };

export interface FunctionHostOptions {
  /** The bundled handler file (CommonJS). */
  readonly handlerFile: string;
  /** The exported function, e.g. `helloworld` of `index.helloworld`. */
  readonly exportName: string;
  /** Environment variables the function sees, over this process's own. */
  readonly environment?: Readonly<Record<string, string>>;
  /** The function's timeout; past it the function is stopped, as Lambda stops it. */
  readonly timeoutSeconds: number;
  /**
   * The function's memory, MB: the sandbox's heap is capped at it, so a handler that needs
   * more fails here as it would in Lambda (out of memory).
   * @default no cap beyond Node's own
   */
  readonly memoryMb?: number;
  /**
   * Where the function's own output (its log lines) goes.
   * @default process.stdout
   */
  readonly output?: NodeJS.WritableStream;
}

interface Pending {
  readonly finish: (invocation: Invocation) => void;
  /** When the function's timeout runs out, in ms of `performance.now()`. */
  readonly deadline: number;
}

interface Sandbox {
  readonly worker: Worker;
  readonly pending: Map<string, Pending>;
  /** No new invocations: it timed out or its code was replaced. Stopped once idle. */
  retired: boolean;
}

/**
 * Runs the function's bundle in a worker thread, as Lambda runs it in a sandbox of its own:
 * a timeout stops the worker (even a handler stuck in a loop), and new code (`reload`) is
 * served by a fresh worker from the next invocation on, without restarting this process.
 */
export class FunctionHost {
  private handlerFile: string;
  private current?: Sandbox;
  private readonly sandboxes = new Set<Sandbox>();
  private sequence = 0;
  private deadlineTimer?: NodeJS.Timeout;

  constructor(private readonly options: FunctionHostOptions) {
    this.handlerFile = options.handlerFile;
  }

  invoke(event: unknown, requestId = `local-${++this.sequence}`): Promise<Invocation> {
    const sandbox = this.sandbox();
    this.watchDeadlines();
    return new Promise((resolve) => {
      const finish = (invocation: Invocation) => {
        if (!sandbox.pending.delete(requestId)) return;
        resolve(invocation);
        this.stopIfIdle(sandbox);
      };
      sandbox.pending.set(requestId, { finish, deadline: performance.now() + this.options.timeoutSeconds * 1000 });
      sandbox.worker.postMessage([requestId, JSON.stringify(event)]);
    });
  }

  /**
   * One timer for all invocations (a timer each would cost more than a request): every 50 ms
   * it ends those past their deadline, and retires their sandbox, as a stuck handler would
   * block everything after it.
   */
  private watchDeadlines(): void {
    if (this.deadlineTimer) return;
    this.deadlineTimer = setInterval(() => {
      const now = performance.now();
      let waiting = 0;
      for (const sandbox of [...this.sandboxes]) {
        for (const { finish, deadline } of [...sandbox.pending.values()]) {
          if (deadline > now) continue;
          sandbox.retired = true;
          finish({ outcome: 'timeout', errorMessage: `Task timed out after ${this.options.timeoutSeconds.toFixed(2)} seconds` });
        }
        waiting += sandbox.pending.size;
        this.stopIfIdle(sandbox);
      }
      if (waiting === 0) {
        clearInterval(this.deadlineTimer);
        this.deadlineTimer = undefined;
      }
    }, 50);
  }

  /** Serves `handlerFile` from the next invocation on; invocations under way finish on the old code. */
  reload(handlerFile: string): void {
    this.handlerFile = handlerFile;
    if (this.current) {
      this.current.retired = true;
      this.stopIfIdle(this.current);
      this.current = undefined;
    }
  }

  /** Stops every sandbox; invocations under way end as errors. */
  async close(): Promise<void> {
    for (const sandbox of this.sandboxes) {
      for (const { finish } of [...sandbox.pending.values()]) finish({ outcome: 'error', errorType: 'Stopped', errorMessage: 'the local stage stopped' });
    }
    clearInterval(this.deadlineTimer);
    this.deadlineTimer = undefined;
    await Promise.all([...this.sandboxes].map((sandbox) => sandbox.worker.terminate()));
    this.sandboxes.clear();
    this.current = undefined;
  }

  private sandbox(): Sandbox {
    if (this.current && !this.current.retired) return this.current;
    const output = this.options.output;
    const worker = new Worker(WORKER_SOURCE, {
      eval: true,
      workerData: { handlerFile: this.handlerFile, exportName: this.options.exportName, directOutput: !output },
      env: { ...process.env, ...this.options.environment },
      stdout: !!output,
      stderr: !!output,
      ...(this.options.memoryMb ? { resourceLimits: { maxOldGenerationSizeMb: this.options.memoryMb } } : {}),
    });
    if (output) {
      worker.stdout.pipe(output, { end: false });
      worker.stderr.pipe(output, { end: false });
    }
    const sandbox: Sandbox = { worker, pending: new Map(), retired: false };
    worker.on('message', ([id, result, error]: [string, string | undefined, { errorType: string; errorMessage: string } | undefined]) => {
      const pending = sandbox.pending.get(id);
      if (error) pending?.finish({ outcome: 'error', ...error });
      else pending?.finish({ outcome: 'result', result: JSON.parse(result!) });
    });
    // A bundle that fails to load (a syntax error after a rebuild) fails what waits on it.
    worker.on('error', (error) => {
      sandbox.retired = true;
      for (const { finish } of [...sandbox.pending.values()]) finish({ outcome: 'error', errorType: error.name, errorMessage: error.message });
      this.stopIfIdle(sandbox);
    });
    worker.unref();
    this.sandboxes.add(sandbox);
    this.current = sandbox;
    return sandbox;
  }

  private stopIfIdle(sandbox: Sandbox): void {
    if (!sandbox.retired || sandbox.pending.size > 0 || !this.sandboxes.has(sandbox)) return;
    this.sandboxes.delete(sandbox);
    if (this.current === sandbox) this.current = undefined;
    void sandbox.worker.terminate();
  }
}
