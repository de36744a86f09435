/**
 * The schema of one environment file (`environments/<name>.json`): its types, its defaults
 * and its checks in one place. The checks' rules and the shared defaults come from
 * `src/rules/`; what only this app's tiers set (premium's figures) is defined here. Stacks
 * take the parsed {@link EnvironmentConfig}; constructs never see it.
 */
import { z } from 'zod';
import {
  accountIdProblem,
  apiKeyClientsProblem,
  apiKeyClientsWithoutKeysProblem,
  describeValue,
  gitHubRepositoryProblem,
  greetingProblem,
  logRetentionProblem,
  memorySizeProblem,
  permissionsBoundaryProblem,
  regionProblem,
  otherPartitionProblem,
  roleArnProblem,
  s3BucketNameProblem,
  rolePathProblem,
  reservedConcurrencyProblem,
  MAX_TAGS_PER_RESOURCE,
  MAX_RESERVED_CONCURRENCY,
  stageNameProblem,
  tagKeyProblem,
  tagValueProblem,
  terraformTemplateProblem,
  throttleBurstProblem,
  throttleRateProblem,
  timeoutProblem,
  wafRateLimitProblem,
} from '../rules/aws-limits';
import { TIER_CATALOG, TierCatalog, TierDefinition, tierCatalogProblem } from './tier-catalog';
import { ALARM_CATALOG, AlarmDefinition, AlarmThresholdName } from '../rules/alarm-catalog';
import {
  DEFAULT_RELEASE_ALARMS,
  DEFAULT_RELEASE_STRATEGY,
  RELEASE_CATALOG,
  RELEASE_STRATEGIES,
  ReleaseSettings,
  ReleaseStrategy,
  releaseIntervalProblem,
  releasePercentProblem,
} from '../rules/release-catalog';
import {
  DEFAULT_GREETING,
  DEFAULT_LOG_RETENTION_DAYS,
  DEFAULT_NAME_PREFIX,
  DEFAULT_STAGE_NAME,
  DEFAULT_CLIENT_RATE_WINDOW_SECONDS,
  DEFAULT_TIMEOUT_SECONDS,
} from '../rules/defaults';

export { TIERS } from './tier-catalog';
export type { Tier } from './tier-catalog';

/** Any value, checked by a rule whose text (value, problem, fix) becomes the message. */
/** An ARN check that first refuses ARNs of other partitions than aws, which the app does not deploy to. */
const inAwsPartition = (problem: (value: unknown) => string | undefined) => (value: unknown) => otherPartitionProblem(value) ?? problem(value);

function checked<T>(problem: (value: unknown) => string | undefined) {
  return z
    .unknown()
    .superRefine((value, ctx) => {
      const message = problem(value);
      if (message !== undefined) ctx.addIssue({ code: z.ZodIssueCode.custom, message });
    })
    .transform((value) => value as T);
}

const optionalChecked = <T>(problem: (value: unknown) => string | undefined) =>
  checked<T | undefined>((value) => (value === undefined ? undefined : problem(value)));

const booleanRule = (fix: string) => (value: unknown) =>
  typeof value === 'boolean' ? undefined : `${describeValue(value)} is not true or false${fix}`;

/**
 * An object with exactly these fields: others are reported as unknown, one line each, and a
 * value that is not an object gets `notObject`'s message.
 */
function strictObject<S extends z.ZodRawShape>(shape: S, notObject: (value: unknown) => string, unknownKey?: string) {
  const unknown = unknownKey ?? `unknown field; use one of ${Object.keys(shape).join(', ')}`;
  return z
    .object(shape, {
      errorMap: (issue, ctx) => {
        if (issue.code === z.ZodIssueCode.unrecognized_keys) return { message: unknown };
        if (issue.code === z.ZodIssueCode.invalid_type) return { message: notObject(ctx.data) };
        return { message: ctx.defaultError };
      },
    })
    .strict();
}

