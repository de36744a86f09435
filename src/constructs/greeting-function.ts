import * as path from 'path';
import { Construct } from 'constructs';
import { AssetType, TerraformAsset } from 'cdktf';
import { DataArchiveFile } from '@cdktf/provider-archive/lib/data-archive-file';
import { CloudwatchLogGroup } from '@cdktf/provider-aws/lib/cloudwatch-log-group';
import { LambdaAlias } from '@cdktf/provider-aws/lib/lambda-alias';
import { LambdaFunction } from '@cdktf/provider-aws/lib/lambda-function';
import {
  assertValid,
  greetingProblem,
  logRetentionProblem,
  memorySizeProblem,
  resourceNameProblem,
  timeoutProblem,
} from './aws-limits';
import { LoggingRole } from './logging-role';

/**
 * Node.js runtimes AWS supports that the pinned AWS provider (5.100) accepts. nodejs20.x was
 * deprecated on 2026-04-30 and can no longer be updated; nodejs24.x is newer than the provider.
 */
export const SUPPORTED_RUNTIMES = ['nodejs22.x'] as const;
export type NodeRuntime = (typeof SUPPORTED_RUNTIMES)[number];

export interface GreetingFunctionProps {
  /** Name of the Lambda function; its log group is `/aws/lambda/<functionName>`. At most 64 characters. */
  readonly functionName: string;
  /** Role the function runs as; the function waits for its log permissions. */
  readonly executionRole: LoggingRole;
  /** Path of the handler bundled into one JavaScript file: the only file in the zip. */
  readonly codeFile: string;
  /**
   * `<file>.<export>` of the handler inside the zip.
   * @default 'index.helloworld' (as in the walkthrough)
   */
  readonly handler?: string;
  /**
   * Node.js runtime.
   * @default 'nodejs22.x'
   */
  readonly runtime?: NodeRuntime;
  /**
   * Memory in MB, 128 to 10240; it also buys CPU.
   * @default 128
   */
  readonly memorySize?: number;
  /**
   * Timeout in seconds, 1 to 28 (API Gateway gives up after 29 s).
   * @default 3
   */
  readonly timeout?: number;
  /**
   * The greeting word, passed as the `GREETING` environment variable.
   * @default 'Hello'
   */
  readonly greeting?: string;
  /**
   * Days CloudWatch keeps the function's logs; one of the values CloudWatch accepts.
   * @default 14
   */
  readonly logRetentionDays?: number;
  /**
   * KMS key ARN that encrypts the log group.
   * @default CloudWatch Logs' own encryption
   */
  readonly logsKmsKeyArn?: string;
  /**
   * Concurrent executions reserved for the function, which also cap it.
   * @default none reserved: the account's unreserved pool
   */
  readonly reservedConcurrency?: number;
  /**
   * X-Ray tracing mode; `Active` samples and traces every call path.
   * @default 'Active'
   */
  readonly tracing?: 'Active' | 'PassThrough';
  /**
   * The alias every caller should invoke; it follows the version published by each change.
   * @default 'live'
   */
  readonly aliasName?: string;
}

/**
 * The greeting Lambda function, packaged by the archive provider from the bundled handler,
 * with its own log group created first so retention applies from the first line logged.
 * Each change publishes a version and moves the alias (`live`) to it; callers invoke the alias.
 */
export class GreetingFunction extends Construct {
  public readonly functionName: string;
  /** Unqualified ARN of the function. */
  public readonly functionArn: string;
  /** The version the last change published. */
  public readonly functionVersion: string;
  /** ARN of the alias (`<function arn>:live`). */
  public readonly aliasArn: string;
  /** ARN API Gateway integrations call for the alias (`.../functions/<alias arn>/invocations`). */
  public readonly aliasInvokeArn: string;
  public readonly logGroupName: string;
  /** Memory in MB, as configured. */
  public readonly memorySize: number;

