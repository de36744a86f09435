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
 *   npm run github -- seal-bundle --environment E
 *       seals each saved plan of plans/E/ for the apply role (KMS: sealed-bundle.ts), before upload
 *   npm run github -- fetch-bundle --environment E --commit SHA
 *       downloads into plans/E/ the bundle reviewed in the pull request that commit SHA merged
 *       (and only one a plan run of that pull request's head made: reviewed-bundle.ts), and
 *       unseals its saved plans with the apply role's credentials
 *
 * GitHub calls use GITHUB_API_URL, GITHUB_REPOSITORY and GITHUB_TOKEN, as a job has them; KMS
 * calls the AWS SDK's own credentials (the job's role) in the environment's region.
 */
import * as fs from 'fs';
import * as path from 'path';
import { parseArgs } from 'util';
import { spawnSync } from 'child_process';
import { KMSClient } from '@aws-sdk/client-kms';
import { listEnvironments, loadEnvironment, planBundleKeyAlias } from '../src/config/load-environment';
import { reconcileDriftIssue } from './github/drift-issue';
import { GitHubClient } from './github/github-client';
import { upsertPlanComment } from './github/plan-comment';
import { downloadReviewedBundle } from './github/reviewed-bundle';
import { sealBundle, unsealBundle } from './github/sealed-bundle';
import { PROJECT_ROOT } from './lib/project-root';

const COMMANDS = ['environments', 'comment', 'drift-issue', 'seal-bundle', 'fetch-bundle'] as const;
type Command = (typeof COMMANDS)[number];

const OPTIONS = {
  environment: { type: 'string' },
  'pull-request': { type: 'string' },
  summary: { type: 'string' },
  'exit-code': { type: 'string' },
  commit: { type: 'string' },
} as const;

const NEEDS: Record<Command, readonly (keyof typeof OPTIONS)[]> = {
  environments: [],
  comment: ['environment', 'pull-request', 'summary'],
  'drift-issue': ['environment', 'summary', 'exit-code'],
  'seal-bundle': ['environment'],
  'fetch-bundle': ['environment', 'commit'],
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

/**
 * The sha256 of each saved plan, from the bundle's manifest beside the summary: `npm run apply`
 * prints the same for what it applies, so what was approved can be matched with what ran.
 */
function savedPlanHashes(manifestFile: string): string[] {
  if (!fs.existsSync(manifestFile)) return [];
  const files: Record<string, string> = JSON.parse(fs.readFileSync(manifestFile, 'utf8')).files ?? {};
  const plans = Object.entries(files).filter(([file]) => file.endsWith('.tfplan'));
  return plans.length ? ['', 'Saved plans (sha256):', ...plans.map(([file, hash]) => `- \`${file}\` ${hash}`)] : [];
}

function runFooter(env: NodeJS.ProcessEnv): string {
  const run = env.GITHUB_RUN_ID ? `${env.GITHUB_SERVER_URL ?? 'https://github.com'}/${env.GITHUB_REPOSITORY}/actions/runs/${env.GITHUB_RUN_ID}` : 'a local run';
  return `Planned from ${env.GITHUB_SHA ?? 'the checked-out commit'} by ${run}.`;
}

/** `git rev-parse <commit>^{tree}` in the checkout: the files the commit holds. */
function treeOf(projectRoot: string, commit: string): string {
  const run = spawnSync('git', ['rev-parse', '--verify', '--quiet', `${commit}^{tree}`], { cwd: projectRoot, encoding: 'utf8' });
  if (run.status !== 0) throw new Error(`--commit ${commit} is not a commit of this checkout; check out the commit being applied (actions/checkout does) and pass $GITHUB_SHA`);
  return run.stdout.trim();
}

export interface GitHubCommandDependencies {
  /** The KMS client of an environment's region. @default the AWS SDK's, with its own credentials chain */
  readonly kms?: (region: string) => KMSClient;
  /** @default this checkout */
  readonly projectRoot?: string;
}

export async function runGitHubCommand({ command, options }: GitHubCommand, env: NodeJS.ProcessEnv = process.env, dependencies: GitHubCommandDependencies = {}): Promise<string> {
  const projectRoot = dependencies.projectRoot ?? PROJECT_ROOT;
  if (command === 'environments') return JSON.stringify(ciEnvironments(path.join(projectRoot, 'environments')));
  const environment = options.environment!;
  const bundleDir = path.join(projectRoot, 'plans', environment);
  const kmsFor = () => {
    const config = loadEnvironment(environment, path.join(projectRoot, 'environments'));
    return { kms: (dependencies.kms ?? ((region: string) => new KMSClient({ region })))(config.region), keyId: planBundleKeyAlias(config) };
  };
  if (command === 'seal-bundle') {
    const { kms, keyId } = kmsFor();
    const sealed = await sealBundle(kms, bundleDir, environment, keyId);
    return `Sealed ${sealed.join(', ') || 'no saved plan'} of ${environment} with ${keyId}`;
  }
  const client = GitHubClient.fromEnvironment(env);
  if (command === 'fetch-bundle') {
    const commit = options.commit!;
    const reviewed = await downloadReviewedBundle(client, { environment, commit, tree: treeOf(projectRoot, commit), dest: bundleDir });
    const { kms, keyId } = kmsFor();
    const opened = await unsealBundle(kms, bundleDir, environment, keyId);
    const server = env.GITHUB_SERVER_URL ?? 'https://github.com';
    return (
      `Downloaded the plan of ${environment} reviewed in pull request #${reviewed.pullRequest} (head ${reviewed.headSha}): artifact ${reviewed.artifactId} of ` +
      `${server}/${client.repository}/actions/runs/${reviewed.runId}, into ${path.relative(process.cwd(), bundleDir) || '.'}; unsealed ${opened.join(', ') || 'nothing'}`
    );
  }
  const summary = fs.readFileSync(options.summary!, 'utf8');
  if (command === 'comment') {
    const pullRequest = Number(options['pull-request']);
    const footer = [runFooter(env), ...savedPlanHashes(path.join(path.dirname(options.summary!), 'manifest.json'))].join('\n');
    const { action, id } = await upsertPlanComment(client, { pullRequest, environment, summary, footer });
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
