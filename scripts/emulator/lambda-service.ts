/**
 * The emulator's Lambda `Invoke`, which moto 5.2.1 can only do in Docker: runs the deployed
 * zip's handler with the local `node` (lambda-runtime.js), one invocation at a time per
 * execution environment, warm environments reused, and answers as Lambda's API does:
 * the function's environment variables, memory (as the V8 heap limit) and timeout (the
 * environment is stopped at it: `Task timed out after N seconds`), `X-Amz-Function-Error:
 * Unhandled` with Lambda's error shape for a throw, the 6 MB request and response limits,
 * and the function's log lines with START, END and REPORT in its CloudWatch log group.
 */
import { ChildProcess, spawn } from 'child_process';
import { createHash, randomBytes, randomUUID } from 'crypto';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { Readable, Writable } from 'stream';
import { unzipSync } from 'fflate';
import { CloudWatchLogsClient, CreateLogGroupCommand, CreateLogStreamCommand, PutLogEventsCommand } from '@aws-sdk/client-cloudwatch-logs';
import { MAX_SYNC_INVOKE_PAYLOAD_BYTES } from '../../src/rules/aws-limits';
import { EMULATOR_CREDENTIALS } from './emulator-settings';

const RUNTIME = path.join(__dirname, 'lambda-runtime.js');
/** Lambda's limit on one log line: longer ones are cut, as CloudWatch Logs caps an event at 256 KB. */
const MAX_LOG_LINE_BYTES = 256 * 1024;
/** What one invocation may log before the rest is dropped (the emulator's memory, not Lambda's rule). */
const MAX_LOG_BYTES_PER_INVOCATION = 1024 * 1024;
/** `LogType: Tail` returns the last 4 KB of the invocation's log, as Lambda does. */
const TAIL_BYTES = 4096;
/** Idle environments are ended after this, as Lambda reclaims them. */
const IDLE_MS = 120_000;

/** What Lambda's Invoke API answers. */
export interface InvokeAnswer {
  readonly status: number;
  readonly headers: Record<string, string>;
  readonly body: Buffer;
}

export interface InvokeRequest {
  readonly region: string;
  /** Name, `name:qualifier`, or an ARN, qualified or not. */
  readonly functionName: string;
  readonly qualifier?: string;
  /** The caller's access key id: a function named without an ARN is one of its account. @default the emulator's default account */
  readonly accessKeyId?: string;
  readonly payload: Buffer;
  /** `Tail` adds the last 4 KB of the invocation's log as `X-Amz-Log-Result`. */
  readonly logType?: string;
}

/** A function version as moto keeps it (GetFunction's configuration), and its zip when asked for. */
interface FunctionVersion {
  readonly configuration: {
    FunctionName: string;
    FunctionArn: string;
    Version: string;
    Handler: string;
    Runtime: string;
    Timeout: number;
    MemorySize: number;
    CodeSha256: string;
    Environment?: { Variables?: Record<string, string> };
    LoggingConfig?: { LogFormat?: string; LogGroup?: string; ApplicationLogLevel?: string; SystemLogLevel?: string };
  };
  readonly code?: string;
}

/** A running execution environment. */
interface Environment {
  readonly key: string;
  readonly child: ChildProcess;
  readonly logStream: string;
  readonly ready: Promise<void>;
  /** How long its start took, reported once, as Lambda's `Init Duration`. */
  initMs?: number;
  idleTimer?: NodeJS.Timeout;
  /** Lines the function printed during the invocation under way. */
  lines: string[];
  loggedBytes: number;
  onMessage?: (message: any) => void;
  onExit?: (code: number | null, signal: NodeJS.Signals | null) => void;
}

