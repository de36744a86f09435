import { Construct } from 'constructs';
import { TerraformLocal, TerraformOutput } from 'cdktf';
import { ArchiveProvider } from '@cdktf/provider-archive/lib/provider';
import { DataAwsIamRoles } from '@cdktf/provider-aws/lib/data-aws-iam-roles';
import { tierBaseName } from '../config/load-environment';
import { ClientRateLimit } from '../constructs/client-rate-limit';
import { GradualRelease } from '../constructs/gradual-release';
import { GreetingFunction, PrebuiltZip } from '../constructs/greeting-function';
import { LoggingRole } from '../constructs/logging-role';
import { ProxyApi } from '../constructs/proxy-api';
import { IAlarm, ServiceAlarms } from '../constructs/service-alarms';
import { ACCOUNT_SETTINGS_STACK, apiGatewayCloudWatchRoleName } from './account-settings-stack';
import { EnvironmentStack, EnvironmentStackProps } from './environment-stack';

export interface GreetingStackProps extends EnvironmentStackProps {
  /** QoS tier (a name of the app's tier catalog): its memory, throttling and concurrency, and the last part of every name. */
  readonly tier: string;
  /** The handler bundled into one JavaScript file. */
  readonly codeFile: string;
  /**
   * The bundle zipped at synth: deployed as it is, without the archive provider.
   * @default the archive provider zips codeFile at plan
   */
  readonly prebuiltZip?: PrebuiltZip;
  /**
   * `http://127.0.0.1:<port>` of the local AWS the stack is deployed to: the URL outputs are
   * its URLs for the stage (`<endpoint>/restapis/<id>/<stage>/_user_request_`).
   * @default AWS: the stage's own invoke URL
   */
  readonly localAwsEndpoint?: string;
  /**
   * The release runner in one file (`buildReleaseRunnerBundle`): needed where the environment
   * releases gradually (`release.strategy` canary or linear).
   * @default none: the environment must release all at once
   */
  readonly releaseRunnerFile?: string;
}

/** One QoS tier of the greeting service: logging role → function → REST API → stage, with alarms. */
export class GreetingStack extends EnvironmentStack {
  public readonly greetingFunction: GreetingFunction;
  public readonly api: ProxyApi;

