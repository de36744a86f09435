/**
 * `npm run apply`'s order, stops and refusals, with a stand-in `terraform` on PATH that records
 * what it is asked to do, a stand-in synth of the checkout, and saved plans made by hand (the
 * real ones, against the local AWS, are in test/emulator/review-loop.integration.test.ts). Each
 * forged bundle is refused before anything is applied, and the checkout is left as it was.
 */
import { createHash } from 'crypto';
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { ApplyError, STAGING_PREFIX, Synthesize, applyBundle } from '../../scripts/apply';
import { gitSource } from '../../scripts/lib/git-source';
import { BundleRefused, writeManifest } from '../../scripts/lib/plan-bundle';
import { renderSummary } from '../../scripts/lib/plan-summary';
import { summarizePlanJson } from '../../scripts/lib/terraform-plan';
import { folderSnapshot, makeTempDir } from '../helpers';
import { ACTION, MODE, SavedPlanParts, buildSavedPlan } from '../saved-plan-builder';

/**
 * Answers as terraform would for what apply runs; `apply` fails for the stack in FAKE_FAIL.
 * `show -json` of the plan apply makes prints PLANNED (default: one update), of the reviewed one
 * REVIEWED_<stack> (default: the same).
 */
const FAKE_TERRAFORM = `#!/bin/sh
stack=$(basename "$PWD")
echo "$stack $*" >> "$FAKE_LOG"
default='{"resource_changes":[{"address":"aws_iam_role.role","mode":"managed","type":"aws_iam_role","change":{"actions":["update"],"after":{"name":"x"}}}],"output_changes":{}}'
case "$1" in
  version) echo '{"terraform_version":"1.11.4"}' ;;
  init) echo "Terraform has been successfully initialized!" ;;
  state) eval "printf '%s' \\"\\$STATE_$(echo "$stack" | tr '-' '_')\\"" ;;
  plan) echo "Plan: 0 to add, 1 to change, 0 to destroy." ;;
  show)
    for last; do :; done
    if [ "$last" = "checked.tfplan" ]; then printf '%s' "\${PLANNED:-$default}"; else eval "printf '%s' \\"\\\${REVIEWED_$(echo "$stack" | tr '-' '_'):-\\$default}\\""; fi ;;
  apply)
    if [ "$stack" = "$FAKE_OUTCOME_STACK" ]; then printf '%s\n' "$FAKE_OUTCOME_LINE" >> "$RELEASE_OUTCOME_FILE"; fi
    if [ "$stack" = "$FAKE_FAIL" ]; then echo "Error: creating IAM Role ($stack-logging): EntityAlreadyExists" >&2; exit 1; fi
    if [ "$stack" = "$FAKE_ROLLBACK" ]; then echo '{"functionName":"hello-world-staging-standard","targetVersion":"7","status":"rolled-back","liveVersion":"6","alarms":["hello-world-staging-standard-api-5xx"],"reason":"alarm hello-world-staging-standard-api-5xx in ALARM"}' >> "$RELEASE_OUTCOME_FILE"; fi
    echo "Apply complete! Resources: 1 added, 0 changed, 0 destroyed." ;;
esac
`;

const STACKS = ['account-settings', 'standard', 'premium'];
const LOCK = '# This file is maintained automatically by "terraform init".\n\nprovider "registry.terraform.io/hashicorp/aws" {\n  version     = "5.100.0"\n  hashes = ["h1:abc="]\n}\n';
const BACKEND = (stack: string) => ({ bucket: 'hello-world-terraform-state-234567890123', key: `hello-world/staging/${stack}.tfstate`, region: 'eu-central-1', encrypt: true, use_lockfile: true });
const CONFIG = (stack: string) =>
  `${JSON.stringify({ terraform: { backend: { s3: BACKEND(stack) } }, resource: { aws_iam_role: { role: { name: `${stack}-role` } }, aws_sns_topic: { topic: { name: `${stack}-topic` } } } }, null, 2)}\n`;