export interface LambdaServiceOptions {
  /** moto's private endpoint: function records and the log groups the logs go to. */
  readonly motoEndpoint: string;
  /**
   * Headers every request to moto carries (the front's secret: moto answers nothing else).
   * @default none
   */
  readonly motoHeaders?: Readonly<Record<string, string>>;
  /** Where the service says what it did (starts, timeouts). @default nothing */
  readonly log?: (line: string) => void;
  /** Folder the unzipped code goes under, in a folder of its own. @default os.tmpdir() */
  readonly tmpDir?: string;
}

function lambdaError(status: number, type: string, message: string): InvokeAnswer {
  return { status, headers: { 'content-type': 'application/json', 'x-amzn-errortype': type }, body: Buffer.from(JSON.stringify({ Type: 'User', message })) };
}

function functionError(body: unknown, version: string, tail?: string): InvokeAnswer {
  return {
    status: 200,
    headers: { 'content-type': 'application/json', 'x-amz-function-error': 'Unhandled', 'x-amz-executed-version': version, ...(tail ? { 'x-amz-log-result': tail } : {}) },
    body: Buffer.from(JSON.stringify(body)),
  };
}

export class LambdaService {
  private readonly idle = new Map<string, Environment[]>();
  private readonly all = new Set<Environment>();
  /** Made at the first cold start, so an emulator that runs no function leaves no folder. */
  private codeFolder?: string;
  private readonly removeCode = () => this.codeFolder && fs.rmSync(this.codeFolder, { recursive: true, force: true });
  private readonly logClients = new Map<string, CloudWatchLogsClient>();
  private closed = false;

  constructor(private readonly options: LambdaServiceOptions) {
    // Also when the process exits without close() (an uncaught error, process.exit elsewhere).
    process.once('exit', this.removeCode);
  }

  private get codeRoot(): string {
    this.codeFolder ??= fs.mkdtempSync(path.join(this.options.tmpDir ?? os.tmpdir(), 'emulator-lambda-'));
    return this.codeFolder;
  }

  async invoke(request: InvokeRequest): Promise<InvokeAnswer> {
    if (request.payload.length > MAX_SYNC_INVOKE_PAYLOAD_BYTES) {
      return lambdaError(413, 'RequestEntityTooLargeException', `Request must be smaller than ${MAX_SYNC_INVOKE_PAYLOAD_BYTES} bytes for the InvokeFunction operation`);
    }
    const eventText = request.payload.length ? request.payload.toString('utf8') : '{}';
    try {
      JSON.parse(eventText);
    } catch (error) {
      return lambdaError(400, 'InvalidRequestContentException', `Could not parse request body into json: ${(error as Error).message}`);
    }
    const found = await this.functionVersion(request);
    if ('status' in found) return found;
    const config = found.configuration;
    if (!/^nodejs/.test(config.Runtime ?? '')) {
      return lambdaError(400, 'InvalidRuntimeException', `the emulator runs Node.js functions only; ${config.FunctionName} has ${config.Runtime}`);
    }

    const requestId = randomUUID();
    const environment = await this.takeEnvironment(request.region, config);
    const started = performance.now();
    let outcome: { result?: string; error?: unknown; timedOut?: boolean; exited?: string };
    try {
      await environment.ready;
      outcome = await this.run(environment, requestId, eventText, config);
    } catch (initError) {
      outcome = { error: initError };
    }
    const durationMs = performance.now() - started - (environment.initMs ?? 0);
    const reusable = outcome.result !== undefined || (outcome.error !== undefined && !outcome.exited && !outcome.timedOut && environment.child.exitCode === null);
    const log = await this.writeLogs(environment, config, request.region, requestId, durationMs, outcome);
    environment.initMs = undefined;
    if (reusable) this.release(environment);
    else this.end(environment);

    const tail = request.logType === 'Tail' ? Buffer.from(log).subarray(-TAIL_BYTES).toString('base64') : undefined;
    if (outcome.timedOut) {
      return functionError({ errorType: 'Sandbox.Timedout', errorMessage: `RequestId: ${requestId} Error: Task timed out after ${config.Timeout.toFixed(2)} seconds` }, config.Version, tail);
    }
    if (outcome.exited) return functionError({ errorType: 'Runtime.ExitError', errorMessage: `RequestId: ${requestId} Error: Runtime exited ${outcome.exited}` }, config.Version, tail);
    if (outcome.error !== undefined) return functionError(outcome.error, config.Version, tail);
    const body = Buffer.from(outcome.result!);
    if (body.length > MAX_SYNC_INVOKE_PAYLOAD_BYTES) {
      return functionError(
        { errorType: 'Function.ResponseSizeTooLarge', errorMessage: `Response payload size exceeded maximum allowed payload size (${MAX_SYNC_INVOKE_PAYLOAD_BYTES} bytes).` },
        config.Version,
        tail,
      );
    }
    return {
      status: 200,
      headers: { 'content-type': 'application/json', 'x-amz-executed-version': config.Version, ...(tail ? { 'x-amz-log-result': tail } : {}) },
      body,
    };
  }

