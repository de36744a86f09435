/**
 * `npm run bench [-- synth|handler ...] [-- --runs N]`: prints figures, judges nothing in CI.
 *
 * - synth: `cdktf synth` of this app (all of dev's stacks) against `cdktf synth` of an app with two
 *   empty stacks run the same way, in turns; the median of the pairwise wall-time ratios and
 *   the peak memory of the largest process.
 * - handler: the bundle's cold load time, per-invocation p50/p99 over 100,000 in-process
 *   calls, and the size of the function's zip.
 * - terraform: CPU time of one `terraform plan` (an empty AWS configuration: the provider starts
 *   and sends its schema) with the project's Go runtime settings, beside Go's defaults.
 * - plan: `npm run plan -- --offline` of every stack of dev (bundle included) against one
 *   `terraform plan` of an empty configuration with the same provider; with
 *   FUNCTION_PACKAGING=synth-zip where the mirror has no hashicorp/archive, and it says so.
 * - serve: the local stage's throughput and p99 latency at 50 concurrent connections
 *   (loopback, throttling off), beside a bare node:http server answering "Hello David".
 * - deploy: per environment (dev, prod), the emulated deploy cycle (apply every stack in
 *   order, re-plan them, destroy them) against the local AWS emulator, beside one
 *   `terraform apply` of an empty configuration against the same emulator (the floor of any
 *   apply: terraform and the AWS provider starting). Needs python3 with moto.
 * - suite: the wall time of `npm run test:unit` and of `npm test`, one run each by default.
 * - emulator: dev's standard tier applied to the local AWS, then sequential requests through
 *   its API to the warm function, p50/p99, beside the same request to the local stage
 *   (`npm start`); and an invoke's cold start (unzip + node start), reported on its own.
 */
import { spawn, spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { parseArgs } from 'util';
import autocannon from 'autocannon';
import { buildHandlerBundle } from '../src/bundling/handler-bundle';
import { zipSingleFile } from './air-gapped/function-zip';
import { emulatorUnavailableReason, startAwsEmulator } from './emulator/aws-emulator';
import { deployEnvironment, destroyEnvironment, emulatorProviderSettings, replanEnvironment, synthesizeForEmulator } from './emulator/emulated-deploy';
import { copyProject } from './lib/project-copy';
import { TERRAFORM_GO_RUNTIME, TERRAFORM_GO_RUNTIME_ASSIGNMENTS, runTerraform } from './lib/terraform-run';
import { emulatorClientConfig } from './emulator/emulator-settings';
import { InvokeCommand, LambdaClient, UpdateFunctionConfigurationCommand } from '@aws-sdk/client-lambda';
import { findProviderMirror, mirrorHasProvider, useProviderMirror, writeMirrorCliConfig } from './air-gapped/provider-mirror';
import { PROJECT_ROOT } from './lib/project-root';

const EVENTS = path.join(PROJECT_ROOT, 'lambda-src', 'events');
const TIME = '/usr/bin/time';

export interface Run {
  readonly wallSeconds: number;
  /** Peak resident memory of the largest single process, when /usr/bin/time is there to say. */
  readonly peakMb?: number;
  /** CPU time (user and system) of the whole process tree, when /usr/bin/time is there to say. */
  readonly cpuSeconds?: number;
  readonly status: number | null;
}

/** Runs a shell command and measures it from outside, as a whole process tree. */
export function measure(command: string, cwd: string, env: NodeJS.ProcessEnv = process.env): Run {
  const hasTime = fs.existsSync(TIME);
  const started = process.hrtime.bigint();
  const result = hasTime
    ? spawnSync(TIME, ['-f', '%M %U %S', 'sh', '-c', command], { cwd, env, encoding: 'utf8' })
    : spawnSync('sh', ['-c', command], { cwd, env, encoding: 'utf8' });
  const wallSeconds = Number(process.hrtime.bigint() - started) / 1e9;
  const lastLine = result.stderr.trim().split('\n').pop() ?? '';
  const figures = hasTime ? /^(\d+) ([\d.]+) ([\d.]+)$/.exec(lastLine) : null;
  if (!figures) return { wallSeconds, status: result.status };
  return { wallSeconds, peakMb: Number(figures[1]) / 1024, cpuSeconds: Number(figures[2]) + Number(figures[3]), status: result.status };
}

export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

function verdict(ok: boolean): string {
  return ok ? 'met' : 'NOT met';
}

/** A cdktf project with two empty stacks, run by the same app command as this one. */
function emptyApp(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'empty-cdktf-app-'));
  fs.symlinkSync(path.join(PROJECT_ROOT, 'node_modules'), path.join(dir, 'node_modules'));
  fs.copyFileSync(path.join(PROJECT_ROOT, 'cdktf.json'), path.join(dir, 'cdktf.json'));
  fs.writeFileSync(
    path.join(dir, 'main.ts'),
    "import { App, TerraformStack } from 'cdktf';\n" +
      "const app = new App();\nnew TerraformStack(app, 'standard');\nnew TerraformStack(app, 'premium');\napp.synth();\n",
  );
  return dir;
}