function throttleSchema(defaults: { readonly rateLimit: number; readonly burstLimit: number }) {
  return strictObject(
    {
      /** Steady-state requests per second. */
      rateLimit: checked<number>(throttleRateProblem).default(defaults.rateLimit),
      /** Requests allowed at once above the rate; at least the rate. */
      burstLimit: z.unknown().default(defaults.burstLimit).transform((value) => value as number),
      /** Why the burst may exceed the tier's reserved concurrency (API Gateway then answers the excess with 500s). */
      exceedsConcurrencyBecause: optionalChecked<string>((value) =>
        typeof value === 'string' && value.trim() !== ''
          ? undefined
          : `${describeValue(value)} is not a reason; write why the burst may exceed reserved concurrency, or leave it out`,
      ),
    },
    (value) => `${describeValue(value)} is not a throttle; use {"rateLimit": ${defaults.rateLimit}, "burstLimit": ${defaults.burstLimit}}`,
  ).superRefine((throttle, ctx) => {
    const message = throttleBurstProblem(throttle.burstLimit, throttle.rateLimit);
    if (message !== undefined) ctx.addIssue({ code: z.ZodIssueCode.custom, path: ['burstLimit'], message });
  });
}

function tierSchema(defaults: TierDefinition) {
  return strictObject(
    {
      /** Lambda memory in MB; it also buys CPU. */
      memoryMb: checked<number>(memorySizeProblem).default(defaults.memoryMb),
      /** The stage's whole API Gateway throttling budget (its two methods get half each): steady requests per second, and the burst above it. */
      throttle: throttleSchema(defaults.throttle).default({}),
      /** Concurrent executions reserved for (and capping) the function; unset leaves it unreserved. */
      reservedConcurrency: optionalChecked<number>(reservedConcurrencyProblem),
      /** Callers need an API key (usage plan with this tier's throttling). */
      apiKeyRequired: checked<boolean>(booleanRule('')).default(false),
      /** With apiKeyRequired: a key per client, each throttled to an equal share of the tier; unset: one key for all. */
      apiKeyClients: optionalChecked<string[]>(apiKeyClientsProblem),
      /** Requests one client IP may send per 5 minutes, where `webAcl` puts WAF in front of the stage. */
      clientRateLimit: checked<number>(wafRateLimitProblem).default(defaults.clientRateLimit),
    },
    (value) => `${describeValue(value)} is not a tier; use {"memoryMb": ${defaults.memoryMb}}`,
  )
    .superRefine(({ apiKeyRequired, apiKeyClients }, ctx) => {
      const problem = apiKeyClientsWithoutKeysProblem(apiKeyClients, apiKeyRequired);
      if (problem) ctx.addIssue({ code: z.ZodIssueCode.custom, path: ['apiKeyClients'], message: problem });
    })
    .superRefine(({ throttle, reservedConcurrency }, ctx) => {
      // Each request in flight holds one execution; with rate <= burst, a burst the function
      // can hold also serves the rate while requests take under a second.
      const { burstLimit } = throttle;
      if (reservedConcurrency === undefined || throttle.exceedsConcurrencyBecause !== undefined) return;
      if (typeof burstLimit === 'number' && typeof reservedConcurrency === 'number' && burstLimit > reservedConcurrency) {
        ctx.addIssue({
          code: z.ZodIssueCode.custom,
          path: ['throttle', 'burstLimit'],
          message:
            `${burstLimit} requests at once are more than the tier's ${reservedConcurrency} reserved executions can serve; ` +
            `API Gateway would answer the excess with 500s, not 429s. Lower burstLimit to ${reservedConcurrency}, ` +
            `raise reservedConcurrency to ${burstLimit}, or say why in throttle.exceedsConcurrencyBecause`,
        });
      }
    })
    .default({});
}

/** What each tier must offer at least as much of as the one before it, where a file says it. */
const TIER_FLOORS = [
  { path: ['throttle', 'rateLimit'], unit: '', what: 'limits' },
  { path: ['throttle', 'burstLimit'], unit: '', what: 'limits' },
  { path: ['clientRateLimit'], unit: '', what: 'limits' },
  { path: ['memoryMb'], unit: ' MB', what: 'memory' },
] as const;

