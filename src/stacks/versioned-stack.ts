import { Construct } from 'constructs';
import { TerraformStack } from 'cdktf';
import { repairCdktfHcl } from './cdktf-hcl-repair';

/**
 * The oldest Terraform the synthesized stacks run on: the S3 backend's `use_lockfile` came with
 * 1.10 as experimental and is generally available from 1.11 (Terraform's S3 backend
 * documentation, "State Locking"; 1.11.0 changelog).
 */
export const REQUIRED_TERRAFORM_VERSION = '>= 1.11.0';

/**
 * A stack of this project: it requires {@link REQUIRED_TERRAFORM_VERSION}, and what `cdktf synth
 * --hcl` writes of it (the exit from cdktf) is repaired where cdktf's renderer is wrong
 * (cdktf-hcl-repair.ts).
 */
export abstract class VersionedStack extends TerraformStack {
  protected constructor(scope: Construct, id: string) {
    super(scope, id);
    this.addOverride('terraform.required_version', REQUIRED_TERRAFORM_VERSION);
  }

  /** What `cdktf synth --hcl` writes, with cdktf's renderer defects repaired (cdktf-hcl-repair.ts). */
  public toHclTerraform(): any {
    const result = super.toHclTerraform();
    return { ...result, hcl: repairCdktfHcl(result.hcl, { required_version: REQUIRED_TERRAFORM_VERSION }) };
  }
}
