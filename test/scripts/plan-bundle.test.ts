import * as fs from 'fs';
import * as path from 'path';
import { zipSync } from 'fflate';
import {
  BundleManifest,
  BundleRefused,
  bundleFileProblems,
  copyStackConfig,
  lockedProviders,
  manifestProblems,
  planState,
  readManifest,
  stateProblem,
  writeManifest,
} from '../../scripts/lib/plan-bundle';
import { parseApplyArgs } from '../../scripts/apply';
import { makeTempDir } from '../helpers';

const SOURCE = { commit: 'c'.repeat(40), tree: 't'.repeat(40), dirty: false };
const HERE = { environment: 'staging', source: SOURCE, terraform: '1.11.4', packaging: 'synth-zip', credentials: 'deploy-role' };

function bundleWith(files: Record<string, string>, fields: Partial<Omit<BundleManifest, 'format' | 'files'>> = {}): { dir: string; manifest: BundleManifest } {
  const dir = makeTempDir('bundle-');
  for (const [file, text] of Object.entries(files)) {
    fs.mkdirSync(path.dirname(path.join(dir, file)), { recursive: true });
    fs.writeFileSync(path.join(dir, file), text);
  }
  const manifest = writeManifest(dir, {
    environment: 'staging',
    source: SOURCE,
    offline: false,
    drift: false,
    packaging: 'synth-zip',
    credentials: 'deploy-role',
    terraform: '1.11.4',
    providers: {},
    stacks: [{ name: 'standard', tfplan: 'standard.tfplan', config: 'standard', workdir: 'cdktf.out/stacks/standard', state: { lineage: '', serial: 0 } }],
    ...fields,
  });
  return { dir, manifest };
}

describe('plan bundle manifest', () => {
  it('records the sha256 of every file but itself, and finds none altered in an untouched bundle', () => {
    const { dir, manifest } = bundleWith({ 'standard.tfplan': 'plan', 'standard/cdk.tf.json': '{}' });
    expect(Object.keys(manifest.files)).toEqual(['standard.tfplan', 'standard/cdk.tf.json']);
    // sha256 of "plan", as sha256sum prints it.
    expect(manifest.files['standard.tfplan']).toBe('64879f7d6b960a01909762d911a32d4582c20010c5641ee90278b644a9e3b525');
    expect(bundleFileProblems(dir, readManifest(dir))).toEqual([]);
  });

  it('fails on a file changed, removed or added after the plan, naming each', () => {
    const { dir, manifest } = bundleWith({ 'standard.tfplan': 'plan', 'standard/cdk.tf.json': '{}', 'standard/assets/function.zip': 'zip' });
    fs.appendFileSync(path.join(dir, 'standard/assets/function.zip'), '!');
    fs.rmSync(path.join(dir, 'standard/cdk.tf.json'));
    fs.writeFileSync(path.join(dir, 'standard/extra_override.tf.json'), '{}');
    const problems = bundleFileProblems(dir, manifest);
    expect(problems).toEqual([
      expect.stringMatching(/^standard\/assets\/function\.zip was changed after the plan \(sha256 [0-9a-f]{64}, the manifest says [0-9a-f]{64}\)$/),
      'standard/cdk.tf.json is missing from the bundle',
      expect.stringMatching(/^standard\/extra_override\.tf\.json is not part of the planned bundle/),
    ]);
  });

  it('fails to read a folder without a manifest, or a manifest of another format, saying what it is', () => {
    const empty = makeTempDir('not-a-bundle-');
    expect(() => readManifest(empty)).toThrow(new RegExp(`${empty} has no manifest.json: it is not a plan bundle`));
    const { dir } = bundleWith({});
    const file = path.join(dir, 'manifest.json');
    fs.writeFileSync(file, JSON.stringify({ ...JSON.parse(fs.readFileSync(file, 'utf8')), format: 99 }));
    expect(() => readManifest(dir)).toThrow(/has format 99; this checkout applies format 2/);
  });

  it('fails on a manifest not of the shape npm run plan writes, before anything is read by it', () => {
    const { dir } = bundleWith({});
    const file = path.join(dir, 'manifest.json');
    const written = JSON.parse(fs.readFileSync(file, 'utf8'));
    const cases: [object, string][] = [
      [{ stacks: 'all' }, 'lists no stacks'],
      [{ stacks: [{ name: 'standard' }] }, 'has a stack entry that is not {name, tfplan, config, workdir, state}'],
      [{ stacks: [{ ...written.stacks[0], name: '../x' }] }, 'names a stack "../x", which no stack is called'],
      [{ files: { '/etc/passwd': 'x' } }, 'lists "/etc/passwd", which is not a path inside the bundle'],
      [{ files: { 'a/../../b': 'x' } }, 'lists "a/../../b", which is not a path inside the bundle'],
      [{ files: null }, 'has no list of file hashes'],
    ];
    for (const [change, message] of cases) {
      fs.writeFileSync(file, JSON.stringify({ ...written, ...change }));
      expect(() => readManifest(dir)).toThrow(BundleRefused);
      expect(() => readManifest(dir)).toThrow(message);
    }
  });
});

