import { GitHubClient } from './github-client';
import { WORKFLOW_COMMENTER, commentBody } from './plan-comment';

/** The label of drift issues, and the hidden first line naming the environment of one. */
export const DRIFT_LABEL = 'drift';
export const driftIssueMarker = (environment: string) => `<!-- greeting-service drift: ${environment} -->`;

export interface DriftInput {
  readonly environment: string;
  /** Whether `npm run plan -- --drift` found drift (it exited 2). */
  readonly drifted: boolean;
  /** The drift summary.md. */
  readonly summary: string;
  /** Which run checked. */
  readonly footer: string;
  /** The login the workflow writes as: only its own issues are updated or closed. @default WORKFLOW_COMMENTER */
  readonly author?: string;
}

export type DriftAction = 'opened' | 'updated' | 'closed' | 'none';

/**
 * One open issue per environment while it drifts (the workflow's own: found by marker and
 * author): opened on the first drift, its body kept
 * current while drift lasts, closed with a comment once a check finds none.
 */
export async function reconcileDriftIssue(client: GitHubClient, input: DriftInput): Promise<{ action: DriftAction; number?: number }> {
  const marker = driftIssueMarker(input.environment);
  const author = input.author ?? WORKFLOW_COMMENTER;
  const open = (await client.paginate<{ number: number; body?: string; pull_request?: unknown; user?: { login?: string } | null }>(client.repoPath(`/issues?state=open&labels=${DRIFT_LABEL}`))).filter(
    (issue) => !issue.pull_request && issue.user?.login === author && issue.body?.startsWith(marker),
  );
  const issue = open[0];
  if (input.drifted) {
    const body = commentBody(marker, input.summary, input.footer);
    if (issue) {
      await client.request('PATCH', client.repoPath(`/issues/${issue.number}`), { body });
      return { action: 'updated', number: issue.number };
    }
    const created = await client.request('POST', client.repoPath('/issues'), {
      title: `Drift in ${input.environment}: AWS differs from the Terraform state`,
      body,
      labels: [DRIFT_LABEL],
    });
    return { action: 'opened', number: created.number };
  }
  if (!issue) return { action: 'none' };
  await client.request('POST', client.repoPath(`/issues/${issue.number}/comments`), { body: `No drift in ${input.environment} any more.\n\n${input.footer}` });
  await client.request('PATCH', client.repoPath(`/issues/${issue.number}`), { state: 'closed', state_reason: 'completed' });
  return { action: 'closed', number: issue.number };
}
