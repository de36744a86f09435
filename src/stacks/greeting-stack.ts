import * as path from 'path';
import { Construct } from 'constructs';
import { LocalBackend, S3Backend, TerraformOutput, TerraformStack } from 'cdktf';
import { ArchiveProvider } from '@cdktf/provider-archive/lib/provider';
import { AwsProvider } from '@cdktf/provider-aws/lib/provider';
import { EnvironmentConfig, Tier } from '../config/environment-config';
import { ApiGatewayAccount } from '../constructs/api-gateway-account';
import { GreetingFunction } from '../constructs/greeting-function';
import { LoggingRole } from '../constructs/logging-role';
import { ProxyApi } from '../constructs/proxy-api';
import { ServiceAlarms } from '../constructs/service-alarms';

export interface GreetingStackProps {
  /** The environment this stack is deployed to. */
  readonly environment: EnvironmentConfig;
  /** QoS tier: its memory, throttling and concurrency, and the last part of every name. */
  readonly tier: Tier;
  /** The handler bundled into one JavaScript file. */
  readonly codeFile: string;
  /**
   * Path from the stack's working directory (`<outdir>/stacks/<stack>`) to the project root,
   * where local state lives under `state/<environment>/`. Relative, so synthesized Terraform
   * holds no machine path.
   * @default '../../..' (the default `cdktf.out` output folder)
   */
  readonly projectRootFromStack?: string;
  /**
   * Configure the AWS provider to plan without AWS: dummy keys, no credential, account or
   * metadata checks. Never for deploying.
   * @default false
   */
  readonly offlinePlan?: boolean;
}

/**
 * The tier that sets the account's API Gateway CloudWatch role, when the environment says
 * `create`; the other tier deploys after it.
 */
export const ACCOUNT_SETTINGS_TIER: Tier = 'standard';

/** One QoS tier of the greeting service: logging role → function → REST API → stage, with alarms. */
export class GreetingStack extends TerraformStack {
  public readonly greetingFunction: GreetingFunction;
  public readonly api: ProxyApi;
  /** Present in the stack that sets the account's API Gateway CloudWatch role. */
  public readonly apiGatewayAccount?: ApiGatewayAccount;

  /** `id` is the stack's name (`cdktf deploy <id>`); the app names each stack after its tier. */
  constructor(scope: Construct, id: string, props: GreetingStackProps) {
    super(scope, id);
    const { environment: env, tier } = props;
    // Environment and tier in every name, so all six stacks can share one account.
    const baseName = `${env.namePrefix}-${env.name}-${tier}`;

    this.configureState(env, tier, props.projectRootFromStack ?? '../../..');
    new AwsProvider(this, 'aws', {
      region: env.region,
      defaultTags: [{ tags: { ...env.tags, tier } }],
      ...(props.offlinePlan ? OFFLINE_PROVIDER_SETTINGS : {}),
    });
    new ArchiveProvider(this, 'archive');

    const tierConfig = env.tiers[tier];
    const roleSettings = { permissionsBoundaryArn: env.iam.permissionsBoundaryArn, path: env.iam.rolePath };
    if (env.apiGatewayCloudWatchRole === 'create' && tier === ACCOUNT_SETTINGS_TIER) {
      this.apiGatewayAccount = new ApiGatewayAccount(this, 'api-gateway-account', {
        roleName: `${env.namePrefix}-${env.name}-apigw-cloudwatch`,
        roleSettings,
      });
    }

    const role = new LoggingRole(this, 'logging-role', { roleName: `${baseName}-logging`, roleSettings });
    this.greetingFunction = new GreetingFunction(this, 'greeting-function', {
      functionName: baseName,
      executionRole: role,
      codeFile: props.codeFile,
      memorySize: tierConfig.memoryMb,
      timeout: env.timeoutSeconds,
      greeting: env.greeting,
      logRetentionDays: env.logRetentionDays,
      logsKmsKeyArn: env.logsKmsKeyArn,
      retainLogsOnDestroy: env.retainLogsOnDestroy,
      reservedConcurrency: tierConfig.reservedConcurrency,
    });
    const apiName = `${baseName}-api`;
    this.api = new ProxyApi(this, 'proxy-api', {
      apiName,
      invokeRoleName: `${baseName}-apigw-invoke`,
      handler: this.greetingFunction,
      stageName: env.stageName,
      throttle: tierConfig.throttle,
      logRetentionDays: env.logRetentionDays,
      logsKmsKeyArn: env.logsKmsKeyArn,
      retainLogsOnDestroy: env.retainLogsOnDestroy,
      invokeRoleSettings: roleSettings,
      apiKeyRequired: tierConfig.apiKeyRequired,
      cloudWatchRoleSetting: this.apiGatewayAccount?.setting,
    });
    new ServiceAlarms(this, 'alarms', {
      alarmNamePrefix: baseName,
      functionName: baseName,
      functionTimeoutSeconds: env.timeoutSeconds,
      apiName,
      stageName: env.stageName,
      ...env.alarms,
    });

    new TerraformOutput(this, 'invoke_url', {
      value: this.api.invokeUrl,
      description: 'Base URL of the stage',
    });
    new TerraformOutput(this, 'hello_url', {
      value: `${this.api.invokeUrl}/hello`,
      description: 'The walkthrough URL: add ?name=David, or /David',
    });
    new TerraformOutput(this, 'function_name', {
      value: this.greetingFunction.functionName,
      description: 'For aws lambda invoke --function-name',
    });
    new TerraformOutput(this, 'live_version', {
      value: this.greetingFunction.functionVersion,
      description: 'The version the live alias points at; roll back by moving the alias',
    });
    if (this.api.apiKeyId) {
      new TerraformOutput(this, 'api_key_id', {
        value: this.api.apiKeyId,
        description: 'aws apigateway get-api-key --include-value --api-key <id> shows the key',
      });
    }
  }

  /** One state per (environment, stack): a file under state/<env>/, or an S3 object. */
  private configureState(env: EnvironmentConfig, tier: Tier, projectRootFromStack: string): void {
    if (env.state.type === 'local') {
      new LocalBackend(this, {
        path: path.posix.join(projectRootFromStack, 'state', env.name, `${tier}.tfstate`),
      });
      return;
    }
    const backend = new S3Backend(this, {
      bucket: env.state.bucket,
      key: `${env.state.keyPrefix}/${tier}.tfstate`,
      region: env.state.region,
      encrypt: true,
    });
    // S3-native locking; cdktf's S3Backend has no prop for it yet.
    backend.addOverride('use_lockfile', env.state.useLockfile);
  }
}

/** Lets `terraform plan` run with no AWS account: nothing here is ever sent to AWS. */
const OFFLINE_PROVIDER_SETTINGS = {
  accessKey: 'offline-plan',
  secretKey: 'offline-plan',
  skipCredentialsValidation: true,
  skipRequestingAccountId: true,
  skipMetadataApiCheck: 'true',
  skipRegionValidation: true,
} as const;
