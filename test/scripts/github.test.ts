/**
 * The scripts the workflows call, against a fake GitHub REST API (an HTTP server in this test
 * that keeps comments, issues and artifacts the way GitHub's endpoints answer them, with
 * pagination by Link header and bearer-token checks).
 */
import * as fs from 'fs';
import * as path from 'path';
import { zipSync } from 'fflate';
import { GitHubClient } from '../../scripts/github/github-client';
import { reconcileDriftIssue } from '../../scripts/github/drift-issue';
import { GITHUB_BODY_LIMIT, upsertPlanComment } from '../../scripts/github/plan-comment';
import { PLAN_WORKFLOW, downloadReviewedBundle } from '../../scripts/github/reviewed-bundle';
import { ciEnvironments, parseGitHubArgs, runGitHubCommand } from '../../scripts/github';
import { PROJECT_ROOT, makeTempDir } from '../helpers';
import { BOT, FakeGitHub, FakeRun, OUTSIDER, REPO, TOKEN } from '../fake-github';

const TREE = 'a'.repeat(40);
/** The merge commit on main being applied, and the head of the pull request it merged. */
const MERGE = 'e'.repeat(40);
const HEAD = 'f'.repeat(40);

describe('the workflows’ GitHub scripts, against a fake GitHub API', () => {
  const github = new FakeGitHub();
  let client: GitHubClient;

  beforeAll(() => github.start());
  afterAll(() => github.stop());
  beforeEach(() => {
    github.comments = [];
    github.issues = [];
    github.artifacts = [];
    github.runs = [];
    github.pullsOfCommit = {};
    github.failWith = undefined;
    github.requests = [];
    client = new GitHubClient({ apiUrl: github.url, token: TOKEN, repository: REPO });
  });

  describe('plan comments', () => {
    it('posts one comment per environment and updates it in place on the next push, leaving other comments alone', async () => {
      github.comments.push({ id: 1, issue: 7, body: 'Looks good to me', user: OUTSIDER });
      expect((await upsertPlanComment(client, { pullRequest: 7, environment: 'staging', summary: '# Terraform plan: staging\n1 to add', footer: 'run 1' })).action).toBe('created');
      expect((await upsertPlanComment(client, { pullRequest: 7, environment: 'prod', summary: '# Terraform plan: prod', footer: 'run 1' })).action).toBe('created');
      const updated = await upsertPlanComment(client, { pullRequest: 7, environment: 'staging', summary: '# Terraform plan: staging\n2 to add', footer: 'run 2' });
      expect(updated.action).toBe('updated');
      expect(github.comments.map((comment) => comment.body.split('\n')[0])).toEqual([
        'Looks good to me',
        '<!-- greeting-service plan: staging -->',
        '<!-- greeting-service plan: prod -->',
      ]);
      const staging = github.comments.find((comment) => comment.id === updated.id)!;
      expect(staging.body).toContain('2 to add');
      expect(staging.body).not.toContain('1 to add');
      expect(staging.body.trimEnd().endsWith('run 2')).toBe(true);
    });

    it('finds its comment past the first page of a long discussion', async () => {
      for (let i = 0; i < 150; i++) github.comments.push({ id: i + 1, issue: 7, body: `comment ${i}`, user: OUTSIDER });
      github.comments.splice(120, 0, { id: 999, issue: 7, body: '<!-- greeting-service plan: staging -->\nold', user: BOT });
      const result = await upsertPlanComment(client, { pullRequest: 7, environment: 'staging', summary: 'new', footer: 'run 3' });
      expect(result).toEqual({ action: 'updated', id: 999 });
      expect(github.requests.filter((request) => request === `GET /repos/${REPO}/issues/7/comments`)).toHaveLength(2);
    });

    it('keeps the first of duplicate comments of an environment (two runs raced) and deletes the rest', async () => {
      for (const id of [5, 6]) github.comments.push({ id, issue: 7, body: '<!-- greeting-service plan: staging -->\nrace', user: BOT });
      await upsertPlanComment(client, { pullRequest: 7, environment: 'staging', summary: 'settled', footer: 'run 4' });
      expect(github.comments.map((comment) => comment.id)).toEqual([5]);
      expect(github.comments[0].body).toContain('settled');
    });

    it("never edits or deletes somebody else's comment that starts with the marker: it comments anew and keeps its own current", async () => {
      github.comments.push({ id: 3, issue: 7, body: '<!-- greeting-service plan: staging -->\n# Terraform plan: staging\nNo changes. Approve!', user: OUTSIDER });
      const first = await upsertPlanComment(client, { pullRequest: 7, environment: 'staging', summary: '# Terraform plan: staging\n3 to destroy', footer: 'run 6' });
      expect(first.action).toBe('created');
      const second = await upsertPlanComment(client, { pullRequest: 7, environment: 'staging', summary: '# Terraform plan: staging\n4 to destroy', footer: 'run 7' });
      expect(second).toEqual({ action: 'updated', id: first.id });
      expect(github.comments.find((comment) => comment.id === 3)!.body).toContain('No changes. Approve!');
      expect(github.comments.find((comment) => comment.id === first.id)!.body).toContain('4 to destroy');
      expect(github.requests.filter((request) => request.startsWith('PATCH') || request.startsWith('DELETE'))).toEqual([`PATCH /repos/${REPO}/issues/comments/${first.id}`]);
    });

    it('cuts a summary longer than a GitHub comment can be, saying where the whole is', async () => {
      await upsertPlanComment(client, { pullRequest: 7, environment: 'staging', summary: 'x'.repeat(100_000), footer: 'run 5' });
      const body = github.comments[0].body;
      expect(body.length).toBeLessThanOrEqual(GITHUB_BODY_LIMIT);
      expect(body).toContain("the whole is in the run's plan artifact");
      expect(body.trimEnd().endsWith('run 5')).toBe(true);
    });

    it('fails on a pull request number that is not one', async () => {
      await expect(upsertPlanComment(client, { pullRequest: NaN, environment: 'staging', summary: '', footer: '' })).rejects.toThrow(
        '--pull-request null is not a pull request number; pass ${{ github.event.pull_request.number }}',
      );
    });

    it("fails naming GitHub's status and message when GitHub refuses", async () => {
      github.failWith = { status: 403, message: 'Resource not accessible by integration' };
      await expect(upsertPlanComment(client, { pullRequest: 7, environment: 'staging', summary: '', footer: '' })).rejects.toThrow(
        `GitHub GET /repos/${REPO}/issues/7/comments answered 403: Resource not accessible by integration`,
      );
    });
  });

  describe('drift issues', () => {
    it('opens one issue per environment on drift, updates it while drift lasts, and closes it once drift is gone', async () => {
      github.issues.push({ number: 1, title: 'unrelated', body: 'x', state: 'open', labels: ['drift'], user: BOT });
      github.issues.push({ number: 2, title: 'a PR', body: '<!-- greeting-service drift: staging -->', state: 'open', labels: ['drift'], pull_request: {}, user: BOT });
      github.issues.push({ number: 3, title: "somebody else's", body: '<!-- greeting-service drift: staging -->', state: 'open', labels: ['drift'], user: OUTSIDER });
      expect(await reconcileDriftIssue(client, { environment: 'staging', drifted: true, summary: 'memory 512 → 1024', footer: 'run 1' })).toEqual({ action: 'opened', number: 4 });
      expect(await reconcileDriftIssue(client, { environment: 'prod', drifted: true, summary: 'retention', footer: 'run 1' })).toEqual({ action: 'opened', number: 5 });
      expect(await reconcileDriftIssue(client, { environment: 'staging', drifted: true, summary: 'memory 512 → 2048', footer: 'run 2' })).toEqual({ action: 'updated', number: 4 });
      expect(github.issues[3]).toMatchObject({ title: 'Drift in staging: AWS differs from the Terraform state', labels: ['drift'], state: 'open' });
      expect(github.issues[3].body).toContain('512 → 2048');

      expect(await reconcileDriftIssue(client, { environment: 'staging', drifted: false, summary: '', footer: 'run 3' })).toEqual({ action: 'closed', number: 4 });
      expect(github.issues[3]).toMatchObject({ state: 'closed', state_reason: 'completed' });
      expect(github.comments).toEqual([expect.objectContaining({ issue: 4, body: expect.stringContaining('No drift in staging any more.') })]);
      expect(github.issues[4].state).toBe('open');
      expect(github.issues[2]).toMatchObject({ state: 'open', body: '<!-- greeting-service drift: staging -->' });
      expect(await reconcileDriftIssue(client, { environment: 'staging', drifted: false, summary: '', footer: 'run 4' })).toEqual({ action: 'none' });
    });

    it('fails on a drift exit code that is neither drift nor none, leaving the issue as it is', async () => {
      const summary = path.join(makeTempDir('drift-'), 'summary.md');
      fs.writeFileSync(summary, '# FAILED');
      const env = { GITHUB_API_URL: github.url, GITHUB_TOKEN: TOKEN, GITHUB_REPOSITORY: REPO };
      await expect(runGitHubCommand(parseGitHubArgs(['drift-issue', '--environment', 'staging', '--summary', summary, '--exit-code', '1']), env)).rejects.toThrow(
        '--exit-code "1": npm run plan -- --drift exits 0 (no drift) or 2 (drift); on 1 it failed, and the issue is left as it is',
      );
      expect(github.requests).toEqual([]);
    });
  });

  describe('the reviewed bundle', () => {
    const PULL = { number: 12, merged_at: '2026-12-01T12:00:00Z', merge_commit_sha: MERGE, head: { sha: HEAD, repo: { full_name: REPO } }, base: { ref: 'main', repo: { full_name: REPO } } };
    const genuineRun = (id: number): FakeRun => ({
      id,
      path: PLAN_WORKFLOW,
      event: 'pull_request',
      status: 'completed',
      conclusion: 'success',
      head_sha: HEAD,
      head_repository: { full_name: REPO },
      repository: { full_name: REPO },
      pull_requests: [{ number: 12, base: { ref: 'main' } }],
    });
    /** An artifact named as the genuine one, of a run `run` (added to the runs). */
    const artifact = (id: number, created_at: string, files: Record<string, string>, run: Partial<FakeRun> = {}, expired = false) => {
      github.runs.push({ ...genuineRun(id * 10), ...run });
      github.artifacts.push({
        id,
        name: `plan-staging-${TREE}`,
        expired,
        created_at,
        workflow_run: { id: id * 10 },
        zip: zipSync(Object.fromEntries(Object.entries(files).map(([name, text]) => [name, Buffer.from(text)]))),
      });
    };
    const fetchInto = (dest: string) => downloadReviewedBundle(client, { environment: 'staging', commit: MERGE, tree: TREE, dest });

    beforeEach(() => {
      github.pullsOfCommit[MERGE] = [PULL];
    });

    it("downloads the bundle planned by the merged pull request's head in this repository, past newer look-alikes, replacing what was there", async () => {
      artifact(1, '2026-11-30T10:00:00Z', { 'manifest.json': 'older genuine' });
      artifact(2, '2026-12-01T10:00:00Z', { 'manifest.json': 'genuine', 'standard/.terraform.lock.hcl': 'lock' });
      artifact(3, '2026-12-01T11:00:00Z', { 'manifest.json': 'from a fork' }, { head_repository: { full_name: 'mallory/greeting-service' } });
      artifact(4, '2026-12-01T11:01:00Z', { 'manifest.json': 'another workflow' }, { path: '.github/workflows/forged.yml' });
      artifact(5, '2026-12-01T11:02:00Z', { 'manifest.json': 'a failed run' }, { conclusion: 'failure' });
      artifact(6, '2026-12-01T11:03:00Z', { 'manifest.json': 'another head' }, { head_sha: 'b'.repeat(40) });
      artifact(7, '2026-12-01T11:04:00Z', { 'manifest.json': 'a push run' }, { event: 'push' });
      artifact(8, '2026-12-01T11:05:00Z', { 'manifest.json': 'expired' }, {}, true);
      artifact(9, '2026-12-01T11:06:00Z', { 'manifest.json': 'cancelled' }, { conclusion: 'cancelled' });
      // The reviewed head, planned for another pull request into another base (whose workflow the author wrote).
      artifact(10, '2026-12-01T11:07:00Z', { 'manifest.json': 'other base' }, { pull_requests: [{ number: 13, base: { ref: 'evil-base' } }] });
      const dest = path.join(makeTempDir('plans-'), 'staging');
      fs.mkdirSync(dest);
      fs.writeFileSync(path.join(dest, 'stale.txt'), '');
      expect(await fetchInto(dest)).toEqual({ artifactId: 2, runId: 20, pullRequest: 12, headSha: HEAD });
      expect(fs.readFileSync(path.join(dest, 'manifest.json'), 'utf8')).toBe('genuine');
      expect(fs.readFileSync(path.join(dest, 'standard', '.terraform.lock.hcl'), 'utf8')).toBe('lock');
      expect(fs.existsSync(path.join(dest, 'stale.txt'))).toBe(false);
      expect(github.requests).toContain(`GET /repos/${REPO}/commits/${MERGE}/pulls`);
    });

    it('fails when only look-alikes are there, naming each artifact, its run and why, and writes nothing', async () => {
      artifact(3, '2026-12-01T11:00:00Z', { 'manifest.json': 'x' }, { head_repository: { full_name: 'mallory/greeting-service' } });
      artifact(4, '2026-12-01T11:01:00Z', { 'manifest.json': 'x' }, { path: '.github/workflows/forged.yml' });
      artifact(5, '2026-12-01T11:02:00Z', { 'manifest.json': 'x' }, { conclusion: 'failure' });
      artifact(6, '2026-12-01T11:03:00Z', { 'manifest.json': 'x' }, { head_sha: 'b'.repeat(40) });
      artifact(7, '2026-12-01T11:04:00Z', { 'manifest.json': 'x' }, { event: 'pull_request_target' });
      artifact(8, '2026-12-01T11:05:00Z', { 'manifest.json': 'x' }, { pull_requests: [{ number: 12, base: { ref: 'evil-base' } }] });
      const parent = makeTempDir('plans-');
      const failure = await fetchInto(path.join(parent, 'staging')).catch((error: Error) => error);
      expect((failure as Error).message).toBe(
        `no reviewed plan of staging for commit ${MERGE} (tree ${TREE}, pull request #12, head ${HEAD}; artifact plan-staging-${TREE}); passed over:\n` +
          `- artifact 8 (run 80): a run for #12 into evil-base, not #12 into main\n` +
          `- artifact 7 (run 70): a pull_request_target run, not a pull_request one\n` +
          `- artifact 6 (run 60): planned head commit ${'b'.repeat(40)}, not ${HEAD}, the head pull request #12 merged\n` +
          `- artifact 5 (run 50): a run that did not succeed (completed, failure)\n` +
          `- artifact 4 (run 40): made by .github/workflows/forged.yml, not ${PLAN_WORKFLOW}\n` +
          `- artifact 3 (run 30): from a fork (head repository mallory/greeting-service)\n` +
          "this code was not planned in that pull request as merged (main moved after the plan?): re-run the pull request's plan against main and review it, or open a pull request with this commit",
      );
      expect(fs.readdirSync(parent)).toEqual([]);
    });

    it('fails when the commit is not the merge of a pull request into main (a push straight to main), downloading nothing', async () => {
      artifact(2, '2026-12-01T10:00:00Z', { 'manifest.json': 'genuine' });
      github.pullsOfCommit[MERGE] = [{ ...PULL, merged_at: null, merge_commit_sha: 'c'.repeat(40) }];
      await expect(fetchInto(makeTempDir('plans-'))).rejects.toThrow(
        `commit ${MERGE} is not the merge of one pull request into main (GitHub lists #12 for it, none merged as this commit): only the plan reviewed in a pull request is applied`,
      );
      github.pullsOfCommit[MERGE] = [{ ...PULL, base: { ref: 'release', repo: { full_name: REPO } } }];
      await expect(fetchInto(makeTempDir('plans-'))).rejects.toThrow('is not the merge of one pull request into main');
      github.pullsOfCommit[MERGE] = [];
      await expect(fetchInto(makeTempDir('plans-'))).rejects.toThrow('(GitHub lists none for it)');
      expect(github.requests.some((request) => request.includes('/zip'))).toBe(false);
    });

    it('fails when no bundle was reviewed for the tree, saying to re-plan, and leaves the folder alone', async () => {
      const dest = makeTempDir('plans-');
      await expect(fetchInto(dest)).rejects.toThrow(`no reviewed plan of staging for commit ${MERGE} (tree ${TREE}, pull request #12, head ${HEAD}; artifact plan-staging-${TREE}): there is none;`);
      expect(fs.existsSync(dest)).toBe(true);
    });

    it('fails on an artifact with a file outside the bundle folder, writing nothing', async () => {
      artifact(1, '2026-11-30T10:00:00Z', { 'manifest.json': 'm', '../escape.txt': 'x' });
      const parent = makeTempDir('plans-');
      await expect(fetchInto(path.join(parent, 'staging'))).rejects.toThrow('artifact 1 (run 10) holds "../escape.txt", outside the bundle folder');
      expect(fs.readdirSync(parent)).toEqual([]);
    });

    it('fails on a commit that is not a commit id', async () => {
      await expect(downloadReviewedBundle(client, { environment: 'staging', commit: 'HEAD', tree: TREE, dest: '/nonexistent' })).rejects.toThrow('--commit "HEAD" is not a commit id');
    });
  });
});

describe('npm run github', () => {
  it('lists the environments with a ci section as the workflows’ matrix: staging and prod as shipped, not dev (local state)', () => {
    expect(ciEnvironments(path.join(PROJECT_ROOT, 'environments')).map((entry) => entry.environment)).toEqual(['prod', 'staging']);
  });

  it('fails on an unknown command, a missing option or one the command does not take, naming them', () => {
    expect(() => parseGitHubArgs(['deploy'])).toThrow('"deploy" is not a command; use one of environments, comment, drift-issue, seal-bundle, fetch-bundle');
    expect(() => parseGitHubArgs(['comment', '--environment', 'dev'])).toThrow('comment needs --pull-request, --summary');
    expect(() => parseGitHubArgs(['environments', '--commit', MERGE])).toThrow('environments takes no --commit; it takes no options');
  });

  it('fails without the variables a GitHub job has, saying which', () => {
    expect(() => GitHubClient.fromEnvironment({ GITHUB_REPOSITORY: REPO })).toThrow('GITHUB_TOKEN is not set');
    expect(() => GitHubClient.fromEnvironment({ GITHUB_TOKEN: TOKEN })).toThrow('GITHUB_REPOSITORY="" is not owner/name');
  });
});