function benchSynth(runs: number): void {
  const empty = emptyApp();
  const env = { ...process.env, CHECKPOINT_DISABLE: '1' };
  const synth = `${path.join(PROJECT_ROOT, 'node_modules', '.bin', 'cdktf')} synth`;
  measure(synth, PROJECT_ROOT, env); // warm-up: fills the handler bundle and file caches
  const ours: Run[] = [];
  const baseline: Run[] = [];
  for (let i = 0; i < runs; i++) {
    ours.push(measure(synth, PROJECT_ROOT, env));
    baseline.push(measure(synth, empty, env));
  }
  fs.rmSync(empty, { recursive: true, force: true });
  const failed = [...ours, ...baseline].filter((run) => run.status !== 0).length;
  const ratio = median(ours.map((run, i) => run.wallSeconds / baseline[i].wallSeconds));
  const peaks = ours.map((run) => run.peakMb).filter((mb): mb is number => mb !== undefined);
  const peak = peaks.length ? Math.max(...peaks) : undefined;
  console.log(`synth (${runs} runs each, in turns${failed ? `, ${failed} runs FAILED` : ''})`);
  console.log(`  cdktf synth, dev's stacks     median ${median(ours.map((r) => r.wallSeconds)).toFixed(2)} s`);
  console.log(`  cdktf synth, two empty stacks median ${median(baseline.map((r) => r.wallSeconds)).toFixed(2)} s`);
  console.log(`  ratio (median of pairs)       ${ratio.toFixed(2)}x   target <= 1.30x: ${verdict(ratio <= 1.3)}`);
  console.log(
    peak === undefined
      ? '  peak memory                   n/a (needs /usr/bin/time: apt-get install time)'
      : `  peak memory (largest process) ${peak.toFixed(0)} MB   target < 400 MB: ${verdict(peak < 400)}`,
  );
}

