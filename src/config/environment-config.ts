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
  tiers: { standard: { memoryMb: 128 }, premium: { memoryMb: 512 } },
  state: { type: 'local' },
} as const;
