import * as fs from 'fs';
import * as path from 'path';
import { unzipSync } from 'fflate';
import { GitHubClient } from './github-client';

/**
 * The artifact a pull request's plan uploads: keyed by the tree planned, which a pull
 * request's test merge and the merge (or squash) commit share when main did not move.
 */
export const bundleArtifactName = (environment: string, tree: string) => `plan-${environment}-${tree}`;

interface Artifact {
  readonly id: number;
  readonly name: string;
  readonly expired: boolean;
  readonly created_at: string;
  readonly workflow_run?: { readonly id: number };
}

/**
 * Downloads the newest unexpired plan bundle reviewed for `tree` into `dest` (emptied first).
 * Throws, saying why and what to do, when there is none.
 */
export async function downloadReviewedBundle(
  client: GitHubClient,
  input: { readonly environment: string; readonly tree: string; readonly dest: string },
): Promise<{ artifactId: number; runId?: number }> {
  if (!/^[0-9a-f]{40}$/.test(input.tree)) throw new Error(`--tree ${JSON.stringify(input.tree)} is not a git tree id; pass $(git rev-parse HEAD^{tree})`);
  const name = bundleArtifactName(input.environment, input.tree);
  const artifacts = await client.paginate<Artifact>(client.repoPath(`/actions/artifacts?name=${encodeURIComponent(name)}`), (page) => page.artifacts ?? []);
  const usable = artifacts.filter((artifact) => artifact.name === name && !artifact.expired).sort((a, b) => b.created_at.localeCompare(a.created_at));
  if (!usable.length) {
    throw new Error(
      `no reviewed plan of ${input.environment} for tree ${input.tree} (artifact ${name}${artifacts.length ? ', expired' : ''}): ` +
        'this code was not planned in a pull request as merged (main moved after the plan?); re-run the pull request\'s plan against main and review it, or open a pull request with this commit',
    );
  }
  const entries = unzipSync(new Uint8Array(await client.download(client.repoPath(`/actions/artifacts/${usable[0].id}/zip`))));
  const files = Object.entries(entries).filter(([entry]) => !entry.endsWith('/'));
  // Every entry checked before anything is written: a bad artifact leaves nothing behind.
  for (const [entry] of files) {
    if (!path.resolve(input.dest, entry).startsWith(path.resolve(input.dest) + path.sep)) {
      throw new Error(`artifact ${name} holds ${JSON.stringify(entry)}, outside the bundle folder; not extracting it`);
    }
  }
  fs.rmSync(input.dest, { recursive: true, force: true });
  for (const [entry, bytes] of files) {
    const target = path.resolve(input.dest, entry);
    fs.mkdirSync(path.dirname(target), { recursive: true });
    fs.writeFileSync(target, bytes);
  }
  return { artifactId: usable[0].id, runId: usable[0].workflow_run?.id };
}