const RESOURCES = (stack: string) => [
  { mode: 'managed', type: 'aws_iam_role', name: 'role', provider: 'provider["registry.terraform.io/hashicorp/aws"]', instances: [{ schema_version: 0, attributes: { id: `${stack}-role`, name: `${stack}-role` } }] },
  { mode: 'managed', type: 'aws_sns_topic', name: 'topic', provider: 'provider["registry.terraform.io/hashicorp/aws"]', instances: [{ schema_version: 0, attributes: { id: `arn:aws:sns:eu-central-1:234567890123:${stack}-topic` } }] },
];
const STATE = (stack: string, serial = 3) => ({ version: 4, terraform_version: '1.11.4', serial, lineage: 'lineage-1', outputs: {}, resources: RESOURCES(stack), check_results: null });

/** The parts of a genuine plan of `stack`: an update of its role, against the state there is. */
function genuine(stack: string): SavedPlanParts {
  return {
    config: { 'cdk.tf.json': CONFIG(stack) },
    lockFile: LOCK,
    state: STATE(stack),
    previousState: { ...STATE(stack), serial: 0, lineage: '' },
    backend: { type: 's3', config: { ...BACKEND(stack), dynamodb_table: null, assume_role: null, profile: null } },
    changes: [
      { address: 'aws_iam_role.role', action: ACTION.update, before: { id: `${stack}-role`, name: `${stack}-role` }, after: { id: `${stack}-role`, name: `${stack}-role`, description: 'new' } },
      { address: 'aws_sns_topic.topic', action: ACTION.noop, before: { id: `arn:aws:sns:eu-central-1:234567890123:${stack}-topic` } },
    ],
  };
}

