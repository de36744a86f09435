/**
 * `npm run apply` against saved plans forged as an attacker would forge them, with real
 * Terraform (its built-in `terraform_data`, so no provider and no AWS): each passes every check
 * of the file itself, and each is refused because this checkout's own plan does something else;
 * the state is left as it was. The genuine plan is applied. (Found by a review that tried.)
 */
import { createHash } from 'crypto';
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { Zip, ZipPassThrough, unzipSync, zipSync } from 'fflate';
import { ApplyBundleResult, Synthesize, applyBundle } from '../../scripts/apply';
import { gitSource } from '../../scripts/lib/git-source';
import { BundleRefused, writeManifest } from '../../scripts/lib/plan-bundle';
import { renderSummary } from '../../scripts/lib/plan-summary';
import { summarizePlanJson } from '../../scripts/lib/terraform-plan';
import { makeTempDir, terraformMissingReason } from '../helpers';

const skip = terraformMissingReason();

/** The app: `kept`, and `other`, which is made from `kept` with a suffix that each change moves on. */
const config = (statePath: string, suffix: string) =>
  `${JSON.stringify({
    terraform: { backend: { local: { path: statePath } } },
    resource: { terraform_data: { kept: { input: 'legit' }, other: { input: `\${terraform_data.kept.output}-${suffix}` } } },
  })}\n`;

function terraform(dir: string, ...args: string[]): string {
  const run = spawnSync('terraform', [...args, '-no-color'], { cwd: dir, encoding: 'utf8', env: { ...process.env, TF_IN_AUTOMATION: '1' } });
  if (run.status !== 0) throw new Error(`terraform ${args.join(' ')} failed: ${run.stderr}`);
  return run.stdout;
}

/** A zip of entries in this order, duplicate names kept, as any zip tool can write one. */
function zipInOrder(entries: readonly [string, Uint8Array][]): Buffer {
  const chunks: Uint8Array[] = [];
  const zip = new Zip((error, chunk) => {
    if (error) throw error;
    chunks.push(chunk);
  });
  for (const [name, bytes] of entries) {
    const file = new ZipPassThrough(name);
    zip.add(file);
    file.push(bytes, true);
  }
  zip.end();
  return Buffer.concat(chunks);
}

