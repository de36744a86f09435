/**
 * What the workflows' roles of an environment may do, as IAM policy documents: the plan role
 * reads what the environment's stacks manage and their state, and writes nothing (no state lock
 * either: plans run with -lock=false); the apply role does what an apply of those stacks needs,
 * on the environment's own names wherever the service has names. Both are proven with an IAM
 * policy simulator in test/security/ci-roles.test.ts.
 */
import type { EnvironmentConfig, S3StateConfig } from '../config/environment-config';
import { PUSH_TO_CLOUDWATCH_POLICY_ARN } from '../constructs/api-gateway-account';
import type { PolicyDocument } from '../constructs/github-actions-role';
import { BASIC_EXECUTION_POLICY_ARN, XRAY_WRITE_POLICY_ARN } from '../constructs/logging-role';
import { apiGatewayCloudWatchRoleName } from './account-settings-stack';

type Environment = Pick<EnvironmentConfig, 'name' | 'namePrefix' | 'region' | 'account' | 'iam' | 'apiGatewayCloudWatchRole' | 'tiers' | 'ci'> & { readonly state: S3StateConfig };

/**
 * The ARNs of what an environment's stacks name, by kind: every name is a tier's,
 * `<namePrefix>-<env>-<tier>…`, never just `<namePrefix>-<env>-…`, which would take in the
 * workflows' own roles (`…-ci-apply` could then rewrite its own policy).
 */
function arnsOf(env: Environment) {
  const { region } = env;
  const account = env.account.id;
  const tiers = Object.keys(env.tiers).map((tier) => `${env.namePrefix}-${env.name}-${tier}`);
  const rolePath = env.iam.rolePath ?? '/';
  return {
    functions: tiers.flatMap((name) => [`arn:aws:lambda:${region}:${account}:function:${name}`, `arn:aws:lambda:${region}:${account}:function:${name}:*`]),
    roles: [
      ...tiers.map((name) => `arn:aws:iam::${account}:role${rolePath}${name}-*`),
      ...(env.apiGatewayCloudWatchRole === 'create' ? [`arn:aws:iam::${account}:role${rolePath}${apiGatewayCloudWatchRoleName(region)}`] : []),
    ],
    // Log groups are named after the function and API; the execution log after the API's id, which AWS picks.
    logGroups: [...tiers.flatMap((name) => [`/aws/lambda/${name}`, `/aws/apigateway/${name}-*`]), 'API-Gateway-Execution-Logs_*'].flatMap((name) => [
      `arn:aws:logs:${region}:${account}:log-group:${name}`,
      `arn:aws:logs:${region}:${account}:log-group:${name}:*`,
    ]),
    alarms: tiers.map((name) => `arn:aws:cloudwatch:${region}:${account}:alarm:${name}-*`),
    webAcls: tiers.map((name) => `arn:aws:wafv2:${region}:${account}:regional/webacl/${name}-*/*`),
    // A tier's gradual release: its CodeDeploy application (the tier's name), the deployment
    // group in it, and the deployment configurations named after it.
    releaseApplications: tiers.map((name) => `arn:aws:codedeploy:${region}:${account}:application:${name}`),
    releaseGroups: tiers.map((name) => `arn:aws:codedeploy:${region}:${account}:deploymentgroup:${name}/${name}-*`),
    releaseConfigs: tiers.map((name) => `arn:aws:codedeploy:${region}:${account}:deploymentconfig:${name}-*`),
    releaseRoles: tiers.map((name) => `arn:aws:iam::${account}:role${rolePath}${name}-codedeploy`),
    workflowRoles: env.ci ? [env.ci.planRoleArn, env.ci.applyRoleArn] : [],
    // API Gateway's resources have ids AWS picks, not names: its ARNs cannot be narrowed further.
    apiGateway: ['/restapis', '/restapis/*', '/apikeys', '/apikeys/*', '/usageplans', '/usageplans/*', '/account', '/tags/*'].map((resource) => `arn:aws:apigateway:${region}::${resource}`),
    stateBucket: `arn:aws:s3:::${env.state.bucket}`,
    stateObjects: `arn:aws:s3:::${env.state.bucket}/${env.state.keyPrefix}/*`,
  };
}

/** Reading the stacks' state: the objects under the environment's key prefix, and listing them. */
function stateReading(env: Environment) {
  const arns = arnsOf(env);
  return [
    { Sid: 'ReadState', Effect: 'Allow', Action: 's3:GetObject', Resource: arns.stateObjects },
    { Sid: 'ListState', Effect: 'Allow', Action: 's3:ListBucket', Resource: arns.stateBucket, Condition: { StringLike: { 's3:prefix': [`${env.state.keyPrefix}/*`] } } },
  ];
}