async function benchHandler(calls: number): Promise<void> {
  const bundle = buildHandlerBundle(PROJECT_ROOT);
  const timing = path.join(__dirname, 'lib', 'handler-timing.js');
  const run = (args: string[]) => {
    const result = spawnSync('node', [timing, ...args], {
      cwd: PROJECT_ROOT,
      encoding: 'utf8',
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    return JSON.parse(result.stderr.trim().split('\n').pop() ?? '{}');
  };
  const loads = Array.from({ length: 15 }, () => run(['load', bundle.file]).loadMs as number);
  const events = ['direct-hello-david.json', 'rest-get-hello-name.json', 'rest-post-json.json', 'rest-get-hello-path-name.json'];
  const invocations = run(['invoke', bundle.file, String(calls), ...events.map((file) => path.join(EVENTS, file))]);
  const zipDir = fs.mkdtempSync(path.join(os.tmpdir(), 'zip-'));
  const zip = await zipSingleFile(bundle.file, path.join(zipDir, 'function.zip'));
  fs.rmSync(zipDir, { recursive: true, force: true });
  console.log(`handler (bundle ${bundle.bytes} bytes)`);
  console.log(`  cold load, median of 15       ${median(loads).toFixed(2)} ms   target < 5 ms: ${verdict(median(loads) < 5)}`);
  console.log(
    `  ${invocations.calls} invocations             p50 ${invocations.p50Us.toFixed(1)} µs, p99 ${invocations.p99Us.toFixed(1)} µs` +
      `   target p99 < 50 µs: ${verdict(invocations.p99Us < 50)}`,
  );
  console.log(`  function zip                  ${zip.bytes} bytes   target < 2048 bytes: ${verdict(zip.bytes < 2048)}`);
}

/** An empty configuration with the AWS provider, planned offline: the floor of any plan. */
function emptyPlanDir(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'empty-plan-'));
  fs.writeFileSync(
    path.join(dir, 'main.tf.json'),
    JSON.stringify({
      terraform: { required_providers: { aws: { source: 'aws', version: '5.100.0' } } },
      provider: {
        aws: {
          region: 'eu-central-1',
          access_key: 'offline-plan',
          secret_key: 'offline-plan',
          skip_credentials_validation: true,
          skip_requesting_account_id: true,
          skip_metadata_api_check: 'true',
        },
      },
    }),
  );
  return dir;
}

/** Points `env` at the provider mirror where there is one and no CLI config is set; returns the mirror. */
function useMirrorIn(env: NodeJS.ProcessEnv): string | undefined {
  const mirror = findProviderMirror();
  if (!fs.existsSync(env.TF_CLI_CONFIG_FILE ?? '/nonexistent') && mirror) env.TF_CLI_CONFIG_FILE = writeMirrorCliConfig(mirror);
  return mirror;
}

/** {@link emptyPlanDir}, initialized with `env`; undefined (the section says why) when init fails. */
async function initializedEmptyPlanDir(section: string, env: NodeJS.ProcessEnv): Promise<string | undefined> {
  const empty = emptyPlanDir();
  const init = await runTerraform(empty, ['init', '-input=false', '-no-color'], { env });
  if (init.status === 0) return empty;
  fs.rmSync(empty, { recursive: true, force: true });
  console.log(`${section}: n/a, terraform init of an empty AWS configuration failed: ${init.stderr.trim().split('\n').slice(0, 3).join(' ')}`);
  return undefined;
}

async function benchPlan(runs: number): Promise<void> {
  const env: NodeJS.ProcessEnv = { ...process.env, CHECKPOINT_DISABLE: '1', ENVIRONMENT: 'dev' };
  const mirror = useMirrorIn(env);
  // Where the mirror has no hashicorp/archive, the packaging that does without it (docs/deploying.md, "Packaging the function").
  if (mirror && !mirrorHasProvider(mirror, 'archive')) env.FUNCTION_PACKAGING = 'synth-zip';
  const empty = await initializedEmptyPlanDir('plan', env);
  if (!empty) return;
  // In a copy, so the checkout's plans/dev is left alone.
  const copy = copyProject(PROJECT_ROOT, 'bench-plan-');
  const ours = () => measure('npm run --silent plan -- --offline', copy, env);
  const baseline = () => measure('terraform plan -input=false -no-color -lock=false', empty, env);
  const warm = ours();
  if (warm.status !== 0 && warm.status !== 2) {
    console.log(`plan: n/a, npm run plan -- --offline failed here (exit ${warm.status})`);
    return;
  }
  const ourTimes: number[] = [];
  const baseTimes: number[] = [];
  for (let i = 0; i < runs; i++) {
    ourTimes.push(ours().wallSeconds);
    baseTimes.push(baseline().wallSeconds);
  }
  fs.rmSync(empty, { recursive: true, force: true });
  fs.rmSync(copy, { recursive: true, force: true });
  const ratio = median(ourTimes.map((t, i) => t / baseTimes[i]));
  console.log(`plan (${runs} runs each, in turns; dev offline${env.FUNCTION_PACKAGING ? `, FUNCTION_PACKAGING=${env.FUNCTION_PACKAGING}` : ''})`);
  console.log(`  npm run plan, every stack     median ${median(ourTimes).toFixed(2)} s`);
  console.log(`  terraform plan, empty config  median ${median(baseTimes).toFixed(2)} s`);
  console.log(`  ratio (median of pairs)       ${ratio.toFixed(2)}x   target <= 2x: ${verdict(ratio <= 2)}`);
}

