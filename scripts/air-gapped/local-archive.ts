import * as fs from 'fs';
import * as path from 'path';
import { zipSingleFile } from './function-zip';

/**
 * For machines whose provider mirror lacks hashicorp/archive: rewrites a synthesized stack so
 * its one `archive_file` data source is replaced by the same zip built here (the same file at
 * the zip's root, mode 0644, its base64 SHA-256 as the hash), and its lock file no longer
 * names the provider. Everything else stays as synthesized. Used by the offline plan test,
 * the emulator and the benchmarks, never by what ships. Returns the zip's base64 SHA-256, or
 * undefined for a stack that packages nothing (account-settings).
 */
export async function replaceArchiveWithLocalZip(stackDir: string): Promise<string | undefined> {
  const file = path.join(stackDir, 'cdk.tf.json');
  const tf = JSON.parse(fs.readFileSync(file, 'utf8'));
  const archives = Object.entries<any>(tf.data?.archive_file ?? {});
  if (archives.length === 0) return undefined;
  if (archives.length > 1) throw new Error(`${file}: expected at most one archive_file data source, found ${archives.length}`);
  const [[name, archive]] = archives;
  const zip = await zipSingleFile(path.join(stackDir, archive.source_file), path.join(stackDir, archive.output_path));
  const text = JSON.stringify(tf)
    .split(`\${data.archive_file.${name}.output_path}`)
    .join(archive.output_path)
    .split(`\${data.archive_file.${name}.output_base64sha256}`)
    .join(zip.base64Sha256);
  const rewritten = JSON.parse(text);
  delete rewritten.data.archive_file;
  if (Object.keys(rewritten.data).length === 0) delete rewritten.data;
  delete rewritten.provider.archive;
  delete rewritten.terraform.required_providers.archive;
  fs.writeFileSync(file, JSON.stringify(rewritten, null, 2));
  // The stack no longer requires the provider: neither may its lock file, or terraform wants it installed.
  const lockFile = path.join(stackDir, '.terraform.lock.hcl');
  if (fs.existsSync(lockFile)) {
    const lock = fs.readFileSync(lockFile, 'utf8');
    fs.writeFileSync(lockFile, lock.replace(/^provider "registry\.terraform\.io\/hashicorp\/archive" \{\n[\s\S]*?\n\}\n\n?/m, ''));
  }
  return zip.base64Sha256;
}