const valueAt = (tier: TierConfig, path: readonly string[]): unknown => path.reduce<any>((value, key) => value?.[key], tier);

/** The tiers of `catalog`, each defaulted from its entry; each tier at least the one before it. */
function tiersSchema(catalog: TierCatalog) {
  const names = catalog.map((tier) => tier.name);
  const [first, second] = catalog;
  const example = `{"${first.name}": {"memoryMb": ${first.memoryMb}}${second ? `, "${second.name}": {"memoryMb": ${second.memoryMb}}` : ''}}`;
  return strictObject(
    Object.fromEntries(catalog.map((tier) => [tier.name, tierSchema(tier)])),
    (value) => `${describeValue(value)} is not a tier map; use ${example}`,
    `unknown tier; use ${names.length > 1 ? `${names.slice(0, -1).join(', ')} or ${names[names.length - 1]}` : names[0]}`,
  )
    .transform((tiers) => tiers as Record<string, TierConfig>)
    .superRefine((tiers, ctx) => {
      // Reserved concurrency comes out of one account-wide pool, whatever the tier.
      const reserving = names.filter((name) => tiers[name].reservedConcurrency !== undefined);
      const reserved = reserving.reduce((sum, name) => sum + (tiers[name].reservedConcurrency as number), 0);
      if (reserving.length > 1 && reserved > MAX_RESERVED_CONCURRENCY) {
        const last = reserving[reserving.length - 1];
        const others = reserving.slice(0, -1).map((name) => `${name}'s ${tiers[name].reservedConcurrency}`).join(' and ');
        ctx.addIssue({
          code: z.ZodIssueCode.custom,
          path: [last, 'reservedConcurrency'],
          message: `${tiers[last].reservedConcurrency} with ${others} reserves ${reserved} executions; the account keeps 100 of its default 1000 unreserved, so reserve at most ${MAX_RESERVED_CONCURRENCY} together`,
        });
      }
      // A better tier never serves less: each at least the one before it.
      const below = (ours: unknown, floor: unknown) => typeof ours === 'number' && typeof floor === 'number' && ours < floor;
      for (const [index, name] of names.entries()) {
        if (index === 0) continue;
        const before = names[index - 1];
        for (const { path, unit, what } of TIER_FLOORS) {
          const [ours, floor] = [valueAt(tiers[name], path), valueAt(tiers[before], path)];
          if (below(ours, floor)) {
            ctx.addIssue({
              code: z.ZodIssueCode.custom,
              path: [name, ...path],
              message: `${ours}${unit} is below the ${before} tier's ${floor}${unit}; give ${name} at least ${before}'s ${what}`,
            });
          }
        }
      }
    })
    .default({});
}

/** The tags the app itself puts on every resource: a file may not set them. */
export const APP_TAGS = ['tier'] as const;

const tagsSchema = z
  .record(z.unknown(), {
    errorMap: (_issue, ctx) => ({ message: `${describeValue(ctx.data)} is not a tag map; use an object of strings, such as {"team": "platform"}` }),
  })
  .superRefine((tags, ctx) => {
    const problem = (path: string[], message: string | undefined) => message && ctx.addIssue({ code: z.ZodIssueCode.custom, path, message });
    const count = Object.keys(tags).length;
    const room = MAX_TAGS_PER_RESOURCE - APP_TAGS.length;
    if (count > room) {
      problem([], `${count} tags are more than AWS takes with the app's own (${APP_TAGS.join(', ')}): ${MAX_TAGS_PER_RESOURCE} per resource; use at most ${room}`);
    }
    const seen = new Map<string, string>();
    for (const [key, value] of Object.entries(tags)) {
      if ((APP_TAGS as readonly string[]).includes(key)) {
        problem([key], `the app sets this tag to the stack's tier on every resource; use another key`);
        continue;
      }
      // IAM compares tag keys case-insensitively (CreateRole: "Duplicate tag keys found").
      const appTag = APP_TAGS.find((tag) => tag.toLowerCase() === key.toLowerCase());
      const earlier = appTag ?? seen.get(key.toLowerCase());
      if (earlier !== undefined) {
        problem([key], `differs from ${appTag ? "the app's own tag " : ''}${JSON.stringify(earlier)} only in case, and IAM takes tag keys case-insensitively (Duplicate tag keys found); use one key`);
        continue;
      }
      seen.set(key.toLowerCase(), key);
      // Template syntax first: it is the more dangerous problem, and the characters rule repeats it.
      const keyTemplate = terraformTemplateProblem(key);
      problem([key], keyTemplate ? `the key ${keyTemplate}` : tagKeyProblem(key));
      problem([key], terraformTemplateProblem(value) ?? tagValueProblem(value));
    }
  })
  .transform((tags) => tags as Record<string, string>)
  .default({});

