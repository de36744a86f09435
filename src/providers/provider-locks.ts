import * as fs from 'fs';
import * as path from 'path';

/** The reviewed provider checksums of every stack, at the project root. */
export const PROVIDER_LOCK_FILE = 'providers.lock.hcl';

/** A provider's registry address as a lock file names it: `aws` → `registry.terraform.io/hashicorp/aws`. */
function registryAddress(source: string): string {
  const parts = source.split('/');
  if (parts.length === 1) return `registry.terraform.io/hashicorp/${source}`;
  if (parts.length === 2) return `registry.terraform.io/${source}`;
  return source;
}

/**
 * Writes `.terraform.lock.hcl` into a synthesized stack's folder, where `terraform init` reads
 * it: the blocks of `lockText` for exactly the providers the stack requires, so init verifies
 * each download against reviewed checksums and never rewrites the file. Throws when a
 * provider or its pinned version has no block, naming both and the fix.
 */
export function writeStackProviderLock(stackDir: string, lockText: string): void {
  const synthesized = JSON.parse(fs.readFileSync(path.join(stackDir, 'cdk.tf.json'), 'utf8'));
  const required = Object.values<{ source: string; version: string }>(synthesized.terraform?.required_providers ?? {});
  const blocks = required
    .map(({ source, version }) => {
      const address = registryAddress(source);
      const block = new RegExp(`^provider "${address.replace(/[./]/g, '\\$&')}" \\{\\n[\\s\\S]*?\\n\\}$`, 'm').exec(lockText)?.[0];
      if (!block || !block.includes(`version     = "${version}"`)) {
        throw new Error(
          `${PROVIDER_LOCK_FILE} has no checksums for ${address} ${version}, which stack ${path.basename(stackDir)} requires; ` +
            `add its block as \`terraform providers lock\` writes it (README: "Provider versions and checksums")`,
        );
      }
      return { address, block };
    })
    .sort((a, b) => a.address.localeCompare(b.address));
  const text = [
    '# This file is maintained automatically by "terraform init".',
    '# Manual edits may be lost in future updates.',
    `# Written by synth from ${PROVIDER_LOCK_FILE}: edit that file, not this one.`,
    '',
    ...blocks.map(({ block }) => `${block}\n`),
  ].join('\n');
  fs.writeFileSync(path.join(stackDir, '.terraform.lock.hcl'), text);
}