(skip ? describe.skip : describe)('npm run apply with real Terraform, against forged saved plans', () => {
  let root: string;
  let planner: string;
  let statePath: string;
  const stateHash = () => createHash('sha256').update(fs.readFileSync(statePath)).digest('hex');
  const synthesize: Synthesize = (outdir) => {
    const dir = path.join(outdir, 'stacks', 'app');
    fs.mkdirSync(dir, { recursive: true });
    fs.writeFileSync(path.join(dir, 'cdk.tf.json'), config(statePath, 'v2'));
    // The built-in provider needs no lock entries: the empty lock file Terraform keeps in a plan.
    fs.writeFileSync(path.join(dir, '.terraform.lock.hcl'), '');
    return [{ name: 'app', dir }];
  };

  /** A bundle of `planBytes` as the app's plan, with its manifest (of the checkout's commit). */
  const bundleOf = (planBytes: Uint8Array): string => {
    const bundle = path.join(makeTempDir('bundle-'), 'staging');
    fs.mkdirSync(path.join(bundle, 'app'), { recursive: true });
    fs.writeFileSync(path.join(bundle, 'app.tfplan'), planBytes);
    fs.writeFileSync(path.join(bundle, 'app', 'cdk.tf.json'), config(statePath, 'v2'));
    // What the reviewers read, as npm run plan writes it from the plan.
    fs.writeFileSync(path.join(bundle, 'summary.md'), renderSummary({ environment: 'staging', offline: false, plans: [summarizePlanJson('app', JSON.parse(terraform(planner, 'show', '-json', 'genuine.tfplan')))] }));
    writeManifest(bundle, {
      environment: 'staging',
      source: gitSource(root) ?? null,
      offline: false,
      drift: false,
      packaging: 'archive-provider',
      credentials: 'deploy-role',
      terraform: JSON.parse(terraform(planner, 'version', '-json')).terraform_version,
      providers: {},
      stacks: [{ name: 'app', tfplan: 'app.tfplan', config: 'app', workdir: 'cdktf.out/stacks/app', state: { lineage: '', serial: 0 } }],
    });
    return bundle;
  };
  const apply = (bundle: string): Promise<ApplyBundleResult> => applyBundle({ projectRoot: root, bundleDir: bundle, environment: 'staging', synthesize, smoke: jest.fn() });

  /**
   * A plan of the reviewed configuration, to the same backend, made (on the forger's machine)
   * against an edited copy of the state (same lineage and serial), carrying the genuine state as
   * the one it was made against.
   */
  const planAgainstEditedState = (edit: (state: any) => void, genuine: Uint8Array): Uint8Array => {
    const scratch = makeTempDir('forger-');
    const real = fs.readFileSync(statePath);
    const state = JSON.parse(real.toString('utf8'));
    edit(state);
    fs.writeFileSync(path.join(scratch, 'cdk.tf.json'), config(statePath, 'v2'));
    try {
      fs.writeFileSync(statePath, JSON.stringify(state));
      terraform(scratch, 'init', '-input=false');
      terraform(scratch, 'plan', '-input=false', '-lock=false', '-out=forged.tfplan');
    } finally {
      fs.writeFileSync(statePath, real);
    }
    const forged = unzipSync(new Uint8Array(fs.readFileSync(path.join(scratch, 'forged.tfplan'))));
    return zipSync({ ...forged, 'tfstate-prev': unzipSync(genuine)['tfstate-prev'] });
  };

  beforeAll(() => {
    root = makeTempDir('applying-');
    fs.writeFileSync(path.join(root, 'main.ts'), '// the app\n');
    fs.writeFileSync(path.join(root, '.gitignore'), '/cdktf.out/\n/.cdktf-apply-*/\n');
    for (const args of [['init', '-q'], ['add', '-A'], ['-c', 'user.name=t', '-c', 'user.email=t@example.com', 'commit', '-qm', 'app']]) {
      expect(spawnSync('git', args, { cwd: root }).status).toBe(0);
    }
    statePath = path.join(makeTempDir('state-'), 'app.tfstate');
    // What is deployed: v1.
    planner = makeTempDir('planner-');
    fs.writeFileSync(path.join(planner, 'cdk.tf.json'), config(statePath, 'v1'));
    terraform(planner, 'init', '-input=false');
    terraform(planner, 'apply', '-input=false', '-auto-approve');
    // The reviewed change: v2.
    fs.writeFileSync(path.join(planner, 'cdk.tf.json'), config(statePath, 'v2'));
    terraform(planner, 'plan', '-input=false', '-out=genuine.tfplan');
    terraform(planner, 'plan', '-input=false', '-destroy', '-out=destroy.tfplan');
  }, 120_000);

  const genuine = () => new Uint8Array(fs.readFileSync(path.join(planner, 'genuine.tfplan')));

  it('fails on a plan zipped twice over, a destroy first (which Terraform reads) and the genuine plan after (which other readers keep), leaving the state', async () => {
    const destroy = unzipSync(new Uint8Array(fs.readFileSync(path.join(planner, 'destroy.tfplan'))));
    const first = ['tfplan', 'tfstate', 'tfstate-prev', '.terraform.lock.hcl'].map((name) => [name, destroy[name]] as [string, Uint8Array]);
    const forged = zipInOrder([...first, ...Object.entries(unzipSync(genuine()))]);
    const before = stateHash();
    const failure = await apply(bundleOf(forged)).catch((error) => error);
    expect(failure).toBeInstanceOf(BundleRefused);
    expect(failure.message).toMatch(/stack app: terraform_data\.kept: the reviewed plan does delete, this checkout plans no change against the state there is now/);
    expect(stateHash()).toBe(before);
  }, 120_000);

  it('fails on a plan made against an edited copy of the state, carrying the genuine one: another value flows into the change', async () => {
    const forged = planAgainstEditedState((state) => {
      const kept = state.resources.find((resource: any) => resource.name === 'kept');
      kept.instances[0].attributes.output = { type: 'string', value: 'EVIL' };
    }, genuine());
    const before = stateHash();
    const failure = await apply(bundleOf(forged)).catch((error) => error);
    expect(failure).toBeInstanceOf(BundleRefused);
    expect(failure.message).toContain('stack app: terraform_data.other: the reviewed plan does update, this checkout plans update with other values against the state there is now');
    expect(failure.message).not.toContain('EVIL');
    expect(stateHash()).toBe(before);
  }, 120_000);

  it('fails on a plan that replaces what the configuration did not change (the object marked tainted in the state it was made against)', async () => {
    const forged = planAgainstEditedState((state) => {
      state.resources.find((resource: any) => resource.name === 'kept').instances[0].status = 'tainted';
    }, genuine());
    const before = stateHash();
    const failure = await apply(bundleOf(forged)).catch((error) => error);
    expect(failure).toBeInstanceOf(BundleRefused);
    expect(failure.message).toMatch(/stack app: terraform_data\.kept: the reviewed plan does (create then delete|delete then create), this checkout plans no change/);
    expect(stateHash()).toBe(before);
  }, 120_000);

  it('applies the genuine plan: what the reviewed plan shows, done by this checkout', async () => {
    const result = await apply(bundleOf(genuine()));
    expect(result.applied).toEqual(['app']);
    const state = JSON.parse(fs.readFileSync(statePath, 'utf8'));
    expect(state.resources.find((resource: any) => resource.name === 'other').instances[0].attributes.input).toEqual({ type: 'string', value: 'legit-v2' });
  }, 120_000);
});
