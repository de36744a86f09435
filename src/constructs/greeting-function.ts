import * as path from 'path';
import { Construct } from 'constructs';
import { AssetType, TerraformAsset } from 'cdktf';
import { DataArchiveFile } from '@cdktf/provider-archive/lib/data-archive-file';
import { CloudwatchLogGroup } from '@cdktf/provider-aws/lib/cloudwatch-log-group';
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

/** Node.js runtimes AWS supports and this handler is tested on. */
export const SUPPORTED_RUNTIMES = ['nodejs20.x', 'nodejs22.x'] as const;
export type NodeRuntime = (typeof SUPPORTED_RUNTIMES)[number];

export interface GreetingFunctionProps {
  /** Name of the Lambda function; its log group is `/aws/lambda/<functionName>`. At most 64 characters. */
  readonly functionName: string;
  /** Role the function runs as; the function waits for its log permissions. */
  readonly executionRole: LoggingRole;
  /** The handler bundled into one JavaScript file; it is zipped alone as `index.js`'s sibling-free package. */
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
}

/**
 * The greeting Lambda function, packaged by the archive provider from the bundled handler,
 * with its own log group created first so retention applies from the first line logged.
 */
export class GreetingFunction extends Construct {
  public readonly functionName: string;
  public readonly functionArn: string;
  /** ARN API Gateway integrations call (`.../functions/<arn>/invocations`). */
  public readonly invokeArn: string;
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
    assertValid('GreetingFunction', 'functionName', resourceNameProblem(props.functionName, 64));
    assertValid('GreetingFunction', 'memorySize', memorySizeProblem(memorySize));
    assertValid('GreetingFunction', 'timeout', timeoutProblem(timeout));
    assertValid('GreetingFunction', 'greeting', greetingProblem(greeting));
    assertValid('GreetingFunction', 'logRetentionDays', logRetentionProblem(logRetentionDays));
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
      dependsOn: [logGroup, props.executionRole.policyAttachment],
    });

    this.functionName = fn.functionName;
    this.functionArn = fn.arn;
    this.invokeArn = fn.invokeArn;
    this.logGroupName = logGroup.name;
    this.memorySize = memorySize;
  }
}