/**
 * What refreshing the stacks reads: Describe/Get/List of the services they use (the AWS
 * provider reads every attribute of every resource it manages), and the account's Lambda
 * concurrency that `npm run plan` checks.
 */
const READS = [
  'lambda:Get*',
  'lambda:List*',
  'iam:GetRole',
  'iam:GetRolePolicy',
  'iam:ListRoles',
  'iam:ListRolePolicies',
  'iam:ListAttachedRolePolicies',
  'iam:ListRoleTags',
  'iam:GetPolicy',
  'iam:GetPolicyVersion',
  'logs:DescribeLogGroups',
  'logs:ListTagsForResource',
  'logs:ListTagsLogGroup',
  'cloudwatch:DescribeAlarms',
  'cloudwatch:ListTagsForResource',
  'wafv2:GetWebACL',
  'wafv2:GetWebACLForResource',
  'wafv2:ListWebACLs',
  'wafv2:ListResourcesForWebACL',
  'wafv2:ListTagsForResource',
  // The alarms' topic, and the key that encrypts it: may CloudWatch publish there (npm run plan, smoke)?
  'sns:GetTopicAttributes',
  'kms:DescribeKey',
  'kms:GetKeyPolicy',
  // A gradual release's application, group and configuration, and its deployments.
  'codedeploy:GetApplication',
  'codedeploy:GetDeploymentGroup',
  'codedeploy:GetDeploymentConfig',
  'codedeploy:GetDeployment',
  'codedeploy:ListDeployments',
  'codedeploy:ListTagsForResource',
];

/** The plan role: reads only. Nothing here writes, and there is no other statement. */
export function planRolePolicy(env: Environment): PolicyDocument {
  const arns = arnsOf(env);
  return {
    Version: '2012-10-17',
    Statement: [
      { Sid: 'ReadWhatTheStacksManage', Effect: 'Allow', Action: READS, Resource: '*' },
      { Sid: 'ReadApiGateway', Effect: 'Allow', Action: 'apigateway:GET', Resource: arns.apiGateway },
      ...stateReading(env),
    ],
  };
}

/**
 * The apply role: what an apply of the environment's stacks calls, on the environment's names
 * (services whose resources AWS names, API Gateway's, on the region's); reading as the plan
 * role does; and writing the state and its lock object.
 */
