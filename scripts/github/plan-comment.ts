import { GitHubClient } from './github-client';

/** GitHub refuses comment and issue bodies longer than this (characters). */
export const GITHUB_BODY_LIMIT = 65_536;

/** The hidden first line that marks the plan comment of one environment on a pull request. */
export const planCommentMarker = (environment: string) => `<!-- greeting-service plan: ${environment} -->`;

/**
 * A body for GitHub: the marker, the text (cut to fit GitHub's limit, saying where the whole is),
 * and a footer naming the run.
 */
export function commentBody(marker: string, text: string, footer: string): string {
  const head = `${marker}\n`;
  const tail = `\n\n---\n${footer}\n`;
  const room = GITHUB_BODY_LIMIT - head.length - tail.length;
  if (text.length <= room) return `${head}${text}${tail}`;
  const cut = '\n\n> **Cut here:** the summary is longer than a GitHub comment can be; the whole is in the run\'s plan artifact.';
  return `${head}${text.slice(0, room - cut.length)}${cut}${tail}`;
}

/** Who the workflow's token comments as (GITHUB_TOKEN's app user): the only author of plan comments. */
export const WORKFLOW_COMMENTER = 'github-actions[bot]';

export interface PlanCommentInput {
  readonly pullRequest: number;
  readonly environment: string;
  /** summary.md as `npm run plan` wrote it (FAILED, replace and destroy warnings first). */
  readonly summary: string;
  /** Which run and commit planned it. */
  readonly footer: string;
  /**
   * The login the workflow comments as: a comment is this environment's plan comment only when
   * it has the marker and this author, so anyone else's comment is never edited or deleted.
   * @default WORKFLOW_COMMENTER
   */
  readonly author?: string;
}

/**
 * Posts the plan summary of one environment on a pull request, or updates the comment the
 * workflow posted before (found by its marker and its author), so each environment has exactly
 * one comment of the workflow's that is current. A comment of anyone else that starts with the
 * marker is left alone.
 */
export async function upsertPlanComment(client: GitHubClient, input: PlanCommentInput): Promise<{ action: 'created' | 'updated'; id: number }> {
  if (!Number.isInteger(input.pullRequest) || input.pullRequest < 1) {
    throw new Error(`--pull-request ${JSON.stringify(input.pullRequest)} is not a pull request number; pass \${{ github.event.pull_request.number }}`);
  }
  const marker = planCommentMarker(input.environment);
  const author = input.author ?? WORKFLOW_COMMENTER;
  const body = commentBody(marker, input.summary, input.footer);
  const comments = await client.paginate<{ id: number; body?: string; user?: { login?: string } | null }>(client.repoPath(`/issues/${input.pullRequest}/comments`));
  const earlier = comments.filter((comment) => comment.user?.login === author && comment.body?.startsWith(marker));
  if (!earlier.length) {
    const created = await client.request('POST', client.repoPath(`/issues/${input.pullRequest}/comments`), { body });
    return { action: 'created', id: created.id };
  }
  // One comment per environment: the first is kept current; any copies (two runs racing) go.
  const [kept, ...copies] = earlier;
  await client.request('PATCH', client.repoPath(`/issues/comments/${kept.id}`), { body });
  for (const copy of copies) await client.request('DELETE', client.repoPath(`/issues/comments/${copy.id}`));
  return { action: 'updated', id: kept.id };
}
