/**
 * Limits AWS enforces, checked at synth time so a bad value fails before `terraform apply`
 * does. Each check returns the problem and its fix as text, or `undefined` when the value is
 * fine; callers prefix the field that held it. The environment schema and the constructs both
 * check through these, so a rule and its wording live here only. This module imports nothing
 * of the project.
 */
import { Token } from 'cdktf';

export const MIN_MEMORY_MB = 128;
export const MAX_MEMORY_MB = 10240;
/** API Gateway (REST) stops waiting for an integration after 29 s and answers 504. */
export const API_INTEGRATION_TIMEOUT_SECONDS = 29;
/** A longer function timeout than the integration's only hides errors. */
export const MAX_API_TIMEOUT_SECONDS = API_INTEGRATION_TIMEOUT_SECONDS - 1;
/** API Gateway (REST) refuses request bodies over 10 MB with 413. */
export const MAX_API_PAYLOAD_BYTES = 10 * 1024 * 1024;
/** Lambda refuses synchronous invocation payloads (the event) over 6 MB: RequestEntityTooLargeException. */
export const MAX_SYNC_INVOKE_PAYLOAD_BYTES = 6 * 1024 * 1024;
/** The retention periods CloudWatch Logs accepts (`PutRetentionPolicy`), in days. */
export const LOG_RETENTION_DAYS = [
  1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288,
  3653,
] as const;
/** API Gateway's account-level throttling quotas (requests per second, and burst). */
export const MAX_THROTTLE_RATE = 10000;
export const MAX_THROTTLE_BURST = 5000;

/**
 * A WAF rate-based rule's limit: requests per client in its evaluation window. WAFV2's
 * RateBasedStatement takes 10 to 2,000,000,000 today; 100 is the lower bound older
 * providers check, so both accept every value this allows.
 * https://docs.aws.amazon.com/waf/latest/APIReference/API_RateBasedStatement.html
 */
export const MIN_WAF_RATE_LIMIT = 100;
export const MAX_WAF_RATE_LIMIT = 2_000_000_000;
/** The evaluation windows a rate-based rule takes, seconds. */
export const WAF_EVALUATION_WINDOWS = [60, 120, 300, 600] as const;

/**
 * The regions hashicorp/aws 5.100.0 (the pinned provider) knows, read from its endpoint data;
 * a region outside it fails only at apply, or plans against nothing.
 */
/** Regions outside the aws partition, and their partition: refused, since the app writes arn:aws: ARNs. */
const OTHER_PARTITIONS: readonly (readonly [RegExp, string])[] = [
  [/^cn-/, 'aws-cn'],
  [/^us-gov-/, 'aws-us-gov'],
  [/^[a-z]{2}-iso[a-z]?-/, 'aws-iso'],
];

export const AWS_REGIONS = [
  'af-south-1', 'ap-east-1', 'ap-northeast-1', 'ap-northeast-2', 'ap-northeast-3', 'ap-south-1', 'ap-south-2',
  'ap-southeast-1', 'ap-southeast-2', 'ap-southeast-3', 'ap-southeast-4', 'ap-southeast-5', 'ap-southeast-7',
  'ca-central-1', 'ca-west-1', 'cn-north-1', 'cn-northwest-1', 'eu-central-1', 'eu-central-2', 'eu-isoe-west-1',
  'eu-north-1', 'eu-south-1', 'eu-south-2', 'eu-west-1', 'eu-west-2', 'eu-west-3', 'il-central-1', 'me-central-1',
  'me-south-1', 'mx-central-1', 'sa-east-1', 'us-east-1', 'us-east-2', 'us-gov-east-1', 'us-gov-west-1',
  'us-iso-east-1', 'us-iso-west-1', 'us-isob-east-1', 'us-isof-east-1', 'us-isof-south-1', 'us-west-1', 'us-west-2',
] as const;