export function applyRolePolicy(env: Environment): PolicyDocument {
  const arns = arnsOf(env);
  const boundary = env.iam.permissionsBoundaryArn;
  // Where the organisation requires a boundary, every role the apply role creates or gives
  // permissions carries it, and it cannot be taken off: what the apply role can hand a role is
  // then bounded (IAM User Guide, "Permissions boundaries for IAM entities"; the
  // iam:PermissionsBoundary condition key). Without one, it can give the stacks' roles any policy.
  const boundaryCondition = boundary ? { Condition: { StringEquals: { 'iam:PermissionsBoundary': boundary } } } : {};
  return {
    Version: '2012-10-17',
    Statement: [
      { Sid: 'ReadWhatTheStacksManage', Effect: 'Allow', Action: READS, Resource: '*' },
      {
        Sid: 'Functions',
        Effect: 'Allow',
        Action: [
          'lambda:CreateFunction',
          'lambda:UpdateFunctionCode',
          'lambda:UpdateFunctionConfiguration',
          'lambda:DeleteFunction',
          'lambda:PublishVersion',
          'lambda:CreateAlias',
          'lambda:UpdateAlias',
          'lambda:DeleteAlias',
          'lambda:PutFunctionConcurrency',
          'lambda:DeleteFunctionConcurrency',
          'lambda:TagResource',
          'lambda:UntagResource',
        ],
        Resource: arns.functions,
      },
      { Sid: 'CreateRoles', Effect: 'Allow', Action: ['iam:CreateRole', 'iam:PutRolePolicy', 'iam:DeleteRolePolicy'], Resource: arns.roles, ...boundaryCondition },
      {
        Sid: 'Roles',
        Effect: 'Allow',
        Action: ['iam:DeleteRole', 'iam:UpdateRole', 'iam:UpdateRoleDescription', 'iam:UpdateAssumeRolePolicy', 'iam:TagRole', 'iam:UntagRole'],
        Resource: arns.roles,
      },
      {
        Sid: 'AttachOnlyTheStacksManagedPolicies',
        Effect: 'Allow',
        Action: ['iam:AttachRolePolicy', 'iam:DetachRolePolicy'],
        Resource: arns.roles,
        Condition: { ArnEquals: { 'iam:PolicyARN': [BASIC_EXECUTION_POLICY_ARN, XRAY_WRITE_POLICY_ARN, PUSH_TO_CLOUDWATCH_POLICY_ARN] }, ...(boundary ? boundaryCondition.Condition : {}) },
      },
      ...(boundary
        ? [{ Sid: 'KeepTheBoundary', Effect: 'Deny', Action: ['iam:DeleteRolePermissionsBoundary', 'iam:PutRolePermissionsBoundary'], Resource: arns.roles }]
        : []),
      {
        Sid: 'PassRolesToTheirServices',
        Effect: 'Allow',
        Action: 'iam:PassRole',
        Resource: arns.roles,
        Condition: { StringEquals: { 'iam:PassedToService': ['lambda.amazonaws.com', 'apigateway.amazonaws.com'] } },
      },
      // CodeDeploy gets its own role only (GradualRelease's `<tier>-codedeploy`), no other of the stacks'.
      { Sid: 'PassReleaseRoles', Effect: 'Allow', Action: 'iam:PassRole', Resource: arns.releaseRoles, Condition: { StringEquals: { 'iam:PassedToService': 'codedeploy.amazonaws.com' } } },
      {
        Sid: 'Releases',
        Effect: 'Allow',
        Action: [
          'codedeploy:CreateApplication',
          'codedeploy:DeleteApplication',
          'codedeploy:CreateDeploymentGroup',
          'codedeploy:UpdateDeploymentGroup',
          'codedeploy:DeleteDeploymentGroup',
          'codedeploy:TagResource',
          'codedeploy:UntagResource',
          // Starting a release: the deployment in the group, with the application's revision
          // (CodeDeploy User Guide, "CodeDeploy permissions reference").
          'codedeploy:CreateDeployment',
          'codedeploy:RegisterApplicationRevision',
          'codedeploy:GetApplicationRevision',
        ],
        Resource: [...arns.releaseApplications, ...arns.releaseGroups],
      },
      { Sid: 'ReleaseConfigs', Effect: 'Allow', Action: ['codedeploy:CreateDeploymentConfig', 'codedeploy:DeleteDeploymentConfig'], Resource: arns.releaseConfigs },
      { Sid: 'ApiGateway', Effect: 'Allow', Action: ['apigateway:GET', 'apigateway:POST', 'apigateway:PUT', 'apigateway:PATCH', 'apigateway:DELETE'], Resource: arns.apiGateway },
      { Sid: 'StageWebAcl', Effect: 'Allow', Action: 'apigateway:SetWebACL', Resource: `arn:aws:apigateway:${env.region}::/restapis/*/stages/*` },
      {
        Sid: 'LogGroups',
        Effect: 'Allow',
        Action: ['logs:CreateLogGroup', 'logs:DeleteLogGroup', 'logs:PutRetentionPolicy', 'logs:DeleteRetentionPolicy', 'logs:AssociateKmsKey', 'logs:DisassociateKmsKey', 'logs:TagResource', 'logs:UntagResource', 'logs:TagLogGroup', 'logs:UntagLogGroup'],
        Resource: arns.logGroups,
      },
      { Sid: 'Alarms', Effect: 'Allow', Action: ['cloudwatch:PutMetricAlarm', 'cloudwatch:DeleteAlarms', 'cloudwatch:TagResource', 'cloudwatch:UntagResource'], Resource: arns.alarms },
      {
        Sid: 'WebAcls',
        Effect: 'Allow',
        Action: ['wafv2:CreateWebACL', 'wafv2:UpdateWebACL', 'wafv2:DeleteWebACL', 'wafv2:AssociateWebACL', 'wafv2:DisassociateWebACL', 'wafv2:TagResource', 'wafv2:UntagResource'],
        Resource: [...arns.webAcls, `arn:aws:apigateway:${env.region}::/restapis/*/stages/*`],
      },
      ...stateReading(env),
      // The state objects, and their `.tflock` lock objects beside them (S3 native locking).
      { Sid: 'WriteState', Effect: 'Allow', Action: ['s3:PutObject', 's3:DeleteObject'], Resource: arns.stateObjects },
      // Whatever else allows it (a policy attached by hand), the workflows' roles never change themselves.
      ...(arns.workflowRoles.length
        ? [{ Sid: 'NeverTheWorkflowRoles', Effect: 'Deny', NotAction: ['iam:Get*', 'iam:List*'], Resource: arns.workflowRoles }]
        : []),
    ],
  };
}
