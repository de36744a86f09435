/**
 * Reading saved plans without Terraform: plans made by Terraform itself (with its built-in
 * `terraform_data`, so no provider is needed) read as `terraform apply` will take them, and
 * hand-made ones that are not plans refused.
 */
import * as fs from 'fs';
import * as path from 'path';
import { SavedPlanError, decodePlan, readSavedPlan } from '../../scripts/lib/saved-plan';
import { runTerraform } from '../../scripts/lib/terraform-run';
import { makeTempDir, terraformMissingReason } from '../helpers';
import { ACTION, planMessage } from '../saved-plan-builder';

describe('saved plans made by hand', () => {
  it('reads what an apply depends on: mode, backend, changes with the object each changes, targets, replacements, variables', () => {
    const plan = decodePlan(
      planMessage({
        config: {},
        lockFile: '',
        state: {},
        previousState: {},
        backend: { type: 's3', config: { bucket: 'b', key: 'k', assume_role: null } },
        changes: [
          { address: 'aws_iam_role.r', action: ACTION.update, before: { id: 'r-1' }, after: { id: 'r-1', name: 'n' } },
          { address: 'aws_iam_role.gone', action: ACTION.delete, before: { id: 'g-1' }, deposedKey: 'abcd1234' },
          { address: 'aws_iam_role.new', action: ACTION.create, after: { name: 'new' } },
        ],
        mode: 1,
        targets: ['aws_iam_role.r'],
        forceReplace: ['aws_iam_role.r'],
        variables: ['v'],
      }),
    );
    expect(plan).toEqual({
      version: 3,
      mode: 'destroy',
      errored: false,
      terraformVersion: '1.11.4',
      backend: { type: 's3', config: { bucket: 'b', key: 'k', assume_role: null }, workspace: 'default' },
      variables: ['v'],
      changes: [
        { address: 'aws_iam_role.r', action: 'update', before: { id: 'r-1' } },
        { address: 'aws_iam_role.gone', action: 'delete', deposedKey: 'abcd1234', before: { id: 'g-1' } },
        { address: 'aws_iam_role.new', action: 'create' },
      ],
      targets: ['aws_iam_role.r'],
      forceReplace: ['aws_iam_role.r'],
    });
  });

  it('fails on a file that is not a zip, or a zip without the parts of a plan, naming the file', () => {
    const dir = makeTempDir('not-a-plan-');
    fs.writeFileSync(path.join(dir, 'a.tfplan'), 'text');
    expect(() => readSavedPlan(path.join(dir, 'a.tfplan'))).toThrow(SavedPlanError);
    expect(() => readSavedPlan(path.join(dir, 'a.tfplan'))).toThrow(`${path.join(dir, 'a.tfplan')} is not a saved plan (not a zip`);
    fs.writeFileSync(path.join(dir, 'b.tfplan'), require('fflate').zipSync({ tfplan: new Uint8Array([8, 3]) }));
    expect(() => readSavedPlan(path.join(dir, 'b.tfplan'))).toThrow('has no tfstate: it is not a saved plan');
  });
});

const skip = terraformMissingReason();
(skip ? describe.skip : describe)('saved plans made by Terraform', () => {
  let dir: string;
  const terraform = async (...args: string[]) => {
    const run = await runTerraform(dir, args);
    if (run.status !== 0) throw new Error(`terraform ${args.join(' ')} failed: ${run.stderr}`);
    return run.stdout;
  };
  const configure = (resources: Record<string, object>) =>
    fs.writeFileSync(path.join(dir, 'cdk.tf.json'), JSON.stringify({ terraform: { backend: { local: { path: 'state/app.tfstate' } } }, resource: { terraform_data: resources } }));

  beforeAll(async () => {
    dir = makeTempDir('real-plan-');
    configure({ kept: { input: 'one' }, dropped: { input: 'two' } });
    await terraform('init', '-input=false', '-no-color');
    await terraform('plan', '-input=false', '-no-color', '-out=first.tfplan');
    await terraform('apply', '-input=false', '-no-color', 'first.tfplan');
  }, 60_000);

  it('reads a first plan: its configuration, backend, creates and the empty state it was made against', () => {
    const plan = readSavedPlan(path.join(dir, 'first.tfplan'));
    expect(Object.keys(plan.configFiles)).toEqual(['cdk.tf.json']);
    expect(plan.plan).toMatchObject({ mode: 'normal', errored: false, backend: { type: 'local', config: { path: 'state/app.tfstate' }, workspace: 'default' }, targets: [], forceReplace: [] });
    expect(plan.plan.changes.map((change) => [change.address, change.action])).toEqual(
      expect.arrayContaining([
        ['terraform_data.kept', 'create'],
        ['terraform_data.dropped', 'create'],
      ]),
    );
    expect(plan.state).toMatchObject({ serial: 0, lineage: '', resources: [] });
  }, 60_000);

  it('reads a later plan: the object each change is to, as the state names it, and a delete of what the configuration dropped', async () => {
    const state = JSON.parse(await terraform('state', 'pull'));
    const ids = Object.fromEntries(state.resources.map((resource: any) => [`terraform_data.${resource.name}`, resource.instances[0].attributes.id]));
    configure({ kept: { input: 'changed' } });
    await terraform('plan', '-input=false', '-no-color', '-out=second.tfplan');
    const plan = readSavedPlan(path.join(dir, 'second.tfplan'));
    const byAddress = Object.fromEntries(plan.plan.changes.map((change) => [change.address, change]));
    expect(byAddress['terraform_data.dropped']).toMatchObject({ action: 'delete', before: { id: ids['terraform_data.dropped'] } });
    expect(byAddress['terraform_data.kept'].action).toMatch(/update|delete-then-create/);
    expect((byAddress['terraform_data.kept'].before as any).id).toBe(ids['terraform_data.kept']);
    expect({ lineage: plan.state.lineage, serial: plan.state.serial }).toEqual({ lineage: state.lineage, serial: state.serial });
    expect(plan.previousState.resources).toEqual(state.resources);
  }, 60_000);

  it('reads a destroy plan and a targeted one as such', async () => {
    await terraform('plan', '-input=false', '-no-color', '-destroy', '-out=destroy.tfplan');
    expect(readSavedPlan(path.join(dir, 'destroy.tfplan')).plan.mode).toBe('destroy');
    await terraform('plan', '-input=false', '-no-color', '-target=terraform_data.kept', '-out=target.tfplan');
    expect(readSavedPlan(path.join(dir, 'target.tfplan')).plan.targets).toEqual(['terraform_data.kept']);
  }, 60_000);
});
