/**
 * cdktf is archived; HashiCorp's exit is `cdktf synth --hcl`, after which a team keeps plain
 * Terraform. That HCL must parse, format and validate, or the exit is closed.
 */
import * as fs from 'fs';
import * as path from 'path';
import { findProviderMirror, writeMirrorCliConfig } from '../../scripts/air-gapped/provider-mirror';
import { runTerraform } from '../../scripts/lib/terraform-run';
import { repairCdktfHcl } from '../../src/stacks/cdktf-hcl-repair';
import { checkout, makeTempDir, runAsTyped, terraformSkipReason, underLoad } from '../helpers';

const skip = terraformSkipReason();
const ENVIRONMENTS = ['dev', 'prod'];

/**
 * The mirror here has no hashicorp/archive: the copy validated drops the `archive_file` data
 * source and uses its output path and a placeholder hash instead. Everything else is as written.
 */
function withoutArchiveProvider(hcl: string): string {
  const data = /^data "archive_file" "([^"]+)" \{\n([\s\S]*?)\n\}\n/m.exec(hcl);
  if (!data) return hcl; // account-settings packages nothing
  const [block, name, body] = data;
  const outputPath = /output_path\s*=\s*"([^"]+)"/.exec(body)![1];
  // Written as "${data...}" by cdktf, or bare once terraform fmt has run.
  const reference = new RegExp(`"\\$\\{data\\.archive_file\\.${name}\\.(\\w+)\\}"|data\\.archive_file\\.${name}\\.(\\w+)`, 'g');
  return hcl
    .replace(block, '')
    .replace(/^ {4}archive = \{[^}]*\}\n/m, '')
    .replace(/^provider "archive" \{\n\}\n/m, '')
    .replace(reference, (_match, quoted, bare) => JSON.stringify((quoted ?? bare) === 'output_path' ? outputPath : 'validate-only'));
}

const cliConfig = skip ? '' : writeMirrorCliConfig(findProviderMirror()!);

/** terraform through the one runner (its own process group, killed with the test file), pointed at the provider mirror. */
const terraform = (dir: string, ...args: string[]) => runTerraform(dir, args, { env: { TF_CLI_CONFIG_FILE: cliConfig } });

(skip ? describe.skip : describe)(`cdktf synth --hcl${skip ? ` (skipped: ${skip})` : ''}`, () => {
  const stacks: { name: string; dir: string }[] = [];

  beforeAll(async () => {
    const project = checkout();
    const cdktf = path.join(project, 'node_modules', '.bin', 'cdktf');
    for (const environment of ENVIRONMENTS) {
      const out = makeTempDir(`hcl-${environment}-`);
      const synth = await runAsTyped(cdktf, ['synth', '--hcl', '--output', out], { cwd: project, env: { ENVIRONMENT: environment, CHECKPOINT_DISABLE: '1', TF_CLI_CONFIG_FILE: cliConfig } });
      if (synth.code !== 0) throw new Error(`cdktf synth --hcl failed for ${environment}:\n${synth.output}`);
      for (const stack of fs.readdirSync(path.join(out, 'stacks'))) stacks.push({ name: `${environment}/${stack}`, dir: path.join(out, 'stacks', stack) });
    }
  }, underLoad(120_000));

  it('writes HCL for every stack of dev and prod', () => {
    expect(stacks.map((s) => s.name).sort()).toEqual([
      'dev/account-settings',
      'dev/premium',
      'dev/standard',
      'prod/account-settings',
      'prod/bootstrap',
      'prod/premium',
      'prod/standard',
    ]);
  });

  it('writes HCL that terraform fmt parses, and that is fmt-clean once formatted', async () => {
    for (const { name, dir } of stacks) {
      const format = await terraform(dir, 'fmt', '-no-color', 'cdk.tf');
      expect({ name, status: format.status, stderr: format.stderr }).toEqual({ name, status: 0, stderr: '' });
      expect({ name, check: (await terraform(dir, 'fmt', '-check', 'cdk.tf')).status }).toEqual({ name, check: 0 });
    }
  }, underLoad(60_000));

  it('writes HCL that terraform validate accepts with the provider mirror, warning only of quoted depends_on', async () => {
    for (const { name, dir } of stacks) {
      const copy = makeTempDir('hcl-validate-');
      fs.writeFileSync(path.join(copy, 'main.tf'), withoutArchiveProvider(fs.readFileSync(path.join(dir, 'cdk.tf'), 'utf8')));
      const init = await terraform(copy, 'init', '-backend=false', '-input=false', '-no-color');
      expect({ name, init: init.status, stderr: init.stderr }).toEqual({ name, init: 0, stderr: '' });
      const validate = await terraform(copy, 'validate', '-json', '-no-color');
      const result = JSON.parse(validate.stdout);
      // cdktf's HCL writer quotes depends_on entries; terraform still accepts them. Nothing else may warn.
      const others = result.diagnostics
        .filter((d: any) => d.summary !== 'Quoted references are deprecated')
        .map((d: any) => `${d.severity}: ${d.summary}: ${d.detail} (${d.range?.filename}:${d.range?.start?.line})`);
      expect({ name, valid: result.valid, others }).toEqual({ name, valid: true, others: [] });
    }
  }, underLoad(120_000));
});

describe('repairCdktfHcl', () => {
  it("writes a terraform setting cdktf renders as its index by name, and condition lists as blocks", () => {
    const broken = 'terraform {\n  0 = "required_version"\n}\nlifecycle {\n  postcondition = [\n{\ncondition = "${true}"\nerror_message = "m"\n},\n]\n}\n';
    expect(repairCdktfHcl(broken, { required_version: '>= 1.10.0' })).toBe(
      'terraform {\n  required_version = ">= 1.10.0"\n}\nlifecycle {\n  postcondition {\ncondition = "${true}"\nerror_message = "m"\n  }\n}\n',
    );
  });

  it("writes a WAF rule's statement, which cdktf could not type, as nested blocks", () => {
    const warning =
      '    # Warning: The following attribute is of an unexpected type. Either there\'s a problem with the provider\n' +
      '    # \n    # We understand this is not ideal, so we suggest using JSON synthesis instead of HCL synthesis for this particular case.\n\n';
    const broken = `  rule {\n${warning}    statement = {\n      rate_based_statement = {\n        limit = 1500\n      }\n    }\n  }\n`;
    expect(repairCdktfHcl(broken, {})).toBe('  rule {\n    statement {\n      rate_based_statement {\n        limit = 1500\n      }\n    }\n  }\n');
    // An untyped attribute of another name is left as cdktf wrote it.
    const other = `${warning}    settings = {\n      a = {\n      }\n    }\n`;
    expect(repairCdktfHcl(other, {})).toBe(other);
  });

  it("writes a provisioner's on_failure as the keyword Terraform takes, not a quoted string", () => {
    const hcl = '  provisioner "local-exec" {\n    command    = "node release.js"\n    on_failure = "continue"\n  }\n';
    expect(repairCdktfHcl(hcl, {})).toBe('  provisioner "local-exec" {\n    command    = "node release.js"\n    on_failure = continue\n  }\n');
  });

  it('leaves alone what it does not know', () => {
    const hcl = 'terraform {\n  0 = "something_new"\n}\n';
    expect(repairCdktfHcl(hcl, { required_version: '>= 1.10.0' })).toBe(hcl);
  });
});
