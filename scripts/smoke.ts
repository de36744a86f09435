/**
 * `npm run smoke`
 *
 * Checks that the deployed tiers of ENVIRONMENT (default dev) answer: reads each tier's
 * outputs (`terraform output` in cdktf.out/stacks/<tier>, as `cdktf deploy` left them), then
 * GET hello_url (200, "<greeting> world"), ?name=David (200, "<greeting> David"), a bad name
 * (400), and a direct invoke of the function's `live` alias ("<greeting> David"). One line per
 * check; exit 1 when any fails. Credentials and endpoint come from the AWS SDK's own chain
 * (AWS_ENDPOINT_URL included), so it runs against AWS and the local AWS alike.
 */
import * as path from 'path';
import { APIGatewayClient, GetApiKeyCommand } from '@aws-sdk/client-api-gateway';
import { GetAliasCommand, InvokeCommand, LambdaClient } from '@aws-sdk/client-lambda';
import { TIERS } from '../src/config/environment-config';
import { loadEnvironment } from '../src/config/load-environment';
import { DeployCredentials, synthSettingsFrom } from '../src/config/synth-settings';
import { environmentCredentials } from './lib/environment-credentials';
import { alarmTopicClients, alarmTopicProblems } from './lib/alarm-topic';
import { runTerraform } from './lib/terraform-run';
import { PROJECT_ROOT } from './lib/project-root';

export interface SmokeCheck {
  readonly name: string;
  readonly ok: boolean;
  /** What was seen, or why it failed. */
  readonly detail: string;
}

/**
 * How long the HTTP checks wait for a stage that answers 403 or 5XX: right after a first deploy,
 * API Gateway may not yet use the invoke role it was just given, as IAM changes take a while to
 * be seen everywhere (IAM User Guide, "Troubleshoot IAM", changes not immediately visible,
 * https://docs.aws.amazon.com/IAM/latest/UserGuide/troubleshoot_general.html#troubleshoot_general_eventual-consistency).
 */
export interface PropagationRetry {
  /** The longest the checks of one URL may wait, in all, ms. */
  readonly limitMs: number;
  /** The first pause, ms, doubled after each attempt. @default 1000 */
  readonly firstPauseMs?: number;
  /** @default setTimeout */
  readonly sleep?: (ms: number) => Promise<void>;
  /** Where each retry is said. @default nothing */
  readonly say?: (line: string) => void;
}

/** What `npm run apply` gives a first deploy: up to 90 seconds (the provider retries IAM's own errors about as long). */
export const APPLY_PROPAGATION_RETRY: PropagationRetry = { limitMs: 90_000 };

/**
 * GET `url`, again after a pause (doubling, within `retry.limitMs` in all) while it answers 403
 * or 5XX and `expected` is not that; any other answer is returned at once, as is the last.
 */
export async function getWithRetry(
  get: typeof fetch,
  url: string,
  init: RequestInit,
  expected: number,
  retry?: PropagationRetry,
): Promise<{ status: number; text: string; attempts: number }> {
  const sleep = retry?.sleep ?? ((ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)));
  let pause = retry?.firstPauseMs ?? 1000;
  let waited = 0;
  for (let attempt = 1; ; attempt++) {
    const reply = await get(url, init);
    const text = await reply.text();
    const transient = reply.status !== expected && (reply.status === 403 || reply.status >= 500);
    if (!retry || !transient || waited + pause > retry.limitMs) return { status: reply.status, text, attempts: attempt };
    retry.say?.(`GET ${url}: ${reply.status} (attempt ${attempt}); a stage this new may not reach its function yet (IAM takes a while to be seen everywhere): again in ${pause / 1000} s`);
    await sleep(pause);
    waited += pause;
    pause *= 2;
  }
}

export interface SmokeOptions {
  readonly projectRoot: string;
  readonly environment: string;
  /** Folder holding each stack's folder. @default <projectRoot>/cdktf.out/stacks */
  readonly stacksDir?: string;
  /** Tiers to check. @default every tier */
  readonly tiers?: readonly string[];
  /** @default global fetch */
  readonly fetch?: typeof fetch;
  /**
   * Whose credentials to act with, as Terraform did (DEPLOY_CREDENTIALS).
   * @default 'deploy-role'
   */
  readonly credentials?: DeployCredentials;
  /**
   * Wait for a stage that answers 403 or 5XX, as after a first deploy.
   * @default no waiting: each check once
   */
  readonly retry?: PropagationRetry;
}

async function outputsOf(stackDir: string): Promise<Record<string, string>> {
  const run = await runTerraform(stackDir, ['output', '-json']);
  if (run.error || run.status !== 0) throw new Error(`terraform output failed in ${stackDir}: ${(run.stderr || run.error?.message || '').trim()}`);
  const outputs = JSON.parse(run.stdout || '{}') as Record<string, { value: unknown }>;
  return Object.fromEntries(Object.entries(outputs).map(([name, output]) => [name, String(output.value)]));
}

