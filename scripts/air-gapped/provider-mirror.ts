import * as fs from 'fs';
import * as path from 'path';
import { PROJECT_ROOT } from '../lib/project-root';

/** A filesystem mirror holding hashicorp/aws: TF_PLUGIN_MIRROR, or the one on this machine image. */
export function findProviderMirror(env: NodeJS.ProcessEnv = process.env): string | undefined {
  const candidates = [env.TF_PLUGIN_MIRROR, '/opt/tf-plugins'].filter((dir): dir is string => !!dir);
  return candidates.find((dir) => fs.existsSync(path.join(dir, 'registry.terraform.io', 'hashicorp', 'aws')));
}

/** Whether `mirror` holds hashicorp/<name> (the archive provider is missing from some). */
export function mirrorHasProvider(mirror: string, name: string): boolean {
  return fs.existsSync(path.join(mirror, 'registry.terraform.io', 'hashicorp', name));
}

/**
 * Where a checkout keeps its mirror CLI config: beside its other build output, so that a run
 * rewrites the one file instead of leaving a folder in /tmp behind, and no other user of a shared
 * temp folder can write it first (it decides where terraform takes its providers from).
 */
export function mirrorCliConfigFile(projectRoot: string = PROJECT_ROOT): string {
  return path.join(projectRoot, '.build', 'terraform-mirror.rc');
}

/**
 * Writes a Terraform CLI config that installs providers from `mirror` only; returns its path.
 * Written whole (a file of this process renamed over it), so a terraform reading it while a
 * run beside it rewrites it never reads half of it.
 */
export function writeMirrorCliConfig(mirror: string, file: string = mirrorCliConfigFile()): string {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  const partial = `${file}.${process.pid}`;
  fs.writeFileSync(partial, `provider_installation {\n  filesystem_mirror {\n    path = ${JSON.stringify(mirror)}\n  }\n}\n`);
  fs.renameSync(partial, file);
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
