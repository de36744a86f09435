/**
 * Least privilege evaluated, not only asserted: every role of every shipped stack, as
 * synthesized, run through an IAM policy simulator (@cloud-copilot/iam-simulate, a
 * devDependency used by this test only) with the stack's references resolved to ARNs of a
 * fixture account. Managed policies' documents are pinned in test/fixtures/managed-policies/,
 * each citing its version in AWS's Managed Policy Reference Guide.
 */
import * as fs from 'fs';
import * as path from 'path';
import { Testing } from 'cdktf';
import { Construct } from 'constructs';
import { runSimulation } from '@cloud-copilot/iam-simulate';
import { GreetingFunction } from '../../src/constructs/greeting-function';
import { LoggingRole } from '../../src/constructs/logging-role';
import { TIERS } from '../../src/config/environment-config';
import { listEnvironments, loadEnvironment } from '../../src/config/load-environment';
import { ACCOUNT_SETTINGS_STACK, AccountSettingsStack } from '../../src/stacks/account-settings-stack';
import { GreetingStack } from '../../src/stacks/greeting-stack';
import { FIXTURE_HANDLER, FIXTURE_RELEASE_RUNNER, PROJECT_ROOT } from '../helpers';
import { policyDocument } from './rules';

const ENVIRONMENTS = path.join(PROJECT_ROOT, 'environments');
const MANAGED = Object.fromEntries(
  fs
    .readdirSync(path.join(__dirname, '..', 'fixtures', 'managed-policies'))
    .map((file) => JSON.parse(fs.readFileSync(path.join(__dirname, '..', 'fixtures', 'managed-policies', file), 'utf8')))
    .map((policy) => [policy.arn, policy.document]),
);

type Document = { Version: string; Statement: any[] };

/** Each role of a synthesized stack, by name, with its policies' documents, references resolved. */
function rolesOf(tf: any, account: string, region: string): Record<string, Document[]> {
  const resource = tf.resource;
  const arns: Record<string, string> = {};
  for (const [id, alias] of Object.entries<any>(resource.aws_lambda_alias ?? {})) {
    const fn = Object.values<any>(resource.aws_lambda_function)[0];
    arns[`aws_lambda_alias.${id}.arn`] = `arn:aws:lambda:${region}:${account}:function:${fn.function_name}:${alias.name}`;
  }
  for (const [id, group] of Object.entries<any>(resource.aws_cloudwatch_log_group ?? {})) arns[`aws_cloudwatch_log_group.${id}.arn`] = `arn:aws:logs:${region}:${account}:log-group:${group.name}`;
  for (const [id, alarm] of Object.entries<any>(resource.aws_cloudwatch_metric_alarm ?? {})) arns[`aws_cloudwatch_metric_alarm.${id}.arn`] = `arn:aws:cloudwatch:${region}:${account}:alarm:${alarm.alarm_name}`;
  const roleName = (reference: string) => resource.aws_iam_role[/^\$\{aws_iam_role\.([\w-]+)\.name\}$/.exec(reference)![1]].name;
  const resolve = (text: string) =>
    text.replace(/\$\{([\w.-]+)\}/g, (_, reference: string) => {
      if (!arns[reference]) throw new Error(`no fixture ARN for ${reference}`);
      return arns[reference];
    });
  const roles: Record<string, Document[]> = Object.fromEntries(Object.values<any>(resource.aws_iam_role).map((role) => [role.name, []]));
  for (const policy of Object.values<any>(resource.aws_iam_role_policy ?? {})) {
    roles[roleName(policy.role)].push(JSON.parse(resolve(JSON.stringify(policyDocument(policy.policy)))));
  }
  for (const attachment of Object.values<any>(resource.aws_iam_role_policy_attachment ?? {})) {
    if (!MANAGED[attachment.policy_arn]) throw new Error(`no pinned document for ${attachment.policy_arn}: add it to test/fixtures/managed-policies`);
    roles[roleName(attachment.role)].push(MANAGED[attachment.policy_arn]);
  }
  return roles;
}

/** What IAM answers the role for `action` on `resource`: Allowed, ImplicitlyDenied or ExplicitlyDenied. */
async function decide(policies: Document[], account: string, roleName: string, action: string, resource: string): Promise<string> {
  const response = await runSimulation(
    {
      identityPolicies: policies.map((policy, i) => ({ name: `policy-${i}`, policy })),
      serviceControlPolicies: [],
      resourceControlPolicies: [],
      request: { action, principal: `arn:aws:iam::${account}:role/${roleName}`, resource: { resource, accountId: account }, contextVariables: {} },
    },
    {},
  );
  if (response.resultType === 'error') throw new Error(`simulation of ${action} on ${resource} failed: ${JSON.stringify(response.errors)}`);
  return response.overallResult;
}

