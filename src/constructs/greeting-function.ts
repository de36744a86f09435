import * as path from 'path';
import { Construct } from 'constructs';
import { AssetType, Fn, TerraformAsset, Token } from 'cdktf';
import { DataArchiveFile } from '@cdktf/provider-archive/lib/data-archive-file';
import { CloudwatchLogGroup } from '@cdktf/provider-aws/lib/cloudwatch-log-group';
import { LambdaAlias } from '@cdktf/provider-aws/lib/lambda-alias';
import { LambdaFunction } from '@cdktf/provider-aws/lib/lambda-function';
import { IamRolePolicy } from '@cdktf/provider-aws/lib/iam-role-policy';
import {
  assertValid,
  describeValue,
  greetingProblem,
  logRetentionProblem,
  memorySizeProblem,
  reservedConcurrencyProblem,
  resourceNameProblem,
  timeoutProblem,
} from '../rules/aws-limits';
import { DEFAULT_GREETING, DEFAULT_LOG_RETENTION_DAYS, DEFAULT_MEMORY_MB, DEFAULT_TIMEOUT_SECONDS, GREETING_VARIABLE } from '../rules/defaults';
import { IExecutionRole, LoggingRole } from './logging-role';
import { IInvokeGrantee, IProxyApiHandler } from './proxy-api';
import type { IReleasableFunction } from './gradual-release';
import { RoleSettings } from './service-role';

/**
 * Node.js runtimes AWS supports that the pinned AWS provider (5.100) accepts. nodejs20.x was
 * deprecated on 2026-04-30 and can no longer be updated; nodejs24.x is newer than the provider.
 */
export const SUPPORTED_RUNTIMES = ['nodejs22.x'] as const;
export type NodeRuntime = (typeof SUPPORTED_RUNTIMES)[number];

export interface GreetingFunctionProps {
  /** Name of the Lambda function; its log group is `/aws/lambda/<functionName>`. At most 64 characters. */
  readonly functionName: string;
  /**
   * Role the function runs as; the function waits for its log permissions.
   * @default a new LoggingRole (logs and traces only) named `<functionName>-logging`
   */
  readonly executionRole?: IExecutionRole;
  /** Path of the handler bundled into one JavaScript file: the only file in the zip. */
  readonly codeFile: string;
  /**
   * A zip of {@link codeFile} made before synth (the app's `FUNCTION_PACKAGING=synth-zip`):
   * deployed as it is, with its SHA-256 as `source_code_hash`, and the archive provider is not
   * used. For machines that cannot install hashicorp/archive, and for plans shipped with their zip.
   * @default the archive provider's `archive_file` zips codeFile when Terraform plans
   */
  readonly prebuiltZip?: PrebuiltZip;
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
   * @default DEFAULT_MEMORY_MB (128)
   */
  readonly memorySize?: number;
  /**
   * Timeout in seconds, 1 to 28 (API Gateway gives up after 29 s).
   * @default DEFAULT_TIMEOUT_SECONDS (3)
   */
  readonly timeout?: number;
  /**
   * The greeting word, passed as the `GREETING` environment variable. This is the greeting
   * service's own setting: the packaged handler reads it, another handler may ignore it.
   * @default DEFAULT_GREETING ('Hello')
   */
  readonly greeting?: string;
  /**
   * Days CloudWatch keeps the function's logs; one of the values CloudWatch accepts.
   * @default DEFAULT_LOG_RETENTION_DAYS (14)
   */
  readonly logRetentionDays?: number;
  /**
   * KMS key ARN that encrypts the log group.
   * @default CloudWatch Logs' own encryption
   */
  readonly logsKmsKeyArn?: string;
  /**
   * Keep the log group (and its logs) when the function is destroyed: Terraform only forgets
   * it (`skip_destroy`). Create the function again and the group must be imported first.
   * @default false
   */
  readonly retainLogsOnDestroy?: boolean;
  /**
   * Permissions boundary and path of the execution role made when none is given.
   * @default no boundary, path '/'
   */
  readonly roleSettings?: RoleSettings;
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
  /**
   * Who moves the alias to a new version: `terraform` at once, with the function; `codedeploy`
   * leaves its version and weights to a CodeDeploy deployment ({@link GradualRelease}), and
   * Terraform only creates it, so the two never move it in turn.
   * @default 'terraform'
   */
  readonly trafficShiftedBy?: 'terraform' | 'codedeploy';
}

