import { spawnSync } from 'child_process';

/** The code a plan was made from, as git names it. */
export interface GitSource {
  /** `git rev-parse HEAD`. */
  readonly commit: string;
  /**
   * The commit's tree: the same for a pull request's test merge, its merge commit and its squash
   * when main did not move meanwhile, which have different commit ids but the same files.
   */
  readonly tree: string;
  /** Whether tracked files differ from the commit, or untracked files are not ignored. */
  readonly dirty: boolean;
}

function git(cwd: string, args: string[]): string | undefined {
  const run = spawnSync('git', args, { cwd, encoding: 'utf8' });
  return run.status === 0 ? run.stdout.trim() : undefined;
}

/** The commit, tree and cleanliness of the checkout at `root`; undefined outside a git checkout. */
export function gitSource(root: string): GitSource | undefined {
  const commit = git(root, ['rev-parse', '--verify', '--quiet', 'HEAD']);
  const tree = git(root, ['rev-parse', '--verify', '--quiet', 'HEAD^{tree}']);
  const status = git(root, ['status', '--porcelain', '--untracked-files=normal']);
  if (!commit || !tree || status === undefined) return undefined;
  return { commit, tree, dirty: status !== '' };
}