/** The kernel's transparent huge page mode (`always`, `madvise`, `never`), which decides what a bigger Go heap costs. */
function hugePageMode(): string {
  try {
    return /\[(\w+)\]/.exec(fs.readFileSync('/sys/kernel/mm/transparent_hugepage/enabled', 'utf8'))?.[1] ?? 'unknown';
  } catch {
    return 'unknown';
  }
}

/**
 * What one terraform command costs in CPU, the unit every plan, apply and test pays: `terraform
 * plan` of an empty AWS configuration (the provider starts and sends its schema) with the Go
 * runtime settings the project's runs use, beside Go's defaults and beside no collection at
 * all (GOGC=off: cheaper than the defaults only where huge pages are `always`), in turns.
 */
async function benchTerraform(runs: number): Promise<void> {
  const env: NodeJS.ProcessEnv = { ...process.env, CHECKPOINT_DISABLE: '1' };
  useMirrorIn(env);
  const empty = await initializedEmptyPlanDir('terraform', env);
  if (!empty) return;
  try {
    const { GOGC, GOMEMLIMIT, ...goDefaults } = env;
    const settings: { label: string; env: NodeJS.ProcessEnv; runs: Run[] }[] = [
      { label: `${TERRAFORM_GO_RUNTIME_ASSIGNMENTS} (the project's runs)`, env: { ...goDefaults, ...TERRAFORM_GO_RUNTIME }, runs: [] },
      { label: "Go's defaults (GOGC=100)", env: goDefaults, runs: [] },
      { label: 'GOGC=off GOMEMLIMIT=1GiB', env: { ...goDefaults, GOGC: 'off', GOMEMLIMIT: '1GiB' }, runs: [] },
    ];
    for (let i = 0; i < runs; i++) {
      for (const setting of settings) setting.runs.push(measure('terraform plan -input=false -no-color -lock=false', empty, setting.env));
    }
    console.log(`terraform (${runs} runs each, in turns; terraform plan of an empty AWS configuration, offline; transparent huge pages: ${hugePageMode()})`);
    for (const { label, runs: measured } of settings) {
      const cpu = measured.map((run) => run.cpuSeconds).filter((s): s is number => s !== undefined);
      const peak = Math.max(...measured.map((run) => run.peakMb ?? 0));
      console.log(`  ${label.padEnd(34)} CPU median ${cpu.length ? `${median(cpu).toFixed(2)} s` : 'n/a'}  wall median ${median(measured.map((run) => run.wallSeconds)).toFixed(2)} s  peak ${peak.toFixed(0)} MB`);
    }
  } finally {
    fs.rmSync(empty, { recursive: true, force: true });
  }
}

