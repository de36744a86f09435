/**
 * `npm run invoke -- [--payload <file.json>|-] [--env NAME=VALUE ...] [--memory <MB>] [--tier <tier>]`
 *
 * Runs the bundled handler once the way `aws lambda invoke` does, in the same local runtime as
 * `npm start` (scripts/local-stage/function-host.ts): the result goes to stdout
 * as JSON (like the walkthrough's out.txt), the function's logs and a REPORT line to stderr.
 * Memory and greeting are the tier's (default standard) in the environment ENVIRONMENT
 * (default dev) picks, as deployed, unless --memory or --env GREETING=... say otherwise.
 */
import * as fs from 'fs';
import * as path from 'path';
import { parseArgs } from 'util';
import { randomUUID } from 'crypto';
import { GREETING_VARIABLE } from '../src/rules/defaults';
import { buildHandlerBundle } from '../src/bundling/handler-bundle';
import { EnvironmentConfig, TIERS, Tier } from '../src/config/environment-config';
import { environmentNameFrom, loadEnvironment } from '../src/config/load-environment';
import { MAX_SYNC_INVOKE_PAYLOAD_BYTES, memorySizeProblem } from '../src/rules/aws-limits';
import { DEFAULT_TIMEOUT_SECONDS } from '../src/rules/defaults';
import { PROJECT_ROOT } from './lib/project-root';
import { FunctionHost, Invocation } from './local-stage/function-host';

const USAGE = 'usage: npm run invoke -- [--payload <file.json>|-] [--env NAME=VALUE ...] [--memory <MB>] [--tier standard|premium]';

/** What the command line asked for; unset values come from the environment's config. */
export interface InvokeArgs {
  readonly payload: unknown;
  readonly environment: Record<string, string>;
  readonly memoryMb?: number;
  readonly tier: Tier;
}

export interface InvokeOptions {
  readonly payload: unknown;
  readonly environment: Record<string, string>;
  readonly memoryMb: number;
  /**
   * The function's timeout, as configured for it.
   * @default DEFAULT_TIMEOUT_SECONDS
   */
  readonly timeoutSeconds?: number;
  /**
   * The bundled handler (CommonJS, exporting `helloworld`).
   * @default the project's handler, bundled as it is deployed
   */
  readonly handlerFile?: string;
}

/**
 * The payload file's text, read at most one byte past Lambda's synchronous limit whatever it
 * is (a file, a device such as /dev/zero, a pipe, /dev/stdin): its size is never trusted.
 */
function readPayload(file: string): string {
  const tooLarge = () =>
    new Error(
      `--payload ${file}: more than ${MAX_SYNC_INVOKE_PAYLOAD_BYTES} bytes, more than Lambda takes in a synchronous invocation (RequestEntityTooLargeException: ` +
        `Request must be smaller than ${MAX_SYNC_INVOKE_PAYLOAD_BYTES} bytes for the InvokeFunction operation); send a smaller event`,
    );
  // This process's own stdin is read as it is: opening /dev/stdin anew fails where it is a socket.
  const stdin = file === '-' || file === '/dev/stdin';
  let fd: number;
  try {
    fd = stdin ? 0 : fs.openSync(file, 'r');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new Error(`--payload ${file}: ${code === 'ENOENT' ? 'no such file' : `cannot be read (${code})`}; give the path of a JSON event`);
  }
  try {
    if (fs.fstatSync(fd).isDirectory()) throw new Error(`--payload ${file}: is a directory; give the path of a JSON event`);
    const buffer = Buffer.alloc(MAX_SYNC_INVOKE_PAYLOAD_BYTES + 1);
    let length = 0;
    for (;;) {
      const read = fs.readSync(fd, buffer, length, buffer.length - length, null);
      if (read === 0) break;
      length += read;
      if (length > MAX_SYNC_INVOKE_PAYLOAD_BYTES) throw tooLarge();
    }
    return buffer.toString('utf8', 0, length);
  } finally {
    if (!stdin) fs.closeSync(fd);
  }
}

