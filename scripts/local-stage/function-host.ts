import { Worker } from 'worker_threads';

/** Runs in each worker: loads the bundle and answers invocations, one message each. */
const WORKER_SOURCE = `
const { parentPort, workerData } = require('worker_threads');
const handler = require(workerData.handlerFile)[workerData.exportName];
parentPort.on('message', ({ id, event }) => {
  Promise.resolve()
    .then(() => handler(event, { awsRequestId: id }))
    .then(
      (result) => parentPort.postMessage({ id, result }),
      (error) => parentPort.postMessage({ id, error: { errorType: (error && error.name) || 'Error', errorMessage: String((error && error.message) || error) } }),
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
   * Where the function's own output (its log lines) goes.
   * @default process.stdout
   */
  readonly output?: NodeJS.WritableStream;
}

interface Sandbox {
  readonly worker: Worker;
  readonly pending: Map<string, (invocation: Invocation) => void>;
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

  constructor(private readonly options: FunctionHostOptions) {
    this.handlerFile = options.handlerFile;
  }

  invoke(event: unknown, requestId = `local-${++this.sequence}`): Promise<Invocation> {
    const sandbox = this.sandbox();
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        finish({ outcome: 'timeout', errorMessage: `Task timed out after ${this.options.timeoutSeconds.toFixed(2)} seconds` });
        sandbox.retired = true; // a stuck handler would block everything after it
        this.stopIfIdle(sandbox);
      }, this.options.timeoutSeconds * 1000);
      const finish = (invocation: Invocation) => {
        if (!sandbox.pending.delete(requestId)) return;
        clearTimeout(timer);
        resolve(invocation);
      };
      sandbox.pending.set(requestId, finish);
      sandbox.worker.postMessage({ id: requestId, event });
    });
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
      for (const finish of [...sandbox.pending.values()]) finish({ outcome: 'error', errorType: 'Stopped', errorMessage: 'the local stage stopped' });
    }
    await Promise.all([...this.sandboxes].map((sandbox) => sandbox.worker.terminate()));
    this.sandboxes.clear();
    this.current = undefined;
  }

  private sandbox(): Sandbox {
    if (this.current && !this.current.retired) return this.current;
    const worker = new Worker(WORKER_SOURCE, {
      eval: true,
      workerData: { handlerFile: this.handlerFile, exportName: this.options.exportName },
      env: { ...process.env, ...this.options.environment },
      stdout: true,
      stderr: true,
    });
    const output = this.options.output ?? process.stdout;
    worker.stdout.pipe(output, { end: false });
    worker.stderr.pipe(output, { end: false });
    const sandbox: Sandbox = { worker, pending: new Map(), retired: false };
    worker.on('message', ({ id, result, error }) => {
      const finish = sandbox.pending.get(id);
      if (error) finish?.({ outcome: 'error', ...error });
      else finish?.({ outcome: 'result', result });
      this.stopIfIdle(sandbox);
    });
    // A bundle that fails to load (a syntax error after a rebuild) fails what waits on it.
    worker.on('error', (error) => {
      sandbox.retired = true;
      for (const finish of [...sandbox.pending.values()]) finish({ outcome: 'error', errorType: error.name, errorMessage: error.message });
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
