import * as fs from 'fs';
import * as path from 'path';
import {
  alarmThresholdProblem,
  greetingProblem,
  logRetentionProblem,
  memorySizeProblem,
  timeoutProblem,
} from '../rules/aws-limits';
import {
  AlarmConfig,
  ApiGatewayCloudWatchRole,
  ENVIRONMENT_DEFAULTS,
  EnvironmentConfig,
  StateConfig,
  TIERS,
  Tier,
  TierConfig,
} from './environment-config';

/** The variable that selects the environment, and its value when unset. */
export const ENVIRONMENT_VARIABLE = 'ENVIRONMENT';
export const DEFAULT_ENVIRONMENT = 'dev';

/** Bad configuration: the message names the file, the field, the value and the fix. */
export class ConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ConfigError';
  }
}

type Json = Record<string, unknown>;

const TOP_LEVEL_FIELDS = [
  'region',
  'namePrefix',
  'tags',
  'logRetentionDays',
  'stageName',
  'greeting',
  'timeoutSeconds',
  'tiers',
  'apiGatewayCloudWatchRole',
  'alarms',
  'logsKmsKeyArn',
  'state',
];
const TIER_FIELDS = ['memoryMb', 'throttle', 'reservedConcurrency', 'apiKeyRequired'];
const ALARM_FIELDS = ['functionErrors', 'functionThrottles', 'api5xx', 'snsTopicArn'];

/** Names of the environments in `dir`: one per `<name>.json`, sorted. */
export function listEnvironments(dir: string): string[] {
  if (!fs.existsSync(dir)) return [];
  return fs
    .readdirSync(dir)
    .filter((file) => file.endsWith('.json'))
    .map((file) => file.slice(0, -'.json'.length))
    .sort();
}

/**
 * Loads `environments/<name>.json` from `dir`. Throws a {@link ConfigError} for an unknown
 * name, a file that is not JSON, or any field that is out of range.
 */
export function loadEnvironment(name: string, dir: string): EnvironmentConfig {
  const known = listEnvironments(dir);
  if (!known.includes(name)) {
    throw new ConfigError(
      `${ENVIRONMENT_VARIABLE}=${JSON.stringify(name)} is not a known environment; ` +
        `set ${ENVIRONMENT_VARIABLE} to one of: ${known.join(', ')} (or add environments/${name}.json)`,
    );
  }
  const file = path.join(dir, `${name}.json`);
  const source = `environments/${name}.json`;
  let raw: unknown;
  try {
    raw = JSON.parse(fs.readFileSync(file, 'utf8'));
  } catch (error) {
    throw new ConfigError(`${source} is not valid JSON (${(error as Error).message}); fix its syntax`);
  }
  return parseEnvironment(name, raw, source);
}

