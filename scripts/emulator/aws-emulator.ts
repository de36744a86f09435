import { ChildProcess, spawn, spawnSync } from 'child_process';
import * as path from 'path';
import { APIGatewayClient, GetDeploymentsCommand, GetResourcesCommand, GetRestApisCommand, GetStagesCommand, GetApiKeysCommand, GetUsagePlansCommand } from '@aws-sdk/client-api-gateway';
import { CloudWatchClient, DescribeAlarmsCommand } from '@aws-sdk/client-cloudwatch';
import { CloudWatchLogsClient, DescribeLogGroupsCommand } from '@aws-sdk/client-cloudwatch-logs';
import { IAMClient, ListAttachedRolePoliciesCommand, ListRolePoliciesCommand, ListRolesCommand } from '@aws-sdk/client-iam';
import { LambdaClient, ListAliasesCommand, ListFunctionsCommand, ListVersionsByFunctionCommand } from '@aws-sdk/client-lambda';

import { EMULATOR_MOTO_VERSION, emulatorClientConfig, listeningPort } from './emulator-settings';

export { EMULATED_SERVICES, EMULATOR_CREDENTIALS, EMULATOR_MOTO_VERSION, emulatorClientConfig } from './emulator-settings';

/** Why the emulator cannot run on this machine, or undefined when it can. */
export function emulatorUnavailableReason(): string | undefined {
  const probe = spawnSync('python3', ['-c', 'import moto, werkzeug; print(moto.__version__)'], { encoding: 'utf8' });
  if (probe.error) return 'python3 is not on PATH';
  if (probe.status !== 0) return `moto is not installed for python3 (pip install "moto[server]==${EMULATOR_MOTO_VERSION}")`;
  const version = probe.stdout.trim();
  if (version !== EMULATOR_MOTO_VERSION) {
    return `moto ${version} is installed; the emulator's patches are written for moto ${EMULATOR_MOTO_VERSION}`;
  }
  return undefined;
}

export interface AwsEmulator {
  /** `http://127.0.0.1:<port>`: every emulated service answers there. */
  readonly endpoint: string;
  readonly pid: number;
  /** Stops the emulator and everything it started (its process group), and waits for it to exit. */
  stop(): Promise<void>;
}

const SERVER = path.join(__dirname, 'server.ts');

/**
 * Starts the local AWS (server.ts: moto behind a front that runs functions and stages) on
 * 127.0.0.1 and a port the kernel picks, or `port`, in a process group of its own, so
 * stopping it stops moto and every function environment with it. It also exits by itself
 * when this process goes, however it ends: it watches the stdin pipe this process holds.
 * `env` adds to its variables (EMULATOR_LAMBDA_CONCURRENT_EXECUTIONS, say).
 */
export function startAwsEmulator(timeoutMs = 30_000, port = 0, env: NodeJS.ProcessEnv = {}): Promise<AwsEmulator> {
  const child: ChildProcess = spawn(process.execPath, ['--require', 'esbuild-register', SERVER, '--port', String(port)], {
    // Spelled out: a caller's process.env may be a copy (jest's) that spawn would not see.
    env: { ...process.env, ...env },
    stdio: ['pipe', 'pipe', 'pipe'],
    detached: true,
  });
  let stderr = '';
  child.stderr!.setEncoding('utf8').on('data', (chunk: string) => (stderr = (stderr + chunk).slice(-8000)));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const stop = async () => {
    const timer = setTimeout(() => killGroup(child, 'SIGKILL'), 10_000);
    killGroup(child, 'SIGTERM');
    await exited;
    // Whatever of the group is still there (a function environment mid-start).
    killGroup(child, 'SIGKILL');
    clearTimeout(timer);
  };
  return listeningPort(child, 'the AWS emulator', { timeoutMs, stop, stderrTail: () => stderr }).then((listening) => ({
    endpoint: `http://127.0.0.1:${listening}`,
    pid: child.pid!,
    stop,
  }));
}

/** Signals every process of the child's group; a group already gone is fine. */
function killGroup(child: ChildProcess, signal: NodeJS.Signals): void {
  try {
    process.kill(-child.pid!, signal);
  } catch {
    // ESRCH: nothing left
  }
}

