/**
 * The review loop against the local AWS, as the workflows run it, with the commands as typed:
 * an administrator deploys the account's bootstrap stack (`npx cdktf deploy bootstrap`); a pull
 * request's job, as the plan role, plans in one git clone (`npm run plan`) and seals the saved
 * plans (`npm run github -- seal-bundle`); the run's artifact is served by a fake GitHub beside
 * look-alikes; main's job, as the apply role, in another clone at another path, fetches the bundle
 * of the pull request that the merge commit merged (`npm run github -- fetch-bundle`) and applies
 * it (`npm run apply`), waiting for a state lock someone else holds; a plan again shows no
 * changes. Staging, because its state is in S3 (the emulator's). Every refusal is checked to
 * change nothing in the emulator (its inventory, the functions' settings, the state objects) or
 * in the applying checkout.
 */
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { unzipSync, zipSync } from 'fflate';
import { APIGatewayClient, GetApiKeysCommand } from '@aws-sdk/client-api-gateway';
import { GetFunctionConfigurationCommand, LambdaClient, ListFunctionsCommand, UpdateFunctionConfigurationCommand } from '@aws-sdk/client-lambda';
import { DeleteObjectCommand, HeadObjectCommand, ListObjectsV2Command, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { AwsEmulator, emulatorClientConfig, emulatorInventory, emulatorUnavailableReason, startAwsEmulator } from '../../scripts/emulator/aws-emulator';
import { localStateFolder } from '../../src/config/synth-settings';
import { emulatorExports } from '../../scripts/emulator/shell-exports';
import { PLAN_WORKFLOW } from '../../scripts/github/reviewed-bundle';
import { S3StateConfig } from '../../src/config/environment-config';
import { loadEnvironment } from '../../src/config/load-environment';
import { FakeGitHub, REPO, TOKEN } from '../fake-github';
import { PROJECT_ROOT, checkout, exportedEnvironment, folderSnapshot, makeTempDir, runAsTyped, terraformSkipReason, underLoad } from '../helpers';

const skipReason = terraformSkipReason() ?? emulatorUnavailableReason();
const describeEmulated = skipReason ? describe.skip : describe;
if (skipReason) console.warn(`Skipping the review loop tests: ${skipReason}.`);

const REGION = 'eu-central-1';
/** staging as loaded: the file holds only what differs from the defaults. */
const STAGING = loadEnvironment('staging', path.join(PROJECT_ROOT, 'environments'));
const STAGING_STATE = STAGING.state as S3StateConfig;
const CI = STAGING.ci!;

function git(cwd: string, ...args: string[]): string {
  const run = spawnSync('git', ['-c', 'user.name=Reviewer', '-c', 'user.email=reviewer@example.com', ...args], { cwd, encoding: 'utf8' });
  if (run.status !== 0) throw new Error(`git ${args.join(' ')} failed: ${run.stderr}`);
  return run.stdout.trim();
}

/** A git clone of `origin` at a new path, sharing the project's node_modules. */
function cloneOf(origin: string, prefix: string): string {
  const dir = path.join(makeTempDir(prefix), 'clone');
  git(path.dirname(dir), 'clone', '-q', origin, dir);
  fs.symlinkSync(path.join(PROJECT_ROOT, 'node_modules'), path.join(dir, 'node_modules'));
  return dir;
}

describeEmulated('reviewing and shipping a change: plans of a pull request applied after merge, as the workflows run them', () => {
  let emulator: AwsEmulator;
  let planner: string;
  let shipper: string;
  const github = new FakeGitHub();
  /** The local AWS's lines, the environment, and GitHub's variables, as a job has them. */
  let base: NodeJS.ProcessEnv;
  /** As the plan role (a pull request's job) and as the apply role (main's job). */
  let asPlanRole: NodeJS.ProcessEnv;
  let asApplyRole: NodeJS.ProcessEnv;
  let lambda: LambdaClient;
  let s3: S3Client;
  let nextRun = 100;

  const run = (cwd: string, args: string[], env: NodeJS.ProcessEnv, onOutput?: (soFar: string) => void) => runAsTyped('npm', ['run', '--silent', ...args], { cwd, env, onOutput });
  const plan = (cwd: string, ...args: string[]) => run(cwd, ['plan', '--', ...args], asPlanRole);
  const apply = (cwd: string, bundle: string, ...stacks: string[]) => run(cwd, ['apply', '--', bundle, ...stacks], asApplyRole);

  /** Keys for the emulator that act as `roleArn` (moto's STS gives them the role's account). */
  const credentialsOf = async (roleArn: string): Promise<NodeJS.ProcessEnv> => {
    const credentials = await (emulatorClientConfig(emulator.endpoint, REGION, roleArn).credentials as () => Promise<{ accessKeyId: string; secretAccessKey: string; sessionToken?: string }>)();
    return { AWS_ACCESS_KEY_ID: credentials.accessKeyId, AWS_SECRET_ACCESS_KEY: credentials.secretAccessKey, AWS_SESSION_TOKEN: credentials.sessionToken };
  };

  /** The planner's plans/staging, copied to a new folder (as a CI artifact would be). */
  const planned = async (cwd = planner, ...stacks: string[]): Promise<string> => {
    const result = await plan(cwd, ...stacks);
    if (result.code !== 0 && result.code !== 2) throw new Error(`npm run plan failed:\n${result.output.slice(-3000)}`);
    const copy = path.join(makeTempDir('bundle-'), 'staging');
    fs.cpSync(path.join(cwd, 'plans', 'staging'), copy, { recursive: true });
    return copy;
  };

  /** What the plan workflow's run leaves: its bundle, sealed, as artifact `plan-staging-<tree>` of a run with these fields. */
  const publish = (cwd: string, number: number, run: Record<string, unknown> = {}, createdAt = new Date().toISOString()) => {
    const id = nextRun++;
    const files: Record<string, Uint8Array> = {};
    const walk = (dir: string, prefix = '') => {
      for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
        if (entry.isDirectory()) walk(path.join(dir, entry.name), `${prefix}${entry.name}/`);
        else files[`${prefix}${entry.name}`] = fs.readFileSync(path.join(dir, entry.name));
      }
    };
    walk(path.join(cwd, 'plans', 'staging'));
    github.runs.push({
      id,
      path: PLAN_WORKFLOW,
      event: 'pull_request',
      status: 'completed',
      conclusion: 'success',
      head_sha: git(cwd, 'rev-parse', 'HEAD'),
      head_repository: { full_name: REPO },
      repository: { full_name: REPO },
      pull_requests: [{ number, base: { ref: 'main' } }],
      ...run,
    });
    github.artifacts.push({ id, name: `plan-staging-${git(cwd, 'rev-parse', 'HEAD^{tree}')}`, expired: false, created_at: createdAt, workflow_run: { id }, zip: zipSync(files) });
    return id;
  };

  /** The shipper at the planner's HEAD merged into main as a commit of its own (same files, another id), which GitHub lists as the merge of pull request `number`. */
  const merge = (number: number): string => {
    git(shipper, 'fetch', '-q', 'origin');
    git(shipper, 'reset', '-q', '--hard', 'origin/HEAD');
    const head = git(shipper, 'rev-parse', 'HEAD');
    const merged = git(shipper, 'commit-tree', 'HEAD^{tree}', '-p', 'HEAD', '-m', `Merge pull request #${number}`);
    git(shipper, 'reset', '-q', '--hard', merged);
    github.pullsOfCommit[merged] = [{ number, merged_at: new Date().toISOString(), merge_commit_sha: merged, head: { sha: head, repo: { full_name: REPO } }, base: { ref: 'main', repo: { full_name: REPO } } }];
    return merged;
  };

  /** Everything a refused apply must leave as it was: what exists, the functions' settings, the state objects. */
  const snapshot = async (): Promise<string[]> => {
    const lines = await emulatorInventory(emulator.endpoint, [REGION], STAGING.account.deployRoleArn);
    for (const fn of (await lambda.send(new ListFunctionsCommand({}))).Functions ?? []) {
      const config = await lambda.send(new GetFunctionConfigurationCommand({ FunctionName: fn.FunctionName }));
      lines.push(`config ${fn.FunctionName} ${config.MemorySize} ${JSON.stringify(config.Environment?.Variables)} ${config.CodeSha256}`);
    }
    for (const object of (await s3.send(new ListObjectsV2Command({ Bucket: STAGING_STATE.bucket }))).Contents ?? []) lines.push(`state ${object.Key} ${object.ETag}`);
    return lines.sort();
  };

  /** A commit in `cwd` with staging's greeting set to `greeting`. */
  const commitGreeting = (cwd: string, greeting: string) => {
    const file = path.join(cwd, 'environments', 'staging.json');
    fs.writeFileSync(file, `${JSON.stringify({ ...JSON.parse(fs.readFileSync(file, 'utf8')), greeting }, null, 2)}\n`);
    git(cwd, 'commit', '-qam', `staging says ${greeting}`);
  };

  const copyInto = (bundle: string, cwd: string) => {
    const target = path.join(cwd, 'plans', 'staging');
    fs.rmSync(target, { recursive: true, force: true });
    fs.cpSync(bundle, target, { recursive: true });
    return 'plans/staging';
  };

  /**
   * A bundle of the planner's HEAD, planned once and shared by the cases that only need it refused
   * (none applies it); each gets a copy of its own to alter. One stack with a function zip is
   * enough for what they check (`npm run plan -- standard`).
   */
  let atHead: Promise<string> | undefined;
  const bundleAtHead = async (): Promise<string> => {
    const copy = path.join(makeTempDir('bundle-'), 'staging');
    fs.cpSync(await (atHead ??= planned(planner, 'standard')), copy, { recursive: true });
    return copy;
  };

  /** Applies `bundle` in the shipper and expects it refused with `reason`, nothing in the local AWS or the checkout changed. */
  const expectRefused = async (bundle: string, reason: RegExp, ...stacks: string[]) => {
    const where = copyInto(bundle, shipper);
    const before = await snapshot();
    const checkoutBefore = folderSnapshot(shipper);
    const result = await apply(shipper, where, ...stacks);
    expect(result.code).toBe(1);
    expect(result.output).toContain('refused, nothing applied');
    expect(result.output).toMatch(reason);
    expect(await snapshot()).toEqual(before);
    expect(folderSnapshot(shipper)).toEqual(checkoutBefore);
  };

  beforeAll(async () => {
    await github.start();
    // A new account's smaller Lambda quota (AWS's default is 1000), which the schema cannot know.
    emulator = await startAwsEmulator(undefined, undefined, { EMULATOR_LAMBDA_CONCURRENT_EXECUTIONS: '300' });
    // Two git clones at different paths: one plans (a pull request's job), one applies (main's).
    // Staging's standard tier asks for API keys here, so that the state holds a secret.
    planner = checkout();
    fs.copyFileSync(path.join(PROJECT_ROOT, '.gitignore'), path.join(planner, '.gitignore'));
    const file = path.join(planner, 'environments', 'staging.json');
    fs.writeFileSync(file, `${JSON.stringify({ ...JSON.parse(fs.readFileSync(file, 'utf8')), tiers: { standard: { apiKeyRequired: true } } }, null, 2)}\n`);
    git(planner, 'init', '-q');
    git(planner, 'add', '-A');
    git(planner, 'commit', '-qm', 'the reviewed change');
    shipper = cloneOf(planner, 'shipping-');
    // TF_CLI_CONFIG_FILE names the planner's mirror settings, which the clones share.
    base = {
      ...exportedEnvironment(emulatorExports(emulator.endpoint, REGION, planner)),
      ENVIRONMENT: 'staging',
      FORCE_COLOR: '0',
      DEPLOY_CREDENTIALS: 'caller',
      GITHUB_API_URL: github.url,
      GITHUB_REPOSITORY: REPO,
      GITHUB_TOKEN: TOKEN,
    };
    // Staging's own account, as its deploy role acts in it.
    lambda = new LambdaClient(emulatorClientConfig(emulator.endpoint, REGION, STAGING.account.deployRoleArn));
    s3 = new S3Client(emulatorClientConfig(emulator.endpoint, REGION, STAGING.account.deployRoleArn));

    // A new account: its administrator bootstraps it, as docs/deploying.md, "A new account" says, with their own credentials.
    const administrator = { ...base, ...(await credentialsOf(`arn:aws:iam::${STAGING.account.id}:role/administrator`)) };
    const bootstrap = await runAsTyped('npx', ['cdktf', 'deploy', 'bootstrap', '--auto-approve'], { cwd: planner, env: administrator });
    if (bootstrap.code !== 0) throw new Error(`npx cdktf deploy bootstrap failed:\n${bootstrap.output.slice(-3000)}`);
    asPlanRole = { ...base, ...(await credentialsOf(CI.planRoleArn)) };
    asApplyRole = { ...base, ...(await credentialsOf(CI.applyRoleArn)) };
    // Then its API Gateway role (docs/deploying.md, "A new account"), as a bundle of its own.
    const settingsPlan = await plan(planner, 'account-settings');
    if (settingsPlan.code !== 2) throw new Error(`planning staging's account-settings failed:\n${settingsPlan.output.slice(-3000)}`);
    const applied = await apply(planner, 'plans/staging', 'account-settings');
    if (applied.code !== 0) throw new Error(`applying staging's account-settings failed:\n${applied.output.slice(-3000)}`);
  }, underLoad(300_000));

  afterAll(async () => {
    await emulator?.stop();
    await github.stop();
  });

  it("made the account's workflow roles under the names the environment gives, its plan-sealing key and its state bucket, and re-plans them clean", async () => {
    // Its state is a file of the project (state/bootstrap/<account>.tfstate), as docs/deploying.md, "A new account" says; on the local AWS, in its own folder.
    const state = JSON.parse(fs.readFileSync(path.join(planner, localStateFolder(emulator.endpoint), 'bootstrap', `${STAGING.account.id}.tfstate`), 'utf8'));
    expect(state.outputs).toMatchObject({
      staging_plan_role_arn: { value: CI.planRoleArn },
      staging_apply_role_arn: { value: CI.applyRoleArn },
      staging_state_bucket: { value: STAGING_STATE.bucket },
    });
    const administrator = { ...base, ...(await credentialsOf(`arn:aws:iam::${STAGING.account.id}:role/administrator`)) };
    const again = await runAsTyped('npx', ['cdktf', 'diff', 'bootstrap'], { cwd: planner, env: administrator });
    expect([again.code, again.output]).toEqual([0, expect.stringContaining('No changes.')]);
  }, underLoad(120_000));

  it("applies after merge the plan its pull request's run made, past look-alikes, waiting for a held lock; keeps the API key out of every file but the sealed plan; then plans no changes", async () => {
    const planning = await plan(planner);
    expect(planning.code).toBe(2);
    const sealed = await run(planner, ['github', '--', 'seal-bundle', '--environment', 'staging'], asPlanRole);
    expect(sealed.output).toContain('Sealed account-settings.tfplan, premium.tfplan, standard.tfplan of staging with alias/hello-world-staging-plan-bundles');
    expect(fs.readdirSync(path.join(planner, 'plans', 'staging')).filter((file) => file.endsWith('.tfplan'))).toEqual([]);
    const genuine = publish(planner, 7, {}, '2026-12-01T10:00:00Z');
    // Newer look-alikes under the same name: a fork's run, another workflow's, another base's.
    publish(planner, 7, { head_repository: { full_name: 'mallory/greeting-service' } }, '2026-12-01T11:00:00Z');
    publish(planner, 7, { path: '.github/workflows/forged.yml' }, '2026-12-01T11:01:00Z');
    publish(planner, 7, { pull_requests: [{ number: 9, base: { ref: 'evil-base' } }] }, '2026-12-01T11:02:00Z');
    const merged = merge(7);

    const fetched = await run(shipper, ['github', '--', 'fetch-bundle', '--environment', 'staging', '--commit', merged], asApplyRole);
    expect(fetched.output).toContain(`reviewed in pull request #7 (head ${git(planner, 'rev-parse', 'HEAD')}): artifact ${genuine} of`);
    expect(fetched.output).toContain('unsealed account-settings.tfplan, premium.tfplan, standard.tfplan');
    const manifest = JSON.parse(fs.readFileSync(path.join(shipper, 'plans', 'staging', 'manifest.json'), 'utf8'));
    expect(manifest.stacks.map((stack: any) => stack.name)).toEqual(['account-settings', 'standard', 'premium']);

    // Someone else (a person's cdktf deploy) holds standard's state lock: the apply waits for it, then applies.
    const lock = { Bucket: STAGING_STATE.bucket, Key: `${STAGING_STATE.keyPrefix}/standard.tfstate.tflock` };
    await s3.send(new PutObjectCommand({ ...lock, Body: JSON.stringify({ ID: 'held-by-a-person', Operation: 'OperationTypeApply', Who: 'someone@laptop' }) }));
    const standardState = { Bucket: STAGING_STATE.bucket, Key: `${STAGING_STATE.keyPrefix}/standard.tfstate` };
    let reached: () => void;
    const atStandard = new Promise<void>((resolve) => (reached = resolve));
    const applying = run(shipper, ['apply', '--', 'plans/staging'], asApplyRole, (soFar) => soFar.includes('standard: terraform apply') && reached());
    await atStandard;
    // Terraform retries a held lock with a growing pause; some seconds in, it has met the lock.
    await new Promise((resolve) => setTimeout(resolve, 5_000));
    // While the lock is held, standard has not been written.
    await expect(s3.send(new HeadObjectCommand(standardState))).rejects.toThrow();
    await s3.send(new DeleteObjectCommand(lock));
    const applied = await applying;
    expect(applied.output).toContain('Applied account-settings, standard, premium from plans/staging.');
    // This checkout's own plan is applied, shown equal to the reviewed one, whose hash the comment showed.
    expect(applied.output).toContain(`standard: terraform apply checked.tfplan, this checkout's plan, which does what the reviewed standard.tfplan (sha256 ${manifest.files['standard.tfplan']}) does`);
    expect(applied.output).toContain('Smoke checks: all 10 passed.');
    expect(applied.code).toBe(0);

    const again = await plan(planner);
    expect(again.output).toContain('standard: 0 to add, 0 to change, 0 to replace, 0 to destroy');
    expect(again.code).toBe(0);
    // The key is in the state, and so in the saved plans (sealed before upload), and nowhere else.
    const apigateway = new APIGatewayClient(emulatorClientConfig(emulator.endpoint, REGION, STAGING.account.deployRoleArn));
    const keys = (await apigateway.send(new GetApiKeysCommand({ includeValues: true }))).items ?? [];
    expect(keys.map((key) => key.name)).toEqual(['hello-world-staging-standard-api-test']);
    const secret = keys[0].value!;
    const bundle = path.join(planner, 'plans', 'staging');
    // A file holds the key when its bytes do, or those of an entry of it as a zip (a saved plan).
    const holding = (file: string) => {
      const bytes = fs.readFileSync(path.join(bundle, file));
      if (bytes.includes(secret)) return true;
      try {
        return Object.values(unzipSync(new Uint8Array(bytes))).some((entry) => Buffer.from(entry).includes(secret));
      } catch {
        return false;
      }
    };
    const files = () => fs.readdirSync(bundle, { recursive: true, withFileTypes: true }).filter((entry) => entry.isFile()).map((entry) => path.relative(bundle, path.join(entry.parentPath, entry.name)));
    expect(files().filter((file) => file.endsWith('.tfplan') && holding(file))).toEqual(['standard.tfplan']);
    expect(files().filter((file) => !file.endsWith('.tfplan') && holding(file))).toEqual([]);
    // What is uploaded: the plans sealed, nothing that holds it.
    await run(planner, ['github', '--', 'seal-bundle', '--environment', 'staging'], asPlanRole);
    expect(files().filter((file) => holding(file))).toEqual([]);
    const commented = await run(planner, ['github', '--', 'comment', '--environment', 'staging', '--pull-request', '7', '--summary', path.join(bundle, 'summary.md')], base);
    expect(commented.code).toBe(0);
    expect(github.comments.at(-1)!.body).toContain(`\`standard.tfplan\` ${JSON.parse(fs.readFileSync(path.join(bundle, 'manifest.json'), 'utf8')).files['standard.tfplan']}`);
    expect(github.comments.some((comment) => comment.body.includes(secret))).toBe(false);
  }, underLoad(360_000));

  it('fails to apply a hand-made bundle that claims this tree but carries a plan of other code, or puts a stack at the project itself, or holds no stack, changing nothing', async () => {
    // A plan of other code (a greeting of the attacker's), its manifest rewritten to name the merged commit and tree.
    const other = cloneOf(planner, 'other-code-');
    commitGreeting(other, 'Pwned');
    const forged = await planned(other, 'standard');
    const merged = merge(8);
    const manifestFile = path.join(forged, 'manifest.json');
    const manifest = JSON.parse(fs.readFileSync(manifestFile, 'utf8'));
    manifest.source = { commit: merged, tree: git(shipper, 'rev-parse', 'HEAD^{tree}'), dirty: false };
    fs.writeFileSync(manifestFile, JSON.stringify(manifest));
    await expectRefused(forged, /stack standard: the saved plan's cdk\.tf\.json \(sha256 [0-9a-f]{64}\) is not the one this checkout synthesizes/, 'standard');

    fs.writeFileSync(manifestFile, JSON.stringify({ ...manifest, stacks: manifest.stacks.map((stack: any) => ({ ...stack, workdir: './' })) }));
    await expectRefused(forged, /stack standard: the manifest puts its workdir at "\.\/", not "cdktf\.out\/stacks\/standard"/, 'standard');

    fs.writeFileSync(manifestFile, JSON.stringify({ ...manifest, stacks: [] }));
    await expectRefused(forged, /the bundle holds the stacks \[\], but this apply is of staging's \["account-settings","standard","premium"\] \(a bundle of no stacks applies nothing\)/);
  }, underLoad(240_000));

  it('fails to apply a bundle planned from another commit than HEAD, and changes nothing', async () => {
    const bundle = await bundleAtHead();
    git(shipper, 'fetch', '-q', 'origin');
    git(shipper, 'reset', '-q', '--hard', 'origin/HEAD');
    commitGreeting(shipper, 'Servus');
    await expectRefused(bundle, new RegExp(`planned from commit ${git(planner, 'rev-parse', 'HEAD')} .*but HEAD is ${git(shipper, 'rev-parse', 'HEAD')}.*the code differs`), 'standard');
  }, underLoad(240_000));

  it('fails to apply a bundle whose function zip was altered after the plan, and changes nothing', async () => {
    const bundle = await bundleAtHead();
    git(shipper, 'fetch', '-q', 'origin');
    git(shipper, 'reset', '-q', '--hard', 'origin/HEAD');
    const zip = Object.keys(JSON.parse(fs.readFileSync(path.join(bundle, 'manifest.json'), 'utf8')).files).find((file) => file.startsWith('standard/') && file.endsWith('.zip'))!;
    fs.appendFileSync(path.join(bundle, zip), 'tampered');
    await expectRefused(bundle, new RegExp(`${zip.replace(/[.]/g, '\\.')} was changed after the plan`), 'standard');
  }, underLoad(240_000));

  it('fails to apply a bundle planned before another apply moved the state, and changes nothing', async () => {
    git(shipper, 'fetch', '-q', 'origin');
    git(shipper, 'reset', '-q', '--hard', 'origin/HEAD');
    commitGreeting(shipper, 'Bonjour');
    // The state check is per stack: one stack's two bundles show it (`npm run plan -- standard`).
    const older = await planned(shipper, 'standard');
    const newer = await planned(shipper, 'standard');
    const applied = await apply(shipper, copyInto(newer, shipper), 'standard');
    expect(applied.code).toBe(0);
    // Against no state where this case runs alone (the tiers never applied before it).
    await expectRefused(older, /stack standard: its state moved since the plan \(planned against (?:no state|lineage \S+ serial \d+), now lineage \S+ serial \d+\)/, 'standard');
  }, underLoad(300_000));

  it("fails an online plan whose reservations the account's real Lambda quota cannot hold, naming both, and leaves no plan", async () => {
    const cwd = cloneOf(planner, 'quota-');
    const file = path.join(cwd, 'environments', 'staging.json');
    const config = JSON.parse(fs.readFileSync(file, 'utf8'));
    config.tiers = { standard: { reservedConcurrency: 100 }, premium: { reservedConcurrency: 400 } };
    fs.writeFileSync(file, `${JSON.stringify(config, null, 2)}\n`);
    git(cwd, 'commit', '-qam', 'staging reserves 500');
    const result = await plan(cwd);
    expect(result.output).toContain(
      `staging reserves 500 concurrent executions (standard 100, premium 400), but account ${STAGING.account.id} in eu-central-1 leaves 200 for them: its Lambda quota is 300`,
    );
    expect(result.code).toBe(1);
    expect(fs.readdirSync(path.join(cwd, 'plans', 'staging'))).toEqual(['summary.md']);
  }, underLoad(120_000));

  it('reports drift made through the AWS API with --drift, naming the function and only it, and exits 0 once it is undone', async () => {
    const functionName = `${STAGING.namePrefix}-staging-premium`;
    // Whatever greeting the state has (refresh-only compares AWS with the state, not the code):
    // only where the tiers were never applied (this case alone) are they shipped first.
    const deployed = await lambda.send(new GetFunctionConfigurationCommand({ FunctionName: functionName })).then(
      () => true,
      () => false,
    );
    if (!deployed) {
      expect((await plan(planner)).code).toBe(2);
      expect((await apply(planner, 'plans/staging')).code).toBe(0);
    }
    await lambda.send(new UpdateFunctionConfigurationCommand({ FunctionName: functionName, MemorySize: 1024 }));
    const drift = await plan(planner, '--drift');
    expect(drift.code).toBe(2);
    const summary = fs.readFileSync(path.join(planner, 'plans', 'staging', 'summary.md'), 'utf8');
    expect(summary).toMatch(/^# Drift: staging/);
    expect(summary).toContain('| account-settings | 0 | 0 | 0 | 0 | 0 | 0 | 0 | 0 |\n| standard | 0 | 0 | 0 | 0 | 0 | 0 | 0 | 0 |\n| premium | 0 | 1 | 0 | 0 | 0 | 0 | 0 | 0 |');
    expect(summary).toMatch(/\| `aws_lambda_function\.[^`]+` \| update \| memory: 512 MB → 1024 MB \|/);
    // A drift bundle reports; it is never applied.
    const refused = await apply(planner, 'plans/staging');
    expect(refused.code).toBe(1);
    expect(refused.output).toContain('a --drift (refresh-only) plan');
    // Put back as Terraform has it: the scheduled check then closes its issue (exit 0).
    await lambda.send(new UpdateFunctionConfigurationCommand({ FunctionName: functionName, MemorySize: 512 }));
    const steady = await plan(planner, '--drift', 'premium');
    expect([steady.code, steady.output]).toEqual([0, expect.stringContaining('premium: 0 to add, 0 to change, 0 to replace, 0 to destroy')]);
  }, underLoad(240_000));
});
