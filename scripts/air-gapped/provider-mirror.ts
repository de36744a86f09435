import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';

/** A filesystem mirror holding hashicorp/aws: TF_PLUGIN_MIRROR, or the one on this machine image. */
export function findProviderMirror(env: NodeJS.ProcessEnv = process.env): string | undefined {
  const candidates = [env.TF_PLUGIN_MIRROR, '/opt/tf-plugins'].filter((dir): dir is string => !!dir);
  return candidates.find((dir) => fs.existsSync(path.join(dir, 'registry.terraform.io', 'hashicorp', 'aws')));
}

/** Whether `mirror` holds hashicorp/<name> (the archive provider is missing from some). */
export function mirrorHasProvider(mirror: string, name: string): boolean {
  return fs.existsSync(path.join(mirror, 'registry.terraform.io', 'hashicorp', name));
}

/** Writes a Terraform CLI config that installs providers from `mirror` only; returns its path. */
export function writeMirrorCliConfig(mirror: string): string {
  const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'tfrc-')), 'terraform.rc');
  fs.writeFileSync(file, `provider_installation {\n  filesystem_mirror {\n    path = ${JSON.stringify(mirror)}\n  }\n}\n`);
  return file;
}

/**
 * Points terraform at the mirror (when there is one and TF_CLI_CONFIG_FILE names no existing
 * config), and says whether `archive_file` must stand in as a local zip: the mirror lacks
 * hashicorp/archive. Without a mirror, terraform uses the registry and the real provider.
 */
export function useProviderMirror(): { mirror?: string; localArchive: boolean } {
  const mirror = findProviderMirror();
  if (!mirror) return { localArchive: false };
  const configured = process.env.TF_CLI_CONFIG_FILE;
  if (!(configured && fs.existsSync(configured))) process.env.TF_CLI_CONFIG_FILE = writeMirrorCliConfig(mirror);
  return { mirror, localArchive: !mirrorHasProvider(mirror, 'archive') };
}