  /** `id` is the stack's name (`cdktf deploy <id>`); the app names each stack after its tier. */
  constructor(scope: Construct, id: string, props: GreetingStackProps) {
    super(scope, id, props, { tier: props.tier });
    const { environment: env, tier } = props;
    // Environment and tier in every name, so all six stacks can share one account.
    const baseName = tierBaseName(env, tier);
    if (!props.prebuiltZip) new ArchiveProvider(this, 'archive');
    // Says in the Terraform itself which way the zip was made (docs/deploying.md, "Packaging the function").
    new TerraformLocal(
      this,
      'function_packaging',
      props.prebuiltZip ? 'synth-zip: zipped by cdktf synth, deployed as the file it wrote' : 'archive-provider: zipped by hashicorp/archive when Terraform plans',
    );

    const tierConfig = env.tiers[tier];

    // Stages log only once the account has API Gateway's CloudWatch role (account-settings):
    // without it, fail the plan here rather than the apply. Offline plans cannot look.
    let cloudWatchRole: DataAwsIamRoles | undefined;
    if (!this.offlinePlan) {
      const roleName = apiGatewayCloudWatchRoleName(env.region);
      const owner = env.apiGatewayCloudWatchRole === 'create' ? env.name : '<an environment of this account and region whose apiGatewayCloudWatchRole is "create">';
      cloudWatchRole = new DataAwsIamRoles(this, 'api-gateway-cloudwatch-role', {
        nameRegex: `^${roleName}$`,
        pathPrefix: env.iam.rolePath,
        lifecycle: {
          postcondition: [
            {
              condition: '${length(self.names) == 1}',
              errorMessage:
                `The account has no role ${roleName}, so API Gateway cannot write this stage's logs in ${env.region}. ` +
                `Create it once for the account and region: ENVIRONMENT=${owner} npx cdktf deploy ${ACCOUNT_SETTINGS_STACK} (docs/deploying.md, "A new account").`,
            },
          ],
        },
      });
    }

    const role = new LoggingRole(this, 'logging-role', { roleName: `${baseName}-logging`, roleSettings: this.roleSettings });
    this.greetingFunction = new GreetingFunction(this, 'greeting-function', {
      functionName: baseName,
      executionRole: role,
      codeFile: props.codeFile,
      prebuiltZip: props.prebuiltZip,
      memorySize: tierConfig.memoryMb,
      timeout: env.timeoutSeconds,
      greeting: env.greeting,
      logRetentionDays: env.logRetentionDays,
      logsKmsKeyArn: env.logsKmsKeyArn,
      retainLogsOnDestroy: env.retainLogsOnDestroy,
      reservedConcurrency: tierConfig.reservedConcurrency,
      trafficShiftedBy: env.release.strategy === 'all-at-once' ? 'terraform' : 'codedeploy',
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
      invokeRoleSettings: this.roleSettings,
      apiKeyRequired: tierConfig.apiKeyRequired,
      apiKeyClients: tierConfig.apiKeyClients,
      cloudWatchRoleSetting: cloudWatchRole,
    });
    // The stage's throttle (a bucket per method) is shared by every caller: WAF keeps each client to its share.
    if (env.webAcl) new ClientRateLimit(this, 'client-rate-limit', { name: apiName, stage: this.api, requestsPerClient: tierConfig.clientRateLimit });
    const alarms = new ServiceAlarms(this, 'alarms', {
      alarmNamePrefix: baseName,
      functionName: baseName,
      functionTimeoutSeconds: env.timeoutSeconds,
      reservedConcurrency: tierConfig.reservedConcurrency,
      apiName,
      stageName: env.stageName,
      ...env.alarms,
    });
    if (env.release.strategy !== 'all-at-once') {
      if (!props.releaseRunnerFile) throw new Error(`GreetingStack releaseRunnerFile: missing, and ${env.name} releases by ${env.release.strategy}; pass buildReleaseRunnerBundle(projectRoot).file`);
      new GradualRelease(this, 'release', {
        name: baseName,
        target: this.greetingFunction,
        strategy: env.release.strategy,
        percent: env.release.percent,
        intervalMinutes: env.release.intervalMinutes,
        // The environment file's check made sure the tier has each of them.
        alarms: env.release.alarms.map((name) => alarms.alarmOf[name] as IAlarm),
        runnerFile: props.releaseRunnerFile,
        region: env.region,
        actingRoleArn: this.actingRoleArn,
        roleSettings: this.roleSettings,
      });
    }

    // The emulator serves a stage under its own endpoint, as LocalStack does; AWS under execute-api.
    const invokeUrl = props.localAwsEndpoint
      ? `${props.localAwsEndpoint}/restapis/${this.api.restApiId}/${this.api.stageName}/_user_request_`
      : this.api.invokeUrl;
    const where = props.localAwsEndpoint ? ` on the local AWS at ${props.localAwsEndpoint}` : '';
    new TerraformOutput(this, 'invoke_url', {
      value: invokeUrl,
      description: `Base URL of the stage${where}`,
    });
    new TerraformOutput(this, 'hello_url', {
      value: `${invokeUrl}/hello`,
      description: `The walkthrough URL${where}: add ?name=David, or /David`,
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
        description: `aws apigateway get-api-key --include-value --api-key <id> shows the key${this.api.apiKeyIds ? " (the first client's)" : ''}`,
      });
    }
    if (this.api.apiKeyIds) {
      new TerraformOutput(this, 'api_key_ids', { value: this.api.apiKeyIds, description: "Each client's API key id, by client" });
    }
  }
}
