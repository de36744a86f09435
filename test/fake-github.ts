/**
 * A fake GitHub REST API for the tests: an HTTP server on loopback that keeps comments, issues,
 * artifacts, workflow runs and the pull requests of commits in memory and answers as GitHub's
 * REST API documents them (pagination by Link header, bearer-token checks, the token's comments
 * editable by it alone). Tests set its store directly.
 */
import * as http from 'http';
import { AddressInfo } from 'net';
import { WORKFLOW_COMMENTER } from '../scripts/github/plan-comment';

/** The workflow token the fake accepts, and the repository it serves. */
export const TOKEN = 'ghs_test';
export const REPO = 'octo-org/greeting-service';
/** What GitHub's token comments as, and somebody else. */
export const BOT = { login: WORKFLOW_COMMENTER };
export const OUTSIDER = { login: 'mallory' };

export interface FakeIssue {
  number: number;
  title: string;
  body: string;
  state: 'open' | 'closed';
  state_reason?: string;
  labels: string[];
  pull_request?: object;
  user: { login: string };
}

export interface FakeRun {
  id: number;
  path: string;
  event: string;
  status: string;
  conclusion: string | null;
  head_sha: string;
  head_repository: { full_name: string } | null;
  repository: { full_name: string };
  pull_requests: { number: number; base: { ref: string } }[];
}

/** The GitHub endpoints the scripts use, over an in-memory store, answering as GitHub's REST API documents them. */
export class FakeGitHub {
  comments: { id: number; issue: number; body: string; user: { login: string } }[] = [];
  issues: FakeIssue[] = [];
  artifacts: { id: number; name: string; expired: boolean; created_at: string; workflow_run: { id: number }; zip: Uint8Array }[] = [];
  runs: FakeRun[] = [];
  /** GET /repos/{owner}/{repo}/commits/{sha}/pulls, by commit. */
  pullsOfCommit: Record<string, object[]> = {};
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
      const comment = { id: this.nextId++, issue, body: body.body, user: BOT };
      this.comments.push(comment);
      return this.json(res, 201, comment);
    }
    if ((match = /^\/issues\/comments\/(\d+)$/.exec(route))) {
      const comment = this.comments.find((candidate) => candidate.id === Number(match![1]));
      if (!comment) return this.json(res, 404, { message: 'Not Found' });
      // The workflow's token may edit and delete only its own comments.
      if (comment.user.login !== BOT.login) return this.json(res, 403, { message: 'Resource not accessible by integration' });
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
      const issue: FakeIssue = { number: this.issues.length + 1, title: body.title, body: body.body, labels: body.labels, state: 'open', user: BOT };
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
    if ((match = /^\/actions\/runs\/(\d+)$/.exec(route))) {
      const run = this.runs.find((candidate) => candidate.id === Number(match![1]));
      return run ? this.json(res, 200, run) : this.json(res, 404, { message: 'Not Found' });
    }
    if ((match = /^\/commits\/([0-9a-f]{40})\/pulls$/.exec(route))) return this.page(res, url, this.pullsOfCommit[match[1]] ?? []);
    if ((match = /^\/actions\/artifacts\/(\d+)\/zip$/.exec(route))) {
      const artifact = this.artifacts.find((candidate) => candidate.id === Number(match![1]))!;
      return res.writeHead(200, { 'content-type': 'application/zip' }).end(Buffer.from(artifact.zip));
    }
    this.json(res, 404, { message: `Not Found: ${req.method} ${url.pathname}` });
  }
}

