import * as fs from 'fs';
import * as path from 'path';
import { TerraformProvider, TerraformStack } from 'cdktf';

/** The reviewed provider checksums of every stack, at the project root. */
export const PROVIDER_LOCK_FILE = 'providers.lock.hcl';

/** A provider's registry address as a lock file names it: `aws` → `registry.terraform.io/hashicorp/aws`. */
function registryAddress(source: string): string {
  const parts = source.split('/');
  if (parts.length === 1) return `registry.terraform.io/hashicorp/${source}`;
  if (parts.length === 2) return `registry.terraform.io/${source}`;
  return source;
}

/** The providers a stack uses, as its `required_providers` name them: source and version. */
export function requiredProviders(stack: TerraformStack): { source: string; version: string }[] {
  return stack.node
    .findAll()
    .filter(TerraformProvider.isTerraformProvider)
    .map((provider) => ({
      source: provider.terraformProviderSource ?? provider.terraformResourceType,
      version: provider.terraformGeneratorMetadata?.providerVersion ?? provider.terraformGeneratorMetadata?.providerVersionConstraint ?? '',
    }));
}

/**
 * The `.terraform.lock.hcl` of one stack: the blocks of `lockText` for exactly the providers
 * it requires, so `terraform init` verifies each download against reviewed checksums and
 * never rewrites the file. Throws when a provider or its pinned version has no block, naming
 * both, the stack and the fix.
 */
export function stackProviderLock(stackName: string, required: readonly { source: string; version: string }[], lockText: string): string {
  // A provider configured more than once (aliases for other regions) is locked once.
  const unique = [...new Map(required.map((provider) => [`${registryAddress(provider.source)} ${provider.version}`, provider])).values()];
  const blocks = unique
    .map(({ source, version }) => {
      const address = registryAddress(source);
      const block = new RegExp(`^provider "${address.replace(/[./]/g, '\\$&')}" \\{\\n[\\s\\S]*?\\n\\}$`, 'm').exec(lockText)?.[0];
      if (!block || !block.includes(`version     = "${version}"`)) {
        throw new Error(
          `${PROVIDER_LOCK_FILE} has no checksums for ${address} ${version}, which stack ${stackName} requires; ` +
            `add its block as \`terraform providers lock\` writes it (docs/environments.md, "Provider versions and checksums")`,
        );
      }
      return { address, block };
    })
    .sort((a, b) => a.address.localeCompare(b.address));
  return [
    '# This file is maintained automatically by "terraform init".',
    '# Manual edits may be lost in future updates.',
    `# Written by synth from ${PROVIDER_LOCK_FILE}: edit that file, not this one.`,
    '',
    ...blocks.map(({ block }) => `${block}\n`),
  ].join('\n');
}

/** Puts a stack's lock file where `terraform init` reads it: beside its cdk.tf.json (or cdk.tf). */
export function writeStackProviderLock(stackDir: string, lock: string): void {
  fs.writeFileSync(path.join(stackDir, '.terraform.lock.hcl'), lock);
}
