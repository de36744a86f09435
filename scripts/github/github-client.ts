/**
 * The few GitHub REST calls the workflows' scripts make, over fetch. (Octokit 21+ is ESM-only,
 * which neither esbuild-register's require nor jest loads here; these calls need nothing of it
 * but pagination, done below from the Link header as GitHub documents.)
 */

export interface GitHubClientOptions {
  /** GITHUB_API_URL. @default https://api.github.com */
  readonly apiUrl?: string;
  /** GITHUB_TOKEN: the workflow's token. */
  readonly token: string;
  /** GITHUB_REPOSITORY: `owner/name`. */
  readonly repository: string;
}

export class GitHubError extends Error {
  constructor(
    message: string,
    readonly status: number,
  ) {
    super(message);
    this.name = 'GitHubError';
  }
}

export class GitHubClient {
  private readonly apiUrl: string;

  constructor(private readonly options: GitHubClientOptions) {
    if (!/^[\w.-]+\/[\w.-]+$/.test(options.repository)) {
      throw new Error(`GITHUB_REPOSITORY=${JSON.stringify(options.repository)} is not owner/name; the workflow sets it, or set it as e.g. octo-org/greeting-service`);
    }
    if (!options.token) throw new Error('GITHUB_TOKEN is not set; pass the workflow token (env: GITHUB_TOKEN: ${{ github.token }})');
    this.apiUrl = (options.apiUrl ?? 'https://api.github.com').replace(/\/+$/, '');
  }

  /** From the variables a GitHub Actions job has. */
  static fromEnvironment(env: NodeJS.ProcessEnv = process.env): GitHubClient {
    return new GitHubClient({ apiUrl: env.GITHUB_API_URL, token: env.GITHUB_TOKEN ?? '', repository: env.GITHUB_REPOSITORY ?? '' });
  }

  /** GITHUB_REPOSITORY: `owner/name`. */
  get repository(): string {
    return this.options.repository;
  }

  /** `/repos/<owner>/<name>` + `path`. */
  repoPath(path: string): string {
    return `/repos/${this.options.repository}${path}`;
  }

  private async send(method: string, url: string, body?: unknown): Promise<Response> {
    const response = await fetch(url, {
      method,
      headers: {
        accept: 'application/vnd.github+json',
        authorization: `Bearer ${this.options.token}`,
        'x-github-api-version': '2022-11-28',
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    if (!response.ok) {
      const text = await response.text();
      let message = text;
      try {
        message = JSON.parse(text).message ?? text;
      } catch {
        // not JSON: the text as it is
      }
      throw new GitHubError(`GitHub ${method} ${new URL(url).pathname} answered ${response.status}: ${message}`, response.status);
    }
    return response;
  }

  async request<T = any>(method: string, path: string, body?: unknown): Promise<T> {
    const response = await this.send(method, `${this.apiUrl}${path}`, body);
    return (response.status === 204 ? undefined : await response.json()) as T;
  }

  /** The raw answer: for downloads. */
  async download(path: string): Promise<Buffer> {
    const response = await this.send('GET', `${this.apiUrl}${path}`);
    return Buffer.from(await response.arrayBuffer());
  }

  /** Every item of a list endpoint, following `Link: <...>; rel="next"`. */
  async paginate<T = any>(path: string, pick: (page: any) => T[] = (page) => page): Promise<T[]> {
    const items: T[] = [];
    let url: string | undefined = `${this.apiUrl}${path}${path.includes('?') ? '&' : '?'}per_page=100`;
    while (url) {
      const response: Response = await this.send('GET', url);
      items.push(...pick(await response.json()));
      url = /<([^>]+)>;\s*rel="next"/.exec(response.headers.get('link') ?? '')?.[1];
    }
    return items;
  }
}