/** `what` names the region's use in the message, such as "the bucket's region". */
export function regionProblem(value: unknown, what = 'a region'): string | undefined {
  const partition = typeof value === 'string' ? OTHER_PARTITIONS.find(([pattern]) => pattern.test(value))?.[1] : undefined;
  if (partition) {
    return (
      `${describeValue(value)} is a region of the ${partition} partition; the app deploys to the aws partition only (it writes arn:aws: ARNs, ` +
      `and the other partitions need accounts, credentials and endpoints of their own): use ${what} code such as "eu-central-1"`
    );
  }
  if (typeof value === 'string' && (AWS_REGIONS as readonly string[]).includes(value)) return undefined;
  return `${describeValue(value)} is not an AWS region the pinned provider (hashicorp/aws 5.100.0) knows; use ${what} code such as "eu-central-1" (AWS_REGIONS in src/rules/aws-limits.ts lists them)`;
}

/** How a value is shown in a message: `missing`, or as JSON. */
export function describeValue(value: unknown): string {
  if (value === undefined) return 'missing';
  // JSON.stringify shows these as null; 1e400 parses as Infinity.
  if (typeof value === 'number' && !Number.isFinite(value)) return `${value} (beyond what a JSON number can hold)`;
  return JSON.stringify(value);
}

export function memorySizeProblem(value: unknown): string | undefined {
  if (!Number.isInteger(value) || (value as number) < MIN_MEMORY_MB || (value as number) > MAX_MEMORY_MB) {
    return `${describeValue(value)} is not a Lambda memory size; use a whole number of MB from ${MIN_MEMORY_MB} to ${MAX_MEMORY_MB}`;
  }
  return undefined;
}

export function timeoutProblem(value: unknown): string | undefined {
  if (!Number.isInteger(value) || (value as number) < 1 || (value as number) > MAX_API_TIMEOUT_SECONDS) {
    return `${describeValue(value)} is not a usable timeout; use whole seconds from 1 to ${MAX_API_TIMEOUT_SECONDS} (API Gateway gives up after 29 s)`;
  }
  return undefined;
}

export function logRetentionProblem(value: unknown): string | undefined {
  if (!(LOG_RETENTION_DAYS as readonly unknown[]).includes(value)) {
    return `${describeValue(value)} is not a retention CloudWatch Logs accepts; use one of ${LOG_RETENTION_DAYS.join(', ')} (days)`;
  }
  return undefined;
}

/**
 * Terraform evaluates `${...}` and `%{...}` in every string of its JSON configuration, so a
 * configured string holding them would run as an expression (`${file("/etc/hostname")}`
 * reads the planning machine's files). Such values are refused rather than escaped: none of
 * the service's settings needs them.
 */
