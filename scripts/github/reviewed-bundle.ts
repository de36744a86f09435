import * as fs from 'fs';
import * as path from 'path';
import { unzipSync } from 'fflate';
import { GitHubClient } from './github-client';

/**
 * The artifact a pull request's plan uploads: keyed by the tree planned, which a pull
 * request's test merge and the merge (or squash) commit share when main did not move.
 */
export const bundleArtifactName = (environment: string, tree: string) => `plan-${environment}-${tree}`;

/** The workflow whose runs may make the bundles an apply takes (the run's `path`, as GitHub reports it). */
export const PLAN_WORKFLOW = '.github/workflows/plan.yml';

interface Artifact {
  readonly id: number;
  readonly name: string;
  readonly expired: boolean;
  readonly created_at: string;
  readonly workflow_run?: { readonly id: number };
}

/** The fields of a workflow run (GET /repos/{owner}/{repo}/actions/runs/{run_id}) that say where it came from. */
interface WorkflowRun {
  readonly id: number;
  readonly path: string;
  readonly event: string;
  readonly status: string;
  readonly conclusion: string | null;
  readonly head_sha: string;
  readonly head_repository?: { readonly full_name: string } | null;
  readonly repository?: { readonly full_name: string };
  /** The pull requests the run was for (GitHub lists a same-repository pull request's number and base). */
  readonly pull_requests?: readonly { readonly number: number; readonly base?: { readonly ref: string } }[];
}

/** A pull request as GET /repos/{owner}/{repo}/commits/{sha}/pulls lists it. */
interface PullRequest {
  readonly number: number;
  readonly merged_at: string | null;
  readonly merge_commit_sha: string | null;
  readonly head: { readonly sha: string; readonly repo?: { readonly full_name: string } | null };
  readonly base: { readonly ref: string; readonly repo: { readonly full_name: string } };
}

/** Where the applied bundle came from, for the apply job to print. */
export interface ReviewedBundle {
  readonly artifactId: number;
  readonly runId: number;
  /** The pull request the applied commit merged. */
  readonly pullRequest: number;
  /** Its head commit, which the plan run planned. */
  readonly headSha: string;
}

/**
 * The pull request `commit` merged into `branch`: GitHub lists a commit's pull requests, and the
 * one merged as this commit names it as its `merge_commit_sha` (a merge, squash or rebase).
 */
async function mergedPullRequest(client: GitHubClient, commit: string, repository: string, branch: string): Promise<PullRequest> {
  const pulls = await client.paginate<PullRequest>(client.repoPath(`/commits/${commit}/pulls`));
  const merged = pulls.filter((pull) => pull.merged_at && pull.merge_commit_sha === commit && pull.base.ref === branch && pull.base.repo.full_name === repository);
  if (merged.length !== 1) {
    throw new Error(
      `commit ${commit} is not the merge of one pull request into ${branch} (GitHub lists ${pulls.length ? pulls.map((pull) => `#${pull.number}`).join(', ') : 'none'} for it${
        pulls.length ? ', none merged as this commit' : ''
      }): only the plan reviewed in a pull request is applied; push changes to ${branch} through a pull request`,
    );
  }
  return merged[0];
}

/** Why a run may not supply the bundle applied after `pull` merged into `branch`, or undefined when it may. */
function runProblem(run: WorkflowRun, pull: PullRequest, repository: string, branch: string): string | undefined {
  if (run.path !== PLAN_WORKFLOW) return `made by ${run.path || 'another workflow'}, not ${PLAN_WORKFLOW}`;
  if (run.event !== 'pull_request') return `a ${run.event} run, not a pull_request one`;
  if (run.repository?.full_name !== repository) return `a run of ${run.repository?.full_name ?? 'another repository'}`;
  if (run.head_repository?.full_name !== repository) return `from a fork (head repository ${run.head_repository?.full_name ?? 'unknown'})`;
  if (run.status !== 'completed' || run.conclusion !== 'success') return `a run that did not succeed (${run.status}, ${run.conclusion ?? 'no conclusion'})`;
  if (run.head_sha !== pull.head.sha) return `planned head commit ${run.head_sha}, not ${pull.head.sha}, the head pull request #${pull.number} merged`;
  // The same head planned for another pull request, or against another base, planned other code.
  if (!(run.pull_requests ?? []).some((listed) => listed.number === pull.number && listed.base?.ref === branch)) {
    return `a run for ${(run.pull_requests ?? []).map((listed) => `#${listed.number} into ${listed.base?.ref ?? '?'}`).join(', ') || 'no pull request'}, not #${pull.number} into ${branch}`;
  }
  return undefined;
}

