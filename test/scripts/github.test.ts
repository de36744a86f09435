/**
 * The scripts the workflows call, against a fake GitHub REST API (an HTTP server in this test
 * that keeps comments, issues and artifacts the way GitHub's endpoints answer them, with
 * pagination by Link header and bearer-token checks).
 */
import * as fs from 'fs';
import * as http from 'http';
import { AddressInfo } from 'net';
import * as path from 'path';
import { zipSync } from 'fflate';
import { GitHubClient } from '../../scripts/github/github-client';
import { reconcileDriftIssue } from '../../scripts/github/drift-issue';
import { GITHUB_BODY_LIMIT, upsertPlanComment } from '../../scripts/github/plan-comment';
import { downloadReviewedBundle } from '../../scripts/github/reviewed-bundle';
import { ciEnvironments, parseGitHubArgs, runGitHubCommand } from '../../scripts/github';
import { PROJECT_ROOT, makeTempDir } from '../helpers';

const TOKEN = 'ghs_test';
const REPO = 'octo-org/greeting-service';
const TREE = 'a'.repeat(40);

interface FakeIssue {
  number: number;
  title: string;
  body: string;
  state: 'open' | 'closed';
  state_reason?: string;
  labels: string[];
  pull_request?: object;
}

/** The GitHub endpoints the scripts use, over an in-memory store. */
class FakeGitHub {
  comments: { id: number; issue: number; body: string }[] = [];
  issues: FakeIssue[] = [];
  artifacts: { id: number; name: string; expired: boolean; created_at: string; workflow_run: { id: number }; zip: Uint8Array }[] = [];
  requests: string[] = [];
  failWith?: { status: number; message: string };
  private nextId = 1000;
  private server = http.createServer((req, res) => void this.handle(req, res));
  url = '';

