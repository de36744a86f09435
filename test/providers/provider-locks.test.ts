import * as fs from 'fs';
import * as path from 'path';
import { Testing } from 'cdktf';
import { PROVIDER_LOCK_FILE, requiredProviders, stackProviderLock, writeStackProviderLock } from '../../src/providers/provider-locks';
import { parseEnvironment } from '../../src/config/load-environment';
import { AccountSettingsStack } from '../../src/stacks/account-settings-stack';
import { GreetingStack } from '../../src/stacks/greeting-stack';
import { FIXTURE_HANDLER, FIXTURE_RELEASE_RUNNER } from '../helpers';
import { findProviderMirror, writeMirrorCliConfig } from '../../scripts/air-gapped/provider-mirror';
import { runTerraform } from '../../scripts/lib/terraform-run';
import { PROJECT_ROOT, makeTempDir, terraformSkipReason } from '../helpers';

const LOCKS = fs.readFileSync(path.join(PROJECT_ROOT, PROVIDER_LOCK_FILE), 'utf8');

const AWS = { source: 'aws', version: '5.100.0' };
const ARCHIVE = { source: 'hashicorp/archive', version: '2.7.1' };

/** A stack folder with the lock file for `required`. */
function stackFolder(required: { source: string; version: string }[], lockText = LOCKS): string {
  const dir = makeTempDir('lock-');
  writeStackProviderLock(dir, stackProviderLock('account-settings', required, lockText));
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

  it('reads the providers a stack requires from its constructs, as its required_providers name them', () => {
    const environment = parseEnvironment('dev', { region: 'eu-central-1', account: { id: '123456789012' }, apiGatewayCloudWatchRole: 'create' }, 'dev.json');
    const tier = new GreetingStack(Testing.app(), 'standard', { environment, tier: 'standard', codeFile: FIXTURE_HANDLER, releaseRunnerFile: FIXTURE_RELEASE_RUNNER });
    const synthesized = JSON.parse(Testing.synth(tier)).terraform.required_providers;
    const bySource = (list: { source: string }[]) => [...list].sort((a, b) => a.source.localeCompare(b.source));
    expect(bySource(requiredProviders(tier))).toEqual(bySource(Object.values(synthesized)));
    expect(bySource(requiredProviders(tier))).toEqual([AWS, ARCHIVE]);
    expect(requiredProviders(new AccountSettingsStack(Testing.app(), 'account-settings', { environment }))).toEqual([AWS]);
  });

  it("gives a stack exactly the blocks of the providers it requires", () => {
    expect(providerBlocks(stackProviderLock('standard', [AWS, ARCHIVE], LOCKS))).toEqual([
      'registry.terraform.io/hashicorp/archive 2.7.1',
      'registry.terraform.io/hashicorp/aws 5.100.0',
    ]);
    expect(providerBlocks(stackProviderLock('account-settings', [AWS], LOCKS))).toEqual(['registry.terraform.io/hashicorp/aws 5.100.0']);
    // A provider configured once per region (the bootstrap stack's aliases) is locked once: Terraform refuses a lock declared twice.
    expect(providerBlocks(stackProviderLock('bootstrap', [AWS, AWS], LOCKS))).toEqual(['registry.terraform.io/hashicorp/aws 5.100.0']);
  });

  it('fails naming the provider, its version, the stack and the fix when the lock file lacks it', () => {
    expect(() => stackProviderLock('standard', [{ source: 'aws', version: '5.101.0' }], LOCKS)).toThrow(
      'providers.lock.hcl has no checksums for registry.terraform.io/hashicorp/aws 5.101.0, which stack standard requires; add its block as `terraform providers lock` writes it',
    );
  });

  const skip = terraformSkipReason();
  (skip ? it.skip : it)(`lets terraform init install from the mirror against the reviewed checksums, and refuses a tampered one${skip ? ` (skipped: ${skip})` : ''}`, async () => {
    const env = { TF_CLI_CONFIG_FILE: writeMirrorCliConfig(findProviderMirror()!) };
    const init = (dir: string) => runTerraform(dir, ['init', '-backend=false', '-input=false', '-no-color'], { env });
    const good = stackFolder([AWS]);
    fs.writeFileSync(path.join(good, 'main.tf'), 'terraform {\n  required_providers {\n    aws = { source = "aws", version = "5.100.0" }\n  }\n}\n');
    const before = fs.readFileSync(path.join(good, '.terraform.lock.hcl'), 'utf8');
    expect((await init(good)).status).toBe(0);
    expect(fs.readFileSync(path.join(good, '.terraform.lock.hcl'), 'utf8')).toBe(before);

    const tampered = stackFolder([AWS], LOCKS.replace(/h1:[A-Za-z0-9+/=]+/, 'h1:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA='));
    fs.copyFileSync(path.join(good, 'main.tf'), path.join(tampered, 'main.tf'));
    const refused = await init(tampered);
    expect(refused.status).toBe(1);
    expect(refused.stderr.replace(/\s+/g, ' ')).toContain("doesn't match any of the checksums previously recorded in the dependency lock file");
  }, 60_000);
});