  constructor(scope: Construct, id: string, props: GreetingFunctionProps) {
    super(scope, id);
    const memorySize = props.memorySize ?? 128;
    const timeout = props.timeout ?? 3;
    const greeting = props.greeting ?? 'Hello';
    const logRetentionDays = props.logRetentionDays ?? 14;
    const runtime = props.runtime ?? 'nodejs22.x';
    const handler = props.handler ?? 'index.helloworld';
    const aliasName = props.aliasName ?? 'live';
    assertValid('GreetingFunction', 'functionName', resourceNameProblem(props.functionName, 64));
    assertValid('GreetingFunction', 'memorySize', memorySizeProblem(memorySize));
    assertValid('GreetingFunction', 'timeout', timeoutProblem(timeout));
    assertValid('GreetingFunction', 'greeting', greetingProblem(greeting));
    assertValid('GreetingFunction', 'logRetentionDays', logRetentionProblem(logRetentionDays));
    if (props.reservedConcurrency !== undefined && (!Number.isInteger(props.reservedConcurrency) || props.reservedConcurrency < 1)) {
      throw new Error(
        `GreetingFunction reservedConcurrency: ${props.reservedConcurrency} is not a concurrency; use a whole number of at least 1, or leave it out`,
      );
    }
    if (!/^[A-Za-z][A-Za-z0-9_-]{0,127}$/.test(aliasName) || /^\d+$/.test(aliasName)) {
      throw new Error(`GreetingFunction aliasName: ${JSON.stringify(aliasName)} is not an alias name; use letters, digits, "-" or "_", such as "live"`);
    }
    if (!(SUPPORTED_RUNTIMES as readonly string[]).includes(runtime)) {
      throw new Error(
        `GreetingFunction runtime: ${JSON.stringify(runtime)} is not supported; use one of ${SUPPORTED_RUNTIMES.join(', ')}`,
      );
    }
    const handlerFile = path.basename(props.codeFile).replace(/\.js$/, '');
    if (!handler.startsWith(`${handlerFile}.`)) {
      throw new Error(
        `GreetingFunction handler: ${JSON.stringify(handler)} does not name the packaged file ${path.basename(props.codeFile)}; use "${handlerFile}.<export>"`,
      );
    }

    // Copied into the stack's folder so every path Terraform sees is relative to it.
    const code = new TerraformAsset(this, 'code', { path: props.codeFile, type: AssetType.FILE });
    const zip = new DataArchiveFile(this, 'package', {
      type: 'zip',
      sourceFile: code.path,
      // Stable while the code changes, so a new handler only changes `source_code_hash`.
      outputPath: path.posix.join(path.posix.dirname(path.posix.dirname(code.path)), 'function.zip'),
      // The checkout's file mode would otherwise end up in the zip, and so in its hash.
      outputFileMode: '0644',
    });

    const logGroup = new CloudwatchLogGroup(this, 'logs', {
      name: `/aws/lambda/${props.functionName}`,
      retentionInDays: logRetentionDays,
      kmsKeyId: props.logsKmsKeyArn,
    });

    const fn = new LambdaFunction(this, 'function', {
      functionName: props.functionName,
      description: 'Answers "<greeting> <name>", directly or through API Gateway',
      role: props.executionRole.roleArn,
      runtime,
      handler,
      filename: zip.outputPath,
      sourceCodeHash: zip.outputBase64Sha256,
      memorySize,
      timeout,
      environment: { variables: { GREETING: greeting } },
      reservedConcurrentExecutions: props.reservedConcurrency,
      tracingConfig: { mode: props.tracing ?? 'Active' },
      loggingConfig: {
        logFormat: 'JSON',
        logGroup: logGroup.name,
        // AWS fills both levels with INFO for the JSON format; leaving them unset makes every
        // later plan change the function and the alias (terraform-provider-aws #42181).
        applicationLogLevel: 'INFO',
        systemLogLevel: 'INFO',
      },
      // Every change of code or configuration publishes a version the alias then points at.
      publish: true,
      dependsOn: [logGroup, ...props.executionRole.policyAttachments],
    });
    const alias = new LambdaAlias(this, 'alias', {
      name: aliasName,
      description: 'What callers invoke; move it to an older version to roll back',
      functionName: fn.functionName,
      functionVersion: fn.version,
    });

    this.functionName = fn.functionName;
    this.functionArn = fn.arn;
    this.functionVersion = fn.version;
    this.aliasArn = alias.arn;
    this.aliasInvokeArn = alias.invokeArn;
    this.logGroupName = logGroup.name;
    this.memorySize = memorySize;
  }
}