/** Reads the command line; throws with the flag, the value and the fix on bad input. */
export function parseInvokeArgs(args: string[]): InvokeArgs {
  let values;
  try {
    ({ values } = parseArgs({
      args,
      options: { payload: { type: 'string' }, env: { type: 'string', multiple: true }, memory: { type: 'string' }, tier: { type: 'string' } },
      strict: true,
      allowPositionals: false,
    }));
  } catch (error) {
    throw new Error(`${(error as Error).message}; ${USAGE}`);
  }
  let payload: unknown = {};
  if (values.payload !== undefined) {
    const file = values.payload;
    const text = readPayload(file);
    try {
      payload = JSON.parse(text);
    } catch (error) {
      throw new Error(`--payload ${file}: not valid JSON (${(error as Error).message}); fix the file`);
    }
  }
  const environment: Record<string, string> = {};
  for (const pair of values.env ?? []) {
    const match = /^([A-Za-z_][A-Za-z0-9_]*)=(.*)$/s.exec(pair);
    if (!match) throw new Error(`--env ${JSON.stringify(pair)}: not NAME=VALUE; write it like --env ${GREETING_VARIABLE}=Bonjour`);
    environment[match[1]] = match[2];
  }
  let memoryMb: number | undefined;
  if (values.memory !== undefined) {
    const memory = /^\d+$/.test(values.memory) ? Number(values.memory) : values.memory;
    const problem = memorySizeProblem(memory);
    if (problem) throw new Error(`--memory ${values.memory}: ${problem}`);
    memoryMb = memory as number;
  }
  const tier = values.tier ?? 'standard';
  if (!(TIERS as readonly string[]).includes(tier)) throw new Error(`--tier ${tier}: not a tier; use ${TIERS.join(' or ')}`);
  return { payload, environment, memoryMb, tier: tier as Tier };
}

/** The tier's memory and greeting as deployed in `config`, where the command line set neither. */
export function invokeOptions(args: InvokeArgs, config: EnvironmentConfig): InvokeOptions {
  return {
    payload: args.payload,
    environment: { [GREETING_VARIABLE]: config.greeting, ...args.environment },
    memoryMb: args.memoryMb ?? config.tiers[args.tier].memoryMb,
    timeoutSeconds: config.timeoutSeconds,
  };
}

export interface InvokeResult {
  /** What the function returned, or Lambda's error shape when it threw. */
  readonly output: unknown;
  readonly failed: boolean;
  /** Lambda's REPORT line for this invocation. */
  readonly report: string;
}

/**
 * One invocation in the runtime `npm start` serves the local stage with (a worker thread with
 * the function's variables, memory and timeout); its log lines go to `functionOutput`.
 */
export async function invoke(options: InvokeOptions, functionOutput: NodeJS.WritableStream = process.stderr): Promise<InvokeResult> {
  const timeoutSeconds = options.timeoutSeconds ?? DEFAULT_TIMEOUT_SECONDS;
  const host = new FunctionHost({
    handlerFile: options.handlerFile ?? buildHandlerBundle(PROJECT_ROOT).file,
    exportName: 'helloworld',
    environment: options.environment,
    timeoutSeconds,
    memoryMb: options.memoryMb,
    output: functionOutput,
  });
  const started = process.hrtime.bigint();
  const requestId = randomUUID();
  let invocation: Invocation;
  try {
    invocation = await host.invoke(options.payload, requestId);
  } finally {
    await host.close();
  }
  const durationMs = Number(process.hrtime.bigint() - started) / 1e6;
  // Lambda's shapes: the handler's error (no stack: it would only show local paths), or its timeout.
  const failed = invocation.outcome !== 'result';
  const output =
    invocation.outcome === 'result'
      ? invocation.result
      : invocation.outcome === 'error'
        ? { errorType: invocation.errorType, errorMessage: invocation.errorMessage }
        : { errorType: 'Sandbox.Timedout', errorMessage: `RequestId: ${requestId} Error: ${invocation.errorMessage}` };
  const maxMemoryUsedMb = Math.ceil(process.memoryUsage().rss / (1024 * 1024));
  const report =
    `REPORT Duration: ${durationMs.toFixed(2)} ms Billed Duration: ${Math.max(1, Math.ceil(durationMs))} ms ` +
    `Memory Size: ${options.memoryMb} MB Max Memory Used: ${maxMemoryUsedMb} MB`;
  return { output, failed, report };
}

async function main(): Promise<void> {
  let options: InvokeOptions;
  try {
    const environmentName = environmentNameFrom(process.env);
    options = invokeOptions(parseInvokeArgs(process.argv.slice(2)), loadEnvironment(environmentName, path.join(PROJECT_ROOT, 'environments')));
  } catch (error) {
    console.error(`invoke: ${(error as Error).message}`);
    process.exit(2);
  }
  // The function's own log lines belong with the REPORT line, on stderr, not in the result.
  const result = await invoke(options, process.stderr);
  process.stdout.write(`${JSON.stringify(result.output)}\n`);
  process.stderr.write(`${result.report}\n`);
  process.exitCode = result.failed ? 1 : 0;
}

if (require.main === module) void main();