/** One alarm threshold: a number, checked by its rule, defaulted. */
const thresholdSchema = (alarm: AlarmDefinition) => checked<number>(alarm.problem).default(alarm.default);

const alarmsSchema = strictObject(
  {
    // One threshold per alarm of the catalog, with its check and its default.
    ...(Object.fromEntries(
      Object.entries<AlarmDefinition>(ALARM_CATALOG).map(([field, alarm]) => [field, thresholdSchema(alarm)]),
    ) as Record<AlarmThresholdName, ReturnType<typeof thresholdSchema>>),
    /** SNS topic told when an alarm fires or clears; unset: alarms only show in CloudWatch. */
    snsTopicArn: optionalChecked<string>(
      inAwsPartition((value) =>
        typeof value === 'string' && /^arn:aws[a-z-]*:sns:[a-z0-9-]+:\d{12}:[A-Za-z0-9_-]{1,256}$/.test(value)
          ? undefined
          : `${describeValue(value)} is not an SNS topic ARN; use arn:aws:sns:<region>:<account>:<topic>, or leave it out`,
      ),
    ),
  },
  (value) => `${describeValue(value)} is not an alarm setting; use {"functionErrors": 1, "api5xx": 1, "snsTopicArn": "arn:aws:sns:<region>:<account>:<topic>"}`,
).default({});

const RELEASE_EXAMPLE = '{"strategy": "canary", "percent": 10, "intervalMinutes": 5}';
const ALARM_NAMES = Object.keys(ALARM_CATALOG) as AlarmThresholdName[];

/** How a new version reaches callers: the strategy, its steps and the alarms that stop it (defaults: the release catalog). */
const releaseSchema = strictObject(
  {
    /** `all-at-once`, `canary` or `linear`. */
    strategy: checked<ReleaseStrategy>((value) =>
      (RELEASE_STRATEGIES as unknown[]).includes(value) ? undefined : `${describeValue(value)} is not a release strategy; use one of ${RELEASE_STRATEGIES.join(', ')}`,
    ).default(DEFAULT_RELEASE_STRATEGY),
    /** Share of traffic moved to the new version in the first step (canary) or each step (linear), whole percent. */
    percent: optionalChecked<number>(releasePercentProblem),
    /** Minutes between the steps. */
    intervalMinutes: optionalChecked<number>(releaseIntervalProblem),
    /** The tier's alarms (names of `alarms` thresholds) that stop the release and send traffic back. */
    alarms: optionalChecked<AlarmThresholdName[]>((value) =>
      Array.isArray(value) && value.length > 0 && value.every((name) => (ALARM_NAMES as unknown[]).includes(name)) && new Set(value).size === value.length
        ? undefined
        : `${describeValue(value)} is not a list of the tier's alarms; name one or more, once each, of ${ALARM_NAMES.join(', ')}`,
    ),
  },
  (value) => `${describeValue(value)} is not a release setting; use ${RELEASE_EXAMPLE}, or leave it out for all-at-once`,
)
  .superRefine((release, ctx) => {
    if (release.strategy !== 'all-at-once') return;
    for (const field of ['percent', 'intervalMinutes', 'alarms'] as const) {
      if (release[field] !== undefined) {
        ctx.addIssue({
          code: z.ZodIssueCode.custom,
          path: [field],
          message: `set, but an all-at-once release has no steps and nothing to roll back; leave it out, or use strategy "canary" or "linear"`,
        });
      }
    }
  })
  .transform((release): ReleaseSettings => {
    if (release.strategy === 'all-at-once') return { strategy: 'all-at-once' };
    const entry = RELEASE_CATALOG[release.strategy];
    return {
      strategy: release.strategy,
      percent: release.percent ?? entry.defaultPercent,
      intervalMinutes: release.intervalMinutes ?? entry.defaultIntervalMinutes,
      alarms: release.alarms ?? DEFAULT_RELEASE_ALARMS,
    };
  })
  .default({});

