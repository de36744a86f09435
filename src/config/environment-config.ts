/**
 * The shape of one environment (`environments/<name>.json`) once loaded and validated:
 * every default filled in, every value checked. Stacks take this; constructs never see it.
 */

/** The QoS tiers; each becomes a stack of the same name. */
export const TIERS = ['standard', 'premium'] as const;
export type Tier = (typeof TIERS)[number];

export interface TierConfig {
  /** Lambda memory in MB; it also buys CPU. */
  readonly memoryMb: number;
  /** Stage-wide API Gateway throttling: steady requests per second, and the burst above it. */
  readonly throttle: { readonly rateLimit: number; readonly burstLimit: number };
  /** Concurrent executions reserved for (and capping) the function; unset leaves it unreserved. */
  readonly reservedConcurrency?: number;
  /** Callers need an API key (usage plan with this tier's throttling). */
  readonly apiKeyRequired: boolean;
}

/**
 * API Gateway writes execution and access logs only once the account's CloudWatch role is set
 * for the region: one setting per account and region, not per stack.
 * - `create`: this environment's `standard` stack sets it (premium deploys after it);
 * - `existing`: it is already set for this account and region (by another environment or the
 *   platform team), and the stacks rely on it.
 */
export type ApiGatewayCloudWatchRole = 'create' | 'existing';

export interface AlarmConfig {
  /** Function errors in 5 minutes that raise the alarm. */
  readonly functionErrors: number;
  /** Throttled invocations in 5 minutes that raise the alarm. */
  readonly functionThrottles: number;
  /** API 5XX answers in 5 minutes that raise the alarm. */
  readonly api5xx: number;
  /** SNS topic told when an alarm fires or clears; unset: alarms only show in CloudWatch. */
  readonly snsTopicArn?: string;
}

/** State in a file under `state/<environment>/` of the project. */
export interface LocalStateConfig {
  readonly type: 'local';
}

/** State in S3, one object per stack: `<keyPrefix>/<stack>.tfstate`. */
export interface S3StateConfig {
  readonly type: 's3';
  /** Bucket that holds this environment's state. */
  readonly bucket: string;
  /** Key prefix; the stack name and `.tfstate` are appended. */
  readonly keyPrefix: string;
  /** Region of the bucket. */
  readonly region: string;
  /** S3-native state locking (Terraform 1.10+). */
  readonly useLockfile: boolean;
}

export type StateConfig = LocalStateConfig | S3StateConfig;

export interface EnvironmentConfig {
  /** The environment's name: its file name without `.json`. */
  readonly name: string;
  /** AWS region every resource of the environment lives in. */
  readonly region: string;
  /** First part of every resource name; environment and tier follow it. */
  readonly namePrefix: string;
  /** Tags applied to every resource through the provider's `default_tags`. */
  readonly tags: Readonly<Record<string, string>>;
  /** Days CloudWatch keeps the function's logs. */
  readonly logRetentionDays: number;
  /** API Gateway stage the API is deployed to. */
  readonly stageName: string;
  /** The greeting word the function answers with. */
  readonly greeting: string;
  /** Function timeout in seconds. */
  readonly timeoutSeconds: number;
  /** Settings per QoS tier. */
  readonly tiers: Readonly<Record<Tier, TierConfig>>;
  /** Who sets the account's API Gateway CloudWatch role for this region. */
  readonly apiGatewayCloudWatchRole: ApiGatewayCloudWatchRole;
  /** CloudWatch alarm thresholds. */
  readonly alarms: AlarmConfig;
  /** KMS key that encrypts every log group; unset: CloudWatch's own encryption. */
  readonly logsKmsKeyArn?: string;
  /** Where Terraform keeps this environment's state. */
  readonly state: StateConfig;
}

/** What an environment file may leave out, and the value it then gets. */
export const ENVIRONMENT_DEFAULTS = {
  namePrefix: 'hello-world',
  tags: {},
  logRetentionDays: 14,
  stageName: 'test',
  greeting: 'Hello',
  timeoutSeconds: 3,
  tiers: {
    standard: { memoryMb: 128, throttle: { rateLimit: 50, burstLimit: 100 }, apiKeyRequired: false },
    premium: { memoryMb: 512, throttle: { rateLimit: 200, burstLimit: 400 }, apiKeyRequired: false },
  },
  alarms: { functionErrors: 1, functionThrottles: 1, api5xx: 1 },
  state: { type: 'local' },
} as const;
