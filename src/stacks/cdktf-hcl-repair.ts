/**
 * cdktf 0.21.0 (the last release; the project is archived) writes three things of ours as HCL
 * that Terraform cannot parse, in `cdktf synth --hcl`, HashiCorp's exit from cdktf:
 * - any `terraform` block setting besides providers and backend comes out as
 *   `0 = "required_version"` (its renderer lists the keys instead of the values);
 * - lifecycle conditions come out as `postcondition = [{ ... }]`, an attribute, where
 *   Terraform takes `postcondition { ... }` blocks;
 * - a WAFv2 rule's `statement`, which the provider bindings type as `any` (too deeply
 *   nested to generate), comes out as `statement = { rate_based_statement = { ... } }`,
 *   attributes, where Terraform takes nested blocks, under a comment saying so;
 * - a provisioner's `on_failure` (a keyword, which cdktf's JSON-to-HCL quotes) comes out as
 *   `on_failure = "continue"`, which Terraform warns is deprecated.
 * This rewrites exactly those shapes; the JSON synth is not affected. Tested by
 * test/stacks/hcl-exit.test.ts (`terraform fmt` and `terraform validate`).
 */
export function repairCdktfHcl(hcl: string, terraformSettings: Readonly<Record<string, unknown>>): string {
  return repairWafStatements(hcl)
    .replace(/^( *)on_failure( *)= "(continue|fail)"$/gm, '$1on_failure$2= $3')
    .replace(/^( *)\d+ = "([a-z_]+)"$/gm, (line, indent: string, name: string) =>
      name in terraformSettings ? `${indent}${name} = ${JSON.stringify(terraformSettings[name])}` : line,
    )
    .replace(/^( *)(precondition|postcondition) = \[\n([\s\S]*?)\n *\]$/gm, (_match, indent: string, kind: string, list: string) =>
      // Each `{ ... },` of the list becomes a `kind { ... }` block.
      list.replace(/^ *\{\n([\s\S]*?)\n *\},?$/gm, (_block, body: string) => `${indent}${kind} {\n${body}\n${indent}}`),
    );
}

/** The comment cdktf writes above an attribute it could not type, up to its last line. */
const UNTYPED_WARNING = /^ *# Warning: The following attribute is of an unexpected type\.[\s\S]*?# We understand this is not ideal[^\n]*\n\n/gm;

/** `statement = { a = { ... } }` under cdktf's warning as `statement { a { ... } }`: every map in it a block. */
function repairWafStatements(hcl: string): string {
  return hcl.replace(new RegExp(`${UNTYPED_WARNING.source}( *)statement = \\{\\n([\\s\\S]*?)\\n\\1\\}$`, 'gm'), (_match, indent: string, body: string) =>
    `${indent}statement {\n${body.replace(/^( *)(\w+) = \{$/gm, '$1$2 {')}\n${indent}}`,
  );
}
