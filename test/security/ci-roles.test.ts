/**
 * The workflows' roles, as the bootstrap stack synthesizes them for the shipped environments,
 * evaluated by an IAM policy simulator (@cloud-copilot/iam-simulate): the plan role reads and
 * writes nothing (not even a state lock), the apply role may do what an apply of the stacks
 * needs on the environment's own names, each trust policy admits its GitHub environment only,
 * and only the apply role may open a sealed plan. What an apply needs is listed here, by hand,
 * from the AWS provider's resources the stacks use, not read from the policies under test.
 *
 * The simulator evaluates the trust policies' `repository` and `environment` keys (the GitHub
 * claims of the Service Authorization Reference); it ignores `sub` and `aud` and KMS's
 * `kms:EncryptionContext:<key>`, which it does not know, so those are asserted as written.
 */
import * as path from 'path';
import { Testing } from 'cdktf';
import { runSimulation } from '@cloud-copilot/iam-simulate';
import { EnvironmentConfig } from '../../src/config/environment-config';
import { listEnvironments, loadEnvironment } from '../../src/config/load-environment';
import { BOOTSTRAP_STACK, BootstrapStack } from '../../src/stacks/bootstrap-stack';
import { PROJECT_ROOT } from '../helpers';
import { policyDocument } from './rules';

const ENVIRONMENTS = path.join(PROJECT_ROOT, 'environments');
const all = listEnvironments(ENVIRONMENTS).map((name) => loadEnvironment(name, ENVIRONMENTS));
const managed = all.filter((env) => env.ci);

type Document = { Version: string; Statement: any[] };
const OIDC = (account: string) => `arn:aws:iam::${account}:oidc-provider/token.actions.githubusercontent.com`;

/** The bootstrap of `env`'s account, synthesized, with its references resolved to the ARNs they name. */
function bootstrapOf(env: EnvironmentConfig, environments: readonly EnvironmentConfig[] = all) {
  const tf = JSON.parse(Testing.synth(new BootstrapStack(Testing.app(), BOOTSTRAP_STACK, { environment: env, environments })));
  const account = env.account.id;
  const roleArns: Record<string, string> = {};
  for (const [id, role] of Object.entries<any>(tf.resource.aws_iam_role)) roleArns[`aws_iam_role.${id}.arn`] = `arn:aws:iam::${account}:role${role.path}${role.name}`;
  const resolve = (document: any): Document =>
    JSON.parse(
      JSON.stringify(document).replace(/\$\{([\w.-]+)\}/g, (_, reference: string) => {
        if (reference === 'aws_iam_openid_connect_provider.github-oidc.arn') return OIDC(account);
        if (roleArns[reference]) return roleArns[reference];
        throw new Error(`no fixture ARN for ${reference}`);
      }),
    );
  const byName = (name: string) => Object.entries<any>(tf.resource.aws_iam_role).find(([, role]) => role.name === name)!;
  const role = (arn: string) => {
    const [id, body] = byName(arn.split('/').pop()!);
    const inline = Object.values<any>(tf.resource.aws_iam_role_policy).find((policy) => policy.role === `\${aws_iam_role.${id}.name}`);
    return { arn, trust: resolve(policyDocument(body.assume_role_policy)), policy: resolve(policyDocument(inline.policy)) };
  };
  const key = Object.values<any>(tf.resource.aws_kms_key)[0];
  return { tf, plan: role(env.ci!.planRoleArn), apply: role(env.ci!.applyRoleArn), keyPolicy: resolve(policyDocument(key.policy)) };
}

async function decide(request: { principal: string; action: string; resource: string; context?: Record<string, string | string[]> }, identity: Document[], resourcePolicy?: Document): Promise<string> {
  const account = request.principal.split(':')[4];
  const response = await runSimulation(
    {
      identityPolicies: identity.map((policy, i) => ({ name: `policy-${i}`, policy })),
      serviceControlPolicies: [],
      resourceControlPolicies: [],
      ...(resourcePolicy && { resourcePolicy }),
      request: { action: request.action, principal: request.principal, resource: { resource: request.resource, accountId: account }, contextVariables: request.context ?? {} },
    },
    {},
  );
  if (response.resultType === 'error') throw new Error(`simulation of ${request.action} on ${request.resource} failed: ${JSON.stringify(response.errors)}`);
  return response.overallResult;
}