export function terraformTemplateProblem(value: unknown): string | undefined {
  if (typeof value === 'string' && /[$%]\{/.test(value)) {
    return `${describeValue(value)} holds Terraform template syntax ("\${" or "%{"), which Terraform would evaluate; remove it`;
  }
  return undefined;
}

export function greetingProblem(value: unknown): string | undefined {
  if (typeof value !== 'string' || value.trim() === '' || value.length > 64 || /[\u0000-\u001f\u007f]/.test(value)) {
    return `${describeValue(value)} is not a usable greeting; use 1 to 64 printable characters, such as "Hello" or "Bonjour"`;
  }
  return terraformTemplateProblem(value);
}

/** CloudWatch alarm thresholds here count events per 5-minute period. */
export function alarmThresholdProblem(value: unknown): string | undefined {
  if (!Number.isInteger(value) || (value as number) < 1) {
    return `${describeValue(value)} is not a threshold; use a whole count of at least 1 per 5 minutes`;
  }
  return undefined;
}

/** A latency threshold in whole milliseconds, below API Gateway's 29 s integration timeout. */
export function latencyThresholdProblem(value: unknown): string | undefined {
  if (!Number.isInteger(value) || (value as number) < 1 || (value as number) >= API_INTEGRATION_TIMEOUT_SECONDS * 1000) {
    return `${describeValue(value)} is not a latency threshold; use whole milliseconds from 1 to ${API_INTEGRATION_TIMEOUT_SECONDS * 1000 - 1}`;
  }
  return undefined;
}

/** A share of something (`of`: "the timeout", "the requests"), in whole percent. */
export function percentProblem(value: unknown, of: string): string | undefined {
  if (!Number.isInteger(value) || (value as number) < 1 || (value as number) > 100) {
    return `${describeValue(value)} is not a percentage of ${of}; use a whole number from 1 to 100`;
  }
  return undefined;
}

/** A share of the function's timeout, in whole percent. */
export const percentOfTimeoutProblem = (value: unknown): string | undefined => percentProblem(value, 'the timeout');

/** Requests one client may send in a WAF rate-based rule's window: a whole number in WAF's range. */
export function wafRateLimitProblem(value: unknown): string | undefined {
  if (!Number.isInteger(value) || (value as number) < MIN_WAF_RATE_LIMIT || (value as number) > MAX_WAF_RATE_LIMIT) {
    return `${describeValue(value)} is not a WAF rate limit; use a whole number of requests per client from ${MIN_WAF_RATE_LIMIT} to ${MAX_WAF_RATE_LIMIT}`;
  }
  return undefined;
}

/**
 * The clients of a tier that get API keys of their own: a list of distinct names, each a
 * usable part of a key name (API Gateway takes names up to 1024 characters; 32 keeps the
 * names readable), at most 100 per usage plan, well under API Gateway's 10,000 keys.
 */
export function apiKeyClientsProblem(value: unknown): string | undefined {
  const usage = 'use a list of distinct client names of 1 to 32 lowercase letters, digits or hyphens, such as ["acme", "globex"]';
  if (!Array.isArray(value) || value.length === 0 || value.length > 100) return `${describeValue(value)} is not a list of 1 to 100 clients; ${usage}`;
  const bad = value.find((name) => typeof name !== 'string' || !/^[a-z0-9]([a-z0-9-]{0,30}[a-z0-9])?$/.test(name));
  if (bad !== undefined) return `${describeValue(bad)} is not a client name; ${usage}`;
  const twice = value.find((name, index) => value.indexOf(name) !== index);
  if (twice !== undefined) return `${describeValue(twice)} is listed twice; ${usage}`;
  return undefined;
}

/** Keys per client only where callers must send a key: the rule of the config and of `ProxyApi` alike. */
export function apiKeyClientsWithoutKeysProblem(apiKeyClients: unknown, apiKeyRequired: unknown): string | undefined {
  if (apiKeyClients === undefined || apiKeyRequired === true) return undefined;
  return `${describeValue(apiKeyClients)} given, but apiKeyRequired is not true, so no caller would send a key; set apiKeyRequired to true, or leave apiKeyClients out`;
}

/** Names of Lambda functions, IAM roles and REST APIs: letters, digits and hyphens keep all three valid. */
export function resourceNameProblem(value: unknown, maxLength: number): string | undefined {
  if (typeof value !== 'string' || !/^[A-Za-z0-9][A-Za-z0-9-]*$/.test(value) || value.length > maxLength) {
    return `${describeValue(value)} is not a usable name; use letters, digits and hyphens, at most ${maxLength} characters`;
  }
  return undefined;
}

export function stageNameProblem(value: unknown): string | undefined {
  if (typeof value !== 'string' || !/^[A-Za-z0-9_-]{1,128}$/.test(value)) {
    return `${describeValue(value)} is not a stage name; use letters, digits, "-" or "_", such as "test"`;
  }
  return undefined;
}

export function accountIdProblem(value: unknown): string | undefined {
  if (typeof value !== 'string' || !/^\d{12}$/.test(value)) {
    return `${describeValue(value)} is not an AWS account id; use the 12 digits as a string, such as "123456789012"`;
  }
  return undefined;
}

/** An IAM role ARN, such as a deploy role to assume. */
export function roleArnProblem(value: unknown): string | undefined {
  // role/<path/><name>: a name of 1 to 64 characters, a path of at most 512 (IAM quotas).
  const match = typeof value === 'string' ? /^arn:aws[a-z-]*:iam::\d{12}:role\/((?:[\w+=,.@-]+\/)*)([\w+=,.@-]{1,64})$/.exec(value) : null;
  if (!match || match[1].length + 1 > 512) {
    return `${describeValue(value)} is not an IAM role ARN; use arn:aws:iam::<account>:role/<name> (a name of at most 64 letters, digits or +=,.@_-), or leave it out`;
  }
  return undefined;
}

/**
 * An ARN of another partition than aws (arn:aws-cn:, arn:aws-us-gov:, ...), which the app does
 * not deploy to (see OTHER_PARTITIONS); undefined for anything else.
 */
export function otherPartitionProblem(value: unknown): string | undefined {
  const partition = typeof value === 'string' && value.startsWith('arn:') ? value.split(':')[1] : undefined;
  if (partition === undefined || partition === 'aws') return undefined;
  return `${describeValue(value)} is an ARN of the ${partition} partition; the app deploys to the aws partition only: use an arn:aws: ARN`;
}

/** Names S3 refuses for a bucket (General purpose bucket naming rules). */
export function s3BucketNameProblem(value: unknown): string | undefined {
  const fix = 'use 3 to 63 lowercase letters, digits, "." or "-", starting and ending with a letter or digit';
  if (typeof value !== 'string' || !/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/.test(value)) return `${describeValue(value)} is not an S3 bucket name; ${fix}`;
  if (/\.\.|\.-|-\./.test(value)) return `${describeValue(value)} is not an S3 bucket name: S3 refuses ".." and a "." next to a "-"; ${fix}`;
  if (/^\d{1,3}(\.\d{1,3}){3}$/.test(value)) return `${describeValue(value)} is not an S3 bucket name: S3 refuses names formatted as IP addresses; ${fix}`;
  const reserved = ['xn--', 'sthree-', 'amzn-s3-demo-'].find((prefix) => value.startsWith(prefix)) ?? ['-s3alias', '--ol-s3', '.mrap', '--x-s3', '--table-s3'].find((suffix) => value.endsWith(suffix));
  if (reserved) return `${describeValue(value)} is not an S3 bucket name: S3 reserves ${JSON.stringify(reserved)} for its own; ${fix}`;
  return undefined;
}

/**
 * A GitHub repository as `owner/name`, as the OIDC token's `repository` claim and `sub` carry it
 * (GitHub: owners of 1 to 39 letters, digits and hyphens; names of letters, digits, ".", "_", "-").
 */
export function gitHubRepositoryProblem(value: unknown): string | undefined {
  if (typeof value === 'string' && /^[A-Za-z0-9](?:[A-Za-z0-9-]{0,38})\/[A-Za-z0-9._-]{1,100}$/.test(value) && !/^\.{1,2}$/.test(value.split('/')[1])) return undefined;
  return `${describeValue(value)} is not a GitHub repository; use owner/name as in its URL, such as "octo-org/greeting-service"`;
}

/** A managed policy ARN, as IAM takes it for a role's permissions boundary. */
export function permissionsBoundaryProblem(value: unknown): string | undefined {
  if (typeof value !== 'string' || !/^arn:aws[a-z-]*:iam::(aws|\d{12}):policy\/[\w+=,.@/-]{1,128}$/.test(value)) {
    return `${describeValue(value)} is not a managed policy ARN; use arn:aws:iam::<account>:policy/<name>, or leave it out`;
  }
  return undefined;
}

/** IAM paths: `/`, or `/` ... `/` of printable ASCII, at most 512 characters. */
export function rolePathProblem(value: unknown): string | undefined {
  if (typeof value !== 'string' || value.length > 512 || !/^\/([\x21-\x7E]*\/)?$/.test(value) || /\/\//.test(value)) {
    return `${describeValue(value)} is not an IAM path; use "/" or a path that starts and ends with "/", such as "/service/", at most 512 characters`;
  }
  return terraformTemplateProblem(value);
}

/** Lambda's default concurrency quota per account and region. */
export const ACCOUNT_CONCURRENCY_QUOTA = 1000;
/** Lambda keeps at least this many executions unreserved in an account. */
export const MIN_UNRESERVED_CONCURRENCY = 100;
/** What the default quota leaves to reserve, for all functions of the account together. */
export const MAX_RESERVED_CONCURRENCY = ACCOUNT_CONCURRENCY_QUOTA - MIN_UNRESERVED_CONCURRENCY;

export function reservedConcurrencyProblem(value: unknown): string | undefined {
  if (value !== undefined && (!Number.isInteger(value) || (value as number) < 1)) {
    return `${describeValue(value)} is not a concurrency; use a whole number of executions of at least 1, or leave it out for none reserved`;
  }
  if (typeof value === 'number' && value > MAX_RESERVED_CONCURRENCY) {
    return (
      `${value} is more than an account can reserve; Lambda's default quota of ${ACCOUNT_CONCURRENCY_QUOTA} keeps ` +
      `${MIN_UNRESERVED_CONCURRENCY} unreserved, so use at most ${MAX_RESERVED_CONCURRENCY}`
    );
  }
  return undefined;
}

/** Tags AWS accepts on a resource, keys and values: letters, digits, spaces and `_.:/=+-@`. */
export const MAX_TAGS_PER_RESOURCE = 50;
const TAG_TEXT = /^[\p{L}\p{Z}\p{N}_.:/=+\-@]*$/u;

export function tagKeyProblem(key: string): string | undefined {
  if (key.length === 0 || key.length > 128 || key.toLowerCase().startsWith('aws:') || !TAG_TEXT.test(key)) {
    return `${describeValue(key)} is not a usable tag key; use 1 to 128 letters, digits, spaces or _.:/=+-@, not starting with "aws:"`;
  }
  return undefined;
}

export function tagValueProblem(value: unknown): string | undefined {
  if (typeof value !== 'string' || value.length > 256 || !TAG_TEXT.test(value)) {
    return `${describeValue(value)} is not a tag value; use a string of at most 256 letters, digits, spaces or _.:/=+-@`;
  }
  return undefined;
}

/** Steady-state requests per second of API Gateway throttling. */
export function throttleRateProblem(value: unknown): string | undefined {
  if (typeof value !== 'number' || !(value > 0) || value > MAX_THROTTLE_RATE) {
    return `${describeValue(value)} is not a rate; use requests per second above 0 and at most ${MAX_THROTTLE_RATE}`;
  }
  return undefined;
}

/** The burst above the rate: a whole number of requests, at least the rate. */
export function throttleBurstProblem(value: unknown, rate: unknown): string | undefined {
  if (!Number.isInteger(value) || (value as number) < 1 || (value as number) > MAX_THROTTLE_BURST) {
    return `${describeValue(value)} is not a burst; use a whole number of requests from 1 to ${MAX_THROTTLE_BURST}`;
  }
  if (typeof rate === 'number' && (value as number) < rate) {
    return `${value} is below the rate limit ${rate}; make the burst at least the rate`;
  }
  return undefined;
}

/**
 * Throws `<owner> <field>: <problem>` when `check` finds one. A value that is still a
 * Terraform token (a variable, another resource's attribute) is left for AWS to judge.
 */
export function assertValid<T>(owner: string, field: string, value: T, check: (value: T) => string | undefined): void {
  if (value !== undefined && Token.isUnresolved(value)) return;
  const problem = check(value);
  if (problem !== undefined) throw new Error(`${owner} ${field}: ${problem}`);
}

/**
 * One of `parts` equal shares of a throttle (between a stage's methods, or a usage plan's
 * clients): rate / parts to the hundredth (at least 0.01, as people read it in a plan, and never
 * 0, which would serve no one), burst / parts rounded down (at least 1).
 */
export function throttleShare(throttle: { readonly rateLimit: number; readonly burstLimit: number }, parts: number): { rateLimit: number; burstLimit: number } {
  return { rateLimit: Math.max(0.01, Math.floor((throttle.rateLimit / parts) * 100) / 100), burstLimit: Math.max(1, Math.floor(throttle.burstLimit / parts)) };
}