/** The emulated deploy cycle of each environment, beside the apply of an empty configuration. */
async function benchDeploy(runs: number): Promise<void> {
  const missing = emulatorUnavailableReason();
  if (missing) {
    console.log(`deploy: n/a, ${missing}`);
    return;
  }
  const { localArchive } = useProviderMirror();
  const emulator = await startAwsEmulator();
  const seconds = (started: bigint) => Number(process.hrtime.bigint() - started) / 1e9;
  try {
    // The floor: terraform and the AWS provider start, ask the emulator who they are, apply nothing.
    const empty = fs.mkdtempSync(path.join(os.tmpdir(), 'empty-apply-'));
    fs.writeFileSync(
      path.join(empty, 'main.tf.json'),
      JSON.stringify({
        terraform: { required_providers: { aws: { source: 'aws', version: '5.100.0' } } },
        provider: { aws: { region: 'eu-central-1', ...emulatorProviderSettings(emulator.endpoint) } },
      }),
    );
    const env: NodeJS.ProcessEnv = { ...process.env, CHECKPOINT_DISABLE: '1' };
    await runTerraform(empty, ['init', '-input=false', '-no-color'], { env });
    const floor = Array.from({ length: runs }, () => measure('terraform apply -auto-approve -input=false -no-color', empty, env).wallSeconds);
    fs.rmSync(empty, { recursive: true, force: true });
    console.log(`deploy cycle against the local AWS emulator (${runs} runs each${localArchive ? '; archive_file stands in as a local zip' : ''})`);
    console.log(`  terraform apply, empty config median ${median(floor).toFixed(2)} s (the yardstick)`);
    for (const environment of ['dev', 'prod']) {
      const phases: Record<'apply' | 'replan' | 'destroy' | 'cycle', number[]> = { apply: [], replan: [], destroy: [], cycle: [] };
      for (let i = 0; i < runs; i++) {
        const dir = copyProject(PROJECT_ROOT, 'bench-deploy-');
        const deployment = await synthesizeForEmulator(dir, environment, emulator.endpoint, { localArchive });
        const cycle = process.hrtime.bigint();
        let started = cycle;
        await deployEnvironment(deployment);
        phases.apply.push(seconds(started));
        started = process.hrtime.bigint();
        const replans = await replanEnvironment(deployment);
        phases.replan.push(seconds(started));
        started = process.hrtime.bigint();
        await destroyEnvironment(deployment);
        phases.destroy.push(seconds(started));
        phases.cycle.push(seconds(cycle));
        fs.rmSync(dir, { recursive: true, force: true });
        if (replans.some((replan) => !replan.clean)) console.log(`  ${environment}: a re-plan found changes (run npm run deploy:local)`);
      }
      const cycle = median(phases.cycle);
      console.log(
        `  ${environment.padEnd(5)} apply ${median(phases.apply).toFixed(1)} s, re-plan ${median(phases.replan).toFixed(1)} s, destroy ${median(phases.destroy).toFixed(1)} s:` +
          ` cycle median ${cycle.toFixed(1)} s = ${(cycle / median(floor)).toFixed(1)}x the empty apply`,
      );
    }
  } finally {
    await emulator.stop();
  }
}

/** Starts `source` (JavaScript run with esbuild-register) that prints its port; resolves with it. */
function startServer(source: string): Promise<{ port: number; stop: () => void }> {
  const child = spawn(process.execPath, ['--require', 'esbuild-register', '-e', source], { cwd: PROJECT_ROOT, stdio: ['ignore', 'pipe', 'inherit'] });
  return new Promise((resolve, reject) => {
    child.stdout.once('data', (chunk: Buffer) => {
      child.stdout.resume();
      resolve({ port: Number(chunk.toString().trim().split('\n')[0]), stop: () => child.kill('SIGKILL') });
    });
    child.once('exit', (code) => reject(new Error(`server exited with ${code}`)));
  });
}