describe('what a bundle needs to match before it is applied', () => {
  const { manifest } = bundleWith({});

  it('accepts the same environment, tree and Terraform version from a clean checkout, whatever the commit id', () => {
    expect(manifestProblems(manifest, { ...HERE, source: { ...SOURCE, commit: 'd'.repeat(40) } })).toEqual([]);
  });

  it('fails on another ENVIRONMENT, naming both and the fix', () => {
    expect(manifestProblems(manifest, { ...HERE, environment: 'prod' })).toEqual([
      'the bundle is a plan of staging, but ENVIRONMENT is prod; set ENVIRONMENT=staging or apply plans/prod',
    ]);
  });

  it('fails on other code than HEAD, on a dirty tree at either end, and outside git', () => {
    expect(manifestProblems(manifest, { ...HERE, source: { commit: 'e'.repeat(40), tree: 'u'.repeat(40), dirty: false } })).toEqual([
      expect.stringContaining(`planned from commit ${SOURCE.commit} (tree ${SOURCE.tree}), but HEAD is ${'e'.repeat(40)} (tree ${'u'.repeat(40)}): the code differs`),
    ]);
    expect(manifestProblems({ ...manifest, source: { ...SOURCE, dirty: true } }, HERE)).toEqual([expect.stringContaining('planned from a dirty tree')]);
    expect(manifestProblems(manifest, { ...HERE, source: { ...SOURCE, dirty: true } })).toEqual([expect.stringContaining('this checkout has uncommitted changes')]);
    expect(manifestProblems({ ...manifest, source: null }, HERE)).toEqual([expect.stringContaining('planned outside a git checkout')]);
    expect(manifestProblems(manifest, { ...HERE, source: undefined })).toEqual([expect.stringContaining('this folder is not a git checkout')]);
  });

  it('fails on other synth settings than the plan’s, naming the variable to set', () => {
    expect(manifestProblems(manifest, { ...HERE, packaging: 'archive-provider' })).toEqual([
      'the bundle was planned with FUNCTION_PACKAGING=synth-zip, this apply synthesizes archive-provider: set FUNCTION_PACKAGING=synth-zip',
    ]);
    expect(manifestProblems(manifest, { ...HERE, credentials: 'caller' })).toEqual([
      'the bundle was planned with DEPLOY_CREDENTIALS=deploy-role, this apply synthesizes caller: set DEPLOY_CREDENTIALS=deploy-role',
    ]);
  });

  it('fails on another Terraform version, an offline plan and a drift report', () => {
    expect(manifestProblems(manifest, { ...HERE, terraform: '1.12.0' })).toEqual([
      'the bundle was planned with Terraform 1.11.4, this machine has 1.12.0; a saved plan applies only with the version that made it',
    ]);
    expect(manifestProblems({ ...manifest, offline: true }, HERE)).toEqual([expect.stringContaining('planned offline, with dummy keys')]);
    expect(manifestProblems({ ...manifest, drift: true }, HERE)).toEqual([expect.stringContaining('a --drift (refresh-only) plan')]);
  });

  it('fails on a state whose lineage or serial moved since the plan, naming both', () => {
    const planned = { lineage: 'abc', serial: 4 };
    expect(stateProblem('standard', planned, { lineage: 'abc', serial: 4 })).toBeUndefined();
    expect(stateProblem('standard', planned, { lineage: 'abc', serial: 5 })).toBe(
      'stack standard: its state moved since the plan (planned against lineage abc serial 4, now lineage abc serial 5): something was applied in between; plan again (npm run plan) and have that plan reviewed',
    );
    expect(stateProblem('standard', { lineage: '', serial: 0 }, { lineage: 'xyz', serial: 1 })).toContain('planned against no state, now lineage xyz serial 1');
  });
});

