/**
 * The walkthrough, replayed on infrastructure deployed with the card's own commands, as the
 * README's quick start types them: in a checkout, `npm run emulator` in one process, and with
 * the lines it prints exported, `npx cdktf deploy account-settings standard premium`, curl of
 * `hello_url`, then `npx cdktf deploy standard premium`, `npx cdktf diff`, `npx cdktf output`,
 * `npm run smoke` and `npx cdktf destroy` (with `--auto-approve`, which answers cdktf's
 * approval prompt). The deployed API answers over HTTP, the function writes its logs, and
 * Ctrl-C stops everything the emulator started and removes the stacks' state for it.
 */
import * as fs from 'fs';
import * as path from 'path';
import { execFileSync, spawn } from 'child_process';
import { zipSync } from 'fflate';
import { CloudWatchLogsClient, FilterLogEventsCommand } from '@aws-sdk/client-cloudwatch-logs';
import { InvokeCommand, LambdaClient, PublishVersionCommand, UpdateAliasCommand, UpdateFunctionCodeCommand } from '@aws-sdk/client-lambda';
import { APIGatewayClient, GetApiKeyCommand } from '@aws-sdk/client-api-gateway';
import { BucketLocationConstraint, CreateBucketCommand, GetObjectCommand, PutBucketPolicyCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { emulatorClientConfig, emulatorInventory, emulatorUnavailableReason } from '../../scripts/emulator/aws-emulator';
import { signalGroup, trackProcessGroup } from '../../scripts/lib/terraform-run';
import { checkout, exportedEnvironment, processIds, readmeQuickStart, runAsTyped, terraformSkipReason, underLoad } from '../helpers';

const skipReason = terraformSkipReason() ?? emulatorUnavailableReason();
const describeEmulated = skipReason ? describe.skip : describe;
if (skipReason) console.warn(`Skipping the local AWS tests: ${skipReason}.`);

const REGION = 'eu-central-1';
const MISBEHAVING = path.join(__dirname, '..', 'fixtures', 'handlers', 'misbehaving.js');

/** Processes of the emulator's group that still run (zombies do not). */
function groupMembers(pgid: number): number[] {
  return processIds((pid) => {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return fields[0] !== 'Z' && Number(fields[2]) === pgid;
  });
}

/** A command that runs until stopped (`npm run emulator`), started as typed in a shell: what it printed so far, and Ctrl-C. */
interface Foreground {
  readonly pid: number;
  output(): string;
  /** Ctrl-C: SIGINT to its process group, as a terminal sends it; resolves when it has exited. */
  interrupt(): Promise<number | null>;
}

/** Starts `command` in `cwd` in a process group of its own and waits until its output says `ready`. */
async function startForeground(command: string, cwd: string, ready: string): Promise<Foreground> {
  const [program, ...args] = command.split(' ');
  const child = spawn(program, args, { cwd, env: { ...process.env }, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
  trackProcessGroup(child);
  let output = '';
  child.stdout!.setEncoding('utf8').on('data', (chunk: string) => (output += chunk));
  child.stderr!.setEncoding('utf8').on('data', (chunk: string) => (output += chunk));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const deadline = Date.now() + underLoad(60_000);
  while (!output.includes(ready)) {
    if (child.exitCode !== null || Date.now() > deadline) throw new Error(`${command} did not say "${ready}":\n${output}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return {
    pid: child.pid!,
    output: () => output,
    interrupt: async () => {
      const timer = setTimeout(() => signalGroup(child, 'SIGKILL'), 20_000);
      signalGroup(child, 'SIGINT');
      const code = await exited;
      clearTimeout(timer);
      return code;
    },
  };
}

describeEmulated('the card’s commands against the local AWS', () => {
  const quickStart = readmeQuickStart();
  let emulator: Foreground & { endpoint: string };
  let dir: string;
  let env: NodeJS.ProcessEnv;
  let lambda: LambdaClient;
  const urls: Record<string, string> = {};

  /** Runs a command in the checkout as a shell would, with the exported lines set. */
  const run = (command: string, args: string[]) => runAsTyped(command, args, { cwd: dir, env: { ...env, FORCE_COLOR: '0', CI: '1' } });
  const cdktf = (...args: string[]) => run('npx', ['cdktf', ...args]);
  const outputs = async (stack: string) => {
    const shown = await run('terraform', [`-chdir=cdktf.out/stacks/${stack}`, 'output', '-json']);
    return Object.fromEntries(Object.entries<any>(JSON.parse(shown.output)).map(([name, output]) => [name, typeof output.value === 'object' ? output.value : String(output.value)]));
  };
  const invoke = async (functionName: string, payload: unknown, qualifier?: string) => {
    const answer = await lambda.send(new InvokeCommand({ FunctionName: functionName, Qualifier: qualifier, Payload: Buffer.from(JSON.stringify(payload)) }));
    return { error: answer.FunctionError, version: answer.ExecutedVersion, payload: JSON.parse(Buffer.from(answer.Payload ?? []).toString('utf8')) };
  };

  /** A line of the README's quick start, run by a shell in the checkout with the exported lines set. */
  const typed = (line: string) => run('sh', ['-c', line]);
  let refused: { code: number | null; output: string; seconds: number; created: string[] };
  let hello: string;

  beforeAll(async () => {
    dir = checkout(); // `npm ci` done: the checkout shares this project's node_modules
    const started = await startForeground(quickStart.emulator, dir, 'Ctrl-C stops it');
    env = exportedEnvironment(started.output().split('\n').filter((line) => line.trim().startsWith('export ')));
    emulator = { ...started, endpoint: env.AWS_ENDPOINT_URL! };
    lambda = new LambdaClient(emulatorClientConfig(emulator.endpoint, REGION));
    // The card's command on a fresh local AWS, before account-settings: refused before any plan.
    const before = performance.now();
    const attempt = await cdktf('deploy', 'standard', 'premium', '--auto-approve');
    const seconds = (performance.now() - before) / 1000;
    refused = { ...attempt, seconds, created: await emulatorInventory(emulator.endpoint, [REGION]) };
    const deployed = await typed(quickStart.deploy);
    if (deployed.code !== 0) throw new Error(`${quickStart.deploy} failed:\n${deployed.output.slice(-3000)}`);
    // Its answer, as the terminal shows it (curl's progress meter goes to stderr, shown only off a terminal).
    hello = execFileSync('sh', ['-c', quickStart.hello], { cwd: dir, env: { ...process.env, ...env }, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
    for (const tier of ['standard', 'premium']) urls[tier] = (await outputs(tier)).hello_url;
  }, underLoad(300_000));

  afterAll(async () => {
    await emulator?.interrupt();
  });

  it("follows the README's quick start to Hello David, after the card's deploy, on a fresh local AWS, named account-settings first and created nothing", async () => {
    expect(refused.code).toBe(1);
    expect(refused.output).toContain('The following dependencies are not included in the stacks to run: account-settings');
    expect(refused.output).not.toMatch(/Terraform used the selected providers|Plan:/);
    expect(refused.created).toEqual([]);
    console.log(`cdktf deploy standard premium on a fresh local AWS refused in ${refused.seconds.toFixed(1)} s`);
    expect(hello).toBe('Hello David');
    // Its state is the local AWS's own, never the environment's on AWS.
    expect(fs.readdirSync(path.join(dir, 'state', 'local-aws', new URL(emulator.endpoint).port, 'dev')).sort()).toEqual(['account-settings.tfstate', 'premium.tfstate', 'standard.tfstate']);
    expect(fs.existsSync(path.join(dir, 'state', 'dev'))).toBe(false);
  });

  it.each(['standard', 'premium'])('answers the walkthrough’s requests through the %s tier’s API: Hello world, then Hello David three ways', async (tier) => {
    const url = urls[tier];
    expect(url).toMatch(new RegExp(`^${emulator.endpoint}/restapis/\\w+/test/_user_request_/hello$`));
    const text = async (reply: Promise<Response>) => {
      const answer = await reply;
      return `${answer.status} ${await answer.text()}`;
    };
    expect(await text(fetch(url))).toBe('200 Hello world');
    expect(await text(fetch(`${url}?name=David`))).toBe('200 Hello David');
    expect(await text(fetch(`${url}/David`))).toBe('200 Hello David');
    expect(await text(fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"name":"David"}' }))).toBe('200 Hello David');
    // The root resource too, and what API Gateway answers itself.
    expect(await text(fetch(url.replace(/\/hello$/, '/')))).toBe('200 Hello world');
    expect(await text(fetch(url.replace('/test/', '/prod/')))).toBe('403 {"message":"Missing Authentication Token"}');
    expect(await text(fetch(`${url}?name=${'x'.repeat(65)}`))).toMatch(/^400 /);
  });

  it("throttles each method of the stage on its own, to half the tier's budget: a burst past ANY /{proxy+}'s gets 429, while ANY / still answers", async () => {
    // standard: the stage's 50/s, burst 100, so each method 25/s, burst 50.
    const url = urls.standard;
    const started = performance.now();
    const burst = await Promise.all(Array.from({ length: 150 }, () => fetch(`${url}?name=Burst`).then(async (reply) => [reply.status, await reply.text()] as const)));
    const seconds = (performance.now() - started) / 1000;
    const throttled = burst.filter(([status]) => status === 429);
    // At most the method's burst and its rate over the time the burst took, however loaded the machine.
    expect(burst.filter(([status]) => status === 200).length).toBeLessThanOrEqual(Math.floor(50 + 25 * seconds));
    expect(throttled.length).toBeGreaterThan(0);
    expect(throttled[0][1]).toBe('{"message":"Too Many Requests"}');
    const root = await fetch(url.replace(/\/hello$/, '/'));
    expect([root.status, await root.text()]).toEqual([200, 'Hello world']);
  });

  it('invokes the live alias directly, by version and by ARN, and writes the function’s own log line with START, END and REPORT to its log group', async () => {
    expect(await invoke('hello-world-dev-standard', { name: 'David' }, 'live')).toEqual({ error: undefined, version: '1', payload: 'Hello David' });
    expect((await invoke('hello-world-dev-standard:1', { name: 'David' })).payload).toBe('Hello David');
    const arn = `arn:aws:lambda:${REGION}:123456789012:function:hello-world-dev-premium:live`;
    expect((await invoke(arn, { name: 'David' })).payload).toBe('Hello David');
    const logs = new CloudWatchLogsClient(emulatorClientConfig(emulator.endpoint, REGION));
    const events = (await logs.send(new FilterLogEventsCommand({ logGroupName: '/aws/lambda/hello-world-dev-standard' }))).events ?? [];
    const types = events.map((event) => {
      const record = JSON.parse(event.message!);
      return record.type ?? `${record.level} ${JSON.parse(record.message).event ?? 'app'}`;
    });
    // JSON log format (as the stack sets it): the platform's records around the function's own line.
    expect(types.slice(0, 4)).toEqual(['platform.start', expect.stringMatching(/^INFO /), 'platform.runtimeDone', 'platform.report']);
    const report = JSON.parse(events[3].message!).record.metrics;
    expect(report).toMatchObject({ memorySizeMB: 128, billedDurationMs: expect.any(Number), maxMemoryUsedMB: expect.any(Number) });
  });

  it('shows no changes in npx cdktf diff and the outputs in npx cdktf output, right after deploy', async () => {
    const diff = await cdktf('diff', 'standard');
    expect([diff.code, diff.output]).toEqual([0, expect.stringMatching(/No changes\. Your infrastructure matches the configuration/)]);
    const shown = await cdktf('output', 'standard');
    expect(shown.code).toBe(0);
    expect(shown.output).toContain(urls.standard);
  }, underLoad(180_000));

  it('passes npm run smoke against the deployed dev', async () => {
    const smoke = await run('npm', ['run', '--silent', 'smoke']);
    expect(smoke.output).toMatch(/dev: all 10 checks passed/);
    expect(smoke.code).toBe(0);
  }, underLoad(60_000));

  it('answers Bonjour after the walkthrough’s update step, keeps the previous version invocable, and asks premium callers for a key of its usage plan, one per client', async () => {
    const file = path.join(dir, 'environments', 'dev.json');
    const config = JSON.parse(fs.readFileSync(file, 'utf8'));
    // Each of three clients gets a third of the stage's 12/s, burst 24: 4/s, burst 8; each method half: 6/s, burst 12.
    // Figures this low keep the burst below past the key's share however slowly a loaded machine
    // answers; standard gets them too, as premium may not have less.
    const throttle = { rateLimit: 12, burstLimit: 24 };
    const premiumConfig = { ...config.tiers?.premium, throttle, apiKeyRequired: true, apiKeyClients: ['acme', 'globex', 'initech'] };
    const tiers = { ...config.tiers, standard: { ...config.tiers?.standard, throttle }, premium: premiumConfig };
    fs.writeFileSync(file, JSON.stringify({ ...config, greeting: 'Bonjour', tiers }));
    const deploy = await cdktf('deploy', 'standard', 'premium', '--auto-approve');
    expect([deploy.code, deploy.output.slice(-2000)]).toEqual([0, expect.any(String)]);
    expect(await (await fetch(`${urls.standard}?name=David`)).text()).toBe('Bonjour David');
    expect(await invoke('hello-world-dev-standard', { name: 'David' }, 'live')).toEqual({ error: undefined, version: '2', payload: 'Bonjour David' });
    expect((await invoke('hello-world-dev-standard', { name: 'David' }, '1')).payload).toBe('Hello David');

    const premium = await outputs('premium');
    expect(premium.hello_url).toBe(urls.premium); // the API is updated in place, not replaced
    const refused = await fetch(premium.hello_url);
    expect([refused.status, await refused.json()]).toEqual([403, { message: 'Forbidden' }]);
    const apigateway = new APIGatewayClient(emulatorClientConfig(emulator.endpoint, REGION));
    const keyOf = async (id: string) => (await apigateway.send(new GetApiKeyCommand({ apiKey: id, includeValue: true }))).value!;
    const ids = premium.api_key_ids as Record<string, string>;
    expect(Object.keys(ids)).toEqual(['acme', 'globex', 'initech']);
    const [acme, globex] = [await keyOf(ids.acme), await keyOf(ids.globex)];
    expect(acme).not.toBe(globex);
    const wrong = await fetch(premium.hello_url, { headers: { 'x-api-key': `${acme}x` } });
    expect(wrong.status).toBe(403);
    for (const key of [acme, globex]) {
      const allowed = await fetch(`${premium.hello_url}?name=David`, { headers: { 'x-api-key': key } });
      expect([allowed.status, await allowed.text()]).toEqual([200, 'Bonjour David']);
    }
    // API Gateway throttles each key of a usage plan on its own, before the method: acme gets its
    // burst and its rate over the time the burst took (429 past it), and globex still answers.
    const started = performance.now();
    const burst = await Promise.all(Array.from({ length: 80 }, () => fetch(`${premium.hello_url}?name=Acme`, { headers: { 'x-api-key': acme } }).then((reply) => reply.status)));
    const seconds = (performance.now() - started) / 1000;
    expect(burst.every((status) => status === 200 || status === 429)).toBe(true);
    expect(burst.filter((status) => status === 200).length).toBeLessThanOrEqual(Math.floor(8 + 4 * seconds));
    expect(burst.filter((status) => status === 429).length).toBeGreaterThan(0);
    const other = await fetch(`${premium.hello_url}?name=Globex`, { headers: { 'x-api-key': globex } });
    expect([other.status, await other.text()]).toEqual([200, 'Bonjour Globex']);
    // The keys and their usage plan's shares re-plan clean, as deployed.
    const diff = await cdktf('diff', 'premium');
    expect([diff.code, diff.output]).toEqual([0, expect.stringMatching(/No changes\. Your infrastructure matches the configuration/)]);
  }, underLoad(240_000));

  it('answers 502 through the API and FunctionError on invoke for a function that throws or runs past its timeout, keeps serving, and npm run smoke names the failing checks', async () => {
    // The standard tier's live alias moved to a broken version, as a bad release would.
    const code = Buffer.from(zipSync({ 'index.js': fs.readFileSync(MISBEHAVING) }));
    await lambda.send(new UpdateFunctionCodeCommand({ FunctionName: 'hello-world-dev-standard', ZipFile: code }));
    const broken = await lambda.send(new PublishVersionCommand({ FunctionName: 'hello-world-dev-standard' }));
    await lambda.send(new UpdateAliasCommand({ FunctionName: 'hello-world-dev-standard', Name: 'live', FunctionVersion: broken.Version }));
    const base = urls.standard.replace(/\/hello$/, '');

    const thrown = await fetch(`${base}/throw`);
    expect([thrown.status, await thrown.json()]).toEqual([502, { message: 'Internal server error' }]);
    expect(await invoke('hello-world-dev-standard', { path: '/throw' }, 'live')).toEqual({
      error: 'Unhandled',
      version: broken.Version,
      payload: { errorType: 'TypeError', errorMessage: 'broken on purpose', trace: expect.arrayContaining([expect.stringMatching(/TypeError: broken on purpose/)]) },
    });
    const malformed = await fetch(`${base}/shape`);
    expect(malformed.status).toBe(502);

    const looping = await fetch(`${base}/loop`); // stopped at the function's 3 s
    expect(looping.status).toBe(502);
    expect(await invoke('hello-world-dev-standard', { path: '/loop' }, 'live')).toEqual({
      error: 'Unhandled',
      version: broken.Version,
      payload: { errorType: 'Sandbox.Timedout', errorMessage: expect.stringMatching(/Task timed out after 3\.00 seconds$/) },
    });
    // In the JSON log format the stack sets, a timeout is a status of the platform's records, every event JSON.
    const logs = new CloudWatchLogsClient(emulatorClientConfig(emulator.endpoint, REGION));
    const events = (await logs.send(new FilterLogEventsCommand({ logGroupName: '/aws/lambda/hello-world-dev-standard' }))).events ?? [];
    expect(events.map((event) => JSON.parse(event.message!))).toContainEqual(
      expect.objectContaining({ type: 'platform.report', record: expect.objectContaining({ status: 'timeout', errorType: 'Sandbox.Timedout' }) }),
    );
    // Still serving, the broken tier and the other alike.
    expect(await (await fetch(`${base}/fine`)).text()).toBe('ok /fine');
    expect((await fetch(urls.premium)).status).toBe(403);

    const smoke = await run('npm', ['run', '--silent', 'smoke']);
    expect(smoke.code).toBe(1);
    expect(smoke.output).toMatch(/^FAIL standard: GET hello_url: .* 200 ok \/hello; expected 200 Bonjour world$/m);
    expect(smoke.output).toMatch(/^FAIL standard: invoke hello-world-dev-standard:live: /m);
  }, underLoad(120_000));

  it('rolls the bad release back with npm run rollback -- standard: the version before answers again, and npm run smoke passes', async () => {
    const rolled = await run('npm', ['run', '--silent', 'rollback', '--', 'standard']);
    // Its last line (the SDK may warn of the Node version before it).
    expect([rolled.code, rolled.output.trim().split('\n').pop()]).toEqual([
      0,
      expect.stringMatching(/^hello-world-dev-standard:live: version 3 → 2, all traffic\. Terraform moves it forward again at the next apply of a change: revert the bad change in git and deploy\.$/),
    ]);
    const answer = await fetch(urls.standard);
    expect([answer.status, await answer.text()]).toEqual([200, 'Bonjour world']);
    const smoke = await run('npm', ['run', '--silent', 'smoke']);
    expect([smoke.code, smoke.output]).toEqual([0, expect.stringMatching(/dev: all 10 checks passed/)]);
  }, underLoad(60_000));

  it('destroys both tiers with npx cdktf destroy standard premium, leaving account-settings alone', async () => {
    const destroyed = await typed(quickStart.destroy);
    expect([destroyed.code, destroyed.output.slice(-1500)]).toEqual([0, expect.any(String)]);
    const left = await emulatorInventory(emulator.endpoint, [REGION]);
    expect(left.filter((line) => /hello-world-dev-(standard|premium)/.test(line))).toEqual([]);
    expect(left).toContain('global iam-role api-gateway-cloudwatch-eu-central-1');
  }, underLoad(180_000));

  it("enforces a bucket policy's statements only where their conditions hold, counting its loopback requests as TLS (a TLS-only state bucket lets them in)", async () => {
    const s3 = new S3Client(emulatorClientConfig(emulator.endpoint, REGION));
    const outcome = async (bucket: string, statement: object) => {
      await s3.send(new CreateBucketCommand({ Bucket: bucket, CreateBucketConfiguration: { LocationConstraint: REGION as BucketLocationConstraint } }));
      await s3.send(new PutBucketPolicyCommand({ Bucket: bucket, Policy: JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Deny', Principal: '*', Action: 's3:*', Resource: [`arn:aws:s3:::${bucket}/*`], ...statement }] }) }));
      try {
        await s3.send(new PutObjectCommand({ Bucket: bucket, Key: 'state', Body: 'x' }));
        return await (await s3.send(new GetObjectCommand({ Bucket: bucket, Key: 'state' }))).Body!.transformToString();
      } catch (error) {
        return `refused ${(error as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode}`;
      }
    };
    expect(await outcome('tls-only', { Condition: { Bool: { 'aws:SecureTransport': 'false' } } })).toBe('x');
    expect(await outcome('denies-tls', { Condition: { Bool: { 'aws:SecureTransport': 'true' } } })).toBe('refused 403');
    expect(await outcome('denies-all', {})).toBe('refused 403');
  });

  it('stops on Ctrl-C with every process it started (moto, the function environments, npm and itself), and the stacks\' state for it', async () => {
    // A warm environment is running now (the invocations above).
    const members = groupMembers(emulator.pid);
    expect(members.length).toBeGreaterThanOrEqual(3);
    const stateFolder = path.join(dir, 'state', 'local-aws', new URL(emulator.endpoint).port);
    expect(fs.existsSync(stateFolder)).toBe(true);
    await emulator.interrupt(); // npm ends by the signal, as it does in a terminal
    expect(groupMembers(emulator.pid)).toEqual([]);
    expect(emulator.output()).toContain('emulator: SIGINT: stopping');
    expect(fs.existsSync(stateFolder)).toBe(false);
  });
});