/** A function zip built before synth. */
export interface PrebuiltZip {
  /** Path of the zip. */
  readonly file: string;
  /** Its SHA-256, base64 (what Terraform's `filebase64sha256` gives). */
  readonly base64Sha256: string;
}

/**
 * The greeting Lambda function, packaged by the archive provider from the bundled handler,
 * with its own log group created first so retention applies from the first line logged.
 * Each change publishes a version and moves the alias (`live`) to it; callers invoke the
 * alias. A {@link ProxyApi} takes it as its handler.
 *
 * Values may be Terraform tokens (a `TerraformVariable`, another resource's attribute):
 * those are passed through and left for AWS to check; resolved values are checked here.
 */
export class GreetingFunction extends Construct implements IProxyApiHandler, IReleasableFunction {
  public readonly functionName: string;
  /** The alias callers invoke (`live`). */
  public readonly aliasName: string;
  /** Unqualified ARN of the function. */
  public readonly functionArn: string;
  /** The version the last change published. */
  public readonly functionVersion: string;
  /** ARN of the alias (`<function arn>:live`). */
  public readonly aliasArn: string;
  /** What API Gateway integrations call: the alias's invoke ARN (`.../functions/<alias arn>/invocations`). */
  public readonly invokeArn: string;
  /** The role the function runs as. */
  public readonly executionRole: IExecutionRole;
  public readonly logGroupName: string;
  /** Memory in MB, as configured. */
  public readonly memorySize: number;

  constructor(scope: Construct, id: string, props: GreetingFunctionProps) {
    super(scope, id);
    const memorySize = props.memorySize ?? DEFAULT_MEMORY_MB;
    const timeout = props.timeout ?? DEFAULT_TIMEOUT_SECONDS;
    const greeting = props.greeting ?? DEFAULT_GREETING;
    const logRetentionDays = props.logRetentionDays ?? DEFAULT_LOG_RETENTION_DAYS;
    const runtime = props.runtime ?? 'nodejs22.x';
    const handler = props.handler ?? 'index.helloworld';
    const aliasName = props.aliasName ?? 'live';
    assertValid('GreetingFunction', 'functionName', props.functionName, (v) => resourceNameProblem(v, 64));
    assertValid('GreetingFunction', 'memorySize', memorySize, memorySizeProblem);
    assertValid('GreetingFunction', 'timeout', timeout, timeoutProblem);
    assertValid('GreetingFunction', 'greeting', greeting, greetingProblem);
    assertValid('GreetingFunction', 'logRetentionDays', logRetentionDays, logRetentionProblem);
    assertValid('GreetingFunction', 'reservedConcurrency', props.reservedConcurrency, reservedConcurrencyProblem);
    assertValid('GreetingFunction', 'aliasName', aliasName, (v) =>
      !/^[A-Za-z][A-Za-z0-9_-]{0,127}$/.test(v) || /^\d+$/.test(v)
        ? `${describeValue(v)} is not an alias name; use letters, digits, "-" or "_", such as "live"`
        : undefined,
    );
    assertValid('GreetingFunction', 'trafficShiftedBy', props.trafficShiftedBy, (v) =>
      v === undefined || v === 'terraform' || v === 'codedeploy' ? undefined : `${describeValue(v)} is not who moves the alias; use "terraform" or "codedeploy"`,
    );
    assertValid('GreetingFunction', 'runtime', runtime, (v) =>
      (SUPPORTED_RUNTIMES as readonly string[]).includes(v) ? undefined : `${describeValue(v)} is not supported; use one of ${SUPPORTED_RUNTIMES.join(', ')}`,
    );
    const handlerFile = path.basename(props.codeFile).replace(/\.js$/, '');
    if (!Token.isUnresolved(handler) && !handler.startsWith(`${handlerFile}.`)) {
      throw new Error(
        `GreetingFunction handler: ${JSON.stringify(handler)} does not name the packaged file ${path.basename(props.codeFile)}; use "${handlerFile}.<export>"`,
      );
    }

    const zip = props.prebuiltZip ? prebuiltPackage(this, props.prebuiltZip) : archivedPackage(this, props.codeFile);

    const logGroup = new CloudwatchLogGroup(this, 'logs', {
      name: `/aws/lambda/${props.functionName}`,
      retentionInDays: logRetentionDays,
      kmsKeyId: props.logsKmsKeyArn,
      // false is the provider's default: left out, so the Terraform reads the same as before.
      skipDestroy: props.retainLogsOnDestroy === false ? undefined : props.retainLogsOnDestroy,
    });

    const executionRole =
      props.executionRole ?? new LoggingRole(this, 'execution-role', { roleName: `${props.functionName}-logging`, roleSettings: props.roleSettings });
    // Its own group only: a late invocation can neither recreate a deleted group nor write another.
    const logWriting = executionRole.grantLogWriting(this, 'log-writing', logGroup);
    const fn = new LambdaFunction(this, 'function', {
      functionName: props.functionName,
      description: 'Answers "<greeting> <name>", directly or through API Gateway',
      role: executionRole.roleArn,
      runtime,
      handler,
      filename: zip.filename,
      sourceCodeHash: zip.sourceCodeHash,
      memorySize,
      timeout,
      environment: { variables: { [GREETING_VARIABLE]: greeting } },
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
      dependsOn: [logGroup, ...executionRole.permissions, ...(logWriting ? [logWriting] : [])],
    });
    const alias = new LambdaAlias(this, 'alias', {
      name: aliasName,
      description: 'What callers invoke; move it to an older version to roll back',
      functionName: fn.functionName,
      functionVersion: fn.version,
      // CodeDeploy moves it, step by step, and may move it back: Terraform must not undo either.
      ...(props.trafficShiftedBy === 'codedeploy' ? { lifecycle: { ignoreChanges: ['function_version', 'routing_config'] } } : {}),
    });

    this.functionName = fn.functionName;
    this.aliasName = aliasName;
    this.functionArn = fn.arn;
    this.functionVersion = fn.version;
    this.aliasArn = alias.arn;
    this.invokeArn = alias.invokeArn;
    this.logGroupName = logGroup.name;
    this.memorySize = memorySize;
    this.executionRole = executionRole;
  }