  async start(): Promise<void> {
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  stop(): Promise<void> {
    return new Promise((resolve) => this.server.close(() => resolve()));
  }

  private page<T>(res: http.ServerResponse, url: URL, items: T[], wrap?: (items: T[]) => unknown) {
    const perPage = Number(url.searchParams.get('per_page') ?? 30);
    const page = Number(url.searchParams.get('page') ?? 1);
    if (page * perPage < items.length) {
      const next = new URL(url);
      next.searchParams.set('page', String(page + 1));
      res.setHeader('link', `<${next}>; rel="next"`);
    }
    const slice = items.slice((page - 1) * perPage, page * perPage);
    this.json(res, 200, wrap ? wrap(slice) : slice);
  }

  private json(res: http.ServerResponse, status: number, body: unknown) {
    res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
  }

  private async handle(req: http.IncomingMessage, res: http.ServerResponse) {
    const url = new URL(req.url!, this.url);
    this.requests.push(`${req.method} ${url.pathname}`);
    if (req.headers.authorization !== `Bearer ${TOKEN}`) return this.json(res, 401, { message: 'Bad credentials' });
    if (this.failWith) return this.json(res, this.failWith.status, { message: this.failWith.message });
    let text = '';
    for await (const chunk of req) text += chunk;
    const body = text ? JSON.parse(text) : undefined;
    const route = url.pathname.replace(`/repos/${REPO}`, '');
    let match: RegExpExecArray | null;
    if ((match = /^\/issues\/(\d+)\/comments$/.exec(route))) {
      const issue = Number(match[1]);
      if (req.method === 'GET') return this.page(res, url, this.comments.filter((comment) => comment.issue === issue));
      const comment = { id: this.nextId++, issue, body: body.body };
      this.comments.push(comment);
      return this.json(res, 201, comment);
    }
    if ((match = /^\/issues\/comments\/(\d+)$/.exec(route))) {
      const comment = this.comments.find((candidate) => candidate.id === Number(match![1]));
      if (!comment) return this.json(res, 404, { message: 'Not Found' });
      if (req.method === 'DELETE') {
        this.comments = this.comments.filter((candidate) => candidate !== comment);
        return res.writeHead(204).end();
      }
      comment.body = body.body;
      return this.json(res, 200, comment);
    }
    if (route === '/issues') {
      if (req.method === 'GET') {
        const labels = url.searchParams.get('labels')?.split(',') ?? [];
        const state = url.searchParams.get('state') ?? 'open';
        return this.page(res, url, this.issues.filter((issue) => issue.state === state && labels.every((label) => issue.labels.includes(label))));
      }
      const issue: FakeIssue = { number: this.issues.length + 1, title: body.title, body: body.body, labels: body.labels, state: 'open' };
      this.issues.push(issue);
      return this.json(res, 201, issue);
    }
    if ((match = /^\/issues\/(\d+)$/.exec(route))) {
      const issue = this.issues.find((candidate) => candidate.number === Number(match![1]))!;
      Object.assign(issue, body);
      return this.json(res, 200, issue);
    }
    if (route === '/actions/artifacts') {
      const name = url.searchParams.get('name');
      return this.page(res, url, this.artifacts.filter((artifact) => !name || artifact.name === name), (artifacts) => ({
        total_count: artifacts.length,
        artifacts: artifacts.map(({ zip, ...artifact }) => artifact),
      }));
    }
    if ((match = /^\/actions\/artifacts\/(\d+)\/zip$/.exec(route))) {
      const artifact = this.artifacts.find((candidate) => candidate.id === Number(match![1]))!;
      return res.writeHead(200, { 'content-type': 'application/zip' }).end(Buffer.from(artifact.zip));
    }
    this.json(res, 404, { message: `Not Found: ${req.method} ${url.pathname}` });
  }
}

describe('the workflows’ GitHub scripts, against a fake GitHub API', () => {
  const github = new FakeGitHub();
  let client: GitHubClient;

  beforeAll(() => github.start());
  afterAll(() => github.stop());
  beforeEach(() => {
    github.comments = [];
    github.issues = [];
    github.artifacts = [];
    github.failWith = undefined;
    github.requests = [];
    client = new GitHubClient({ apiUrl: github.url, token: TOKEN, repository: REPO });
  });

  describe('plan comments', () => {
    it('posts one comment per environment and updates it in place on the next push, leaving other comments alone', async () => {
      github.comments.push({ id: 1, issue: 7, body: 'Looks good to me' });
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
      for (let i = 0; i < 150; i++) github.comments.push({ id: i + 1, issue: 7, body: `comment ${i}` });
      github.comments.splice(120, 0, { id: 999, issue: 7, body: '<!-- greeting-service plan: staging -->\nold' });
      const result = await upsertPlanComment(client, { pullRequest: 7, environment: 'staging', summary: 'new', footer: 'run 3' });
      expect(result).toEqual({ action: 'updated', id: 999 });
      expect(github.requests.filter((request) => request === `GET /repos/${REPO}/issues/7/comments`)).toHaveLength(2);
    });

    it('keeps the first of duplicate comments of an environment (two runs raced) and deletes the rest', async () => {
      for (const id of [5, 6]) github.comments.push({ id, issue: 7, body: '<!-- greeting-service plan: staging -->\nrace' });
      await upsertPlanComment(client, { pullRequest: 7, environment: 'staging', summary: 'settled', footer: 'run 4' });
      expect(github.comments.map((comment) => comment.id)).toEqual([5]);
      expect(github.comments[0].body).toContain('settled');
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
      github.issues.push({ number: 1, title: 'unrelated', body: 'x', state: 'open', labels: ['drift'] });
      github.issues.push({ number: 2, title: 'a PR', body: '<!-- greeting-service drift: staging -->', state: 'open', labels: ['drift'], pull_request: {} });
      expect(await reconcileDriftIssue(client, { environment: 'staging', drifted: true, summary: 'memory 512 → 1024', footer: 'run 1' })).toEqual({ action: 'opened', number: 3 });
      expect(await reconcileDriftIssue(client, { environment: 'prod', drifted: true, summary: 'retention', footer: 'run 1' })).toEqual({ action: 'opened', number: 4 });
      expect(await reconcileDriftIssue(client, { environment: 'staging', drifted: true, summary: 'memory 512 → 2048', footer: 'run 2' })).toEqual({ action: 'updated', number: 3 });
      expect(github.issues[2]).toMatchObject({ title: 'Drift in staging: AWS differs from the Terraform state', labels: ['drift'], state: 'open' });
      expect(github.issues[2].body).toContain('512 → 2048');

      expect(await reconcileDriftIssue(client, { environment: 'staging', drifted: false, summary: '', footer: 'run 3' })).toEqual({ action: 'closed', number: 3 });
      expect(github.issues[2]).toMatchObject({ state: 'closed', state_reason: 'completed' });
      expect(github.comments).toEqual([expect.objectContaining({ issue: 3, body: expect.stringContaining('No drift in staging any more.') })]);
      expect(github.issues[3].state).toBe('open');
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
    const artifact = (id: number, created_at: string, files: Record<string, string>, expired = false) => ({
      id,
      name: `plan-staging-${TREE}`,
      expired,
      created_at,
      workflow_run: { id: id * 10 },
      zip: zipSync(Object.fromEntries(Object.entries(files).map(([name, text]) => [name, Buffer.from(text)]))),
    });

    it('downloads the newest unexpired bundle planned for the tree into plans/<env>/, replacing what was there', async () => {
      github.artifacts.push(artifact(1, '2026-11-30T10:00:00Z', { 'manifest.json': 'older' }));
      github.artifacts.push(artifact(2, '2026-12-01T10:00:00Z', { 'manifest.json': 'newest', 'standard/.terraform.lock.hcl': 'lock' }));
      github.artifacts.push(artifact(3, '2026-12-01T11:00:00Z', { 'manifest.json': 'expired' }, true));
      const dest = path.join(makeTempDir('plans-'), 'staging');
      fs.mkdirSync(dest);
      fs.writeFileSync(path.join(dest, 'stale.txt'), '');
      expect(await downloadReviewedBundle(client, { environment: 'staging', tree: TREE, dest })).toEqual({ artifactId: 2, runId: 20 });
      expect(fs.readFileSync(path.join(dest, 'manifest.json'), 'utf8')).toBe('newest');
      expect(fs.readFileSync(path.join(dest, 'standard', '.terraform.lock.hcl'), 'utf8')).toBe('lock');
      expect(fs.existsSync(path.join(dest, 'stale.txt'))).toBe(false);
    });

    it('fails when no bundle was reviewed for the tree, saying to re-plan, and leaves the folder alone', async () => {
      github.artifacts.push({ ...artifact(1, '2026-11-30T10:00:00Z', {}), name: `plan-staging-${'b'.repeat(40)}` });
      const dest = makeTempDir('plans-');
      await expect(downloadReviewedBundle(client, { environment: 'staging', tree: TREE, dest })).rejects.toThrow(
        `no reviewed plan of staging for tree ${TREE} (artifact plan-staging-${TREE}): this code was not planned in a pull request as merged`,
      );
      expect(fs.existsSync(dest)).toBe(true);
    });

    it('fails on an artifact with a file outside the bundle folder, writing nothing', async () => {
      github.artifacts.push(artifact(1, '2026-11-30T10:00:00Z', { 'manifest.json': 'm', '../escape.txt': 'x' }));
      const parent = makeTempDir('plans-');
      const dest = path.join(parent, 'staging');
      await expect(downloadReviewedBundle(client, { environment: 'staging', tree: TREE, dest })).rejects.toThrow('holds "../escape.txt", outside the bundle folder');
      expect(fs.readdirSync(parent)).toEqual([]);
    });

    it('fails on a tree that is not a git tree id', async () => {
      await expect(downloadReviewedBundle(client, { environment: 'staging', tree: 'HEAD', dest: '/nonexistent' })).rejects.toThrow('--tree "HEAD" is not a git tree id');
    });
  });
});

describe('npm run github', () => {
  it('lists the environments with a ci section as the workflows’ matrix: staging and prod as shipped, not dev (local state)', () => {
    expect(ciEnvironments(path.join(PROJECT_ROOT, 'environments')).map((entry) => entry.environment)).toEqual(['prod', 'staging']);
  });

  it('fails on an unknown command, a missing option or one the command does not take, naming them', () => {
    expect(() => parseGitHubArgs(['deploy'])).toThrow('"deploy" is not a command; use one of environments, comment, drift-issue, fetch-bundle');
    expect(() => parseGitHubArgs(['comment', '--environment', 'dev'])).toThrow('comment needs --pull-request, --summary');
    expect(() => parseGitHubArgs(['environments', '--tree', TREE])).toThrow('environments takes no --tree; it takes no options');
  });

  it('fails without the variables a GitHub job has, saying which', () => {
    expect(() => GitHubClient.fromEnvironment({ GITHUB_REPOSITORY: REPO })).toThrow('GITHUB_TOKEN is not set');
    expect(() => GitHubClient.fromEnvironment({ GITHUB_TOKEN: TOKEN })).toThrow('GITHUB_REPOSITORY="" is not owner/name');
  });
});