  /** Ends every execution environment and removes the unzipped code. */
  async close(): Promise<void> {
    this.closed = true;
    await Promise.all([...this.all].map((environment) => this.end(environment)));
    this.removeCode();
    process.removeListener('exit', this.removeCode);
  }

  /** The version the request names; its zip too with `withCode` (only a cold start of new code needs it). */
  private async functionVersion(request: Pick<InvokeRequest, 'region' | 'functionName' | 'qualifier' | 'accessKeyId'>, withCode = false): Promise<FunctionVersion | InvokeAnswer> {
    // An ARN names its account, a name is one of the caller's; a caller's ARN of another account
    // is refused (moto_server.py), as Lambda refuses it without a resource policy for the caller.
    // Without an access key the front asks for itself (a stage's integration, a version's code).
    const account = request.functionName.startsWith('arn:') ? request.functionName.split(':')[4] : undefined;
    const query = new URLSearchParams({
      region: request.region,
      name: request.functionName,
      ...(account ? { account } : {}),
      ...(request.accessKeyId !== undefined || !account ? { access_key: request.accessKeyId ?? '' } : {}),
      ...(request.qualifier ? { qualifier: request.qualifier } : {}),
      ...(withCode ? { code: '1' } : {}),
    });
    const response = await fetch(`${this.options.motoEndpoint}/_emulator/lambda/function?${query}`, { headers: { ...this.options.motoHeaders } });
    const answer = (await response.json()) as any;
    if (response.status !== 200) return lambdaError(response.status, answer.type, answer.message);
    return answer as FunctionVersion;
  }