/** Validates one environment's raw JSON and fills in the defaults. Reports every problem at once. */
export function parseEnvironment(name: string, raw: unknown, source: string): EnvironmentConfig {
  const problems: string[] = [];
  const problem = (field: string, message: string) => problems.push(`${field}: ${message}`);

  if (!isObject(raw)) {
    throw new ConfigError(`${source} must hold a JSON object, got ${describe(raw)}; see environments/dev.json`);
  }
  for (const key of Object.keys(raw)) {
    if (!TOP_LEVEL_FIELDS.includes(key)) {
      problem(key, `unknown field; use one of ${TOP_LEVEL_FIELDS.join(', ')}`);
    }
  }

  const region = raw.region;
  if (typeof region !== 'string' || !/^[a-z]{2}(-[a-z]+)+-\d+$/.test(region)) {
    problem('region', `${describe(region)} is not an AWS region; use a region code such as "eu-central-1"`);
  }
  const namePrefix = raw.namePrefix ?? ENVIRONMENT_DEFAULTS.namePrefix;
  if (typeof namePrefix !== 'string' || !/^[a-z][a-z0-9-]{0,23}$/.test(namePrefix)) {
    problem(
      'namePrefix',
      `${describe(namePrefix)} is not a usable name prefix; use 1 to 24 lowercase letters, digits or hyphens, starting with a letter`,
    );
  }
  const tags = raw.tags ?? ENVIRONMENT_DEFAULTS.tags;
  checkTags(tags, problem);
  const logRetentionDays = raw.logRetentionDays ?? ENVIRONMENT_DEFAULTS.logRetentionDays;
  report(problem, 'logRetentionDays', logRetentionProblem(logRetentionDays));
  const stageName = raw.stageName ?? ENVIRONMENT_DEFAULTS.stageName;
  if (typeof stageName !== 'string' || !/^[A-Za-z0-9_-]{1,128}$/.test(stageName)) {
    problem('stageName', `${describe(stageName)} is not a stage name; use letters, digits, "-" or "_", such as "test"`);
  }
  const greeting = raw.greeting ?? ENVIRONMENT_DEFAULTS.greeting;
  report(problem, 'greeting', greetingProblem(greeting));
  const timeoutSeconds = raw.timeoutSeconds ?? ENVIRONMENT_DEFAULTS.timeoutSeconds;
  report(problem, 'timeoutSeconds', timeoutProblem(timeoutSeconds));
  const tiers = parseTiers(raw.tiers, problem);
  const apiGatewayCloudWatchRole = raw.apiGatewayCloudWatchRole;
  if (apiGatewayCloudWatchRole !== 'create' && apiGatewayCloudWatchRole !== 'existing') {
    problem(
      'apiGatewayCloudWatchRole',
      `${describe(apiGatewayCloudWatchRole)} is not a choice; say "create" if this environment's standard stack should set ` +
        `the account's API Gateway CloudWatch role for ${describe(region)}, or "existing" if it is already set there`,
    );
  }
  const alarms = parseAlarms(raw.alarms, problem);
  const logsKmsKeyArn = raw.logsKmsKeyArn;
  if (logsKmsKeyArn !== undefined && (typeof logsKmsKeyArn !== 'string' || !/^arn:aws[a-z-]*:kms:[a-z0-9-]+:\d{12}:key\/[A-Za-z0-9-]+$/.test(logsKmsKeyArn))) {
    problem('logsKmsKeyArn', `${describe(logsKmsKeyArn)} is not a KMS key ARN; use arn:aws:kms:<region>:<account>:key/<id>, or leave it out`);
  }
  const state = parseState(raw.state, region, problem);

  if (problems.length > 0) {
    throw new ConfigError(`${source} is not a valid environment:\n  - ${problems.join('\n  - ')}`);
  }
  return {
    name,
    region: region as string,
    namePrefix: namePrefix as string,
    tags: tags as Record<string, string>,
    logRetentionDays: logRetentionDays as number,
    stageName: stageName as string,
    greeting: greeting as string,
    timeoutSeconds: timeoutSeconds as number,
    tiers,
    apiGatewayCloudWatchRole: apiGatewayCloudWatchRole as ApiGatewayCloudWatchRole,
    alarms,
    ...(logsKmsKeyArn === undefined ? {} : { logsKmsKeyArn: logsKmsKeyArn as string }),
    state,
  };
}

type Report = (field: string, message: string) => void;

function report(problem: Report, field: string, message: string | undefined): void {
  if (message !== undefined) problem(field, message);
}

function checkTags(tags: unknown, problem: Report): void {
  if (!isObject(tags)) {
    problem('tags', `${describe(tags)} is not a tag map; use an object of strings, such as {"team": "platform"}`);
    return;
  }
  for (const [key, value] of Object.entries(tags)) {
    if (key.length === 0 || key.length > 128 || key.startsWith('aws:')) {
      problem(`tags.${key}`, 'is not a usable tag key; use 1 to 128 characters, not starting with "aws:"');
    }
    if (typeof value !== 'string' || value.length > 256) {
      problem(`tags.${key}`, `${describe(value)} is not a tag value; use a string of at most 256 characters`);
    }
  }
}

