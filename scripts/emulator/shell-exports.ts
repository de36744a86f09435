import { PACKAGING_VARIABLE } from '../../src/config/synth-settings';
import { findProviderMirror, mirrorCliConfigFile, mirrorHasProvider, writeMirrorCliConfig } from '../air-gapped/provider-mirror';
import { TERRAFORM_GO_RUNTIME_ASSIGNMENTS } from '../lib/terraform-run';
import { EMULATOR_CREDENTIALS } from './emulator-settings';

/** The shell lines that point terraform, cdktf, the AWS SDK and CLI at the emulator. */
export function emulatorExports(endpoint: string, region: string, projectRoot: string): string[] {
  const lines = [
    `export AWS_ENDPOINT_URL=${endpoint}`,
    // AWS_DEFAULT_REGION too: the AWS CLI v1 reads only that one.
    `export AWS_ACCESS_KEY_ID=${EMULATOR_CREDENTIALS.accessKeyId} AWS_SECRET_ACCESS_KEY=${EMULATOR_CREDENTIALS.secretAccessKey} AWS_REGION=${region} AWS_DEFAULT_REGION=${region}`,
    // No version checks against HashiCorp's servers (an error on a machine without internet).
    'export CHECKPOINT_DISABLE=1 AWS_EC2_METADATA_DISABLED=true',
    // As the project's own terraform runs have it (terraform-run.ts): cdktf's run with less CPU.
    `export ${TERRAFORM_GO_RUNTIME_ASSIGNMENTS}    # terraform and its providers: Go collects garbage less often, for less CPU`,
  ];
  const mirror = findProviderMirror();
  if (mirror) {
    const rc = writeMirrorCliConfig(mirror, mirrorCliConfigFile(projectRoot));
    lines.push(`export TF_CLI_CONFIG_FILE=${rc}    # providers from the mirror ${mirror}`);
    if (!mirrorHasProvider(mirror, 'archive')) lines.push(`export ${PACKAGING_VARIABLE}=synth-zip    # the mirror has no hashicorp/archive: synth zips the function`);
  }
  return lines;
}