/**
 * What the emulator holds of the kinds of resource the stacks create, one line per resource
 * (`<region> <kind> <name>`), sorted: equal inventories mean nothing duplicated and nothing
 * orphaned. Lambda versions and API deployments are listed one by one, so a duplicate shows.
 * The account's API Gateway setting is left out: AWS keeps it for the account and region.
 * One account's: the default one, or with `roleArn` the role's (as emulatorClientConfig).
 */
export async function emulatorInventory(endpoint: string, regions: readonly string[], roleArn?: string): Promise<string[]> {
  const lines: string[] = [];
  const iam = new IAMClient(emulatorClientConfig(endpoint, 'us-east-1', roleArn));
  for (const role of (await iam.send(new ListRolesCommand({ MaxItems: 1000 }))).Roles ?? []) {
    lines.push(`global iam-role ${role.RoleName}`);
    const attached = await iam.send(new ListAttachedRolePoliciesCommand({ RoleName: role.RoleName }));
    for (const policy of attached.AttachedPolicies ?? []) lines.push(`global iam-role-attachment ${role.RoleName} ${policy.PolicyArn}`);
    const inline = await iam.send(new ListRolePoliciesCommand({ RoleName: role.RoleName }));
    for (const name of inline.PolicyNames ?? []) lines.push(`global iam-role-policy ${role.RoleName} ${name}`);
  }
  for (const region of regions) {
    const config = emulatorClientConfig(endpoint, region, roleArn);
    const lambda = new LambdaClient(config);
    for (const fn of (await lambda.send(new ListFunctionsCommand({ MaxItems: 1000 }))).Functions ?? []) {
      lines.push(`${region} lambda-function ${fn.FunctionName}`);
      const versions = await lambda.send(new ListVersionsByFunctionCommand({ FunctionName: fn.FunctionName }));
      for (const version of versions.Versions ?? []) {
        if (version.Version !== '$LATEST') lines.push(`${region} lambda-version ${fn.FunctionName}:${version.Version}`);
      }
      const aliases = await lambda.send(new ListAliasesCommand({ FunctionName: fn.FunctionName }));
      for (const alias of aliases.Aliases ?? []) lines.push(`${region} lambda-alias ${fn.FunctionName}:${alias.Name}`);
    }
    const apigateway = new APIGatewayClient(config);
    const apis = (await apigateway.send(new GetRestApisCommand({ limit: 500 }))).items ?? [];
    for (const api of apis) {
      lines.push(`${region} rest-api ${api.name}`);
      for (const resource of (await apigateway.send(new GetResourcesCommand({ restApiId: api.id, limit: 500 }))).items ?? []) {
        lines.push(`${region} rest-api-resource ${api.name} ${resource.path}`);
      }
      for (const _ of (await apigateway.send(new GetDeploymentsCommand({ restApiId: api.id, limit: 500 }))).items ?? []) {
        lines.push(`${region} rest-api-deployment ${api.name}`);
      }
      for (const stage of (await apigateway.send(new GetStagesCommand({ restApiId: api.id }))).item ?? []) {
        lines.push(`${region} rest-api-stage ${api.name} ${stage.stageName}`);
      }
    }
    for (const plan of (await apigateway.send(new GetUsagePlansCommand({ limit: 500 }))).items ?? []) {
      lines.push(`${region} usage-plan ${plan.name}`);
    }
    for (const key of (await apigateway.send(new GetApiKeysCommand({ limit: 500 }))).items ?? []) {
      lines.push(`${region} api-key ${key.name}`);
    }
    const logs = new CloudWatchLogsClient(config);
    for (const group of (await logs.send(new DescribeLogGroupsCommand({}))).logGroups ?? []) {
      // Execution log groups carry the API's generated id: name the API instead, so lines compare.
      const name = group.logGroupName!.replace(/^API-Gateway-Execution-Logs_([^/]+)/, (_, id: string) => {
        return `API-Gateway-Execution-Logs_<${apis.find((api) => api.id === id)?.name ?? 'no such API'}>`;
      });
      lines.push(`${region} log-group ${name}`);
    }
    const cloudwatch = new CloudWatchClient(config);
    for (const alarm of (await cloudwatch.send(new DescribeAlarmsCommand({ MaxRecords: 100 }))).MetricAlarms ?? []) {
      lines.push(`${region} alarm ${alarm.AlarmName}`);
    }
  }
  return lines.sort();
}
