/**
 * cdktf is archived; HashiCorp's exit is `cdktf synth --hcl`, after which a team keeps plain
 * Terraform. That HCL must parse, format and validate, or the exit is closed.
 */
import * as fs from 'fs';
import * as path from 'path';
import { spawnSync } from 'child_process';
import { findProviderMirror, writeMirrorCliConfig } from '../../scripts/air-gapped/provider-mirror';
import { repairCdktfHcl } from '../../src/stacks/cdktf-hcl-repair';
import { checkout, makeTempDir, terraformSkipReason, underLoad } from '../helpers';

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

/** Runs a command with terraform pointed at the provider mirror and no checkpoint call. */
function run(command: string, args: string[], cwd: string, env: NodeJS.ProcessEnv = {}) {
  return spawnSync(command, args, { cwd, encoding: 'utf8', env: { ...process.env, CHECKPOINT_DISABLE: '1', TF_CLI_CONFIG_FILE: cliConfig, ...env } });
}

(skip ? describe.skip : describe)(`cdktf synth --hcl${skip ? ` (skipped: ${skip})` : ''}`, () => {
  const stacks: { name: string; dir: string }[] = [];

  beforeAll(() => {
    const project = checkout();
    const cdktf = path.join(project, 'node_modules', '.bin', 'cdktf');
    for (const environment of ENVIRONMENTS) {
      const out = makeTempDir(`hcl-${environment}-`);
      const synth = run(cdktf, ['synth', '--hcl', '--output', out], project, { ENVIRONMENT: environment });
      if (synth.status !== 0) throw new Error(`cdktf synth --hcl failed for ${environment}:\n${synth.stdout}\n${synth.stderr}`);
      for (const stack of fs.readdirSync(path.join(out, 'stacks'))) stacks.push({ name: `${environment}/${stack}`, dir: path.join(out, 'stacks', stack) });
    }
  }, underLoad(120_000));

  it('writes HCL for every stack of dev and prod', () => {
    expect(stacks.map((s) => s.name).sort()).toEqual([
      'dev/account-settings',
      'dev/premium',
      'dev/standard',
      'prod/account-settings',
      'prod/premium',
      'prod/standard',
    ]);
  });

  it('writes HCL that terraform fmt parses, and that is fmt-clean once formatted', () => {
    for (const { name, dir } of stacks) {
      const format = run('terraform', ['fmt', '-no-color', 'cdk.tf'], dir);
      expect({ name, status: format.status, stderr: format.stderr }).toEqual({ name, status: 0, stderr: '' });
      expect({ name, check: run('terraform', ['fmt', '-check', 'cdk.tf'], dir).status }).toEqual({ name, check: 0 });
    }
  });

  it('writes HCL that terraform validate accepts with the provider mirror, warning only of quoted depends_on', () => {
    for (const { name, dir } of stacks) {
      const copy = makeTempDir('hcl-validate-');
      fs.writeFileSync(path.join(copy, 'main.tf'), withoutArchiveProvider(fs.readFileSync(path.join(dir, 'cdk.tf'), 'utf8')));
      const init = run('terraform', ['init', '-backend=false', '-input=false', '-no-color'], copy);
      expect({ name, init: init.status, stderr: init.stderr }).toEqual({ name, init: 0, stderr: '' });
      const validate = run('terraform', ['validate', '-json', '-no-color'], copy);
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

  it('leaves alone what it does not know', () => {
    const hcl = 'terraform {\n  0 = "something_new"\n}\n';
    expect(repairCdktfHcl(hcl, { required_version: '>= 1.10.0' })).toBe(hcl);
  });
});