it('ships environments the workflows manage, so there is something to prove', () => {
  expect(managed.map((env) => env.name)).toEqual(['prod', 'staging']);
});

describe.each(managed.map((env) => [env.name, env] as const))('the workflows’ roles of %s, simulated', (_name, env) => {
  const { plan, apply, keyPolicy } = bootstrapOf(env);
  const { region } = env;
  const account = env.account.id;
  const prefix = `${env.namePrefix}-${env.name}`;
  const state = env.state.type === 's3' ? env.state : undefined!;
  const fn = `arn:aws:lambda:${region}:${account}:function:${prefix}-standard`;
  const role = (name: string) => `arn:aws:iam::${account}:role/${name}`;
  const api = (resource: string) => `arn:aws:apigateway:${region}::${resource}`;
  const logGroup = (name: string) => `arn:aws:logs:${region}:${account}:log-group:${name}`;
  const codedeploy = (resource: string) => `arn:aws:codedeploy:${region}:${account}:${resource}`;
  const stateObject = (stack: string, suffix = '') => `arn:aws:s3:::${state.bucket}/${state.keyPrefix}/${stack}.tfstate${suffix}`;

  /** What `terraform apply` of the environment's stacks calls, with what, by resource type (AWS provider 5.100). */
  const APPLY_NEEDS: [string, string, Record<string, string | string[]>?][] = [
    ['lambda:CreateFunction', fn],
    ['lambda:UpdateFunctionCode', fn],
    ['lambda:UpdateFunctionConfiguration', fn],
    ['lambda:PublishVersion', fn],
    ['lambda:CreateAlias', fn],
    ['lambda:UpdateAlias', fn],
    ['lambda:PutFunctionConcurrency', fn],
    ['lambda:DeleteFunction', fn],
    ['iam:CreateRole', role(`${prefix}-standard-logging`)],
    ['iam:PutRolePolicy', role(`${prefix}-standard-apigw-invoke`)],
    ['iam:AttachRolePolicy', role(`${prefix}-standard-logging`), { 'iam:PolicyARN': 'arn:aws:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole' }],
    ['iam:PassRole', role(`${prefix}-standard-logging`), { 'iam:PassedToService': 'lambda.amazonaws.com' }],
    ['iam:DeleteRole', role(`${prefix}-standard-logging`)],
    ['apigateway:POST', api('/restapis')],
    ['apigateway:PUT', api('/restapis/a1b2c3/resources/r1/methods/ANY/integration')],
    ['apigateway:PATCH', api('/restapis/a1b2c3/stages/test')],
    ['apigateway:DELETE', api('/restapis/a1b2c3/deployments/d1')],
    ['apigateway:POST', api('/apikeys')],
    ['apigateway:POST', api('/usageplans')],
    ['apigateway:PATCH', api('/account')],
    ['logs:CreateLogGroup', logGroup(`/aws/lambda/${prefix}-standard`)],
    ['logs:PutRetentionPolicy', logGroup(`/aws/apigateway/${prefix}-standard-api/test/access`)],
    ['logs:CreateLogGroup', logGroup('API-Gateway-Execution-Logs_a1b2c3/test')],
    ['logs:DeleteLogGroup', logGroup(`/aws/lambda/${prefix}-standard`)],
    ['cloudwatch:PutMetricAlarm', `arn:aws:cloudwatch:${region}:${account}:alarm:${prefix}-standard-function-errors`],
    ['cloudwatch:DeleteAlarms', `arn:aws:cloudwatch:${region}:${account}:alarm:${prefix}-standard-function-errors`],
    ['wafv2:CreateWebACL', `arn:aws:wafv2:${region}:${account}:regional/webacl/${prefix}-standard-api/1234`],
    ['wafv2:AssociateWebACL', `arn:aws:wafv2:${region}:${account}:regional/webacl/${prefix}-standard-api/1234`],
    // A gradual release (prod): its CodeDeploy application, group and configuration, the role CodeDeploy assumes, and a deployment.
    ['codedeploy:CreateApplication', codedeploy(`application:${prefix}-standard`)],
    ['codedeploy:CreateDeploymentGroup', codedeploy(`deploymentgroup:${prefix}-standard/${prefix}-standard-live`)],
    ['codedeploy:DeleteDeploymentGroup', codedeploy(`deploymentgroup:${prefix}-standard/${prefix}-standard-live`)],
    ['codedeploy:CreateDeploymentConfig', codedeploy(`deploymentconfig:${prefix}-standard-canary-10pct-5min`)],
    ['codedeploy:DeleteDeploymentConfig', codedeploy(`deploymentconfig:${prefix}-standard-canary-10pct-5min`)],
    ['codedeploy:CreateDeployment', codedeploy(`deploymentgroup:${prefix}-standard/${prefix}-standard-live`)],
    ['codedeploy:RegisterApplicationRevision', codedeploy(`application:${prefix}-standard`)],
    ['iam:PassRole', role(`${prefix}-standard-codedeploy`), { 'iam:PassedToService': 'codedeploy.amazonaws.com' }],
    ['s3:PutObject', stateObject('standard')],
    ['s3:PutObject', stateObject('standard', '.tflock')],
    ['s3:DeleteObject', stateObject('standard', '.tflock')],
  ];
  /** What a plan reads (refresh, the state, the quota check). */
  const PLAN_READS: [string, string, Record<string, string | string[]>?][] = [
    ['lambda:GetFunction', fn],
    ['lambda:GetAlias', `${fn}:live`],
    ['lambda:GetAccountSettings', '*'],
    ['lambda:GetFunctionConcurrency', fn],
    ['iam:GetRole', role(`${prefix}-standard-logging`)],
    ['iam:ListRolePolicies', role(`${prefix}-standard-logging`)],
    ['apigateway:GET', api('/restapis/a1b2c3/stages/test')],
    ['logs:DescribeLogGroups', '*'],
    ['cloudwatch:DescribeAlarms', `arn:aws:cloudwatch:${region}:${account}:alarm:${prefix}-standard-function-errors`],
    ['s3:GetObject', stateObject('premium')],
    ['codedeploy:GetDeploymentGroup', codedeploy(`deploymentgroup:${prefix}-standard/${prefix}-standard-live`)],
    ['codedeploy:GetDeploymentConfig', codedeploy(`deploymentconfig:${prefix}-standard-canary-10pct-5min`)],
    // The release runner's reads: the version's time and the group's past deployments.
    ['lambda:GetFunctionConfiguration', `${fn}:4`],
    ['codedeploy:ListDeployments', codedeploy(`deploymentgroup:${prefix}-standard/${prefix}-standard-live`)],
    ['codedeploy:GetDeployment', codedeploy(`deploymentgroup:${prefix}-standard/${prefix}-standard-live`)],
    ['sns:GetTopicAttributes', `arn:aws:sns:${region}:${account}:on-call`],
    ['s3:ListBucket', `arn:aws:s3:::${state.bucket}`, { 's3:prefix': `${state.keyPrefix}/premium.tfstate` }],
  ];

  // Rows of three, always: a test function with more parameters than its row has is taken to wait for `done`.
  const rows = (table: typeof APPLY_NEEDS) => table.map(([action, resource, context]) => [action, resource, context ?? {}] as const);

  it.each(rows(APPLY_NEEDS))('denies the plan role %s on %s', async (action, resource, context) => {
    expect(await decide({ principal: plan.arn, action, resource, context }, [plan.policy])).toBe('ImplicitlyDenied');
  });

  it.each(rows(APPLY_NEEDS))('lets the apply role %s on %s', async (action, resource, context) => {
    expect(await decide({ principal: apply.arn, action, resource, context }, [apply.policy])).toBe('Allowed');
  });

  it.each(rows(PLAN_READS))('lets the plan role (and the apply role) %s on %s', async (action, resource, context) => {
    expect(await decide({ principal: plan.arn, action, resource, context }, [plan.policy])).toBe('Allowed');
    expect(await decide({ principal: apply.arn, action, resource, context }, [apply.policy])).toBe('Allowed');
  });

  it("lets the plan role read the policy of the key that encrypts the alarm topic, where the key's policy leaves it to IAM (KMS's default)", async () => {
    const topicKey = `arn:aws:kms:${region}:${account}:key/1234abcd-12ab-34cd-56ef-1234567890ab`;
    const delegating = { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${account}:root` }, Action: 'kms:*', Resource: '*' }] };
    for (const action of ['kms:DescribeKey', 'kms:GetKeyPolicy']) expect([action, await decide({ principal: plan.arn, action, resource: topicKey }, [plan.policy], delegating)]).toEqual([action, 'Allowed']);
    expect(await decide({ principal: plan.arn, action: 'kms:Decrypt', resource: topicKey }, [plan.policy], delegating)).toBe('ImplicitlyDenied');
  });

  it('lets the plan role write nothing of the state bucket: no state, no lock, no other object', async () => {
    for (const action of ['s3:PutObject', 's3:DeleteObject', 's3:PutObjectAcl', 's3:PutBucketPolicy', 's3:DeleteBucket']) {
      const resource = action.includes('Bucket') ? `arn:aws:s3:::${state.bucket}` : stateObject('standard', '.tflock');
      expect([action, await decide({ principal: plan.arn, action, resource }, [plan.policy])]).toEqual([action, 'ImplicitlyDenied']);
    }
  });

  it("keeps the apply role to the environment's own names and to what the stacks attach and pass", async () => {
    const other = `${env.namePrefix}-other`;
    const denied: [string, string, Record<string, string>?][] = [
      ['lambda:UpdateFunctionCode', `arn:aws:lambda:${region}:${account}:function:${other}-standard`],
      ['iam:CreateRole', role('administrator')],
      // Its own role and the plan role: rewriting its own policy would let it do anything.
      ['iam:PutRolePolicy', env.ci!.applyRoleArn],
      ['iam:AttachRolePolicy', env.ci!.applyRoleArn, { 'iam:PolicyARN': 'arn:aws:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole' }],
      ['iam:UpdateAssumeRolePolicy', env.ci!.planRoleArn],
      ['iam:CreateRole', role(`${prefix}-ci-backdoor`)],
      ['iam:AttachRolePolicy', role(`${prefix}-standard-logging`), { 'iam:PolicyARN': 'arn:aws:iam::aws:policy/AdministratorAccess' }],
      ['iam:PassRole', role(`${prefix}-standard-logging`), { 'iam:PassedToService': 'ec2.amazonaws.com' }],
      ['iam:PassRole', role(`${prefix}-standard-logging`), { 'iam:PassedToService': 'codedeploy.amazonaws.com' }],
      ['logs:DeleteLogGroup', logGroup(`/aws/lambda/${other}-standard`)],
      ['cloudwatch:DeleteAlarms', `arn:aws:cloudwatch:${region}:${account}:alarm:${other}-standard-function-errors`],
      ['codedeploy:CreateDeployment', codedeploy(`deploymentgroup:${other}-standard/${other}-standard-live`)],
      ['codedeploy:DeleteApplication', codedeploy(`application:${other}-standard`)],
      ['s3:PutObject', `arn:aws:s3:::${state.bucket}/someone-else/standard.tfstate`],
      ['s3:GetObject', `arn:aws:s3:::${state.bucket}/someone-else/standard.tfstate`],
    ];
    for (const [action, resource, context] of denied) {
      expect([action, resource, await decide({ principal: apply.arn, action, resource, context }, [apply.policy])]).toEqual([action, resource, expect.stringMatching(/^(Implicitly|Explicitly)Denied$/)]);
    }
    // Its own role, even where a policy attached by hand would allow it: an explicit deny.
    const everything = { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: '*', Resource: '*' }] };
    expect(await decide({ principal: apply.arn, action: 'iam:PutRolePolicy', resource: env.ci!.applyRoleArn }, [apply.policy, everything])).toBe('ExplicitlyDenied');
  });

  describe('trust', () => {
    const repository = env.ci!.repository;
    // The simulator ignores `sub` and `aud` (it does not know them), and a condition on a key it ignores never holds: simulated without them, asserted as written below.
    const simulable = (trust: Document): Document => ({
      ...trust,
      Statement: trust.Statement.map((statement) => ({
        ...statement,
        Condition: { StringEquals: Object.fromEntries(Object.entries<string>(statement.Condition.StringEquals).filter(([key]) => !/:(sub|aud)$/.test(key))) },
      })),
    });
    const assume = (trust: Document, claims: Record<string, string>) =>
      decide(
        {
          principal: OIDC(account),
          action: 'sts:AssumeRoleWithWebIdentity',
          resource: plan.arn,
          context: Object.fromEntries(Object.entries(claims).map(([claim, value]) => [`token.actions.githubusercontent.com:${claim}`, value])),
        },
        [],
        simulable(trust),
      );

    it('admits a job of the repository in the GitHub environment <env>-plan to the plan role, and <env> to the apply role, only', async () => {
      expect(await assume(plan.trust, { repository, environment: `${env.name}-plan` })).toBe('Allowed');
      expect(await assume(apply.trust, { repository, environment: env.name })).toBe('Allowed');
      // The other role's environment, another environment, a pull request's job (no environment), a branch's, another repository.
      expect(await assume(plan.trust, { repository, environment: env.name })).toBe('ImplicitlyDenied');
      expect(await assume(apply.trust, { repository, environment: `${env.name}-plan` })).toBe('ImplicitlyDenied');
      expect(await assume(plan.trust, { repository, environment: 'dev-plan' })).toBe('ImplicitlyDenied');
      expect(await assume(apply.trust, { repository })).toBe('ImplicitlyDenied');
      expect(await assume(apply.trust, { repository, ref: 'refs/heads/main' })).toBe('ImplicitlyDenied');
      expect(await assume(apply.trust, { repository: 'mallory/greeting-service', environment: env.name })).toBe('ImplicitlyDenied');
    });

    it('names the subject and audience GitHub gives a job in that environment, which the simulator cannot evaluate', () => {
      expect(plan.trust.Statement).toEqual([
        {
          Effect: 'Allow',
          Principal: { Federated: OIDC(account) },
          Action: 'sts:AssumeRoleWithWebIdentity',
          Condition: {
            StringEquals: {
              'token.actions.githubusercontent.com:aud': 'sts.amazonaws.com',
              'token.actions.githubusercontent.com:sub': `repo:${repository}:environment:${env.name}-plan`,
              'token.actions.githubusercontent.com:repository': repository,
              'token.actions.githubusercontent.com:environment': `${env.name}-plan`,
            },
          },
        },
      ]);
      expect(apply.trust.Statement[0].Condition.StringEquals['token.actions.githubusercontent.com:sub']).toBe(`repo:${repository}:environment:${env.name}`);
    });
  });

  describe('the key that seals saved plans', () => {
    const key = `arn:aws:kms:${region}:${account}:key/1234abcd-12ab-34cd-56ef-1234567890ab`;
    // The simulator does not know kms:EncryptionContext:<key>; who may do what is simulated without it, and the condition asserted as written.
    const withoutContext = { ...keyPolicy, Statement: keyPolicy.Statement.map(({ Condition, ...statement }) => statement) };
    const may = (principal: string, action: string) => decide({ principal, action, resource: key }, [], withoutContext);

    it('lets the plan role seal and not open, the apply role open and not seal, and no one else either', async () => {
      expect(await may(plan.arn, 'kms:GenerateDataKey')).toBe('Allowed');
      expect(await may(plan.arn, 'kms:Decrypt')).toBe('ImplicitlyDenied');
      expect(await may(apply.arn, 'kms:Decrypt')).toBe('Allowed');
      expect(await may(apply.arn, 'kms:GenerateDataKey')).toBe('ImplicitlyDenied');
      // The account administers the key through IAM, but no identity policy in the account opens a plan: not even kms:* on *.
      const administrator = { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 'kms:*', Resource: '*' }] };
      const asAdministrator = (action: string) => decide({ principal: role('administrator'), action, resource: key }, [administrator], withoutContext);
      expect(await asAdministrator('kms:PutKeyPolicy')).toBe('Allowed');
      expect(await asAdministrator('kms:ScheduleKeyDeletion')).toBe('Allowed');
      expect(await asAdministrator('kms:Decrypt')).toBe('ImplicitlyDenied');
      expect(await asAdministrator('kms:GenerateDataKey')).toBe('ImplicitlyDenied');
    });

    it("binds both uses to the environment's encryption context", () => {
      for (const sid of ['PlanJobSeals', 'ApplyJobOpens']) {
        expect(keyPolicy.Statement.find((statement) => statement.Sid === sid).Condition).toEqual({ StringEquals: { 'kms:EncryptionContext:greeting-service:environment': env.name } });
      }
    });
  });
});

describe('the apply role where the organisation requires a permissions boundary', () => {
  it('creates and gives policies only to roles that carry the boundary, and cannot take it off', async () => {
    const staging = managed.find((env) => env.name === 'staging')!;
    const boundary = 'arn:aws:iam::234567890123:policy/workload-boundary';
    const bounded = { ...staging, iam: { ...staging.iam, permissionsBoundaryArn: boundary } } as EnvironmentConfig;
    const { apply } = bootstrapOf(bounded, [bounded]);
    const role = 'arn:aws:iam::234567890123:role/hello-world-staging-standard-logging';
    const as = (action: string, context: Record<string, string> = {}) => decide({ principal: apply.arn, action, resource: role, context }, [apply.policy]);
    for (const action of ['iam:CreateRole', 'iam:PutRolePolicy', 'iam:DeleteRolePolicy']) {
      expect([action, await as(action, { 'iam:PermissionsBoundary': boundary })]).toEqual([action, 'Allowed']);
      expect([action, await as(action)]).toEqual([action, 'ImplicitlyDenied']);
      expect([action, await as(action, { 'iam:PermissionsBoundary': 'arn:aws:iam::aws:policy/AdministratorAccess' })]).toEqual([action, 'ImplicitlyDenied']);
    }
    expect(await as('iam:AttachRolePolicy', { 'iam:PolicyARN': 'arn:aws:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole', 'iam:PermissionsBoundary': boundary })).toBe('Allowed');
    expect(await as('iam:AttachRolePolicy', { 'iam:PolicyARN': 'arn:aws:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole' })).toBe('ImplicitlyDenied');
    expect(await as('iam:DeleteRolePermissionsBoundary')).toBe('ExplicitlyDenied');
    expect(await as('iam:PutRolePermissionsBoundary', { 'iam:PermissionsBoundary': 'arn:aws:iam::aws:policy/AdministratorAccess' })).toBe('ExplicitlyDenied');
  });
});

describe('the simulation catches a widened role', () => {
  it('fails a plan role given s3:* on the state bucket: writing the state becomes possible', async () => {
    const env = managed[0];
    const { plan } = bootstrapOf(env);
    const state = env.state.type === 's3' ? env.state : undefined!;
    const object = `arn:aws:s3:::${state.bucket}/${state.keyPrefix}/standard.tfstate`;
    const widened = JSON.parse(JSON.stringify(plan.policy).replace('"s3:GetObject"', '"s3:*"'));
    expect(await decide({ principal: plan.arn, action: 's3:PutObject', resource: object }, [plan.policy])).toBe('ImplicitlyDenied');
    expect(await decide({ principal: plan.arn, action: 's3:PutObject', resource: object }, [widened])).toBe('Allowed');
  });
});
