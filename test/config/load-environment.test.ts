import * as fs from 'fs';
import * as path from 'path';
import { ConfigError, listEnvironments, loadEnvironment, parseEnvironment } from '../../src/config/load-environment';
import { PROJECT_ROOT, makeTempDir } from '../helpers';

const ENVIRONMENTS = path.join(PROJECT_ROOT, 'environments');
const parse = (raw: unknown) => parseEnvironment('test', raw, 'environments/test.json');
/** The two fields an environment file must hold. */
const REQUIRED = { region: 'eu-central-1', account: { id: '123456789012' }, apiGatewayCloudWatchRole: 'existing' };
const STANDARD = { memoryMb: 128, throttle: { rateLimit: 50, burstLimit: 100 }, apiKeyRequired: false, clientRateLimit: 1500 };
const PREMIUM = { memoryMb: 512, throttle: { rateLimit: 200, burstLimit: 400 }, apiKeyRequired: false, clientRateLimit: 6000 };

describe('environment configuration', () => {
  it('ships dev, staging and prod (and may ship more)', () => {
    expect(listEnvironments(ENVIRONMENTS)).toEqual(expect.arrayContaining(['dev', 'prod', 'staging']));
  });

  it('lists the environments of a folder by file name, sorted', () => {
    const dir = makeTempDir('env-');
    for (const name of ['beta', 'alpha']) fs.writeFileSync(path.join(dir, `${name}.json`), JSON.stringify(REQUIRED));
    fs.writeFileSync(path.join(dir, 'notes.txt'), '');
    expect(listEnvironments(dir)).toEqual(['alpha', 'beta']);
  });

  it.each(['dev', 'staging', 'prod'])('loads %s with the walkthrough tiers: standard 128 MB, premium 512 MB', (name) => {
    const env = loadEnvironment(name, ENVIRONMENTS);
    expect(env.name).toBe(name);
    expect(env.tiers.standard.memoryMb).toBe(128);
    expect(env.tiers.premium.memoryMb).toBe(512);
    expect(env.tiers.premium.throttle.rateLimit).toBeGreaterThan(env.tiers.standard.throttle.rateLimit);
    expect(env.stageName).toBe('test');
    expect(env.tags.environment).toBe(name);
  });

  it.each(['dev', 'staging', 'prod'])('ships %s holding only what differs from the defaults: no field restates one', (name) => {
    const file = path.join(ENVIRONMENTS, `${name}.json`);
    const raw = JSON.parse(fs.readFileSync(file, 'utf8'));
    const loaded = parseEnvironment(name, raw, file);
    /** Every leaf field's path in the file. */
    const leaves = (value: any, at: string[] = []): string[][] =>
      value && typeof value === 'object' && !Array.isArray(value) && Object.keys(value).length
        ? Object.entries(value).flatMap(([key, inner]) => leaves(inner, [...at, key]))
        : [at];
    const without = (value: any, [key, ...rest]: string[]): any => {
      const { [key]: inner, ...others } = value;
      return rest.length ? { ...others, [key]: without(inner, rest) } : others;
    };
    const restated = leaves(raw).filter((leaf) => {
      try {
        return JSON.stringify(parseEnvironment(name, without(raw, leaf), file)) === JSON.stringify(loaded);
      } catch {
        return false;
      }
    });
    expect(restated.map((leaf) => leaf.join('.'))).toEqual([]);
  });

  it('fills in the defaults a file leaves out', () => {
    expect(parse(REQUIRED)).toEqual({
      name: 'test',
      region: 'eu-central-1',
      account: { id: '123456789012' },
      namePrefix: 'hello-world',
      tags: {},
      logRetentionDays: 14,
      stageName: 'test',
      greeting: 'Hello',
      timeoutSeconds: 3,
      tiers: { standard: STANDARD, premium: PREMIUM },
      apiGatewayCloudWatchRole: 'existing',
      alarms: { functionErrors: 1, functionThrottles: 1, api5xx: 1, api4xxPercent: 10, apiLatencyP99Ms: 1000, functionDurationPercentOfTimeout: 80, concurrencyPercentOfReservation: 80 },
      release: { strategy: 'all-at-once' },
      state: { type: 'local' },
      production: false,
      webAcl: false,
      retainLogsOnDestroy: false,
      iam: {},
    });
  });

  it('lets one tier override its memory and keeps the other default', () => {
    expect(parse({ ...REQUIRED, tiers: { premium: { memoryMb: 1024 } } }).tiers).toEqual({
      standard: STANDARD,
      premium: { ...PREMIUM, memoryMb: 1024 },
    });
  });

  it('reads reserved concurrency, an API key requirement, alarm targets and a logs KMS key', () => {
    const env = parse({
      ...REQUIRED,
      tiers: { premium: { reservedConcurrency: 400, apiKeyRequired: true } },
      alarms: { api5xx: 5, snsTopicArn: 'arn:aws:sns:eu-central-1:123456789012:on-call' },
      logsKmsKeyArn: 'arn:aws:kms:eu-central-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab',
    });
    expect(env.tiers.premium).toEqual({ ...PREMIUM, reservedConcurrency: 400, apiKeyRequired: true });
    expect(env.alarms).toEqual({
      functionErrors: 1,
      functionThrottles: 1,
      api5xx: 5,
      api4xxPercent: 10,
      concurrencyPercentOfReservation: 80,
      apiLatencyP99Ms: 1000,
      functionDurationPercentOfTimeout: 80,
      snsTopicArn: 'arn:aws:sns:eu-central-1:123456789012:on-call',
    });
    expect(env.logsKmsKeyArn).toBe('arn:aws:kms:eu-central-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab');
  });

  it('accepts a burst above reserved concurrency when the file says why', () => {
    const because = 'bursts are rare and short; 500s are acceptable for this internal tier';
    const env = parse({ ...REQUIRED, tiers: { standard: { reservedConcurrency: 10, throttle: { rateLimit: 50, burstLimit: 100, exceedsConcurrencyBecause: because } } } });
    expect(env.tiers.standard.throttle).toEqual({ rateLimit: 50, burstLimit: 100, exceedsConcurrencyBecause: because });
  });

  it("checks a tier's per-client limit against its stage's throttle only where a web ACL applies it", () => {
    const tiers = { standard: { throttle: { rateLimit: 10, burstLimit: 20 }, clientRateLimit: 3000 } };
    expect(parse({ ...REQUIRED, tiers }).tiers.standard.clientRateLimit).toBe(3000);
    expect(() => parse({ ...REQUIRED, webAcl: true, tiers })).toThrow('tiers.standard.clientRateLimit: 3000 requests per client in 300 s are all the stage serves then');
  });

  it('ships prod as a production environment whose alarms notify a topic', () => {
    const prod = loadEnvironment('prod', ENVIRONMENTS);
    expect(prod.production).toBe(true);
    expect(prod.alarms.snsTopicArn).toMatch(/^arn:aws:sns:eu-west-1:\d{12}:/);
    expect(prod.retainLogsOnDestroy).toBe(true);
  });

  it('lets the shipped environments burst no further than their reserved executions can serve', () => {
    for (const name of listEnvironments(ENVIRONMENTS)) {
      for (const tier of Object.values(loadEnvironment(name, ENVIRONMENTS).tiers)) {
        if (tier.reservedConcurrency !== undefined) expect(tier.throttle.burstLimit).toBeLessThanOrEqual(tier.reservedConcurrency);
      }
    }
  });

  it("defaults an S3 state's bucket to the one the account's bootstrap stack creates, named after the prefix and the account", () => {
    expect(parse({ ...REQUIRED, state: { type: 's3', keyPrefix: 'hello/dev' } }).state).toMatchObject({ bucket: 'hello-world-terraform-state-123456789012', bucketFromBootstrap: true });
  });

  it('reads an S3 state setting, defaulting its region and locking', () => {
    expect(parse({ ...REQUIRED, region: 'eu-west-1', state: { type: 's3', bucket: 'my-state', keyPrefix: 'hello/prod' } }).state).toEqual({
      bucketFromBootstrap: false,
      type: 's3',
      bucket: 'my-state',
      keyPrefix: 'hello/prod',
      region: 'eu-west-1',
      useLockfile: true,
    });
  });

  it('fails on an unknown ENVIRONMENT, listing the valid names', () => {
    const dir = makeTempDir('env-');
    for (const name of ['alpha', 'beta']) fs.writeFileSync(path.join(dir, `${name}.json`), JSON.stringify(REQUIRED));
    expect(() => loadEnvironment('qa', dir)).toThrow(
      'ENVIRONMENT="qa" is not a known environment; set ENVIRONMENT to one of: alpha, beta (or add environments/qa.json)',
    );
  });

  it('fails on a malformed environment file, naming the file, the line and column, and the fix', () => {
    const dir = makeTempDir('env-');
    fs.writeFileSync(path.join(dir, 'broken.json'), '{\n  "region": "eu-central-1",\n}\n');
    expect(() => loadEnvironment('broken', dir)).toThrow(ConfigError);
    expect(() => loadEnvironment('broken', dir)).toThrow('environments/broken.json is not valid JSON at line 3, column 1 (PropertyNameExpected); fix its syntax');
    fs.writeFileSync(path.join(dir, 'broken.json'), '{\n  // a comment\n  "region": "eu-central-1"\n}\n');
    expect(() => loadEnvironment('broken', dir)).toThrow('environments/broken.json is not valid JSON at line 2, column 3 (InvalidCommentToken); fix its syntax');
  });

  it('fails on a file that is not an object', () => {
    expect(() => parse([1, 2])).toThrow('environments/test.json must hold a JSON object, got [1,2]; see environments/dev.json');
  });

  it.each([
    [{ tiers: { premium: { memoryMb: 64 } } }, 'tiers.premium.memoryMb: 64 is not a Lambda memory size; use a whole number of MB from 128 to 10240'],
    [{ tiers: { standard: { memoryMb: 20000 } } }, 'tiers.standard.memoryMb: 20000 is not a Lambda memory size'],
    [{ tiers: { standard: { memoryMb: '128' } } }, 'tiers.standard.memoryMb: "128" is not a Lambda memory size'],
    [{ logRetentionDays: 45 }, 'logRetentionDays: 45 is not a retention CloudWatch Logs accepts; use one of 1, 3, 5, 7, 14, 30'],
    [{ greeting: '' }, 'greeting: "" is not a usable greeting; use 1 to 64 printable characters, such as "Hello" or "Bonjour"'],
    [{ greeting: '   ' }, 'greeting: "   " is not a usable greeting'],
    [{ timeoutSeconds: 30 }, 'timeoutSeconds: 30 is not a usable timeout; use whole seconds from 1 to 28'],
    [{ region: 'Frankfurt' }, 'region: "Frankfurt" is not an AWS region the pinned provider (hashicorp/aws 5.100.0) knows; use a region code such as "eu-central-1"'],
    [{ region: 'xx-mars-1' }, 'region: "xx-mars-1" is not an AWS region the pinned provider (hashicorp/aws 5.100.0) knows'],
    [{ state: { type: 's3', bucket: 'b-1', keyPrefix: 'k', region: 'eu-moon-2' } }, 'state.region: "eu-moon-2" is not an AWS region the pinned provider (hashicorp/aws 5.100.0) knows; use the bucket\'s region code such as "eu-central-1"'],
    [
      { tiers: { standard: { reservedConcurrency: 10, throttle: { rateLimit: 50, burstLimit: 100 } } } },
      'tiers.standard.throttle.burstLimit: 100 requests at once are more than the tier\'s 10 reserved executions can serve; API Gateway would answer the excess with 500s, not 429s. Lower burstLimit to 10, raise reservedConcurrency to 100, or say why in throttle.exceedsConcurrencyBecause',
    ],
    [{ production: true }, 'alarms.snsTopicArn: missing in a production environment, whose alarms must reach someone; set the SNS topic of your on-call'],
    [
      { production: true, alarms: { snsTopicArn: 'arn:aws:sns:eu-central-1:123456789012:on-call' } },
      'webAcl: false in a production environment, whose public stages one client could use up for everyone; say true (each tier\'s clientRateLimit per client IP)',
    ],
    [{ tiers: { premium: { apiKeyClients: ['acme'] } } }, 'tiers.premium.apiKeyClients: ["acme"] given, but apiKeyRequired is not true, so no caller would send a key; set apiKeyRequired to true, or leave apiKeyClients out'],
    [{ tiers: { premium: { apiKeyRequired: true, apiKeyClients: 'acme' } } }, 'tiers.premium.apiKeyClients: "acme" is not a list of 1 to 100 clients; use a list of distinct client names'],
    [{ webAcl: 'yes' }, 'webAcl: "yes" is not true or false; use true to put a per-client rate limit (WAF) in front of every stage'],
    [{ tiers: { standard: { clientRateLimit: 50 } } }, 'tiers.standard.clientRateLimit: 50 is not a WAF rate limit; use a whole number of requests per client from 100 to 2000000000'],
    [
      { webAcl: true, tiers: { standard: { throttle: { rateLimit: 10, burstLimit: 20 }, clientRateLimit: 3000 } } },
      'tiers.standard.clientRateLimit: 3000 requests per client in 300 s are all the stage serves then (10 per second), so one client could still use up the tier; use less than 3000, such as 300',
    ],
    [{ tiers: { premium: { clientRateLimit: 1000 } } }, "tiers.premium.clientRateLimit: 1000 is below the standard tier's 1500; give premium at least standard's limits"],
    [{ alarms: { apiLatencyP99Ms: 0 } }, 'alarms.apiLatencyP99Ms: 0 is not a latency threshold; use whole milliseconds from 1 to 28999'],
    [{ alarms: { functionDurationPercentOfTimeout: 101 } }, 'alarms.functionDurationPercentOfTimeout: 101 is not a percentage of the timeout'],
    [{ retainLogsOnDestroy: 'yes' }, 'retainLogsOnDestroy: "yes" is not true or false; use true to keep the logs when a stack is destroyed'],
    [{ iam: { rolePath: 'service' } }, 'iam.rolePath: "service" is not an IAM path; use "/" or a path that starts and ends with "/", such as "/service/"'],
    [{ iam: { rolePath: '/${path.module}/' } }, 'iam.rolePath: "/${path.module}/" holds Terraform template syntax'],
    [{ iam: { permissionsBoundaryArn: 'platform-boundary' } }, 'iam.permissionsBoundaryArn: "platform-boundary" is not a managed policy ARN; use arn:aws:iam::<account>:policy/<name>, or leave it out'],
    [{ iam: { boundary: 'x' } }, 'iam.boundary: unknown field; use one of permissionsBoundaryArn, rolePath'],
    [{ tiers: { standard: { throttle: { exceedsConcurrencyBecause: '' } } } }, 'tiers.standard.throttle.exceedsConcurrencyBecause: "" is not a reason; write why the burst may exceed reserved concurrency, or leave it out'],
    [{ namePrefix: 'Hello World' }, 'namePrefix: "Hello World" is not a usable name prefix'],
    [{ stageName: 'te st' }, 'stageName: "te st" is not a stage name'],
    [{ tags: { team: 7 } }, 'tags.team: 7 is not a tag value; use a string of at most 256 letters, digits, spaces or _.:/=+-@'],
    [{ tags: { 'team{name}#!': 'x' } }, 'tags.team{name}#!: "team{name}#!" is not a usable tag key; use 1 to 128 letters, digits, spaces or _.:/=+-@, not starting with "aws:"'],
    [{ tags: { team: 'a;b' } }, 'tags.team: "a;b" is not a tag value'],
    [{ tags: { 'AWS:x': 'y' } }, 'tags.AWS:x: "AWS:x" is not a usable tag key'],
    [{ tags: { tier: 'gold' } }, "tags.tier: the app sets this tag to the stack's tier on every resource; use another key"],
    [{ tags: Object.fromEntries(Array.from({ length: 50 }, (_, i) => [`k${i}`, 'v'])) }, "tags: 50 tags are more than AWS takes with the app's own (tier): 50 per resource; use at most 49"],
    [{ tiers: { standard: { reservedConcurrency: 1000000000 } } }, "tiers.standard.reservedConcurrency: 1000000000 is more than an account can reserve; Lambda's default quota of 1000 keeps 100 unreserved, so use at most 900"],
    [{ tiers: { standard: { reservedConcurrency: 500 }, premium: { reservedConcurrency: 500 } } }, "tiers.premium.reservedConcurrency: 500 with standard's 500 reserves 1000 executions; the account keeps 100 of its default 1000 unreserved, so reserve at most 900 together"],
    [{ tiers: { gold: { memoryMb: 2048 } } }, 'tiers.gold: unknown tier; use standard or premium'],
    [{ memory: 512 }, 'memory: unknown field; use one of region, account, namePrefix'],
    [{ state: { type: 'gcs' } }, 'state: {"type":"gcs"} is not a state setting; use {"type": "local"} or {"type": "s3"'],
    [{ state: { type: 's3', bucket: 'b-1', keyPrefix: '/k/' } }, 'state.keyPrefix: "/k/" is not a key prefix'],
    [{ state: { type: 's3', bucket: 'b-1', keyPrefix: 'k', useLockfile: 'yes' } }, 'state.useLockfile: "yes" is not true or false'],
    [{ tiers: { standard: { throttle: { rateLimit: 100, burstLimit: 50 } } } }, 'tiers.standard.throttle.burstLimit: 50 is below the rate limit 100; make the burst at least the rate'],
    [{ tiers: { standard: { throttle: { rateLimit: 0 } } } }, 'tiers.standard.throttle.rateLimit: 0 is not a rate; use requests per second above 0 and at most 10000'],
    [{ tiers: { premium: { throttle: { rateLimit: 20, burstLimit: 400 } } } }, "tiers.premium.throttle.rateLimit: 20 is below the standard tier's 50; give premium at least standard's limits"],
    [{ tiers: { standard: { reservedConcurrency: -5 } } }, 'tiers.standard.reservedConcurrency: -5 is not a concurrency; use a whole number of executions of at least 1'],
    [{ tiers: { premium: { apiKeyRequired: 'yes' } } }, 'tiers.premium.apiKeyRequired: "yes" is not true or false'],
    [{ apiGatewayCloudWatchRole: 'maybe' }, 'apiGatewayCloudWatchRole: "maybe" is not a choice; say "create" if this environment\'s account-settings stack should set the account\'s API Gateway CloudWatch role for "eu-central-1", or "existing"'],
    [{ account: { id: 123456789012 } }, 'account.id: 123456789012 is not an AWS account id; use the 12 digits as a string, such as "123456789012"'],
    [{ account: { id: '123456789012', deployRoleArn: 'deploy' } }, 'account.deployRoleArn: "deploy" is not an IAM role ARN; use arn:aws:iam::<account>:role/<name> (a name of at most 64 letters, digits or +=,.@_-), or leave it out'],
    [
      { account: { id: '123456789012', deployRoleArn: 'arn:aws:iam::210987654321:role/deploy' } },
      'account.deployRoleArn: "arn:aws:iam::210987654321:role/deploy" is a role of account 210987654321, not of 123456789012; use the deploy role of account 123456789012',
    ],
    [
      { ci: { repository: 'octo-org/app', planRoleArn: 'arn:aws:iam::123456789012:role/plan', applyRoleArn: 'arn:aws:iam::123456789012:role/apply' } },
      'ci: set, but the state is "local": a workflow\'s local state would not outlive its job; keep the state in S3 (state.type "s3") or leave ci out',
    ],
    [
      { state: { type: 's3', bucket: 'b-1', keyPrefix: 'k' }, ci: { repository: 'octo-org/app', planRoleArn: 'arn:aws:iam::210987654321:role/plan', applyRoleArn: 'arn:aws:iam::123456789012:role/apply' } },
      'ci.planRoleArn: "arn:aws:iam::210987654321:role/plan" is a role of account 210987654321, not of 123456789012; use a role of the environment\'s account',
    ],
    [{ state: { type: 's3', bucket: 'b-1', keyPrefix: 'k' }, ci: { repository: 'octo-org/app', planRoleArn: 'plan' } }, 'ci.planRoleArn: "plan" is not an IAM role ARN'],
    [{ state: { type: 's3', bucket: 'b-1', keyPrefix: 'k' }, ci: 'github' }, 'ci: "github" is not a CI setting; use {"repository": "<owner>/<name>", "planRoleArn"'],
    [
      { state: { type: 's3', bucket: 'b-1', keyPrefix: 'k' }, ci: { repository: 'https://github.com/octo-org/app', planRoleArn: 'arn:aws:iam::123456789012:role/plan', applyRoleArn: 'arn:aws:iam::123456789012:role/apply' } },
      'ci.repository: "https://github.com/octo-org/app" is not a GitHub repository; use owner/name as in its URL, such as "octo-org/greeting-service"',
    ],
    [
      { state: { type: 's3', bucket: 'b-1', keyPrefix: 'k' }, ci: { repository: 'octo-org/app', planRoleArn: 'arn:aws:iam::123456789012:role/ci', applyRoleArn: 'arn:aws:iam::123456789012:role/ci' } },
      'ci.planRoleArn: "arn:aws:iam::123456789012:role/ci" is the apply role too, and a pull request\'s plan, which runs the pull request\'s code, would hold the apply role\'s rights; give the plan a role of its own',
    ],
    [{ alarms: { api5xx: 0 } }, 'alarms.api5xx: 0 is not a threshold; use a whole count of at least 1 per 5 minutes'],
    [{ alarms: { snsTopicArn: 'on-call' } }, 'alarms.snsTopicArn: "on-call" is not an SNS topic ARN'],
    [{ logsKmsKeyArn: 'alias/logs' }, 'logsKmsKeyArn: "alias/logs" is not a KMS key ARN'],
    [{ tags: 7 }, 'tags: 7 is not a tag map; use an object of strings, such as {"team": "platform"}'],
    [{ greeting: '${file("/etc/hostname")}' }, 'greeting: "${file(\\"/etc/hostname\\")}" holds Terraform template syntax ("${" or "%{"), which Terraform would evaluate; remove it'],
    [{ greeting: 'Hi %{ if true }x%{ endif }' }, 'greeting: "Hi %{ if true }x%{ endif }" holds Terraform template syntax'],
    [{ tags: { team: '${file("/etc/hostname")}' } }, 'tags.team: "${file(\\"/etc/hostname\\")}" holds Terraform template syntax ("${" or "%{"), which Terraform would evaluate; remove it'],
    [{ tags: { '${path.cwd}': 'x' } }, 'tags.${path.cwd}: the key "${path.cwd}" holds Terraform template syntax'],
    [{ tiers: 7 }, 'tiers: 7 is not a tier map; use {"standard": {"memoryMb": 128}, "premium": {"memoryMb": 512}}'],
    [{ tiers: { premium: 5 } }, 'tiers.premium: 5 is not a tier; use {"memoryMb": 512}'],
    [{ tiers: { standard: { throttle: 9 } } }, 'tiers.standard.throttle: 9 is not a throttle; use {"rateLimit": 50, "burstLimit": 100}'],
    [{ tiers: { standard: { cpu: 2 } } }, 'tiers.standard.cpu: unknown field; use one of memoryMb, throttle, reservedConcurrency, apiKeyRequired'],
    [{ alarms: { p99: 1 } }, 'alarms.p99: unknown field; use one of functionErrors, functionThrottles, functionDurationPercentOfTimeout, concurrencyPercentOfReservation, api5xx, api4xxPercent, apiLatencyP99Ms, snsTopicArn'],
    [{ alarms: [] }, 'alarms: [] is not an alarm setting; use {"functionErrors": 1'],
    [{ state: { type: 'local', bucket: 'b' } }, 'state.bucket: unknown field for local state; use type'],
    [{ state: { type: 's3', bucket: 'b-1', keyPrefix: 'k', lock: true } }, 'state.lock: unknown field for s3 state; use type, bucket, keyPrefix, region, useLockfile'],
    [{ tags: { Tier: 'gold' } }, 'tags.Tier: differs from the app\'s own tag "tier" only in case, and IAM takes tag keys case-insensitively (Duplicate tag keys found); use one key'],
    [{ tags: { team: 'a', Team: 'b' } }, 'tags.Team: differs from "team" only in case, and IAM takes tag keys case-insensitively'],
    [{ region: 'cn-north-1' }, 'region: "cn-north-1" is a region of the aws-cn partition; the app deploys to the aws partition only'],
    [{ region: 'us-gov-west-1' }, 'region: "us-gov-west-1" is a region of the aws-us-gov partition'],
    [{ state: { type: 's3', bucket: 'b-1', keyPrefix: 'k', region: 'cn-northwest-1' } }, 'state.region: "cn-northwest-1" is a region of the aws-cn partition'],
    [
      { alarms: { snsTopicArn: 'arn:aws:sns:us-east-1:123456789012:on-call' } },
      'alarms.snsTopicArn: "arn:aws:sns:us-east-1:123456789012:on-call" is in us-east-1, not the environment\'s eu-central-1; CloudWatch alarms notify SNS topics of their own region only: use one in eu-central-1',
    ],
    [
      { logsKmsKeyArn: 'arn:aws:kms:eu-west-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab' },
      'logsKmsKeyArn: "arn:aws:kms:eu-west-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab" is in eu-west-1, not the environment\'s eu-central-1; CloudWatch Logs encrypts with KMS keys of its own region only',
    ],
    [{ tiers: { standard: { memoryMb: Infinity } } }, 'tiers.standard.memoryMb: Infinity (beyond what a JSON number can hold) is not a Lambda memory size'],
    [{ account: { id: '123456789012', deployRoleArn: `arn:aws:iam::123456789012:role/${'r'.repeat(65)}` } }, 'account.deployRoleArn: "arn:aws:iam::123456789012:role/rrrr'],
    [{ account: { id: '123456789012', deployRoleArn: 'arn:aws:iam::123456789012:role/a//b' } }, 'account.deployRoleArn: "arn:aws:iam::123456789012:role/a//b" is not an IAM role ARN'],
    [{ account: { id: '123456789012', deployRoleArn: 'arn:aws-cn:iam::123456789012:role/deploy' } }, 'account.deployRoleArn: "arn:aws-cn:iam::123456789012:role/deploy" is an ARN of the aws-cn partition; the app deploys to the aws partition only'],
    [{ alarms: { snsTopicArn: 'arn:aws-us-gov:sns:us-gov-west-1:123456789012:t' } }, 'alarms.snsTopicArn: "arn:aws-us-gov:sns:us-gov-west-1:123456789012:t" is an ARN of the aws-us-gov partition'],
    [{ state: { type: 's3', bucket: 'my..bucket', keyPrefix: 'k' } }, 'state.bucket: "my..bucket" is not an S3 bucket name: S3 refuses ".." and a "." next to a "-"'],
    [{ state: { type: 's3', bucket: 'my-.bucket', keyPrefix: 'k' } }, 'state.bucket: "my-.bucket" is not an S3 bucket name: S3 refuses ".." and a "." next to a "-"'],
    [{ state: { type: 's3', bucket: '192.168.5.4', keyPrefix: 'k' } }, 'state.bucket: "192.168.5.4" is not an S3 bucket name: S3 refuses names formatted as IP addresses'],
    [{ state: { type: 's3', bucket: 'xn--state', keyPrefix: 'k' } }, 'state.bucket: "xn--state" is not an S3 bucket name: S3 reserves "xn--" for its own'],
    [{ state: { type: 's3', bucket: 'state-s3alias', keyPrefix: 'k' } }, 'state.bucket: "state-s3alias" is not an S3 bucket name: S3 reserves "-s3alias" for its own'],
    [{ release: 'canary' }, 'release: "canary" is not a release setting; use {"strategy": "canary", "percent": 10, "intervalMinutes": 5}, or leave it out for all-at-once'],
    [{ release: { strategy: 'blue-green' } }, 'release.strategy: "blue-green" is not a release strategy; use one of all-at-once, canary, linear'],
    [{ release: { strategy: 'canary', percent: 100 } }, 'release.percent: 100 is not a share of traffic to move in a step; use a whole percent from 1 to 99'],
    [{ release: { strategy: 'linear', percent: 12.5 } }, 'release.percent: 12.5 is not a share of traffic to move in a step'],
    [{ release: { strategy: 'canary', intervalMinutes: 0 } }, 'release.intervalMinutes: 0 is not a time between steps; use whole minutes from 1 to 1440'],
    [{ release: { strategy: 'canary', alarms: [] } }, "release.alarms: [] is not a list of the tier's alarms; name one or more, once each, of functionErrors, functionThrottles"],
    [{ release: { strategy: 'canary', alarms: ['api5xx', 'api5xx'] } }, 'release.alarms: ["api5xx","api5xx"] is not a list'],
    [{ release: { strategy: 'canary', alarms: ['p99'] } }, 'release.alarms: ["p99"] is not a list'],
    [{ release: { strategy: 'canary', alarms: 'api5xx' } }, 'release.alarms: "api5xx" is not a list'],
    [{ release: { percent: 10 } }, 'release.percent: set, but an all-at-once release has no steps and nothing to roll back; leave it out, or use strategy "canary" or "linear"'],
    [{ release: { strategy: 'canary', steps: 2 } }, 'release.steps: unknown field; use one of strategy, percent, intervalMinutes, alarms'],
    [
      { release: { strategy: 'linear', alarms: ['concurrencyPercentOfReservation'] }, tiers: { premium: { reservedConcurrency: 400 } } },
      'release.alarms.0: "concurrencyPercentOfReservation" is an alarm only tiers with reservedConcurrency have, and standard reserve none; set their reservedConcurrency or leave the alarm out',
    ],
  ])('fails on %j, naming the field, the value and the fix', (fields, message) => {
    expect(() => parse({ ...REQUIRED, ...fields })).toThrow(`environments/test.json is not a valid environment:\n  - ${message}`);
  });

  it('releases all at once unless the file says otherwise, and fills a gradual release from the release catalog', () => {
    expect(parse(REQUIRED).release).toEqual({ strategy: 'all-at-once' });
    expect(parse({ ...REQUIRED, release: { strategy: 'canary' } }).release).toEqual({
      strategy: 'canary',
      percent: 10,
      intervalMinutes: 5,
      alarms: ['functionErrors', 'api5xx', 'apiLatencyP99Ms'],
    });
    expect(parse({ ...REQUIRED, release: { strategy: 'linear', percent: 25, alarms: ['functionErrors'] } }).release).toEqual({
      strategy: 'linear',
      percent: 25,
      intervalMinutes: 1,
      alarms: ['functionErrors'],
    });
  });

  it('ships prod with a canary and dev all at once, as the walkthrough', () => {
    expect(loadEnvironment('prod', ENVIRONMENTS).release.strategy).toBe('canary');
    expect(loadEnvironment('dev', ENVIRONMENTS).release.strategy).toBe('all-at-once');
  });

  describe('reading the file', () => {
    const load = (text: string) => {
      const dir = makeTempDir('env-file-');
      fs.writeFileSync(path.join(dir, 'test.json'), text);
      return () => loadEnvironment('test', dir);
    };

    it('fails on a key given twice, anywhere in the file, naming it (JSON would keep the last)', () => {
      expect(load('{"region": "eu-central-1", "region": "eu-west-1"}')).toThrow('environments/test.json: region is given twice; JSON keeps only the last, so say it once');
      expect(load(JSON.stringify(REQUIRED).replace('{"id":"123456789012"}', '{"id":"123456789012","id":"210987654321"}'))).toThrow(
        'environments/test.json: account.id is given twice',
      );
    });

    it('fails on a byte order mark, naming it', () => {
      expect(load(`\uFEFF${JSON.stringify(REQUIRED)}`)).toThrow('environments/test.json starts with a byte order mark (U+FEFF), which JSON does not allow; save it as UTF-8 without BOM');
    });

    it('fails on a value nested 100,000 deep with a message, not a stack overflow', () => {
      expect(load(`{"tags": ${'['.repeat(100_000)}${']'.repeat(100_000)}}`)).toThrow('environments/test.json nests 100001 levels deep; an environment file needs at most 4');
    });

    it('fails on a lone surrogate (which Terraform would turn into U+FFFD), naming the field', () => {
      expect(load(JSON.stringify({ ...REQUIRED, greeting: 'Hi' }).replace('"Hi"', '"Hi \\ud83d"'))).toThrow(
        'environments/test.json: greeting holds a lone surrogate (half of a UTF-16 pair), which is not Unicode',
      );
    });

    it('fails on 1e400 naming it as a number too large, not as null', () => {
      expect(load(JSON.stringify({ ...REQUIRED, timeoutSeconds: 3 }).replace('"timeoutSeconds":3', '"timeoutSeconds":1e400'))).toThrow(
        'timeoutSeconds: Infinity (beyond what a JSON number can hold) is not',
      );
    });

    it('fails on a folder named like an environment file', () => {
      const dir = makeTempDir('env-dir-');
      fs.mkdirSync(path.join(dir, 'test.json'));
      expect(() => loadEnvironment('test', dir)).toThrow('environments/test.json is a folder, not a file; an environment is one JSON file');
    });
  });

  it('accepts 49 tags of its own, with letters of any language and the characters AWS allows', () => {
    const tags = { ...Object.fromEntries(Array.from({ length: 48 }, (_, i) => [`k${i}`, 'v'])), 'équipe:nom': 'Plate-forme @ Zürich_1.0 +/=' };
    expect(Object.keys(parse({ ...REQUIRED, tags }).tags)).toHaveLength(49);
  });

  it("fails on an environment name that makes role names longer than IAM's 64 characters, naming both parts and the room", () => {
    // standard is the longest tier name: its invoke role is the longest name (premium's is one shorter and would still fit).
    const long = 'x'.repeat(31);
    expect(() => parseEnvironment(long, { ...REQUIRED, namePrefix: 'hello-world' }, `environments/${long}.json`)).toThrow(
      `environments/${long}.json is not a valid environment:\n  - namePrefix "hello-world" with the environment name "${long}" makes the role name hello-world-${long}-standard-apigw-invoke (65 characters) longer than IAM's 64; keep namePrefix and the file name to 41 characters together`,
    );
    expect(parseEnvironment('x'.repeat(36), { ...REQUIRED, namePrefix: 'hello' }, 'f.json').name).toHaveLength(36);
  });

  it('fails on a file name that cannot be part of resource names', () => {
    expect(() => parseEnvironment('QA env', REQUIRED, 'environments/QA env.json')).toThrow(
      'environments/QA env.json is not a valid environment:\n  - the file name "QA env" is not a usable environment name; name the file with lowercase letters, digits and hyphens, such as qa.json',
    );
  });

  it('fails when the API Gateway CloudWatch role choice is missing: it must be made explicitly', () => {
    expect(() => parse({ region: 'eu-central-1', account: { id: '123456789012' } })).toThrow('apiGatewayCloudWatchRole: missing is not a choice; say "create"');
  });

  it('fails when the account is missing: an environment names the only account it may deploy to', () => {
    expect(() => parse({ region: 'eu-central-1', apiGatewayCloudWatchRole: 'existing' })).toThrow(
      'account: missing is not an account; name the only AWS account this environment may deploy to: {"id": "123456789012"}',
    );
  });

  it('reports every problem of a file at once', () => {
    expect(() => parse({ ...REQUIRED, region: 'x', greeting: '', logRetentionDays: 2 })).toThrow(
      /region: "x".*\n.*logRetentionDays: 2.*\n.*greeting: ""/,
    );
  });
});
