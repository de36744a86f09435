/**
 * `npm run apply`'s order, stops and refusals, with a stand-in `terraform` on PATH that records
 * what it is asked to do (the real one, against the local AWS, is in
 * test/emulator/review-loop.integration.test.ts).
 */
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { ApplyError, applyBundle } from '../../scripts/apply';
import { gitSource } from '../../scripts/lib/git-source';
import { BundleRefused, writeManifest } from '../../scripts/lib/plan-bundle';
import { makeTempDir } from '../helpers';

/** Answers as terraform would for what apply runs; `apply` fails for the stack in FAKE_FAIL. */
const FAKE_TERRAFORM = `#!/bin/sh
stack=$(basename "$PWD")
echo "$stack $*" >> "$FAKE_LOG"
case "$1" in
  version) echo '{"terraform_version":"1.11.4"}' ;;
  init) echo "Terraform has been successfully initialized!" ;;
  state) eval "echo \\"\\$STATE_$(echo "$stack" | tr '-' '_')\\"" ;;
  apply)
    if [ "$stack" = "$FAKE_FAIL" ]; then echo "Error: creating IAM Role ($stack-logging): EntityAlreadyExists" >&2; exit 1; fi
    echo "Apply complete! Resources: 1 added, 0 changed, 0 destroyed." ;;
esac
`;

const STACKS = ['account-settings', 'standard', 'premium'];
const STATE = (serial: number) => JSON.stringify({ version: 4, serial, lineage: 'lineage-1' });

describe('npm run apply', () => {
  let root: string;
  let bundle: string;
  let log: string;
  const saved = { PATH: process.env.PATH, FAKE_LOG: process.env.FAKE_LOG };

  const calls = () => (fs.existsSync(log) ? fs.readFileSync(log, 'utf8').trim().split('\n') : []);
  const applies = () => calls().filter((line) => / apply /.test(line)).map((line) => line.split(' ')[0]);

  beforeEach(() => {
    const bin = makeTempDir('fake-terraform-');
    fs.writeFileSync(path.join(bin, 'terraform'), FAKE_TERRAFORM, { mode: 0o755 });
    log = path.join(bin, 'calls.log');
    process.env.PATH = `${bin}${path.delimiter}${saved.PATH}`;
    process.env.FAKE_LOG = log;
    for (const stack of STACKS) process.env[`STATE_${stack.replace('-', '_')}`] = STATE(3);
    delete process.env.FAKE_FAIL;

    // A clean git checkout, and a bundle of it.
    root = makeTempDir('applying-');
    fs.writeFileSync(path.join(root, 'main.ts'), '// the app\n');
    fs.writeFileSync(path.join(root, '.gitignore'), '/cdktf.out/\n/plans/\n');
    for (const args of [['init', '-q'], ['add', '-A'], ['-c', 'user.name=t', '-c', 'user.email=t@example.com', 'commit', '-qm', 'app']]) {
      expect(spawnSync('git', args, { cwd: root }).status).toBe(0);
    }
    bundle = path.join(root, 'plans', 'staging');
    for (const stack of STACKS) {
      fs.mkdirSync(path.join(bundle, stack), { recursive: true });
      fs.writeFileSync(path.join(bundle, `${stack}.tfplan`), `plan of ${stack}`);
      fs.writeFileSync(path.join(bundle, stack, 'cdk.tf.json'), '{}');
    }
    writeManifest(bundle, {
      environment: 'staging',
      source: gitSource(root) ?? null,
      offline: false,
      drift: false,
      packaging: 'synth-zip',
      terraform: '1.11.4',
      providers: {},
      stacks: STACKS.map((name) => ({ name, tfplan: `${name}.tfplan`, config: name, workdir: `cdktf.out/stacks/${name}`, state: { lineage: 'lineage-1', serial: 3 } })),
    });
  });

  afterAll(() => {
    process.env.PATH = saved.PATH;
    if (saved.FAKE_LOG === undefined) delete process.env.FAKE_LOG;
    for (const stack of STACKS) delete process.env[`STATE_${stack.replace('-', '_')}`];
    delete process.env.FAKE_FAIL;
  });

  it('applies each saved plan in its stack folder in the manifest’s order, then smoke-checks the tiers there', async () => {
    const smoked: string[] = [];
    const result = await applyBundle({
      projectRoot: root,
      bundleDir: bundle,
      environment: 'staging',
      smoke: async (stacksDir) => {
        smoked.push(stacksDir);
        return [{ name: 'standard: GET hello_url', ok: true, detail: '200 Hello world' }];
      },
    });
    expect(result.applied).toEqual(STACKS);
    expect(applies()).toEqual(STACKS);
    // Every stack checked (init, state) before the first apply.
    const firstApply = calls().findIndex((line) => / apply /.test(line));
    expect(calls().slice(0, firstApply).filter((line) => / state pull$/.test(line))).toHaveLength(3);
    expect(calls().find((line) => line.startsWith('standard apply'))).toBe(`standard apply -input=false -no-color ${path.join(bundle, 'standard.tfplan')}`);
    expect(fs.readFileSync(path.join(root, 'cdktf.out', 'stacks', 'standard', 'cdk.tf.json'), 'utf8')).toBe('{}');
    expect(smoked).toEqual([path.join(root, 'cdktf.out', 'stacks')]);
    expect(result.smoke).toHaveLength(1);
  });

  it('stops at the first stack that fails, naming what applied, what did not and terraform’s error; no smoke check', async () => {
    process.env.FAKE_FAIL = 'standard';
    const smoke = jest.fn();
    const failure = await applyBundle({ projectRoot: root, bundleDir: bundle, environment: 'staging', smoke }).catch((error) => error);
    expect(failure).toBeInstanceOf(ApplyError);
    expect(failure.message).toBe(
      'stack standard failed to apply (applied before it: account-settings); not applied: premium:\nstandard: terraform apply failed:\nError: creating IAM Role (standard-logging): EntityAlreadyExists',
    );
    expect(failure.result.applied).toEqual(['account-settings']);
    expect(applies()).toEqual(['account-settings', 'standard']);
    expect(smoke).not.toHaveBeenCalled();
  });

  it('fails before applying anything when any stack’s state moved since the plan, naming each', async () => {
    process.env.STATE_premium = STATE(4);
    const failure = await applyBundle({ projectRoot: root, bundleDir: bundle, environment: 'staging', smoke: jest.fn() }).catch((error) => error);
    expect(failure).toBeInstanceOf(BundleRefused);
    expect(failure.problems).toEqual([expect.stringMatching(/^stack premium: its state moved since the plan \(planned against lineage lineage-1 serial 3, now lineage lineage-1 serial 4\)/)]);
    expect(applies()).toEqual([]);
  });

  it('fails before running terraform init when the bundle is of another environment or the checkout is dirty', async () => {
    fs.writeFileSync(path.join(root, 'main.ts'), '// edited after the plan\n');
    const failure = await applyBundle({ projectRoot: root, bundleDir: bundle, environment: 'prod', smoke: jest.fn() }).catch((error) => error);
    expect(failure).toBeInstanceOf(BundleRefused);
    expect(failure.message).toMatch(/^refused, nothing applied:\n- the bundle is a plan of staging, but ENVIRONMENT is prod.*\n- this checkout has uncommitted changes/);
    expect(calls().filter((line) => !/ version -json$/.test(line))).toEqual([]);
  });
});