async function benchServe(runs: number): Promise<void> {
  const handlerFile = buildHandlerBundle(PROJECT_ROOT).file;
  const stage = await startServer(
    `const api = require('./scripts/local-stage/local-api').createLocalApi({ stage: 'test', handlerFile: ${JSON.stringify(handlerFile)} });` +
      `api.listen(0, '127.0.0.1', () => console.log(api.address().port));`,
  );
  const bare = await startServer(
    `const server = require('http').createServer((req, res) => { res.writeHead(200, { 'content-type': 'text/plain' }); res.end('Hello David'); });` +
      `server.listen(0, '127.0.0.1', () => console.log(server.address().port));`,
  );
  const load = (port: number) =>
    autocannon({ url: `http://127.0.0.1:${port}/test/hello?name=David`, connections: 50, duration: 5 }).then((result) => ({
      rps: result.requests.average,
      p99: result.latency.p99,
      failed: result.non2xx + result.errors + result.timeouts,
    }));
  try {
    await load(stage.port); // warm-up: the worker, the JIT
    const ours: { rps: number; p99: number; failed: number }[] = [];
    const yardstick: typeof ours = [];
    for (let i = 0; i < runs; i++) {
      ours.push(await load(stage.port));
      yardstick.push(await load(bare.port));
    }
    const rps = median(ours.map((r) => r.rps));
    const bareRps = median(yardstick.map((r) => r.rps));
    const failed = ours.reduce((sum, r) => sum + r.failed, 0);
    console.log(`serve (50 connections, 5 s each, ${runs} runs each, in turns${failed ? `, ${failed} requests FAILED` : ''})`);
    console.log(`  local stage (npm start)        median ${rps.toFixed(0)} requests/s, p99 ${median(ours.map((r) => r.p99)).toFixed(0)} ms`);
    console.log(`  bare node:http hello server    median ${bareRps.toFixed(0)} requests/s, p99 ${median(yardstick.map((r) => r.p99)).toFixed(0)} ms`);
    console.log(`  ratio                          ${(rps / bareRps).toFixed(2)}x the yardstick   target >= 0.5x: ${verdict(rps / bareRps >= 0.5)}`);
  } finally {
    stage.stop();
    bare.stop();
  }
}

/** p50 and p99 of `count` requests made one after another, in ms. */
async function sequentialLatency(url: string, count: number): Promise<{ p50: number; p99: number; failed: number }> {
  const samples: number[] = [];
  let failed = 0;
  for (let i = 0; i < count; i++) {
    const started = performance.now();
    const reply = await fetch(url);
    await reply.text();
    samples.push(performance.now() - started);
    if (reply.status !== 200) failed++;
  }
  samples.sort((a, b) => a - b);
  return { p50: samples[Math.floor(count * 0.5)], p99: samples[Math.min(count - 1, Math.floor(count * 0.99))], failed };
}

async function benchEmulator(requests: number): Promise<void> {
  const missing = emulatorUnavailableReason() ?? (findProviderMirror() ? undefined : 'no provider mirror');
  if (missing) return void console.log(`emulator: skipped (${missing})`);
  const { localArchive } = useProviderMirror();
  const workDir = copyProject(PROJECT_ROOT, 'bench-emulator-');
  const emulator = await startAwsEmulator();
  const handlerFile = buildHandlerBundle(PROJECT_ROOT).file;
  const stage = await startServer(
    `const api = require('./scripts/local-stage/local-api').createLocalApi({ stage: 'test', handlerFile: ${JSON.stringify(handlerFile)} });` +
      `api.listen(0, '127.0.0.1', () => console.log(api.address().port));`,
  );
  try {
    const env = await synthesizeForEmulator(workDir, 'dev', emulator.endpoint, { localArchive });
    await deployEnvironment({ ...env, stacks: env.stacks.filter((stack) => stack.name !== 'premium') });
    const standard = env.stacks.find((stack) => stack.name === 'standard')!;
    const invokeUrl = (await runTerraform(standard.dir, ['output', '-raw', 'invoke_url'])).stdout;
    const apiId = /^https:\/\/(\w+)\.execute-api\./.exec(invokeUrl)?.[1];
    const emulated = `${emulator.endpoint}/restapis/${apiId}/test/_user_request_/hello?name=David`;
    await sequentialLatency(emulated, 50); // warm-up: the function's environment, the JIT
    await sequentialLatency(`http://127.0.0.1:${stage.port}/test/hello?name=David`, 50);
    const ours = await sequentialLatency(emulated, requests);
    const local = await sequentialLatency(`http://127.0.0.1:${stage.port}/test/hello?name=David`, requests);
    // A cold start each: a configuration change makes $LATEST a new environment.
    const lambda = new LambdaClient(emulatorClientConfig(emulator.endpoint, env.region));
    const cold: number[] = [];
    for (let i = 0; i < 10; i++) {
      await lambda.send(new UpdateFunctionConfigurationCommand({ FunctionName: 'hello-world-dev-standard', Description: `bench ${i}` }));
      const started = performance.now();
      await lambda.send(new InvokeCommand({ FunctionName: 'hello-world-dev-standard', Payload: Buffer.from('{"name":"David"}') }));
      cold.push(performance.now() - started);
    }
    console.log(`emulator (${requests} sequential requests each, keep-alive, after 50 to warm up${ours.failed ? `, ${ours.failed} FAILED` : ''})`);
    console.log(`  through the emulated API       p50 ${ours.p50.toFixed(2)} ms, p99 ${ours.p99.toFixed(2)} ms`);
    console.log(`  local stage (npm start)        p50 ${local.p50.toFixed(2)} ms, p99 ${local.p99.toFixed(2)} ms`);
    console.log(`  ratio (p50)                    ${(ours.p50 / local.p50).toFixed(1)}x`);
    console.log(`  cold invoke (unzip + node)     median ${median(cold).toFixed(0)} ms over 10, max ${Math.max(...cold).toFixed(0)} ms`);
  } finally {
    stage.stop();
    await emulator.stop();
    fs.rmSync(workDir, { recursive: true, force: true });
  }
}