const STATE_USAGE = `use {"type": "local"} or {"type": "s3", "bucket": "...", "keyPrefix": "..."}`;
/** State in a file under `state/<environment>/` of the project. */
const localStateSchema = strictObject({ type: z.literal('local') }, () => '', 'unknown field for local state; use type');
/** State in S3, one object per stack: `<keyPrefix>/<stack>.tfstate`. */
const s3StateSchema = strictObject(
  {
    type: z.literal('s3'),
    /**
     * Bucket that holds this environment's state; unset: `<namePrefix>-terraform-state-<account
     * id>` (`defaultStateBucket`), which the account's bootstrap stack creates.
     */
    bucket: optionalChecked<string>(s3BucketNameProblem),
    /** Key prefix; the stack name and `.tfstate` are appended. */
    keyPrefix: checked<string>((value) =>
      typeof value === 'string' && /^[A-Za-z0-9]([A-Za-z0-9._/-]*[A-Za-z0-9])?$/.test(value)
        ? undefined
        : `${describeValue(value)} is not a key prefix; use a path such as "hello-world/dev", without leading or trailing "/"`,
    ),
    /** Region of the bucket; the environment's region when unset. */
    region: optionalChecked<string>((value) => regionProblem(value, "the bucket's region")),
    /** S3-native state locking (Terraform 1.10+). */
    useLockfile: checked<boolean>(booleanRule('; use true to lock state in S3')).default(true),
  },
  () => '',
  'unknown field for s3 state; use type, bucket, keyPrefix, region, useLockfile',
);
const stateSchema = z
  .discriminatedUnion('type', [localStateSchema, s3StateSchema], {
    errorMap: (_issue, ctx) => ({ message: `${describeValue(ctx.data)} is not a state setting; ${STATE_USAGE}` }),
  })
  .default({ type: 'local' });

/** The one AWS account an environment deploys to. */
const accountSchema = strictObject(
  {
    /** The account's id: the provider and the S3 backend refuse credentials of any other. */
    id: checked<string>(accountIdProblem),
    /** Role in that account that Terraform assumes to deploy (and to reach S3 state); unset: the caller's credentials. */
    deployRoleArn: optionalChecked<string>(inAwsPartition(roleArnProblem)),
  },
  (value) => `${describeValue(value)} is not an account; name the only AWS account this environment may deploy to: {"id": "123456789012"}`,
).superRefine(({ id, deployRoleArn }, ctx) => {
  const roleAccount = deployRoleArn?.split(':')[4];
  if (typeof id === 'string' && roleAccount !== undefined && roleAccount !== id) {
    ctx.addIssue({
      code: z.ZodIssueCode.custom,
      path: ['deployRoleArn'],
      message: `${describeValue(deployRoleArn)} is a role of account ${roleAccount}, not of ${id}; use the deploy role of account ${id}`,
    });
  }
});

