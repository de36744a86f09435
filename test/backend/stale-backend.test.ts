import * as fs from 'fs';
import * as path from 'path';
import { runTerraform } from '../../scripts/lib/terraform-run';
import { forgetStaleBackend } from '../../src/backend/stale-backend';
import { makeTempDir, terraformMissingReason } from '../helpers';

/** A stack folder as `cdktf synth` then `terraform init` leave it. */
function stackDir(synthesizedBackend: object, recordedBackend?: object): string {
  const dir = makeTempDir('stack-');
  fs.writeFileSync(path.join(dir, 'cdk.tf.json'), JSON.stringify({ terraform: { backend: synthesizedBackend } }));
  if (recordedBackend) {
    fs.mkdirSync(path.join(dir, '.terraform'));
    fs.writeFileSync(path.join(dir, '.terraform', 'terraform.tfstate'), JSON.stringify({ version: 3, backend: recordedBackend }));
  }
  return dir;
}

const record = (dir: string) => path.join(dir, '.terraform', 'terraform.tfstate');
const DEV = { local: { path: '../../../state/dev/standard.tfstate' } };
const DEV_RECORD = { type: 'local', config: { path: '../../../state/dev/standard.tfstate', workspace_dir: null }, hash: 1 };

describe('forgetStaleBackend', () => {
  it('keeps the init record while the environment stays the same', () => {
    const dir = stackDir(DEV, DEV_RECORD);
    expect(forgetStaleBackend(dir)).toBe(false);
    expect(fs.existsSync(record(dir))).toBe(true);
  });

  it("removes the record of another environment's local state, and nothing else", () => {
    const dir = stackDir({ local: { path: '../../../state/prod/standard.tfstate' } }, DEV_RECORD);
    fs.writeFileSync(path.join(dir, '.terraform', 'keep-me'), '');
    expect(forgetStaleBackend(dir)).toBe(true);
    expect(fs.existsSync(record(dir))).toBe(false);
    expect(fs.existsSync(path.join(dir, '.terraform', 'keep-me'))).toBe(true);
  });

  it('removes the record when the backend type changes from local to S3', () => {
    const dir = stackDir({ s3: { bucket: 'b', key: 'k/standard.tfstate', region: 'eu-west-1', encrypt: true, use_lockfile: true } }, DEV_RECORD);
    expect(forgetStaleBackend(dir)).toBe(true);
  });

  it('compares S3 settings key by key', () => {
    const s3 = { bucket: 'b', key: 'prod/standard.tfstate', region: 'eu-west-1', encrypt: true, use_lockfile: true };
    const recorded = { type: 's3', config: { ...s3, dynamodb_table: null, profile: null }, hash: 2 };
    expect(forgetStaleBackend(stackDir({ s3 }, recorded))).toBe(false);
    expect(forgetStaleBackend(stackDir({ s3: { ...s3, key: 'dev/standard.tfstate' } }, recorded))).toBe(true);
  });

  it('does nothing before the first terraform init', () => {
    expect(forgetStaleBackend(stackDir(DEV))).toBe(false);
  });
});

const terraformFound = terraformMissingReason() === undefined;

describe('switching environments with real terraform', () => {
  const run = (dir: string, ...args: string[]) => runTerraform(dir, [...args, '-input=false', '-no-color'], { env: { TF_CLI_CONFIG_FILE: emptyCliConfig() } });
  /** Synthesizes, the way the app does, a stack whose state records which environment wrote it. */
  const synth = (dir: string, env: string) => {
    fs.writeFileSync(
      path.join(dir, 'cdk.tf.json'),
      JSON.stringify({ terraform: { backend: { local: { path: `../state/${env}/standard.tfstate` } } }, output: { environment: { value: env } } }),
    );
    forgetStaleBackend(dir);
  };
  const stateOf = (root: string, env: string) =>
    JSON.parse(fs.readFileSync(path.join(root, 'state', env, 'standard.tfstate'), 'utf8')).outputs.environment.value;

  (terraformFound ? it : it.skip)('plans dev, then prod, then dev against their own state, with no prompt and no migration', async () => {
    const root = makeTempDir('switch-');
    const dir = path.join(root, 'stack');
    fs.mkdirSync(dir);
    for (const env of ['dev', 'prod', 'dev']) {
      synth(dir, env);
      const init = await run(dir, 'init');
      expect(init.stderr).toBe('');
      expect(init.status).toBe(0);
      expect((await run(dir, 'apply', '-auto-approve')).status).toBe(0);
      expect(stateOf(root, env)).toBe(env);
    }
    expect(stateOf(root, 'dev')).toBe('dev');
    expect(stateOf(root, 'prod')).toBe('prod');
    expect((await run(dir, 'plan', '-detailed-exitcode')).status).toBe(0);
  });

  (terraformFound ? it : it.skip)('fails without it: terraform init stops on the changed backend', async () => {
    const root = makeTempDir('switch-');
    const dir = path.join(root, 'stack');
    fs.mkdirSync(dir);
    synth(dir, 'dev');
    expect((await run(dir, 'init')).status).toBe(0);
    fs.writeFileSync(
      path.join(dir, 'cdk.tf.json'),
      JSON.stringify({ terraform: { backend: { local: { path: '../state/prod/standard.tfstate' } } } }),
    );
    const init = await run(dir, 'init');
    expect(init.status).not.toBe(0);
    expect(init.stderr).toContain('Backend configuration changed');
  });
});

/** No provider is needed here; an empty CLI config keeps the machine's own out of the test. */
function emptyCliConfig(): string {
  const file = path.join(makeTempDir('tfrc-'), 'terraform.rc');
  fs.writeFileSync(file, '');
  return file;
}