/**
 * Downloads the bundle reviewed for the commit being applied into `dest` (emptied first), and
 * only that: the newest unexpired `plan-<environment>-<tree>` artifact of a successful
 * `pull_request` run of the plan workflow, in this repository (not a fork), of the head commit of
 * the pull request that `commit` merged into `branch`. The artifact's name is public and any run
 * can upload under it, so nothing but GitHub's own record of the run is believed. Throws, naming
 * every artifact passed over, its run and why, when there is none.
 */
export async function downloadReviewedBundle(
  client: GitHubClient,
  input: { readonly environment: string; readonly commit: string; readonly tree: string; readonly dest: string; readonly branch?: string },
): Promise<ReviewedBundle> {
  if (!/^[0-9a-f]{40}$/.test(input.commit)) throw new Error(`--commit ${JSON.stringify(input.commit)} is not a commit id; pass $GITHUB_SHA, the commit being applied`);
  if (!/^[0-9a-f]{40}$/.test(input.tree)) throw new Error(`tree ${JSON.stringify(input.tree)} is not a git tree id`);
  const branch = input.branch ?? 'main';
  const pull = await mergedPullRequest(client, input.commit, client.repository, branch);
  const name = bundleArtifactName(input.environment, input.tree);
  const artifacts = (await client.paginate<Artifact>(client.repoPath(`/actions/artifacts?name=${encodeURIComponent(name)}`), (page) => page.artifacts ?? []))
    .filter((artifact) => artifact.name === name)
    .sort((a, b) => b.created_at.localeCompare(a.created_at));
  const passedOver: string[] = [];
  let chosen: { artifact: Artifact; run: WorkflowRun } | undefined;
  for (const artifact of artifacts) {
    const label = `artifact ${artifact.id} (run ${artifact.workflow_run?.id ?? 'unknown'})`;
    if (artifact.expired) {
      passedOver.push(`${label}: expired`);
      continue;
    }
    if (!artifact.workflow_run?.id) {
      passedOver.push(`${label}: GitHub names no run for it`);
      continue;
    }
    const run = await client.request<WorkflowRun>('GET', client.repoPath(`/actions/runs/${artifact.workflow_run.id}`));
    const problem = runProblem(run, pull, client.repository, branch);
    if (problem) {
      passedOver.push(`${label}: ${problem}`);
      continue;
    }
    chosen = { artifact, run };
    break;
  }
  if (!chosen) {
    throw new Error(
      `no reviewed plan of ${input.environment} for commit ${input.commit} (tree ${input.tree}, pull request #${pull.number}, head ${pull.head.sha}; artifact ${name})` +
        `${passedOver.length ? `; passed over:\n${passedOver.map((line) => `- ${line}`).join('\n')}\n` : ': there is none; '}` +
        'this code was not planned in that pull request as merged (main moved after the plan?): re-run the pull request\'s plan against main and review it, or open a pull request with this commit',
    );
  }
  const entries = unzipSync(new Uint8Array(await client.download(client.repoPath(`/actions/artifacts/${chosen.artifact.id}/zip`))));
  const files = Object.entries(entries).filter(([entry]) => !entry.endsWith('/'));
  // Every entry checked before anything is written: a bad artifact leaves nothing behind.
  for (const [entry] of files) {
    if (!path.resolve(input.dest, entry).startsWith(path.resolve(input.dest) + path.sep)) {
      throw new Error(`artifact ${chosen.artifact.id} (run ${chosen.run.id}) holds ${JSON.stringify(entry)}, outside the bundle folder; not extracting it`);
    }
  }
  fs.rmSync(input.dest, { recursive: true, force: true });
  for (const [entry, bytes] of files) {
    const target = path.resolve(input.dest, entry);
    fs.mkdirSync(path.dirname(target), { recursive: true });
    fs.writeFileSync(target, bytes);
  }
  return { artifactId: chosen.artifact.id, runId: chosen.run.id, pullRequest: pull.number, headSha: pull.head.sha };
}