  /**
   * Lets `grantee` invoke the alias, nothing else (not `$LATEST`, not another version): an
   * inline policy created in `scope` (the caller's) under `id`, returned.
   */
  public grantInvoke(scope: Construct, id: string, grantee: IInvokeGrantee): IamRolePolicy {
    return new IamRolePolicy(scope, id, {
      name: 'invoke-function',
      role: grantee.roleName,
      // jsonencode, not JSON.stringify around tokens (which `synth --hcl` breaks), and not a
      // policy document data source (read only at apply whenever the function changes).
      policy: Fn.jsonencode({
        Version: '2012-10-17',
        Statement: [{ Effect: 'Allow', Action: 'lambda:InvokeFunction', Resource: this.aliasArn }],
      }),
    });
  }
}

/** The zip as the archive provider makes it at plan, from the bundle copied into the stack's folder. */
function archivedPackage(scope: Construct, codeFile: string): { filename: string; sourceCodeHash: string } {
  // Copied into the stack's folder so every path Terraform sees is relative to it.
  const code = new TerraformAsset(scope, 'code', { path: codeFile, type: AssetType.FILE });
  const zip = new DataArchiveFile(scope, 'package', {
    type: 'zip',
    sourceFile: code.path,
    // Stable while the code changes, so a new handler only changes `source_code_hash`.
    outputPath: path.posix.join(path.posix.dirname(path.posix.dirname(code.path)), 'function.zip'),
    // The checkout's file mode would otherwise end up in the zip, and so in its hash.
    outputFileMode: '0644',
  });
  return { filename: zip.outputPath, sourceCodeHash: zip.outputBase64Sha256 };
}

/** A zip made before synth, copied into the stack's folder; its hash is known now, so it is written as is. */
function prebuiltPackage(scope: Construct, zip: PrebuiltZip): { filename: string; sourceCodeHash: string } {
  if (!Token.isUnresolved(zip.base64Sha256) && !/^[A-Za-z0-9+/]{43}=$/.test(zip.base64Sha256)) {
    throw new Error(`GreetingFunction prebuiltZip.base64Sha256: ${JSON.stringify(zip.base64Sha256)} is not a base64 SHA-256; use filebase64sha256 of the zip`);
  }
  const asset = new TerraformAsset(scope, 'zip', { path: zip.file, type: AssetType.FILE });
  return { filename: asset.path, sourceCodeHash: zip.base64Sha256 };
}