const tierStacks = listEnvironments(ENVIRONMENTS).flatMap((environment) => {
  const config = loadEnvironment(environment, ENVIRONMENTS);
  return TIERS.map((tier) => {
    const tf = JSON.parse(Testing.synth(new GreetingStack(Testing.app(), tier, { environment: config, tier, codeFile: FIXTURE_HANDLER, releaseRunnerFile: FIXTURE_RELEASE_RUNNER })));
    return { name: `${environment}/${tier}`, config, tf, functionName: `${config.namePrefix}-${environment}-${tier}` };
  });
});

describe.each(tierStacks.map((stack) => [stack.name, stack] as const))('IAM, simulated, for %s', (_name, { config, tf, functionName }) => {
  const { id: account } = config.account;
  const { region } = config;
  const roles = rolesOf(tf, account, region);
  const fn = (qualifier?: string, name = functionName) => `arn:aws:lambda:${region}:${account}:function:${name}${qualifier === undefined ? '' : `:${qualifier}`}`;
  const group = `arn:aws:logs:${region}:${account}:log-group:/aws/lambda/${functionName}`;
  const otherGroup = `arn:aws:logs:${region}:${account}:log-group:/aws/lambda/${functionName}-other`;

  it('lets the API invoke the live alias and nothing else: not unqualified, not $LATEST, not a version, not another function', async () => {
    const invoke = (resource: string) => decide(roles[`${functionName}-apigw-invoke`], account, `${functionName}-apigw-invoke`, 'lambda:InvokeFunction', resource);
    expect(await invoke(fn('live'))).toBe('Allowed');
    for (const resource of [fn(), fn('$LATEST'), fn('1'), fn('live', `${config.namePrefix}-${config.name}-other`)]) expect([resource, await invoke(resource)]).toEqual([resource, 'ImplicitlyDenied']);
    expect(await decide(roles[`${functionName}-apigw-invoke`], account, `${functionName}-apigw-invoke`, 'lambda:UpdateFunctionCode', fn())).toBe('ImplicitlyDenied');
  });

  it('lets the function write its own log group and trace, but no other group, and create no log group', async () => {
    const role = `${functionName}-logging`;
    const may = (action: string, resource: string) => decide(roles[role], account, role, action, resource);
    expect(await may('logs:CreateLogStream', `${group}:log-stream:2026/12/01/[1]abc`)).toBe('Allowed');
    expect(await may('logs:PutLogEvents', `${group}:log-stream:2026/12/01/[1]abc`)).toBe('Allowed');
    expect(await may('xray:PutTraceSegments', '*')).toBe('Allowed');
    expect(await may('xray:PutTelemetryRecords', '*')).toBe('Allowed');
    expect(await may('logs:PutLogEvents', `${otherGroup}:log-stream:s`)).toBe('ImplicitlyDenied');
    expect(await may('logs:CreateLogStream', `${otherGroup}:log-stream:s`)).toBe('ImplicitlyDenied');
    expect(await may('logs:CreateLogGroup', group)).toBe('ImplicitlyDenied');
    expect(await may('xray:GetSamplingRules', '*')).toBe('ImplicitlyDenied');
  });
});