  /** An idle environment of this exact version, code and configuration, or a new one (a cold start). */
  private async takeEnvironment(region: string, config: FunctionVersion['configuration']): Promise<Environment> {
    const key = createHash('sha256').update(JSON.stringify(config)).digest('hex');
    const idle = this.idle.get(key)?.pop();
    if (idle) {
      clearTimeout(idle.idleTimer);
      return idle;
    }
    const codeDir = await this.codeDir(region, config);
    const logging = config.LoggingConfig ?? {};
    const child = spawn(process.execPath, [`--max-old-space-size=${config.MemorySize}`, RUNTIME, codeDir, config.Handler], {
      cwd: codeDir,
      // Lambda's variables and the function's own; nothing of the emulator's environment.
      env: {
        PATH: process.env.PATH,
        TZ: ':UTC',
        LANG: 'en_US.UTF-8',
        LAMBDA_TASK_ROOT: codeDir,
        _HANDLER: config.Handler,
        AWS_REGION: config.FunctionArn.split(':')[3],
        AWS_DEFAULT_REGION: config.FunctionArn.split(':')[3],
        AWS_EXECUTION_ENV: `AWS_Lambda_${config.Runtime}`,
        AWS_LAMBDA_FUNCTION_NAME: config.FunctionName,
        AWS_LAMBDA_FUNCTION_VERSION: config.Version,
        AWS_LAMBDA_FUNCTION_MEMORY_SIZE: String(config.MemorySize),
        AWS_LAMBDA_LOG_GROUP_NAME: logging.LogGroup ?? `/aws/lambda/${config.FunctionName}`,
        AWS_LAMBDA_LOG_FORMAT: logging.LogFormat ?? 'Text',
        AWS_LAMBDA_LOG_LEVEL: logging.ApplicationLogLevel ?? '',
        ...(config.Environment?.Variables ?? {}),
      },
      stdio: ['pipe', 'pipe', 'pipe', 'pipe'],
    });
    const day = new Date().toISOString().slice(0, 10).replace(/-/g, '/');
    const startedAt = performance.now();
    const environment: Environment = {
      key,
      child,
      logStream: `${day}/[${config.Version}]${randomBytes(16).toString('hex')}`,
      lines: [],
      loggedBytes: 0,
      ready: undefined as never,
    };
    const capture = (stream: Readable) => {
      let partial = '';
      stream.setEncoding('utf8').on('data', (chunk: string) => {
        const parts = (partial + chunk).split('\n');
        partial = parts.pop() ?? '';
        // A line that never ends is cut where Lambda would cut it.
        if (partial.length > MAX_LOG_LINE_BYTES) {
          parts.push(partial);
          partial = '';
        }
        for (const line of parts) this.keepLine(environment, line);
      });
    };
    capture(child.stdout!);
    capture(child.stderr!);
    let buffered = '';
    (child.stdio[3] as Readable).setEncoding('utf8').on('data', (chunk: string) => {
      const parts = (buffered + chunk).split('\n');
      buffered = parts.pop() ?? '';
      for (const part of parts) environment.onMessage?.(JSON.parse(part));
    });
    child.on('exit', (code, signal) => {
      this.all.delete(environment);
      environment.onExit?.(code, signal);
    });
    child.stdin!.on('error', () => undefined); // an environment that died mid-write: its exit says why
    (environment as { ready: Promise<void> }).ready = new Promise<void>((resolve, reject) => {
      environment.onMessage = (message) => {
        if (message.init === 'ready') {
          environment.initMs = performance.now() - startedAt;
          resolve();
        } else reject(message.init);
      };
      environment.onExit = (code) => reject({ errorType: 'Runtime.ExitError', errorMessage: `Runtime exited during init with exit status ${code}` });
    });
    environment.ready.catch(() => undefined);
    this.all.add(environment);
    this.options.log?.(`lambda: cold start of ${config.FunctionArn}`);
    return environment;
  }

  private keepLine(environment: Environment, line: string): void {
    const cut = Buffer.byteLength(line) > MAX_LOG_LINE_BYTES ? `${Buffer.from(line).subarray(0, MAX_LOG_LINE_BYTES).toString('utf8')} [truncated]` : line;
    if (environment.loggedBytes > MAX_LOG_BYTES_PER_INVOCATION) return;
    environment.loggedBytes += cut.length;
    environment.lines.push(cut.replace(/\r/g, '\n'));
  }

  private run(environment: Environment, requestId: string, event: string, config: FunctionVersion['configuration']) {
    return new Promise<{ result?: string; error?: unknown; timedOut?: boolean; exited?: string }>((resolve) => {
      const timer = setTimeout(() => {
        this.options.log?.(`lambda: ${config.FunctionArn} timed out after ${config.Timeout} s; its environment is stopped`);
        resolve({ timedOut: true });
      }, config.Timeout * 1000);
      const finish = (outcome: { result?: string; error?: unknown; timedOut?: boolean; exited?: string }) => {
        clearTimeout(timer);
        resolve(outcome);
      };
      environment.onMessage = (message) => {
        if (message.id !== requestId) return;
        finish(message.error ? { error: message.error } : { result: message.result });
      };
      environment.onExit = (code, signal) => finish({ exited: signal ? `with signal ${signal}` : `with error: exit status ${code}` });
      const deadline = Date.now() + config.Timeout * 1000;
      const context = {
        functionName: config.FunctionName,
        functionVersion: config.Version,
        invokedFunctionArn: config.FunctionArn,
        memoryLimitInMB: String(config.MemorySize),
        logGroupName: config.LoggingConfig?.LogGroup ?? `/aws/lambda/${config.FunctionName}`,
        logStreamName: environment.logStream,
      };
      (environment.child.stdin as Writable).write(`${JSON.stringify({ id: requestId, event, deadline, context })}\n`);
    });
  }