/** Runs every check of every tier; never throws for a failed check, only records it. */
export async function smokeChecks(options: SmokeOptions): Promise<SmokeCheck[]> {
  const env = loadEnvironment(options.environment, path.join(options.projectRoot, 'environments'));
  const stacksDir = options.stacksDir ?? path.join(options.projectRoot, 'cdktf.out', 'stacks');
  const get = options.fetch ?? fetch;
  // In the environment's account, as Terraform deployed it (through the deploy role where there is one).
  const credentials = environmentCredentials(env, 'smoke', options.credentials); // one assumed session for both clients
  const lambda = new LambdaClient({ region: env.region, ...credentials });
  const apigateway = new APIGatewayClient({ region: env.region, ...credentials });
  const checks: SmokeCheck[] = [];
  const check = async (name: string, run: () => Promise<string>) => {
    try {
      checks.push({ name, ok: true, detail: await run() });
    } catch (error) {
      checks.push({ name, ok: false, detail: (error as Error).message });
    }
  };

  // The alarms reach someone: CloudWatch may publish to their topic (and use its key).
  if (env.alarms.snsTopicArn) {
    await check(`alarms: ${env.alarms.snsTopicArn}`, async () => {
      const problems = await alarmTopicProblems(env, alarmTopicClients(env, options.credentials));
      if (problems.length) throw new Error(problems.join('; '));
      return 'CloudWatch may publish to it';
    });
  }
  for (const tier of options.tiers ?? TIERS) {
    let outputs: Record<string, string>;
    try {
      outputs = await outputsOf(path.join(stacksDir, tier));
      if (!outputs.hello_url || !outputs.function_name) throw new Error(`no hello_url or function_name output: deploy it first (npx cdktf deploy ${tier})`);
    } catch (error) {
      checks.push({ name: `${tier}: outputs`, ok: false, detail: (error as Error).message });
      continue;
    }
    const headers: Record<string, string> = {};
    if (outputs.api_key_id) {
      const key = await apigateway.send(new GetApiKeyCommand({ apiKey: outputs.api_key_id, includeValue: true }));
      headers['x-api-key'] = key.value ?? '';
    }
    const expect = async (query: string, status: number, body?: string) => {
      const url = `${outputs.hello_url}${query}`;
      const reply = await getWithRetry(get, url, { headers }, status, options.retry);
      const seen = `${reply.status} ${reply.text.slice(0, 200)}${reply.attempts > 1 ? ` (attempt ${reply.attempts})` : ''}`;
      if (reply.status !== status || (body !== undefined && reply.text !== body)) throw new Error(`GET ${url}: ${seen}; expected ${status}${body === undefined ? '' : ` ${body}`}`);
      return `GET ${url}: ${seen}`;
    };
    await check(`${tier}: GET hello_url`, () => expect('', 200, `${env.greeting} world`));
    await check(`${tier}: GET hello_url?name=David`, () => expect('?name=David', 200, `${env.greeting} David`));
    await check(`${tier}: GET hello_url with a bad name`, () => expect(`?name=${'x'.repeat(65)}`, 400));
    await check(`${tier}: invoke ${outputs.function_name}:live`, async () => {
      const answer = await lambda.send(new InvokeCommand({ FunctionName: outputs.function_name, Qualifier: 'live', Payload: Buffer.from('{"name":"David"}') }));
      const payload = Buffer.from(answer.Payload ?? []).toString('utf8');
      const wanted = JSON.stringify(`${env.greeting} David`);
      if (answer.FunctionError || payload !== wanted) throw new Error(`${answer.FunctionError ?? 'answered'} ${payload}; expected ${wanted}`);
      return `version ${answer.ExecutedVersion}: ${payload}`;
    });
    // What the last apply published is what callers get: not a release still shifting, rolled
    // back, or an alias moved by hand.
    await check(`${tier}: live serves version ${outputs.live_version}`, async () => {
      const alias = await lambda.send(new GetAliasCommand({ FunctionName: outputs.function_name, Name: 'live' }));
      const weights = Object.entries(alias.RoutingConfig?.AdditionalVersionWeights ?? {});
      if (weights.length) {
        const [version, weight] = weights[0];
        throw new Error(`a release is shifting: version ${alias.FunctionVersion} with ${Math.round(weight * 100)}% on ${version}; check again once it has ended`);
      }
      if (alias.FunctionVersion !== outputs.live_version) {
        throw new Error(
          `live serves version ${alias.FunctionVersion}, not ${outputs.live_version}, the version the last apply published: its release was rolled back, or the alias was moved by hand (npm run rollback); a new version releases again`,
        );
      }
      return `version ${alias.FunctionVersion}, all traffic`;
    });
  }
  return checks;
}

/** One check as `npm run smoke` and `npm run apply` print it. */
export function formatSmokeCheck(check: SmokeCheck): string {
  return `${check.ok ? 'ok  ' : 'FAIL'} ${check.name}: ${check.detail}`;
}

async function main(): Promise<number> {
  const { environmentName: environment, credentials } = synthSettingsFrom(process.env);
  const checks = await smokeChecks({ projectRoot: PROJECT_ROOT, environment, credentials });
  for (const check of checks) console.log(formatSmokeCheck(check));
  const failed = checks.filter((check) => !check.ok).length;
  console.log(failed ? `${environment}: ${failed} of ${checks.length} checks failed` : `${environment}: all ${checks.length} checks passed`);
  return failed ? 1 : 0;
}

if (require.main === module) {
  main().then(
    (code) => process.exit(code),
    (error: Error) => {
      console.error(`smoke: ${error.message}`);
      process.exit(1);
    },
  );
}
