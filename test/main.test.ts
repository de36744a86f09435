import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { listEnvironments } from '../src/config/load-environment';
import { ERROR_STACK } from '../src/cdktf-cli-error';
import { PROJECT_ROOT, checkout, runAsTyped, underLoad } from './helpers';

/** Runs the app as `cdktf synth` does (its command from cdktf.json, CDKTF_OUTDIR set). */
function synth(dir: string, environment?: string) {
  const outdir = path.join(dir, 'cdktf.out');
  const { app } = JSON.parse(fs.readFileSync(path.join(dir, 'cdktf.json'), 'utf8'));
  const env: NodeJS.ProcessEnv = { ...process.env, CDKTF_OUTDIR: outdir };
  delete env.ENVIRONMENT;
  if (environment !== undefined) env.ENVIRONMENT = environment;
  const result = spawnSync(app, { cwd: dir, env, shell: true, encoding: 'utf8' });
  const stacksDir = path.join(outdir, 'stacks');
  const stacks = fs.existsSync(stacksDir) ? fs.readdirSync(stacksDir).sort() : [];
  const stackJson = (name: string) => fs.readFileSync(path.join(stacksDir, name, 'cdk.tf.json'), 'utf8');
  return { ...result, stacks, stackJson };
}

describe('the cdktf app (main.ts)', () => {
  const dir = checkout();
  /** dev's synth in `dir`, made once by whichever case needs it first (each still runs alone with -t). */
  let devInDir: ReturnType<typeof synth> | undefined;
  const synthDev = () => (devInDir ??= synth(dir));

  it('writes exactly the stacks account-settings, standard and premium for the default environment, dev', () => {
    const result = synthDev();
    expect(result.stderr).toBe('');
    expect(result.status).toBe(0);
    expect(result.stacks).toEqual(['account-settings', 'premium', 'standard']);
    // Each stack's reviewed provider checksums, where terraform init reads them.
    const lock = (stack: string) => fs.readFileSync(path.join(dir, 'cdktf.out', 'stacks', stack, '.terraform.lock.hcl'), 'utf8');
    expect(lock('standard')).toMatch(/provider "registry\.terraform\.io\/hashicorp\/archive"[\s\S]*provider "registry\.terraform\.io\/hashicorp\/aws"/);
    expect(lock('account-settings')).not.toContain('hashicorp/archive');
    expect(JSON.parse(result.stackJson('standard')).resource.aws_lambda_function['greeting-function_1D50C93D']).toMatchObject({
      function_name: 'hello-world-dev-standard',
      memory_size: 128,
    });
    expect(JSON.parse(result.stackJson('premium')).resource.aws_lambda_function['greeting-function_1D50C93D']).toMatchObject({
      function_name: 'hello-world-dev-premium',
      memory_size: 512,
    });
  });

  it.each([
    ['staging', ['account-settings', 'bootstrap', 'premium', 'standard']],
    ['prod', ['account-settings', 'bootstrap', 'premium', 'standard']],
  ])('names the %s stacks after their environment, with state in S3 under its own key', (environment, stacks) => {
    const result = synth(checkout(), environment);
    expect(result.status).toBe(0);
    expect(result.stacks).toEqual(stacks);
    const standard = JSON.parse(result.stackJson('standard'));
    expect(Object.values(standard.resource.aws_lambda_function)).toEqual([
      expect.objectContaining({ function_name: `hello-world-${environment}-standard` }),
    ]);
    expect(standard.terraform.backend.s3).toMatchObject({ key: `hello-world/${environment}/standard.tfstate`, use_lockfile: true });
  });

  it('gives byte-identical Terraform when synthesized twice, in two different checkout folders', () => {
    const first = synthDev();
    const second = synth(checkout());
    for (const stack of ['account-settings', 'standard', 'premium']) {
      expect(second.stackJson(stack)).toBe(first.stackJson(stack));
    }
  });

  it('leaves no absolute machine path in the synthesized Terraform', () => {
    const result = synthDev();
    for (const stack of result.stacks) {
      const json = result.stackJson(stack);
      expect(json).not.toContain(dir);
      expect(json).not.toContain(PROJECT_ROOT);
      // No string starts with a root folder (the log group name "/aws/lambda/..." is not a path).
      expect(json.match(/"\/(?!aws\/)[A-Za-z0-9._-]+\//g)).toBeNull();
    }
  });

  it('fails on an unknown ENVIRONMENT with the valid names, a non-zero exit and no stacks written', () => {
    const fresh = checkout();
    const result = synth(fresh, 'no-such-environment');
    expect(result.status).toBe(1);
    expect(result.stderr).toContain(
      `ENVIRONMENT="no-such-environment" is not a known environment; set ENVIRONMENT to one of: ${listEnvironments(path.join(fresh, 'environments')).join(', ')}`,
    );
    expect(result.stacks).toEqual([]);
  });

  it('fails on an invalid environment file at synth, naming the field, the value and the fix, with no stacks written', () => {
    const fresh = checkout();
    const file = path.join(fresh, 'environments', 'dev.json');
    const config = JSON.parse(fs.readFileSync(file, 'utf8'));
    config.tiers = { premium: { memoryMb: 64 } };
    fs.writeFileSync(file, JSON.stringify(config));
    const result = synth(fresh, 'dev');
    expect(result.status).toBe(1);
    expect(result.stderr).toContain('tiers.premium.memoryMb: 64 is not a Lambda memory size; use a whole number of MB from 128 to 10240');
    expect(result.stacks).toEqual([]);
  });

  it('fails under the cdktf CLI on an invalid environment file with the message printed once, before any plan, and no stack to apply', async () => {
    const fresh = checkout();
    const file = path.join(fresh, 'environments', 'dev.json');
    const config = JSON.parse(fs.readFileSync(file, 'utf8'));
    config.release = { strategy: 'blue' };
    fs.writeFileSync(file, JSON.stringify(config));
    const cdktf = path.join(fresh, 'node_modules', '.bin', 'cdktf');
    // deploy, not synth: the CLI must stop at synth, before terraform init or plan.
    const run = await runAsTyped(cdktf, ['deploy', 'standard', '--auto-approve'], { cwd: fresh, env: { ENVIRONMENT: 'dev', CHECKPOINT_DISABLE: '1' } });
    const message = 'release.strategy: "blue" is not a release strategy; use one of all-at-once, canary, linear';
    expect(run.output.split(message).length - 1).toBe(1);
    expect(run.output).toContain(`ERROR [${ERROR_STACK}]: environments/dev.json is not a valid environment:`);
    expect(run.code).toBe(1);
    expect(run.output).not.toMatch(/Initializing|Planning/);
    // The one stack written carries the error and holds nothing Terraform could create.
    const stacksDir = path.join(fresh, 'cdktf.out', 'stacks');
    expect(fs.readdirSync(stacksDir)).toEqual([ERROR_STACK]);
    const errorStack = fs.readFileSync(path.join(stacksDir, ERROR_STACK, 'cdk.tf.json'), 'utf8');
    expect(JSON.parse(errorStack).resource).toBeUndefined();
    expect(errorStack).not.toContain(fresh);
  }, underLoad(60_000));
});