  /** START, the function's lines, END and REPORT, into the function's log group, as Lambda writes them. */
  private async writeLogs(
    environment: Environment,
    config: FunctionVersion['configuration'],
    region: string,
    requestId: string,
    durationMs: number,
    outcome: { result?: string; error?: unknown; timedOut?: boolean },
  ): Promise<string> {
    const lines = environment.lines.splice(0);
    environment.loggedBytes = 0;
    const json = config.LoggingConfig?.LogFormat === 'JSON';
    const memoryUsedMb = maxMemoryUsedMb(environment.child.pid);
    const billed = Math.max(1, Math.ceil(durationMs));
    const time = () => new Date().toISOString();
    const version = config.Version;
    const status = outcome.timedOut ? 'timeout' : outcome.error !== undefined ? 'error' : 'success';
    const errorType = outcome.timedOut ? { errorType: 'Sandbox.Timedout' } : {};
    const platform = json
      ? {
          start: JSON.stringify({ time: time(), type: 'platform.start', record: { requestId, version } }),
          end: JSON.stringify({ time: time(), type: 'platform.runtimeDone', record: { requestId, status, ...errorType } }),
          report: JSON.stringify({
            time: time(),
            type: 'platform.report',
            record: {
              requestId,
              metrics: {
                durationMs: Number(durationMs.toFixed(2)),
                billedDurationMs: billed,
                memorySizeMB: config.MemorySize,
                maxMemoryUsedMB: memoryUsedMb,
                ...(environment.initMs !== undefined ? { initDurationMs: Number(environment.initMs.toFixed(2)) } : {}),
              },
              status,
              ...errorType,
            },
          }),
        }
      : {
          start: `START RequestId: ${requestId} Version: ${version}`,
          end: `END RequestId: ${requestId}`,
          report:
            `REPORT RequestId: ${requestId}\tDuration: ${durationMs.toFixed(2)} ms\tBilled Duration: ${billed} ms\tMemory Size: ${config.MemorySize} MB\t` +
            `Max Memory Used: ${memoryUsedMb} MB${environment.initMs !== undefined ? `\tInit Duration: ${environment.initMs.toFixed(2)} ms` : ''}${outcome.timedOut ? '\tStatus: timeout' : ''}`,
        };
    // In JSON format every system log is a JSON record: a timeout is the records' status
    // "timeout" (Lambda, "Configuring JSON and plain text log formats"; the Telemetry API's
    // platform.runtimeDone and platform.report schemas), not the text format's line.
    const timeout = outcome.timedOut && !json ? [`${time()} ${requestId} Task timed out after ${config.Timeout.toFixed(2)} seconds`] : [];
    const all = [platform.start, ...lines, ...timeout, platform.end, platform.report];
    const group = config.LoggingConfig?.LogGroup ?? `/aws/lambda/${config.FunctionName}`;
    await this.putLogEvents(region, config.FunctionArn.split(':')[4], group, environment, all);
    return `${all.join('\n')}\n`;
  }