describe.each(tierStacks.filter((stack) => stack.config.release.strategy !== 'all-at-once').map((stack) => [stack.name, stack] as const))(
  "IAM, simulated, for %s's gradual release",
  (_name, { config, tf, functionName }) => {
    const { id: account } = config.account;
    const { region } = config;
    const role = `${functionName}-codedeploy`;
    const may = (action: string, resource: string) => decide(rolesOf(tf, account, region)[role], account, role, action, resource);
    const alias = (name: string, qualifier = 'live') => `arn:aws:lambda:${region}:${account}:function:${name}:${qualifier}`;
    const alarm = (name: string) => `arn:aws:cloudwatch:${region}:${account}:alarm:${name}`;

    it("lets CodeDeploy move the function's live alias and nothing else", async () => {
      // (GetProvisionedConcurrencyConfig too, which the simulator cannot decide on an alias: its ARN fits two resource types.)
      for (const action of ['lambda:GetAlias', 'lambda:UpdateAlias']) expect([action, await may(action, alias(functionName))]).toEqual([action, 'Allowed']);
      expect(await may('lambda:UpdateAlias', alias(`${config.namePrefix}-${config.name}-other`))).toBe('ImplicitlyDenied');
      expect(await may('lambda:UpdateAlias', alias(functionName, 'staging'))).toBe('ImplicitlyDenied');
      expect(await may('lambda:UpdateFunctionCode', `arn:aws:lambda:${region}:${account}:function:${functionName}`)).toBe('ImplicitlyDenied');
      expect(await may('lambda:InvokeFunction', alias(functionName))).toBe('ImplicitlyDenied');
    });

    it('lets CodeDeploy read the alarms that stop the release, and no other', async () => {
      for (const name of ['function-errors', 'api-5xx', 'api-latency-p99']) expect([name, await may('cloudwatch:DescribeAlarms', alarm(`${functionName}-${name}`))]).toEqual([name, 'Allowed']);
      expect(await may('cloudwatch:DescribeAlarms', alarm(`${functionName}-function-throttles`))).toBe('ImplicitlyDenied');
      expect(await may('cloudwatch:SetAlarmState', alarm(`${functionName}-api-5xx`))).toBe('ImplicitlyDenied');
    });
  },
);

describe('IAM, simulated, for the account settings', () => {
  it.each(listEnvironments(ENVIRONMENTS).filter((environment) => loadEnvironment(environment, ENVIRONMENTS).apiGatewayCloudWatchRole === 'create'))(
    "lets API Gateway push %s's stage logs with the account role",
    async (environment) => {
      const config = loadEnvironment(environment, ENVIRONMENTS);
      const tf = JSON.parse(Testing.synth(new AccountSettingsStack(Testing.app(), ACCOUNT_SETTINGS_STACK, { environment: config })));
      const roles = rolesOf(tf, config.account.id, config.region);
      const [roleName] = Object.keys(roles);
      const group = `arn:aws:logs:${config.region}:${config.account.id}:log-group:API-Gateway-Execution-Logs_abc123/test`;
      expect(await decide(roles[roleName], config.account.id, roleName, 'logs:CreateLogGroup', group)).toBe('Allowed');
      // DescribeLogGroups takes no resource ARN.
      expect(await decide(roles[roleName], config.account.id, roleName, 'logs:DescribeLogGroups', '*')).toBe('Allowed');
      for (const action of ['logs:CreateLogStream', 'logs:PutLogEvents']) expect(await decide(roles[roleName], config.account.id, roleName, action, `${group}:log-stream:s`)).toBe('Allowed');
      expect(await decide(roles[roleName], config.account.id, roleName, 'lambda:InvokeFunction', `arn:aws:lambda:${config.region}:${config.account.id}:function:f`)).toBe('ImplicitlyDenied');
    },
  );
});

describe('the simulation catches widened policies', () => {
  const account = '123456789012';
  const region = 'eu-central-1';
  const synth = (build: (scope: Construct) => void) => JSON.parse(Testing.synthScope(build));

  it('fails the API role widened to every qualifier of the function: $LATEST becomes invocable', async () => {
    const tf = tierStacks[0].tf;
    const roles = rolesOf(tf, account, region);
    const name = `${tierStacks[0].functionName}-apigw-invoke`;
    const widened = JSON.parse(JSON.stringify(roles[name]).replace(/:live"/g, ':*"'));
    const latest = `arn:aws:lambda:${region}:${account}:function:${tierStacks[0].functionName}:$LATEST`;
    expect(await decide(roles[name], account, name, 'lambda:InvokeFunction', latest)).toBe('ImplicitlyDenied');
    expect(await decide(widened, account, name, 'lambda:InvokeFunction', latest)).toBe('Allowed');
  });

  it("shows what the walkthrough's managed policy allows beyond it: creating and writing any log group", async () => {
    const tf = synth((scope) => {
      const role = new LoggingRole(scope, 'role', { roleName: 'managed-logging', policies: 'managed', tracing: false });
      new GreetingFunction(scope, 'greeting', { functionName: 'HelloWorld', codeFile: FIXTURE_HANDLER, executionRole: role });
    });
    const roles = rolesOf(tf, account, region);
    const other = `arn:aws:logs:${region}:${account}:log-group:/aws/lambda/someone-else`;
    expect(await decide(roles['managed-logging'], account, 'managed-logging', 'logs:CreateLogGroup', other)).toBe('Allowed');
    expect(await decide(roles['managed-logging'], account, 'managed-logging', 'logs:PutLogEvents', `${other}:log-stream:s`)).toBe('Allowed');
  });
});