function parseTiers(raw: unknown, problem: Report): Record<Tier, TierConfig> {
  const given = raw ?? {};
  if (!isObject(given)) {
    problem('tiers', `${describe(raw)} is not a tier map; use {"standard": {"memoryMb": 128}, "premium": {"memoryMb": 512}}`);
    return { ...ENVIRONMENT_DEFAULTS.tiers };
  }
  for (const key of Object.keys(given)) {
    if (!(TIERS as readonly string[]).includes(key)) {
      problem(`tiers.${key}`, `unknown tier; use ${TIERS.join(' or ')}`);
    }
  }
  const tiers = {} as Record<Tier, TierConfig>;
  for (const tier of TIERS) {
    tiers[tier] = parseTier(tier, given[tier] ?? {}, problem);
  }
  const { standard, premium } = tiers;
  for (const limit of ['rateLimit', 'burstLimit'] as const) {
    if (premium.throttle[limit] < standard.throttle[limit]) {
      problem(
        `tiers.premium.throttle.${limit}`,
        `${premium.throttle[limit]} is below the standard tier's ${standard.throttle[limit]}; give premium at least standard's limits`,
      );
    }
  }
  return tiers;
}

function parseTier(tier: Tier, raw: unknown, problem: Report): TierConfig {
  const defaults = ENVIRONMENT_DEFAULTS.tiers[tier];
  const field = `tiers.${tier}`;
  if (!isObject(raw)) {
    problem(field, `${describe(raw)} is not a tier; use {"memoryMb": ${defaults.memoryMb}}`);
    return defaults;
  }
  for (const key of Object.keys(raw)) {
    if (!TIER_FIELDS.includes(key)) problem(`${field}.${key}`, `unknown field; use ${TIER_FIELDS.join(', ')}`);
  }
  const memoryMb = raw.memoryMb ?? defaults.memoryMb;
  report(problem, `${field}.memoryMb`, memorySizeProblem(memoryMb));

  const throttleRaw = raw.throttle ?? defaults.throttle;
  let throttle: TierConfig['throttle'] = defaults.throttle;
  if (!isObject(throttleRaw)) {
    problem(`${field}.throttle`, `${describe(throttleRaw)} is not a throttle; use {"rateLimit": ${defaults.throttle.rateLimit}, "burstLimit": ${defaults.throttle.burstLimit}}`);
  } else {
    const rateLimit = throttleRaw.rateLimit ?? defaults.throttle.rateLimit;
    const burstLimit = throttleRaw.burstLimit ?? defaults.throttle.burstLimit;
    if (typeof rateLimit !== 'number' || !(rateLimit > 0) || rateLimit > 10000) {
      problem(`${field}.throttle.rateLimit`, `${describe(rateLimit)} is not a rate; use requests per second above 0 and at most 10000`);
    }
    if (!Number.isInteger(burstLimit) || (burstLimit as number) < 1 || (burstLimit as number) > 5000) {
      problem(`${field}.throttle.burstLimit`, `${describe(burstLimit)} is not a burst; use a whole number of requests from 1 to 5000`);
    } else if (typeof rateLimit === 'number' && (burstLimit as number) < rateLimit) {
      problem(`${field}.throttle.burstLimit`, `${burstLimit} is below the rate limit ${rateLimit}; make the burst at least the rate`);
    }
    throttle = { rateLimit: rateLimit as number, burstLimit: burstLimit as number };
  }

  const reservedConcurrency = raw.reservedConcurrency;
  if (reservedConcurrency !== undefined && (!Number.isInteger(reservedConcurrency) || (reservedConcurrency as number) < 1)) {
    problem(
      `${field}.reservedConcurrency`,
      `${describe(reservedConcurrency)} is not a concurrency; use a whole number of executions of at least 1, or leave it out for none reserved`,
    );
  }
  const apiKeyRequired = raw.apiKeyRequired ?? defaults.apiKeyRequired;
  if (typeof apiKeyRequired !== 'boolean') {
    problem(`${field}.apiKeyRequired`, `${describe(apiKeyRequired)} is not true or false`);
  }
  return {
    memoryMb: memoryMb as number,
    throttle,
    ...(reservedConcurrency === undefined ? {} : { reservedConcurrency: reservedConcurrency as number }),
    apiKeyRequired: apiKeyRequired as boolean,
  };
}

