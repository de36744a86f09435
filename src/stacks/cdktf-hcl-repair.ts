/**
 * cdktf 0.21.0 (the last release; the project is archived) writes two things of ours as HCL
 * that Terraform cannot parse, in `cdktf synth --hcl`, HashiCorp's exit from cdktf:
 * - any `terraform` block setting besides providers and backend comes out as
 *   `0 = "required_version"` (its renderer lists the keys instead of the values);
 * - lifecycle conditions come out as `postcondition = [{ ... }]`, an attribute, where
 *   Terraform takes `postcondition { ... }` blocks.
 * This rewrites exactly those two shapes; the JSON synth is not affected. Tested by
 * test/stacks/hcl-exit.test.ts (`terraform fmt` and `terraform validate`).
 */
export function repairCdktfHcl(hcl: string, terraformSettings: Readonly<Record<string, unknown>>): string {
  return hcl
    .replace(/^( *)\d+ = "([a-z_]+)"$/gm, (line, indent: string, name: string) =>
      name in terraformSettings ? `${indent}${name} = ${JSON.stringify(terraformSettings[name])}` : line,
    )
    .replace(/^( *)(precondition|postcondition) = \[\n([\s\S]*?)\n *\]$/gm, (_match, indent: string, kind: string, list: string) =>
      // Each `{ ... },` of the list becomes a `kind { ... }` block.
      list.replace(/^ *\{\n([\s\S]*?)\n *\},?$/gm, (_block, body: string) => `${indent}${kind} {\n${body}\n${indent}}`),
    );
}
