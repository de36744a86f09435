import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';

/** What the app needs to synthesize and run its scripts: its sources, environments, cdktf settings and provider checksums. */
const APP_ENTRIES = ['main.ts', 'cdktf.json', 'tsconfig.json', 'package.json', 'providers.lock.hcl', 'src', 'lambda-src', 'environments', 'scripts'];

/**
 * A copy of the app in a new temporary folder, sharing `projectRoot`'s node_modules, so a run
 * there (its `cdktf.out/`, its `state/`) never touches the checkout's own. The caller removes it.
 */
export function copyProject(projectRoot: string, prefix = 'greeting-app-'): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  for (const entry of APP_ENTRIES) {
    fs.cpSync(path.join(projectRoot, entry), path.join(dir, entry), { recursive: true });
  }
  fs.symlinkSync(path.join(projectRoot, 'node_modules'), path.join(dir, 'node_modules'));
  return dir;
}