function parseAlarms(raw: unknown, problem: Report): AlarmConfig {
  const defaults = ENVIRONMENT_DEFAULTS.alarms;
  const given = raw ?? {};
  if (!isObject(given)) {
    problem('alarms', `${describe(raw)} is not an alarm setting; use {"functionErrors": 1, "functionThrottles": 1, "api5xx": 1}`);
    return defaults;
  }
  for (const key of Object.keys(given)) {
    if (!ALARM_FIELDS.includes(key)) problem(`alarms.${key}`, `unknown field; use ${ALARM_FIELDS.join(', ')}`);
  }
  const thresholds = {} as Record<'functionErrors' | 'functionThrottles' | 'api5xx', number>;
  for (const name of ['functionErrors', 'functionThrottles', 'api5xx'] as const) {
    const value = given[name] ?? defaults[name];
    report(problem, `alarms.${name}`, alarmThresholdProblem(value));
    thresholds[name] = value as number;
  }
  const snsTopicArn = given.snsTopicArn;
  if (snsTopicArn !== undefined && (typeof snsTopicArn !== 'string' || !/^arn:aws[a-z-]*:sns:[a-z0-9-]+:\d{12}:[A-Za-z0-9_-]{1,256}$/.test(snsTopicArn))) {
    problem('alarms.snsTopicArn', `${describe(snsTopicArn)} is not an SNS topic ARN; use arn:aws:sns:<region>:<account>:<topic>, or leave it out`);
  }
  return { ...thresholds, ...(snsTopicArn === undefined ? {} : { snsTopicArn: snsTopicArn as string }) };
}

function parseState(raw: unknown, region: unknown, problem: Report): StateConfig {
  if (raw === undefined) return ENVIRONMENT_DEFAULTS.state;
  if (!isObject(raw) || (raw.type !== 'local' && raw.type !== 's3')) {
    problem(
      'state',
      `${describe(raw)} is not a state setting; use {"type": "local"} or {"type": "s3", "bucket": "...", "keyPrefix": "..."}`,
    );
    return ENVIRONMENT_DEFAULTS.state;
  }
  const allowed = raw.type === 'local' ? ['type'] : ['type', 'bucket', 'keyPrefix', 'region', 'useLockfile'];
  for (const key of Object.keys(raw)) {
    if (!allowed.includes(key)) problem(`state.${key}`, `unknown field for ${raw.type} state; use ${allowed.join(', ')}`);
  }
  if (raw.type === 'local') return { type: 'local' };

  const { bucket, keyPrefix } = raw;
  const bucketRegion = raw.region ?? region;
  const useLockfile = raw.useLockfile ?? true;
  if (typeof bucket !== 'string' || !/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/.test(bucket)) {
    problem('state.bucket', `${describe(bucket)} is not an S3 bucket name; use 3 to 63 lowercase letters, digits, "." or "-"`);
  }
  if (typeof keyPrefix !== 'string' || !/^[A-Za-z0-9]([A-Za-z0-9._/-]*[A-Za-z0-9])?$/.test(keyPrefix)) {
    problem('state.keyPrefix', `${describe(keyPrefix)} is not a key prefix; use a path such as "hello-world/dev", without leading or trailing "/"`);
  }
  if (typeof bucketRegion !== 'string' || !/^[a-z]{2}(-[a-z]+)+-\d+$/.test(bucketRegion)) {
    problem('state.region', `${describe(bucketRegion)} is not an AWS region; use the bucket's region code, such as "eu-central-1"`);
  }
  if (typeof useLockfile !== 'boolean') {
    problem('state.useLockfile', `${describe(useLockfile)} is not true or false; use true to lock state in S3`);
  }
  return {
    type: 's3',
    bucket: bucket as string,
    keyPrefix: keyPrefix as string,
    region: bucketRegion as string,
    useLockfile: useLockfile as boolean,
  };
}

function isObject(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function describe(value: unknown): string {
  return value === undefined ? 'missing' : JSON.stringify(value);
}