describe('npm run apply', () => {
  let root: string;
  let bundle: string;
  let log: string;
  const saved = { PATH: process.env.PATH, FAKE_LOG: process.env.FAKE_LOG };

  const calls = () => (fs.existsSync(log) ? fs.readFileSync(log, 'utf8').trim().split('\n') : []);
  const applies = () => calls().filter((line) => / apply /.test(line)).map((line) => line.split(' ')[0]);

  /** The checkout's stacks as synth writes them: each stack's configuration and lock file. */
  const synthesize: Synthesize = (outdir) =>
    STACKS.map((name) => {
      const dir = path.join(outdir, 'stacks', name);
      fs.mkdirSync(dir, { recursive: true });
      fs.writeFileSync(path.join(dir, 'cdk.tf.json'), CONFIG(name));
      fs.writeFileSync(path.join(dir, '.terraform.lock.hcl'), LOCK);
      return { name, dir };
    });

  /** Writes the bundle: a saved plan per stack (from `parts`), the stack's files, the manifest. */
  function writeBundle(parts: (stack: string) => SavedPlanParts = genuine, manifest: Record<string, unknown> = {}) {
    fs.rmSync(bundle, { recursive: true, force: true });
    for (const stack of STACKS) {
      fs.mkdirSync(path.join(bundle, stack), { recursive: true });
      fs.writeFileSync(path.join(bundle, `${stack}.tfplan`), buildSavedPlan(parts(stack)));
      fs.writeFileSync(path.join(bundle, stack, 'cdk.tf.json'), CONFIG(stack));
      fs.writeFileSync(path.join(bundle, stack, '.terraform.lock.hcl'), LOCK);
    }
    // What each stack's plan does, as the reviewers read it: an update of its role.
    fs.writeFileSync(path.join(bundle, 'summary.md'), renderSummary({ environment: 'staging', offline: false, plans: STACKS.map((stack) => summarizePlanJson(stack, { resource_changes: [{ address: 'aws_iam_role.role', mode: 'managed', type: 'aws_iam_role', change: { actions: ['update'] } }] })) }));
    writeManifest(bundle, {
      environment: 'staging',
      source: gitSource(root) ?? null,
      offline: false,
      drift: false,
      packaging: 'archive-provider',
      credentials: 'deploy-role',
      terraform: '1.11.4',
      providers: {},
      stacks: STACKS.map((name) => ({ name, tfplan: `${name}.tfplan`, config: name, workdir: `cdktf.out/stacks/${name}`, state: { lineage: 'lineage-1', serial: 3 } })),
      ...manifest,
    } as any);
  }

  /** Writes a file of the bundle and its hash into the manifest, as a forger would. */
  const replaceInBundle = (file: string, content: string) => {
    fs.writeFileSync(path.join(bundle, file), content);
    const manifest = JSON.parse(fs.readFileSync(path.join(bundle, 'manifest.json'), 'utf8'));
    manifest.files[file] = createHash('sha256').update(content).digest('hex');
    fs.writeFileSync(path.join(bundle, 'manifest.json'), JSON.stringify(manifest));
  };

  const apply = (extra: { smoke?: jest.Mock; environment?: string; stacks?: string[] } = {}) =>
    applyBundle({ projectRoot: root, bundleDir: bundle, environment: extra.environment ?? 'staging', stacks: extra.stacks, synthesize, smoke: extra.smoke ?? jest.fn(async () => []) });

  beforeEach(() => {
    const bin = makeTempDir('fake-terraform-');
    fs.writeFileSync(path.join(bin, 'terraform'), FAKE_TERRAFORM, { mode: 0o755 });
    log = path.join(bin, 'calls.log');
    process.env.PATH = `${bin}${path.delimiter}${saved.PATH}`;
    process.env.FAKE_LOG = log;
    for (const stack of STACKS) process.env[`STATE_${stack.replace('-', '_')}`] = JSON.stringify(STATE(stack));
    delete process.env.FAKE_FAIL;
    delete process.env.FAKE_ROLLBACK;
    delete process.env.FAKE_OUTCOME_STACK;
    delete process.env.FAKE_OUTCOME_LINE;
    delete process.env.PLANNED;
    for (const stack of STACKS) delete process.env[`REVIEWED_${stack.replace('-', '_')}`];

    // A clean git checkout, and a bundle of it outside it (as fetch-bundle or a copy leaves one).
    root = makeTempDir('applying-');
    fs.writeFileSync(path.join(root, 'main.ts'), '// the app\n');
    fs.writeFileSync(path.join(root, '.gitignore'), `/cdktf.out/\n/plans/\n/${STAGING_PREFIX}*/\n`);
    fs.mkdirSync(path.join(root, 'state'));
    fs.writeFileSync(path.join(root, 'state', 'keep.tfstate'), '{"local":"state"}');
    for (const args of [['init', '-q'], ['add', '-A'], ['-c', 'user.name=t', '-c', 'user.email=t@example.com', 'commit', '-qm', 'app']]) {
      expect(spawnSync('git', args, { cwd: root }).status).toBe(0);
    }
    bundle = path.join(makeTempDir('bundle-'), 'staging');
    writeBundle();
  });

  afterAll(() => {
    process.env.PATH = saved.PATH;
    if (saved.FAKE_LOG === undefined) delete process.env.FAKE_LOG;
    for (const stack of STACKS) delete process.env[`STATE_${stack.replace('-', '_')}`];
    delete process.env.FAKE_FAIL;
    delete process.env.FAKE_ROLLBACK;
  });

  it("applies each stack's saved plan in the checkout's order, in the folder this checkout synthesized, then smoke-checks the tiers there", async () => {
    const smoke = jest.fn(async () => [{ name: 'standard: GET hello_url', ok: true, detail: '200 Hello world' }]);
    const result = await apply({ smoke });
    expect(result.applied).toEqual(STACKS);
    expect(applies()).toEqual(STACKS);
    // Every stack checked (init, state) before the first apply.
    const firstApply = calls().findIndex((line) => / apply /.test(line));
    expect(calls().slice(0, firstApply).filter((line) => / state pull$/.test(line))).toHaveLength(3);
    // This checkout's own plan is applied, once Terraform shows it doing what the reviewed one does.
    const standard = calls().filter((line) => line.startsWith('standard '));
    expect(standard).toEqual([
      'standard init -input=false -no-color -lockfile=readonly',
      'standard state pull',
      'standard plan -input=false -no-color -lock=false -out=checked.tfplan',
      expect.stringMatching(/^standard show -json /),
      expect.stringMatching(/^standard show -json /),
      'standard apply -input=false -no-color -lock-timeout=300s checked.tfplan',
    ]);
    // Both plans are shown side by side, so in either order.
    expect(standard.slice(3, 5).sort()).toEqual([`standard show -json ${path.join(bundle, 'standard.tfplan')}`, 'standard show -json checked.tfplan'].sort());
    expect(fs.readFileSync(path.join(root, 'cdktf.out', 'stacks', 'standard', 'cdk.tf.json'), 'utf8')).toBe(CONFIG('standard'));
    expect(smoke).toHaveBeenCalledWith(path.join(root, 'cdktf.out', 'stacks'));
    expect(result.smoke).toHaveLength(1);
    expect(fs.readdirSync(root).filter((entry) => entry.startsWith(STAGING_PREFIX))).toEqual([]);
  });

  it('stops at the first stack that fails, naming what applied, what did not, terraform’s error and what to do next; no smoke check', async () => {
    process.env.FAKE_FAIL = 'standard';
    const smoke = jest.fn();
    const failure = await apply({ smoke }).catch((error) => error);
    expect(failure).toBeInstanceOf(ApplyError);
    expect(failure.message).toBe(
      'stack standard failed to apply (applied before it: account-settings); not applied: premium:\nstandard: terraform apply failed:\nError: creating IAM Role (standard-logging): EntityAlreadyExists\n' +
        'Next: fix the cause above, then plan again from this commit (npm run plan; in the workflows, a pull request) and apply that plan: the state of account-settings moved, so this bundle is refused for them now.',
    );
    expect(failure.result.applied).toEqual(['account-settings']);
    expect(applies()).toEqual(['account-settings', 'standard']);
    expect(smoke).not.toHaveBeenCalled();
  });

  it("fails when a stack's gradual release was rolled back, though Terraform's apply succeeded: naming the version, the alarm and the version live serves; nothing after it applied", async () => {
    process.env.FAKE_ROLLBACK = 'standard';
    const smoke = jest.fn();
    const failure = await apply({ smoke }).catch((error) => error);
    expect(failure).toBeInstanceOf(ApplyError);
    expect(failure.message).toBe(
      'stack standard applied, but its release of hello-world-staging-standard version 7 was rolled back (alarm hello-world-staging-standard-api-5xx in ALARM); live serves version 6; not applied: premium.\n' +
        "Next: find why the new version fails (the alarm, the function's logs), fix it and ship the fix. Until then the alias stays where CodeDeploy left it, " +
        'and plans show no change of it (docs/releases-and-rollback.md, "How a release runs").',
    );
    expect(failure.result.applied).toEqual(['account-settings', 'standard']);
    expect(applies()).toEqual(['account-settings', 'standard']);
    expect(smoke).not.toHaveBeenCalled();
  });

  it('says, when the first stack fails, that its state may have moved and the bundle be refused: plan again', async () => {
    process.env.FAKE_FAIL = 'account-settings';
    const failure = await apply().catch((error) => error);
    expect(failure.message).toMatch(/^stack account-settings failed to apply \(nothing applied before it\); not applied: standard, premium:\n/);
    expect(failure.message).toMatch(/Next: fix the cause above, then plan again from this commit \(npm run plan; in the workflows, a pull request\) and apply that plan: a failed apply keeps what it finished, so the state of account-settings may have moved and this bundle be refused for it\.$/);
  });

  it("fails naming a release that never started, and that the next plan starts it again, when its runner fails Terraform's apply", async () => {
    process.env.FAKE_FAIL = 'standard';
    process.env.FAKE_OUTCOME_STACK = 'standard';
    process.env.FAKE_OUTCOME_LINE = JSON.stringify({ functionName: 'hello-world-staging-standard', targetVersion: '7', status: 'failed', liveVersion: '6', reason: 'an earlier release is still running' });
    const failure = await apply().catch((error) => error);
    expect(failure).toBeInstanceOf(ApplyError);
    expect(failure.message).toContain(
      'EntityAlreadyExists\nits release of hello-world-staging-standard version 7 did not start: an earlier release is still running; live serves version 6; Terraform marked its release tainted, so the next plan starts it again\nNext:',
    );
    expect(applies()).toEqual(['account-settings', 'standard']);
  });

  it.each([
    ['an unreadable one', 'not json', 'its release of standard version (unknown) has no known end: its release runner recorded an unreadable outcome: not json'],
    [
      'a release it started but could not follow',
      '{"functionName":"hello-world-staging-standard","targetVersion":"7","status":"unknown","deploymentId":"d-1","reason":"could not follow CodeDeploy deployment d-1 to its end: Rate exceeded"}',
      'its release of hello-world-staging-standard version 7 started (CodeDeploy deployment d-1) but its end is unknown (could not follow CodeDeploy deployment d-1 to its end: Rate exceeded); CodeDeploy completes it or rolls it back on its own: see that deployment',
    ],
    ['one of an unknown status', '{"functionName":"hello-world-staging-standard","targetVersion":"7","status":"pending"}', 'its release of hello-world-staging-standard version 7 ended "pending", not succeeded'],
  ])("fails when a stack's release runner records %s, as it fails a rollback", async (_what, line, message) => {
    process.env.FAKE_OUTCOME_STACK = 'standard';
    process.env.FAKE_OUTCOME_LINE = line;
    const failure = await apply().catch((error) => error);
    expect(failure).toBeInstanceOf(ApplyError);
    expect(failure.message).toContain(`stack standard applied, but ${message}; not applied: premium.`);
  });

  it('fails when a stack whose plan releases by CodeDeploy records no outcome (its runner never ran)', async () => {
    // Every stack's plan, reviewed and fresh: a new version released by a canary.
    const releasing = {
      resource_changes: [
        { address: 'terraform_data.release_94AF7AAB', mode: 'managed', type: 'terraform_data', change: { actions: ['delete', 'create'], before: {}, after: {} } },
        { address: 'aws_codedeploy_deployment_config.release_config_190EB430', mode: 'managed', type: 'aws_codedeploy_deployment_config', change: { actions: ['no-op'], before: {}, after: { traffic_routing_config: [{ time_based_canary: [{ interval: 5, percentage: 10 }] }] } } },
      ],
      output_changes: {},
    };
    process.env.PLANNED = JSON.stringify(releasing);
    for (const stack of STACKS) process.env[`REVIEWED_${stack.replace('-', '_')}`] = JSON.stringify(releasing);
    replaceInBundle('summary.md', renderSummary({ environment: 'staging', offline: false, plans: STACKS.map((stack) => summarizePlanJson(stack, releasing)) }));
    const failure = await apply().catch((error) => error);
    expect(failure).toBeInstanceOf(ApplyError);
    expect(failure.message).toContain('stack account-settings applied, but its release of account-settings version (new) did not start: its release runner recorded no outcome (did node run?); not applied: standard, premium.');
  });

  it('fails before applying anything when this checkout plans other changes than the reviewed plan shows, naming each address and no value', async () => {
    process.env.REVIEWED_premium = JSON.stringify({
      resource_changes: [
        { address: 'aws_iam_role.role', change: { actions: ['update'], after: { name: 'x' } } },
        { address: 'aws_sns_topic.topic', change: { actions: ['delete'], before: { id: 'arn' }, after: null } },
      ],
      output_changes: { secret: { actions: ['create'], after: 'hunter2-value', after_sensitive: true } },
    });
    try {
      const failure = await apply().catch((error) => error);
      expect(failure).toBeInstanceOf(BundleRefused);
      expect(failure.problems).toEqual([
        'stack premium: aws_sns_topic.topic: the reviewed plan does delete, this checkout plans nothing against the state there is now',
        'stack premium: output secret: the reviewed plan does create, this checkout plans nothing against the state there is now',
        expect.stringMatching(/^stack premium: the reviewed plan is not what this commit does to the state there is now .* plan again from this commit/),
      ]);
      expect(failure.message).not.toContain('hunter2');
      expect(applies()).toEqual([]);
    } finally {
      delete process.env.REVIEWED_premium;
    }
  });

  it('fails before applying anything when the summary reviewers read says other than what this checkout will apply (the pull request’s job wrote it)', async () => {
    const summary = path.join(bundle, 'summary.md');
    replaceInBundle('summary.md', fs.readFileSync(summary, 'utf8').replace('| premium | 0 | 1 |', '| premium | 0 | 0 |').replace(/(## premium\n\n)\| resource[\s\S]*?\n\n/, '$1No changes.\n\n'));
    const failure = await apply().catch((error) => error);
    expect(failure).toBeInstanceOf(BundleRefused);
    expect(failure.problems).toEqual([
      'the summary reviewers read (summary.md) is not the summary of what this checkout will apply: where it reads "| premium | 0 | 0 | 0 | 0 | 0 | 0 | 0 | |", ' +
        `this checkout's summary reads "| premium | 0 | 1 | 0 | 0 | 0 | 0 | 0 | |"; the pull request's job summarized something else; plan again from this commit (npm run plan) and have that plan reviewed`,
    ]);
    expect(applies()).toEqual([]);
  });

  it('fails before applying anything when any stack’s state moved since the plan, as the saved plan records it, naming each', async () => {
    process.env.STATE_premium = JSON.stringify(STATE('premium', 4));
    const failure = await apply().catch((error) => error);
    expect(failure).toBeInstanceOf(BundleRefused);
    expect(failure.problems).toEqual([expect.stringMatching(/^stack premium: its state moved since the plan \(planned against lineage lineage-1 serial 3, now lineage lineage-1 serial 4\)/)]);
    expect(applies()).toEqual([]);
  });

  it('fails before synthesizing or running terraform init when the bundle is of another environment or the checkout is dirty', async () => {
    fs.writeFileSync(path.join(root, 'main.ts'), '// edited after the plan\n');
    const failure = await apply({ environment: 'prod' }).catch((error) => error);
    expect(failure).toBeInstanceOf(BundleRefused);
    expect(failure.message).toMatch(/^refused, nothing applied:\n- the bundle is a plan of staging, but ENVIRONMENT is prod.*\n- this checkout has uncommitted changes/);
    expect(calls().filter((line) => !/ version -json$/.test(line))).toEqual([]);
    expect(fs.existsSync(path.join(root, 'cdktf.out'))).toBe(false);
  });

  /** A change to the genuine parts of one stack, standard. */
  const forgeStandard = (forge: (parts: SavedPlanParts) => SavedPlanParts) => (stack: string) => (stack === 'standard' ? forge(genuine(stack)) : genuine(stack));

  const forged: [string, () => void, RegExp][] = [
    ['a manifest that lists no stacks', () => writeBundle(genuine, { stacks: [] }), /the bundle holds the stacks \[\], but this apply is of staging's \["account-settings","standard","premium"\] \(a bundle of no stacks applies nothing\)/],
    [
      "a manifest whose stack's folder is the project itself (./)",
      () => writeBundle(genuine, { stacks: STACKS.map((name) => ({ name, tfplan: `${name}.tfplan`, config: name, workdir: name === 'standard' ? './' : `cdktf.out/stacks/${name}`, state: { lineage: '', serial: 0 } })) }),
      /stack standard: the manifest puts its workdir at "\.\/", not "cdktf\.out\/stacks\/standard"/,
    ],
    [
      'a manifest with a stack the checkout does not have',
      () => writeBundle(genuine, { stacks: [...STACKS, 'gold'].map((name) => ({ name, tfplan: `${name}.tfplan`, config: name, workdir: `cdktf.out/stacks/${name}`, state: { lineage: '', serial: 0 } })) }),
      /the bundle holds the stacks \["account-settings","standard","premium","gold"\]/,
    ],
    [
      'a manifest without one of the checkout’s stacks',
      () => writeBundle(genuine, { stacks: STACKS.slice(0, 2).map((name) => ({ name, tfplan: `${name}.tfplan`, config: name, workdir: `cdktf.out/stacks/${name}`, state: { lineage: '', serial: 0 } })) }),
      /the bundle holds the stacks \["account-settings","standard"\], but this apply is of staging's/,
    ],
    [
      'a manifest file path outside the bundle',
      () => {
        const manifest = JSON.parse(fs.readFileSync(path.join(bundle, 'manifest.json'), 'utf8'));
        manifest.files['../../main.ts'] = 'x';
        fs.writeFileSync(path.join(bundle, 'manifest.json'), JSON.stringify(manifest));
      },
      /lists "\.\.\/\.\.\/main\.ts", which is not a path inside the bundle/,
    ],
    [
      'a saved plan whose configuration is not the checkout’s (a local-exec added)',
      () => writeBundle(forgeStandard((parts) => ({ ...parts, config: { 'cdk.tf.json': CONFIG('standard').replace('"resource": {', '"resource": {"terraform_data": {"x": {"provisioner": [{"local-exec": {"command": "env"}}]}},') } }))),
      /stack standard: the saved plan's cdk\.tf\.json \(sha256 [0-9a-f]{64}\) is not the one this checkout synthesizes/,
    ],
    ['a saved plan with a configuration file more', () => writeBundle(forgeStandard((parts) => ({ ...parts, config: { ...parts.config, 'exfiltrate.tf': 'resource "x" "y" {}' } }))), /the saved plan's configuration is the files \["cdk\.tf\.json","exfiltrate\.tf"\]/],
    ['a saved plan with another module', () => writeBundle(forgeStandard((parts) => ({ ...parts, modules: [{ Key: '', Dir: '.' }, { Key: 'evil', Dir: 'evil' }] }))), /the saved plan's modules are not this configuration's/],
    ['a saved plan with another lock file', () => writeBundle(forgeStandard((parts) => ({ ...parts, lockFile: LOCK.replace('h1:abc=', 'h1:evil=') }))), /stack standard: the saved plan's lock file is not the one this checkout synthesizes/],
    [
      'a saved plan that writes its state to another backend',
      () => writeBundle(forgeStandard((parts) => ({ ...parts, backend: { type: 's3', config: { ...BACKEND('standard'), bucket: 'attacker-bucket' } } }))),
      /stack standard: the saved plan writes its state to the s3 backend \{"bucket":"attacker-bucket"/,
    ],
    ['a saved plan in another workspace', () => writeBundle(forgeStandard((parts) => ({ ...parts, backend: { ...parts.backend, workspace: 'evil' } }))), /\(workspace evil\), but this checkout's is the s3 backend/],
    [
      'a saved plan of another state under the right lineage and serial',
      () => writeBundle(forgeStandard((parts) => ({ ...parts, previousState: { ...(parts.previousState as any), resources: [...RESOURCES('standard'), { mode: 'managed', type: 'aws_iam_role', name: 'victim', instances: [{ attributes: { id: 'prod-admin' } }] }] } }))),
      /stack standard: the state the saved plan carries is not the stack's state/,
    ],
    [
      'a saved plan whose refreshed state adds an object',
      () => writeBundle(forgeStandard((parts) => ({ ...parts, state: { ...(parts.state as any), resources: [...RESOURCES('standard'), { mode: 'managed', type: 'aws_iam_role', name: 'victim', instances: [{ attributes: { id: 'prod-admin' } }] }] } }))),
      /the saved plan's refreshed state holds aws_iam_role\.victim \(id "prod-admin"\), which the stack's state does not/,
    ],
    ['a destroy plan of the same configuration', () => writeBundle(forgeStandard((parts) => ({ ...parts, mode: MODE.destroy, changes: [{ address: 'aws_iam_role.role', action: ACTION.delete, before: { id: 'standard-role' } }] }))), /the saved plan is a destroy plan[\s\S]*the saved plan deletes aws_iam_role\.role, which the configuration still has/],
    ['a change to another object than the state holds at that address', () => writeBundle(forgeStandard((parts) => ({ ...parts, changes: [{ address: 'aws_iam_role.role', action: ACTION.update, before: { id: 'prod-admin' } }] }))), /the saved plan updates aws_iam_role\.role as the object "prod-admin", but the state holds "standard-role" there/],
    ['a change to an object not in the configuration', () => writeBundle(forgeStandard((parts) => ({ ...parts, changes: [{ address: 'aws_iam_user.backdoor', action: ACTION.create, after: { name: 'backdoor' } }] }))), /the saved plan creates aws_iam_user\.backdoor, which is not in the configuration/],
    ['a saved plan limited by -target', () => writeBundle(forgeStandard((parts) => ({ ...parts, targets: ['aws_iam_role.role'] }))), /is limited to aws_iam_role\.role \(-target\)/],
    ['a saved plan that replaces what did not change', () => writeBundle(forgeStandard((parts) => ({ ...parts, forceReplace: ['aws_sns_topic.topic'] }))), /replaces aws_sns_topic\.topic though the configuration did not change them/],
    ['a saved plan that sets variables', () => writeBundle(forgeStandard((parts) => ({ ...parts, variables: ['evil'] }))), /sets variables \(evil\), and this configuration declares none/],
    ['a saved plan of a failed plan', () => writeBundle(forgeStandard((parts) => ({ ...parts, errored: true }))), /is of a plan that failed \(errored\)/],
    ['a saved plan with an entry no plan has', () => writeBundle(forgeStandard((parts) => ({ ...parts, extraEntries: { 'tfconfig/m-evil/x.tf': '' } }))), /holds "tfconfig\/m-evil\/x\.tf", which no plan of this configuration holds/],
    ["a bundle folder whose configuration is not the checkout's", () => replaceInBundle('standard/cdk.tf.json', '{"evil": true}'), /stack standard: the bundle's cdk\.tf\.json is not the one this checkout synthesizes/],
    ['a bundle folder with a file the checkout does not synthesize', () => replaceInBundle('standard/override.tf.json', '{}'), /the bundle's override\.tf\.json is not a file this checkout synthesizes or the plan describes/],
    ['a saved plan that is not a zip', () => replaceInBundle('standard.tfplan', 'not a plan'), /stack standard: .*standard\.tfplan is not a saved plan \(not a zip/],
    ['a file altered after the plan, the manifest left as it was', () => fs.appendFileSync(path.join(bundle, 'premium', 'cdk.tf.json'), ' '), /premium\/cdk\.tf\.json was changed after the plan/],
  ];

  it.each(forged)('fails on %s, before anything is applied, leaving the checkout as it was', async (_name, forge, reason) => {
    forge();
    const before = folderSnapshot(root);
    const failure = await apply().catch((error) => error);
    expect(failure).toBeInstanceOf(BundleRefused);
    expect(failure.message).toMatch(/^refused, nothing applied:/);
    expect(failure.message).toMatch(reason);
    expect(applies()).toEqual([]);
    expect(folderSnapshot(root)).toEqual(before);
  });

  it("applies a bundle of named stacks only when asked for exactly those (a new account's account-settings first)", async () => {
    writeBundle(genuine, { stacks: [{ name: 'account-settings', tfplan: 'account-settings.tfplan', config: 'account-settings', workdir: 'cdktf.out/stacks/account-settings', state: { lineage: '', serial: 0 } }] });
    fs.rmSync(path.join(bundle, 'standard.tfplan'));
    fs.rmSync(path.join(bundle, 'premium.tfplan'));
    fs.rmSync(path.join(bundle, 'standard'), { recursive: true });
    fs.rmSync(path.join(bundle, 'premium'), { recursive: true });
    const manifest = JSON.parse(fs.readFileSync(path.join(bundle, 'manifest.json'), 'utf8'));
    manifest.files = Object.fromEntries(Object.entries(manifest.files).filter(([file]) => file.startsWith('account-settings') || file === 'summary.md'));
    fs.writeFileSync(path.join(bundle, 'manifest.json'), JSON.stringify(manifest));
    // As `npm run plan -- account-settings` summarizes it: that stack only.
    replaceInBundle('summary.md', renderSummary({ environment: 'staging', offline: false, plans: [summarizePlanJson('account-settings', { resource_changes: [{ address: 'aws_iam_role.role', mode: 'managed', type: 'aws_iam_role', change: { actions: ['update'] } }] })] }));
    await expect(apply()).rejects.toThrow(`the bundle holds the stacks ["account-settings"], but this apply is of staging's ["account-settings","standard","premium"]: a bundle is applied whole, every stack unless named (npm run apply -- plans/staging account-settings)`);
    await expect(apply({ stacks: ['standard'] })).rejects.toThrow(BundleRefused);
    await expect(apply({ stacks: ['gold'] })).rejects.toThrow('staging has no stack gold; its stacks are account-settings, standard, premium');
    expect(applies()).toEqual([]);
    expect((await apply({ stacks: ['account-settings'] })).applied).toEqual(['account-settings']);
  });

  it('applies the genuine bundle after refusing a forged one', async () => {
    writeBundle(forgeStandard((parts) => ({ ...parts, lockFile: 'evil' })));
    await expect(apply()).rejects.toThrow(BundleRefused);
    writeBundle();
    expect((await apply()).applied).toEqual(STACKS);
  });
});
