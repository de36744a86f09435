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