describe('what goes into a bundle', () => {
  it('reads the state a saved plan was made against from the plan file itself', () => {
    const file = path.join(makeTempDir('tfplan-'), 'standard.tfplan');
    const state = { version: 4, serial: 7, lineage: '299175d8-ca50-cc1a-36ec-617e25f678f0', resources: [] };
    fs.writeFileSync(file, zipSync({ tfplan: new Uint8Array([1]), tfstate: Buffer.from(JSON.stringify(state)) }));
    expect(planState(file)).toEqual({ lineage: state.lineage, serial: 7 });
    fs.writeFileSync(file, zipSync({ tfplan: new Uint8Array([1]) }));
    expect(() => planState(file)).toThrow('holds no tfstate: it is not a terraform plan file');
  });

  it('copies cdk.tf.json, the lock file and only the assets the configuration names', () => {
    const stackDir = makeTempDir('stack-');
    const used = 'assets/greeting-function_zip_D98E7E3F/52C2/function.zip';
    const stale = 'assets/greeting-function_code_1614293A/A057/index.js';
    for (const file of [used, stale]) {
      fs.mkdirSync(path.dirname(path.join(stackDir, file)), { recursive: true });
      fs.writeFileSync(path.join(stackDir, file), file);
    }
    fs.writeFileSync(path.join(stackDir, 'cdk.tf.json'), JSON.stringify({ resource: { aws_lambda_function: { f: { filename: used, role: '${aws_iam_role.r.arn}' } } } }));
    fs.writeFileSync(path.join(stackDir, '.terraform.lock.hcl'), '');
    const dest = path.join(makeTempDir('bundle-'), 'standard');
    copyStackConfig(stackDir, dest);
    expect(fs.readFileSync(path.join(dest, used), 'utf8')).toBe(used);
    expect(fs.existsSync(path.join(dest, stale))).toBe(false);
    expect(fs.readdirSync(dest).sort()).toEqual(['.terraform.lock.hcl', 'assets', 'cdk.tf.json']);
  });

  it('reads provider versions from a lock file', () => {
    const lock = fs.readFileSync(path.join(__dirname, '..', '..', 'providers.lock.hcl'), 'utf8');
    expect(lockedProviders(lock)).toEqual({ 'registry.terraform.io/hashicorp/archive': '2.7.1', 'registry.terraform.io/hashicorp/aws': '5.100.0' });
  });
});

describe('npm run apply arguments', () => {
  it('takes one bundle folder, and the stacks it planned when not all', () => {
    expect(parseApplyArgs(['plans/dev'])).toEqual({ bundle: 'plans/dev', stacks: [] });
    expect(parseApplyArgs(['plans/dev', 'account-settings'])).toEqual({ bundle: 'plans/dev', stacks: ['account-settings'] });
  });

  it('fails on no folder, a second folder or an option, saying what it takes', () => {
    expect(() => parseApplyArgs([])).toThrow('expected a bundle folder, got none; use npm run apply -- plans/<environment> [account-settings standard premium]');
    expect(() => parseApplyArgs(['plans/dev', 'plans/prod'])).toThrow('"plans/prod" is not a stack');
    expect(() => parseApplyArgs(['--force', 'plans/dev'])).toThrow(/^Unknown option '--force'.*; use npm run apply -- plans\/<environment>/);
  });
});
