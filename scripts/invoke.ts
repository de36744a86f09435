/**
 * `npm run invoke -- [--payload <file.json>] [--env NAME=VALUE ...] [--memory <MB>]`
 *
 * Runs the bundled handler once the way `aws lambda invoke` does: the result goes to stdout
 * as JSON (like the walkthrough's out.txt), the function's logs and a REPORT line to stderr.
 */
import * as fs from 'fs';
import * as path from 'path';
import * as lambdaLocal from 'lambda-local';
import { buildHandlerBundle } from '../src/bundling/handler-bundle';
import { memorySizeProblem } from '../src/rules/aws-limits';

const PROJECT_ROOT = path.resolve(__dirname, '..');
const USAGE = 'usage: npm run invoke -- [--payload <file.json>] [--env NAME=VALUE ...] [--memory <MB>]';

export interface InvokeOptions {
  readonly payload: unknown;
  readonly environment: Record<string, string>;
  readonly memoryMb: number;
}

/** Reads the command line; throws with the flag, the value and the fix on bad input. */
export function parseInvokeArgs(args: readonly string[]): InvokeOptions {
  let payload: unknown = {};
  const environment: Record<string, string> = {};
  let memoryMb = 128;
  for (let i = 0; i < args.length; i++) {
    const flag = args[i];
    const value = args[i + 1];
    if (!['--payload', '--env', '--memory'].includes(flag)) throw new Error(`unknown option ${JSON.stringify(flag)}; ${USAGE}`);
    if (value === undefined) throw new Error(`${flag} needs a value; ${USAGE}`);
    i++;
    if (flag === '--payload') {
      if (!fs.existsSync(value)) throw new Error(`--payload ${value}: no such file; give the path of a JSON event`);
      try {
        payload = JSON.parse(fs.readFileSync(value, 'utf8'));
      } catch (error) {
        throw new Error(`--payload ${value}: not valid JSON (${(error as Error).message}); fix the file`);
      }
    } else if (flag === '--env') {
      const match = /^([A-Za-z_][A-Za-z0-9_]*)=(.*)$/s.exec(value);
      if (!match) throw new Error(`--env ${JSON.stringify(value)}: not NAME=VALUE; write it like --env GREETING=Bonjour`);
      environment[match[1]] = match[2];
    } else {
      const problem = memorySizeProblem(Number(value));
      if (problem) throw new Error(`--memory ${value}: ${problem}`);
      memoryMb = Number(value);
    }
  }
  return { payload, environment, memoryMb };
}

export interface InvokeResult {
  /** What the function returned, or Lambda's error shape when it threw. */
  readonly output: unknown;
  readonly failed: boolean;
  /** Lambda's REPORT line for this invocation. */
  readonly report: string;
}

export async function invoke(options: InvokeOptions): Promise<InvokeResult> {
  const bundle = buildHandlerBundle(PROJECT_ROOT);
  const started = process.hrtime.bigint();
  let output: unknown;
  let failed = false;
  try {
    output = await lambdaLocal.execute({
      event: options.payload,
      lambdaPath: bundle.file,
      lambdaHandler: 'helloworld',
      environment: options.environment,
      envdestroy: true,
      timeoutMs: 3000,
      verboseLevel: -1, // the handler's own log lines, nothing of lambda-local's
    });
  } catch (error) {
    // lambda-local rejects with Lambda's error shape; the stack trace would only show local paths.
    failed = true;
    const { errorType, errorMessage } = error as { errorType: string; errorMessage: string };
    output = { errorType, errorMessage };
  }
  const durationMs = Number(process.hrtime.bigint() - started) / 1e6;
  const maxMemoryUsedMb = Math.ceil(process.memoryUsage().rss / (1024 * 1024));
  const report =
    `REPORT Duration: ${durationMs.toFixed(2)} ms Billed Duration: ${Math.max(1, Math.ceil(durationMs))} ms ` +
    `Memory Size: ${options.memoryMb} MB Max Memory Used: ${maxMemoryUsedMb} MB`;
  return { output, failed, report };
}

async function main(): Promise<void> {
  let options: InvokeOptions;
  try {
    options = parseInvokeArgs(process.argv.slice(2));
  } catch (error) {
    console.error(`invoke: ${(error as Error).message}`);
    process.exit(2);
  }
  // The function's own log lines belong with the REPORT line, not in the result.
  console.log = (...parts: unknown[]) => process.stderr.write(`${parts.join(' ')}\n`);
  const result = await invoke(options);
  process.stdout.write(`${JSON.stringify(result.output)}\n`);
  process.stderr.write(`${result.report}\n`);
  process.exitCode = result.failed ? 1 : 0;
}

if (require.main === module) void main();