/** The test suite's wall time, as developers run it: `npm run test:unit`, then `npm test`. */
function benchSuite(runs: number): void {
  const env: NodeJS.ProcessEnv = { ...process.env, CHECKPOINT_DISABLE: '1' };
  console.log(`suite (${runs} run${runs === 1 ? '' : 's'} each)`);
  for (const [label, command, target] of [
    ['npm run test:unit (no terraform, no emulator)', 'npm run --silent test:unit', 60],
    ['npm test (everything, what CI runs)', 'npm test --silent', 240],
  ] as const) {
    const results = Array.from({ length: runs }, () => measure(`${command} >/dev/null 2>&1`, PROJECT_ROOT, env));
    const failed = results.filter((result) => result.status !== 0).length;
    const seconds = median(results.map((result) => result.wallSeconds));
    console.log(`  ${label.padEnd(46)} median ${seconds.toFixed(1)} s   target < ${target} s: ${verdict(seconds < target)}${failed ? `   (${failed} run(s) failed)` : ''}`);
  }
}

async function main(): Promise<void> {
  let parsed;
  try {
    parsed = parseArgs({ args: process.argv.slice(2), options: { runs: { type: 'string' } }, strict: true, allowPositionals: true });
  } catch (error) {
    console.error(`bench: ${(error as Error).message}; usage: npm run bench -- [synth|handler|terraform|plan|serve|deploy|emulator|suite ...] [--runs N]`);
    process.exit(2);
  }
  const runsGiven = parsed.values.runs !== undefined;
  const runs = runsGiven ? Number(parsed.values.runs) : 5;
  if (!Number.isInteger(runs) || runs < 1) {
    console.error(`bench: --runs ${parsed.values.runs} is not a count; use a whole number such as 5`);
    process.exit(2);
  }
  const sections = parsed.positionals;
  const known = ['synth', 'handler', 'terraform', 'plan', 'serve', 'deploy', 'emulator', 'suite'];
  const unknown = sections.filter((section) => !known.includes(section));
  if (unknown.length) {
    console.error(`bench: unknown section ${unknown.join(', ')}; use ${known.join(', ')} (default: all)`);
    process.exit(2);
  }
  const chosen = sections.length ? sections : known;
  if (chosen.includes('handler')) await benchHandler(100_000);
  if (chosen.includes('synth')) benchSynth(runs);
  if (chosen.includes('terraform')) await benchTerraform(runs);
  if (chosen.includes('plan')) await benchPlan(runs);
  if (chosen.includes('serve')) await benchServe(runsGiven ? runs : 3);
  // A cycle takes about a minute: three by default, unless --runs says otherwise.
  if (chosen.includes('deploy')) await benchDeploy(runsGiven ? runs : 3);
  if (chosen.includes('emulator')) await benchEmulator(500);
  // The whole suite takes minutes: one run of each unless --runs says otherwise.
  if (chosen.includes('suite')) benchSuite(runsGiven ? runs : 1);
}

if (require.main === module) void main();