/** One environment file of an app with the tiers of `catalog`, as written (before the name and the state's region are filled in). */
function buildEnvironmentFileSchema(catalog: TierCatalog) {
  return strictObject(
  {
    /** AWS region every resource of the environment lives in. */
    region: checked<string>((value) => regionProblem(value)),
    /** The only AWS account the environment deploys to, and the role to deploy as. */
    account: accountSchema,
    /** First part of every resource name; environment and tier follow it. */
    namePrefix: checked<string>((value) =>
      typeof value === 'string' && /^[a-z][a-z0-9-]{0,23}$/.test(value)
        ? undefined
        : `${describeValue(value)} is not a usable name prefix; use 1 to 24 lowercase letters, digits or hyphens, starting with a letter`,
    ).default(DEFAULT_NAME_PREFIX),
    /** Tags applied to every resource through the provider's `default_tags`. */
    tags: tagsSchema,
    /** Days CloudWatch keeps the function's logs. */
    logRetentionDays: checked<number>(logRetentionProblem).default(DEFAULT_LOG_RETENTION_DAYS),
    /** API Gateway stage the API is deployed to. */
    stageName: checked<string>(stageNameProblem).default(DEFAULT_STAGE_NAME),
    /** The greeting word the function answers with. */
    greeting: checked<string>(greetingProblem).default(DEFAULT_GREETING),
    /** Function timeout in seconds. */
    timeoutSeconds: checked<number>(timeoutProblem).default(DEFAULT_TIMEOUT_SECONDS),
    /** Settings per QoS tier. */
    tiers: tiersSchema(catalog),
    /**
     * API Gateway writes execution and access logs only once the account's CloudWatch role is
     * set for the region: one setting per account and region, not per stack.
     * - `create`: this environment's `account-settings` stack sets it (deploy it once, before
     *   the tiers; destroying the tiers leaves it alone);
     * - `existing`: another environment of the same account and region sets it, and the
     *   tiers check at plan that its role is there.
     */
    apiGatewayCloudWatchRole: z.unknown().transform((value) => value as 'create' | 'existing'),
    /** CloudWatch alarm thresholds. */
    alarms: alarmsSchema,
    /** How a new function version reaches each tier's callers: at once, or gradually with CodeDeploy, rolled back on the tier's alarms. */
    release: releaseSchema,
    /** KMS key that encrypts every log group; unset: CloudWatch's own encryption. */
    logsKmsKeyArn: optionalChecked<string>(
      inAwsPartition((value) =>
        typeof value === 'string' && /^arn:aws[a-z-]*:kms:[a-z0-9-]+:\d{12}:key\/[A-Za-z0-9-]+$/.test(value)
          ? undefined
          : `${describeValue(value)} is not a KMS key ARN; use arn:aws:kms:<region>:<account>:key/<id>, or leave it out`,
      ),
    ),
    /** Where Terraform keeps this environment's state. */
    state: stateSchema,
    /**
     * A WAF web ACL in front of every stage, limiting each client IP to its tier's
     * `clientRateLimit`; required where `production`.
     */
    webAcl: checked<boolean>(booleanRule('; use true to put a per-client rate limit (WAF) in front of every stage')).default(false),
    /** A production environment: its alarms must notify someone (`alarms.snsTopicArn`). */
    production: checked<boolean>(booleanRule('; use true for an environment whose alarms must reach someone')).default(false),
    /** Keep every log group when a stack is destroyed (Terraform forgets it: `skip_destroy`). */
    retainLogsOnDestroy: checked<boolean>(booleanRule('; use true to keep the logs when a stack is destroyed')).default(false),
    /**
     * The roles the GitHub workflows assume through OIDC (docs/reviewing-and-shipping.md); unset: the environment is not planned or applied by the workflows.
     */
    ci: strictObject(
      {
        /** The GitHub repository whose workflows plan and apply: the only one the roles trust. */
        repository: checked<string>(gitHubRepositoryProblem),
        /**
         * Read-only role the pull-request plan and the drift check assume (GitHub environment
         * `<env>-plan`); the bootstrap stack creates it under this name.
         */
        planRoleArn: checked<string>(inAwsPartition(roleArnProblem)),
        /** Role the apply after merge assumes (GitHub environment `<env>`); the bootstrap stack creates it under this name. */
        applyRoleArn: checked<string>(inAwsPartition(roleArnProblem)),
      },
      (value) =>
        `${describeValue(value)} is not a CI setting; use {"repository": "<owner>/<name>", "planRoleArn": "arn:aws:iam::<account>:role/<read-only role>", "applyRoleArn": "arn:aws:iam::<account>:role/<apply role>"}`,
    ).optional(),
    /** What the organisation requires of every IAM role the stacks create. */
    iam: strictObject(
      {
        /** Managed policy that bounds every role. */
        permissionsBoundaryArn: optionalChecked<string>(inAwsPartition(permissionsBoundaryProblem)),
        /** IAM path of every role, such as `/service/`. */
        rolePath: optionalChecked<string>(rolePathProblem),
      },
      (value) => `${describeValue(value)} is not an IAM setting; use {"permissionsBoundaryArn": "arn:aws:iam::<account>:policy/<name>", "rolePath": "/service/"}`,
    ).default({}),
  },
  () => '',
).superRefine((file, ctx) => {
  if (file.production === true && file.alarms.snsTopicArn === undefined) {
    ctx.addIssue({
      code: z.ZodIssueCode.custom,
      path: ['alarms', 'snsTopicArn'],
      message: 'missing in a production environment, whose alarms must reach someone; set the SNS topic of your on-call (arn:aws:sns:<region>:<account>:<topic>)',
    });
  }
  if (file.production === true && file.webAcl !== true) {
    ctx.addIssue({
      code: z.ZodIssueCode.custom,
      path: ['webAcl'],
      message: `${describeValue(file.webAcl)} in a production environment, whose public stages one client could use up for everyone; say true (each tier's clientRateLimit per client IP)`,
    });
  }
  // Where WAF limits each client: a client allowed what the whole stage serves in the window could still use up the tier.
  for (const [tier, { throttle, clientRateLimit }] of file.webAcl === true ? Object.entries(file.tiers) : []) {
    const stageWindow = typeof throttle.rateLimit === 'number' ? throttle.rateLimit * DEFAULT_CLIENT_RATE_WINDOW_SECONDS : undefined;
    if (typeof clientRateLimit === 'number' && stageWindow !== undefined && clientRateLimit >= stageWindow) {
      ctx.addIssue({
        code: z.ZodIssueCode.custom,
        path: ['tiers', tier, 'clientRateLimit'],
        message:
          `${clientRateLimit} requests per client in ${DEFAULT_CLIENT_RATE_WINDOW_SECONDS} s are all the stage serves then (${throttle.rateLimit} per second), so one client could still use up the tier; ` +
          `use less than ${stageWindow}, such as ${Math.floor(stageWindow / 10)}`,
      });
    }
  }
  // A release watches alarms the tiers have: the concurrency alarm exists only where a tier reserves concurrency.
  // (Checked only once the release itself is valid: zod runs this on what it could parse.)
  const releaseAlarms: unknown = file.release.strategy === 'all-at-once' ? [] : file.release.alarms;
  if (Array.isArray(releaseAlarms) && releaseAlarms.every((name) => typeof name === 'string' && name in ALARM_CATALOG)) {
    for (const [index, name] of (releaseAlarms as AlarmThresholdName[]).entries()) {
      const definition: AlarmDefinition = ALARM_CATALOG[name];
      const without = Object.entries(file.tiers).filter(([, tier]) => definition.requiresReservedConcurrency && tier.reservedConcurrency === undefined);
      if (without.length > 0) {
        ctx.addIssue({
          code: z.ZodIssueCode.custom,
          path: ['release', 'alarms', index],
          message: `${describeValue(name)} is an alarm only tiers with reservedConcurrency have, and ${without.map(([tier]) => tier).join(' and ')} reserve none; set their reservedConcurrency or leave the alarm out`,
        });
      }
    }
  }
  // CloudWatch alarms notify, and CloudWatch Logs encrypts with, resources of their own region only.
  for (const [fieldPath, arn, what] of [
    [['alarms', 'snsTopicArn'], file.alarms.snsTopicArn, 'CloudWatch alarms notify SNS topics of their own region only'],
    [['logsKmsKeyArn'], file.logsKmsKeyArn, 'CloudWatch Logs encrypts with KMS keys of its own region only'],
  ] as const) {
    const arnRegion = typeof arn === 'string' ? arn.split(':')[3] : undefined;
    if (arnRegion !== undefined && typeof file.region === 'string' && arnRegion !== file.region) {
      ctx.addIssue({ code: z.ZodIssueCode.custom, path: [...fieldPath], message: `${describeValue(arn)} is in ${arnRegion}, not the environment's ${file.region}; ${what}: use one in ${file.region}` });
    }
  }
  if (file.ci && file.state.type !== 's3') {
    ctx.addIssue({
      code: z.ZodIssueCode.custom,
      path: ['ci'],
      message: `set, but the state is ${describeValue(file.state.type)}: a workflow's local state would not outlive its job; keep the state in S3 (state.type "s3") or leave ci out`,
    });
  }
  if (file.ci && typeof file.ci.planRoleArn === 'string' && file.ci.planRoleArn === file.ci.applyRoleArn) {
    ctx.addIssue({
      code: z.ZodIssueCode.custom,
      path: ['ci', 'planRoleArn'],
      message: `${describeValue(file.ci.planRoleArn)} is the apply role too, and a pull request's plan, which runs the pull request's code, would hold the apply role's rights; give the plan a role of its own`,
    });
  }
  for (const field of ['planRoleArn', 'applyRoleArn'] as const) {
    const roleAccount = typeof file.ci?.[field] === 'string' ? file.ci[field].split(':')[4] : undefined;
    if (roleAccount !== undefined && typeof file.account.id === 'string' && roleAccount !== file.account.id) {
      ctx.addIssue({
        code: z.ZodIssueCode.custom,
        path: ['ci', field],
        message: `${describeValue(file.ci![field])} is a role of account ${roleAccount}, not of ${file.account.id}; use a role of the environment's account`,
      });
    }
  }
  // The choice must be made explicitly: the message says what each answer means for this region.
  if (file.apiGatewayCloudWatchRole !== 'create' && file.apiGatewayCloudWatchRole !== 'existing') {
    ctx.addIssue({
      code: z.ZodIssueCode.custom,
      path: ['apiGatewayCloudWatchRole'],
      message:
        `${describeValue(file.apiGatewayCloudWatchRole)} is not a choice; say "create" if this environment's account-settings stack should set ` +
        `the account's API Gateway CloudWatch role for ${describeValue(file.region)}, or "existing" if another environment of the account sets it there`,
    });
  }
  });
}