  /** Into the function's account's log group, as Lambda writes them. */
  private async putLogEvents(region: string, account: string, group: string, environment: Environment, messages: string[]): Promise<void> {
    let client = this.logClients.get(`${account} ${region}`);
    if (!client) {
      client = new CloudWatchLogsClient({ endpoint: this.options.motoEndpoint, region, credentials: EMULATOR_CREDENTIALS, maxAttempts: 1 });
      // moto's header for the account a call acts in (this client talks to moto's private port only).
      client.middlewareStack.add(
        (next) => (args) => {
          Object.assign((args.request as { headers: Record<string, string> }).headers, this.options.motoHeaders, { 'x-moto-account-id': account });
          return next(args);
        },
        { step: 'build' },
      );
      this.logClients.set(`${account} ${region}`, client);
    }
    const now = Date.now();
    const events = messages.map((message) => ({ timestamp: now, message }));
    const put = () => client!.send(new PutLogEventsCommand({ logGroupName: group, logStreamName: environment.logStream, logEvents: events }));
    try {
      await put();
    } catch (error) {
      if ((error as Error).name !== 'ResourceNotFoundException') throw error;
      // The stream is new; the group too when nothing created it. (AWS creates a group only for a
      // role that may logs:CreateLogGroup, as AWSLambdaBasicExecutionRole may; this emulator
      // does not evaluate IAM.)
      await client.send(new CreateLogGroupCommand({ logGroupName: group })).catch(() => undefined);
      await client.send(new CreateLogStreamCommand({ logGroupName: group, logStreamName: environment.logStream })).catch(() => undefined);
      await put();
    }
  }

  private release(environment: Environment): void {
    if (this.closed) return void this.end(environment);
    environment.onMessage = undefined;
    environment.onExit = undefined;
    const idle = this.idle.get(environment.key) ?? [];
    idle.push(environment);
    this.idle.set(environment.key, idle);
    environment.idleTimer = setTimeout(() => {
      this.idle.set(environment.key, (this.idle.get(environment.key) ?? []).filter((other) => other !== environment));
      void this.end(environment);
    }, IDLE_MS);
    environment.idleTimer.unref();
  }

  private end(environment: Environment): Promise<void> {
    clearTimeout(environment.idleTimer);
    this.all.delete(environment);
    const { child } = environment;
    if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    child.kill('SIGKILL');
    return exited;
  }

  /** The version's zip unzipped in a folder of its own, fetched and unzipped once per code hash. */
  private async codeDir(region: string, config: FunctionVersion['configuration']): Promise<string> {
    const dir = path.join(this.codeRoot, Buffer.from(config.CodeSha256, 'base64').toString('hex') || 'empty');
    if (fs.existsSync(dir)) return dir;
    // The version's own ARN, so an alias moved meanwhile cannot hand over other code.
    const version = await this.functionVersion({ region, functionName: config.FunctionArn }, true);
    if ('status' in version) throw new Error(`the code of ${config.FunctionArn} could not be read: ${version.body.toString('utf8')}`);
    const codeBase64 = version.code ?? '';
    if (fs.existsSync(dir)) return dir; // unzipped by an invocation that started meanwhile
    const staging = `${dir}.${process.pid}.${randomBytes(4).toString('hex')}`;
    for (const [name, bytes] of Object.entries(unzipSync(Buffer.from(codeBase64, 'base64')))) {
      const target = path.resolve(staging, name);
      if (!target.startsWith(`${staging}${path.sep}`)) continue; // no entry may leave the folder
      if (name.endsWith('/')) continue;
      fs.mkdirSync(path.dirname(target), { recursive: true });
      fs.writeFileSync(target, bytes);
    }
    fs.mkdirSync(staging, { recursive: true });
    fs.renameSync(staging, dir);
    return dir;
  }
}

/** The environment's peak resident memory (VmHWM), in MB, as REPORT's `Max Memory Used`. */
function maxMemoryUsedMb(pid: number | undefined): number {
  try {
    const kb = Number(/VmHWM:\s+(\d+) kB/.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? 0);
    return Math.ceil(kb / 1024);
  } catch {
    return 0;
  }
}
