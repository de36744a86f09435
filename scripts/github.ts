/**
 * What the GitHub workflows (.github/workflows/) call, one subcommand each:
 *
 *   npm run github -- environments
 *       the environments the workflows plan and apply (those with a `ci` section), as the
 *       JSON of a job matrix: [{"environment", "region", "planRole", "applyRole"}]
 *   npm run github -- comment --environment E --pull-request N --summary plans/E/summary.md
 *       posts the plan summary on the pull request, or updates that environment's comment
 *   npm run github -- drift-issue --environment E --summary plans/E/summary.md --exit-code N
 *       with `npm run plan -- --drift`'s exit code: 2 opens or updates the environment's drift
 *       issue, 0 closes it
 *   npm run github -- fetch-bundle --environment E --tree SHA
 *       downloads the bundle reviewed for that tree into plans/E/
 *
 * GitHub calls use GITHUB_API_URL, GITHUB_REPOSITORY and GITHUB_TOKEN, as a job has them.
 */
import * as fs from 'fs';
import * as path from 'path';
import { parseArgs } from 'util';
import { listEnvironments, loadEnvironment } from '../src/config/load-environment';
import { reconcileDriftIssue } from './github/drift-issue';
import { GitHubClient } from './github/github-client';
import { upsertPlanComment } from './github/plan-comment';
import { downloadReviewedBundle } from './github/reviewed-bundle';
import { PROJECT_ROOT } from './lib/project-root';

const COMMANDS = ['environments', 'comment', 'drift-issue', 'fetch-bundle'] as const;
type Command = (typeof COMMANDS)[number];

const OPTIONS = {
  environment: { type: 'string' },
  'pull-request': { type: 'string' },
  summary: { type: 'string' },
  'exit-code': { type: 'string' },
  tree: { type: 'string' },
} as const;

const NEEDS: Record<Command, readonly (keyof typeof OPTIONS)[]> = {
  environments: [],
  comment: ['environment', 'pull-request', 'summary'],
  'drift-issue': ['environment', 'summary', 'exit-code'],
  'fetch-bundle': ['environment', 'tree'],
};

export interface GitHubCommand {
  readonly command: Command;
  readonly options: Readonly<Partial<Record<keyof typeof OPTIONS, string>>>;
}

export function parseGitHubArgs(args: string[]): GitHubCommand {
  const usage = `use one of ${COMMANDS.join(', ')} (scripts/github.ts says what each takes)`;
  let parsed;
  try {
    parsed = parseArgs({ args, options: OPTIONS, strict: true, allowPositionals: true });
  } catch (error) {
    throw new Error(`${(error as Error).message}; ${usage}`);
  }
  const [command, ...rest] = parsed.positionals;
  if (!(COMMANDS as readonly string[]).includes(command) || rest.length) throw new Error(`${JSON.stringify(parsed.positionals.join(' '))} is not a command; ${usage}`);
  const missing = NEEDS[command as Command].filter((name) => parsed.values[name] === undefined);
  if (missing.length) throw new Error(`${command} needs ${missing.map((name) => `--${name}`).join(', ')}`);
  const extra = Object.keys(parsed.values).filter((name) => !NEEDS[command as Command].includes(name as keyof typeof OPTIONS));
  if (extra.length) throw new Error(`${command} takes no ${extra.map((name) => `--${name}`).join(', ')}; it takes ${NEEDS[command as Command].map((name) => `--${name}`).join(', ') || 'no options'}`);
  return { command: command as Command, options: parsed.values };
}

/** The job matrix of the workflows: every environment with a `ci` section, in file order. */
export function ciEnvironments(environmentsDir: string): { environment: string; region: string; planRole: string; applyRole: string }[] {
  return listEnvironments(environmentsDir).flatMap((name) => {
    const env = loadEnvironment(name, environmentsDir);
    return env.ci ? [{ environment: name, region: env.region, planRole: env.ci.planRoleArn, applyRole: env.ci.applyRoleArn }] : [];
  });
}

function runFooter(env: NodeJS.ProcessEnv): string {
  const run = env.GITHUB_RUN_ID ? `${env.GITHUB_SERVER_URL ?? 'https://github.com'}/${env.GITHUB_REPOSITORY}/actions/runs/${env.GITHUB_RUN_ID}` : 'a local run';
  return `Planned from ${env.GITHUB_SHA ?? 'the checked-out commit'} by ${run}.`;
}

export async function runGitHubCommand({ command, options }: GitHubCommand, env: NodeJS.ProcessEnv = process.env): Promise<string> {
  if (command === 'environments') return JSON.stringify(ciEnvironments(path.join(PROJECT_ROOT, 'environments')));
  const client = GitHubClient.fromEnvironment(env);
  const environment = options.environment!;
  if (command === 'fetch-bundle') {
    const dest = path.join(PROJECT_ROOT, 'plans', environment);
    const { artifactId, runId } = await downloadReviewedBundle(client, { environment, tree: options.tree!, dest });
    return `Downloaded the reviewed plan of ${environment} (artifact ${artifactId}${runId ? `, run ${runId}` : ''}) into ${path.relative(process.cwd(), dest)}`;
  }
  const summary = fs.readFileSync(options.summary!, 'utf8');
  if (command === 'comment') {
    const pullRequest = Number(options['pull-request']);
    const { action, id } = await upsertPlanComment(client, { pullRequest, environment, summary, footer: runFooter(env) });
    return `${action} the ${environment} plan comment (${id}) on pull request ${pullRequest}`;
  }
  const exitCode = options['exit-code'];
  if (exitCode !== '0' && exitCode !== '2') {
    throw new Error(`--exit-code ${JSON.stringify(exitCode)}: npm run plan -- --drift exits 0 (no drift) or 2 (drift); on 1 it failed, and the issue is left as it is`);
  }
  const { action, number } = await reconcileDriftIssue(client, { environment, drifted: exitCode === '2', summary, footer: runFooter(env) });
  return action === 'none' ? `no drift in ${environment} and no drift issue open` : `${action} drift issue #${number} of ${environment}`;
}

if (require.main === module) {
  Promise.resolve()
    .then(() => runGitHubCommand(parseGitHubArgs(process.argv.slice(2))))
    .then(
      (line) => console.log(line),
      (error: Error) => {
        console.error(`github: ${error.message}`);
        process.exit(1);
      },
    );
}