const schemas = new Map<TierCatalog, ReturnType<typeof buildEnvironmentFileSchema>>();

/** The schema of an environment file for an app whose tiers are `catalog` (checked first). */
export function environmentSchemaFor(catalog: TierCatalog) {
  let schema = schemas.get(catalog);
  if (!schema) {
    const problem = tierCatalogProblem(catalog);
    if (problem) throw new Error(problem);
    schema = buildEnvironmentFileSchema(catalog);
    schemas.set(catalog, schema);
  }
  return schema;
}

/** The schema of this app's environment files (its tiers: {@link TIER_CATALOG}). */
export const environmentFileSchema = environmentSchemaFor(TIER_CATALOG);

type EnvironmentFile = z.output<ReturnType<typeof buildEnvironmentFileSchema>>;
/** One tier's settings, defaults filled in. */
export type TierConfig = z.output<ReturnType<typeof tierSchema>>;
export type AlarmConfig = EnvironmentFile['alarms'];
export type { ReleaseSettings } from '../rules/release-catalog';
export type ApiGatewayCloudWatchRole = EnvironmentFile['apiGatewayCloudWatchRole'];
export type LocalStateConfig = z.output<typeof localStateSchema>;
export type S3StateConfig = z.output<typeof s3StateSchema> & {
  readonly bucket: string;
  readonly region: string;
  /** The file names no bucket: the default one, which the account's bootstrap stack creates. */
  readonly bucketFromBootstrap: boolean;
};
export type StateConfig = LocalStateConfig | S3StateConfig;

/** One environment once loaded and validated: every default filled in, every value checked. */
export type EnvironmentConfig = Readonly<Omit<EnvironmentFile, 'state'>> & {
  /** The environment's name: its file name without `.json`. */
  readonly name: string;
  /** Where Terraform keeps this environment's state. */
  readonly state: StateConfig;
};
