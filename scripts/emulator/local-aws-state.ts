/**
 * The local state of the stacks deployed to one local AWS (`localStateFolder`: under
 * `state/local-aws/<port>/`): it records that local AWS's resources, so it goes when they do.
 */
import * as fs from 'fs';
import * as path from 'path';
import { localStateFolder } from '../../src/config/synth-settings';

/**
 * Removes the state folder of the local AWS at `endpoint` in a project; answers the state files
 * it held (relative to the project), none when there was no folder.
 */
export function clearLocalAwsState(projectRoot: string, endpoint: string): string[] {
  const folder = path.join(projectRoot, localStateFolder(endpoint));
  if (!fs.existsSync(folder)) return [];
  const files = (fs.readdirSync(folder, { recursive: true }) as string[])
    .filter((file) => file.endsWith('.tfstate'))
    .map((file) => path.posix.join(localStateFolder(endpoint), file.split(path.sep).join('/')))
    .sort();
  fs.rmSync(folder, { recursive: true, force: true });
  return files;
}
