import * as fs from 'fs';
import * as path from 'path';
import { spawnSync } from 'child_process';
import { PROVIDER_LOCK_FILE, writeStackProviderLock } from '../../src/providers/provider-locks';
import { findProviderMirror, writeMirrorCliConfig } from '../../scripts/air-gapped/provider-mirror';
import { PROJECT_ROOT, makeTempDir, terraformSkipReason } from '../helpers';

const LOCKS = fs.readFileSync(path.join(PROJECT_ROOT, PROVIDER_LOCK_FILE), 'utf8');

/** A synthesized stack folder that requires `providers` (name → [source, version]). */
function stackRequiring(providers: Record<string, [string, string]>, name = 'standard'): string {
  const dir = path.join(makeTempDir('lock-'), name);
  fs.mkdirSync(dir);
  const required = Object.fromEntries(Object.entries(providers).map(([key, [source, version]]) => [key, { source, version }]));
  fs.writeFileSync(path.join(dir, 'cdk.tf.json'), JSON.stringify({ terraform: { required_providers: required } }));
  return dir;
}

const providerBlocks = (text: string) => [...text.matchAll(/^provider "([^"]+)" \{\n {2}version {5}= "([^"]+)"/gm)].map((m) => `${m[1]} ${m[2]}`);

describe('provider lock files', () => {
  it('pins every provider at the version the stacks require, with checksums for every platform', () => {
    expect(providerBlocks(LOCKS)).toEqual(['registry.terraform.io/hashicorp/archive 2.7.1', 'registry.terraform.io/hashicorp/aws 5.100.0']);
    for (const block of LOCKS.split(/^provider /m).slice(1)) {
      // One zh: hash per released platform zip: far more than the one platform of this machine.
      expect(block.match(/"zh:[0-9a-f]{64}"/g)!.length).toBeGreaterThanOrEqual(12);
    }
  });

  it("writes into a stack's folder exactly the blocks of the providers it requires", () => {
    const tier = stackRequiring({ aws: ['aws', '5.100.0'], archive: ['hashicorp/archive', '2.7.1'] });
    writeStackProviderLock(tier, LOCKS);
    expect(providerBlocks(fs.readFileSync(path.join(tier, '.terraform.lock.hcl'), 'utf8'))).toEqual([
      'registry.terraform.io/hashicorp/archive 2.7.1',
      'registry.terraform.io/hashicorp/aws 5.100.0',
    ]);
    const account = stackRequiring({ aws: ['aws', '5.100.0'] }, 'account-settings');
    writeStackProviderLock(account, LOCKS);
    expect(providerBlocks(fs.readFileSync(path.join(account, '.terraform.lock.hcl'), 'utf8'))).toEqual(['registry.terraform.io/hashicorp/aws 5.100.0']);
  });

  it('fails naming the provider, its version, the stack and the fix when the lock file lacks it', () => {
    const stack = stackRequiring({ aws: ['aws', '5.101.0'] });
    expect(() => writeStackProviderLock(stack, LOCKS)).toThrow(
      'providers.lock.hcl has no checksums for registry.terraform.io/hashicorp/aws 5.101.0, which stack standard requires; add its block as `terraform providers lock` writes it',
    );
    expect(fs.existsSync(path.join(stack, '.terraform.lock.hcl'))).toBe(false);
  });

  const skip = terraformSkipReason();
  (skip ? it.skip : it)(`lets terraform init install from the mirror against the reviewed checksums, and refuses a tampered one${skip ? ` (skipped: ${skip})` : ''}`, () => {
    const env = { ...process.env, TF_CLI_CONFIG_FILE: writeMirrorCliConfig(findProviderMirror()!), CHECKPOINT_DISABLE: '1' };
    const init = (dir: string) => spawnSync('terraform', ['init', '-backend=false', '-input=false', '-no-color'], { cwd: dir, env, encoding: 'utf8' });
    const good = stackRequiring({ aws: ['aws', '5.100.0'] }, 'account-settings');
    writeStackProviderLock(good, LOCKS);
    const before = fs.readFileSync(path.join(good, '.terraform.lock.hcl'), 'utf8');
    expect(init(good).status).toBe(0);
    expect(fs.readFileSync(path.join(good, '.terraform.lock.hcl'), 'utf8')).toBe(before);

    const tampered = stackRequiring({ aws: ['aws', '5.100.0'] }, 'account-settings');
    writeStackProviderLock(tampered, LOCKS.replace(/h1:[A-Za-z0-9+/=]+/, 'h1:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA='));
    const refused = init(tampered);
    expect(refused.status).toBe(1);
    expect(refused.stderr.replace(/\s+/g, ' ')).toContain("doesn't match any of the checksums previously recorded in the dependency lock file");
  }, 60_000);
});
