/**
 * What of a plan Terraform marks sensitive, hidden as Terraform's own output hides it. `terraform
 * show -json` prints every value in clear and marks the sensitive ones beside them (`*_sensitive`,
 * `sensitive_values`, an output's `sensitive`): Terraform's JSON output format, "Values
 * Representation" and "Change Representation"
 * (https://developer.hashicorp.com/terraform/internals/json-format). An API key's `value` and a
 * `sensitive` output are such values; what is written for review or uploaded must not hold them.
 */

/** What Terraform prints in place of a sensitive value. */
export const SENSITIVE = '(sensitive value)';

/**
 * `value` with every part that `marks` flags replaced by {@link SENSITIVE}: `true` hides the
 * whole value, an object or array of marks hides the parts it flags. Null stays null (it
 * tells nothing).
 */
export function hideMarked(value: unknown, marks: unknown): unknown {
  if (value === null || value === undefined) return value;
  if (marks === true) return SENSITIVE;
  if (!marks || typeof marks !== 'object' || typeof value !== 'object') return value;
  if (Array.isArray(value)) return value.map((item, index) => hideMarked(item, (marks as unknown[])[index]));
  return Object.fromEntries(Object.entries(value).map(([key, inner]) => [key, hideMarked(inner, (marks as Record<string, unknown>)[key])]));
}

/** A change (`before`/`after` with their marks), hidden where marked. */
function hideChange(change: any): any {
  if (!change || typeof change !== 'object') return change;
  return { ...change, before: hideMarked(change.before, change.before_sensitive), after: hideMarked(change.after, change.after_sensitive) };
}

/** A module of a values representation (`prior_state.values`, `planned_values`), hidden where marked, children too. */
function hideModule(module: any): any {
  if (!module || typeof module !== 'object') return module;
  return {
    ...module,
    ...(module.resources && { resources: module.resources.map((resource: any) => ({ ...resource, values: hideMarked(resource.values, resource.sensitive_values) })) }),
    ...(module.child_modules && { child_modules: module.child_modules.map(hideModule) }),
  };
}

/** A values representation's outputs and modules, hidden where marked. */
function hideValues(values: any): any {
  if (!values || typeof values !== 'object') return values;
  const outputs = values.outputs && Object.fromEntries(Object.entries<any>(values.outputs).map(([name, output]) => [name, output?.sensitive ? { ...output, value: hideMarked(output.value, true) } : output]));
  return { ...values, ...(values.root_module && { root_module: hideModule(values.root_module) }), ...(outputs && { outputs }) };
}

/** Every string (of at least 8 characters) at a part of `value` that `marks` flags. */
function markedStrings(value: unknown, marks: unknown, found: Set<string>): void {
  if (value === null || value === undefined || !marks) return;
  if (marks === true) {
    if (typeof value === 'string' && value.length >= 8) found.add(value);
    else if (value && typeof value === 'object') for (const inner of Object.values(value)) markedStrings(inner, true, found);
    return;
  }
  if (typeof marks !== 'object' || typeof value !== 'object') return;
  for (const [key, inner] of Object.entries(value)) markedStrings(inner, (marks as Record<string, unknown>)[key], found);
}

/** `value` with every string that holds one of `secrets` replaced by {@link SENSITIVE}. */
function hideCopies(value: unknown, secrets: readonly string[]): unknown {
  if (typeof value === 'string') return secrets.some((secret) => value.includes(secret)) ? SENSITIVE : value;
  if (Array.isArray(value)) return value.map((inner) => hideCopies(inner, secrets));
  if (value && typeof value === 'object') return Object.fromEntries(Object.entries(value).map(([key, inner]) => [key, hideCopies(inner, secrets)]));
  return value;
}

/** The values Terraform marks sensitive anywhere in a plan's JSON. */
export function sensitiveStrings(planJson: any): string[] {
  const found = new Set<string>();
  for (const change of [...(planJson.resource_changes ?? []), ...(planJson.resource_drift ?? [])]) {
    markedStrings(change.change?.before, change.change?.before_sensitive, found);
    markedStrings(change.change?.after, change.change?.after_sensitive, found);
  }
  for (const change of Object.values<any>(planJson.output_changes ?? {})) {
    markedStrings(change?.before, change?.before_sensitive, found);
    markedStrings(change?.after, change?.after_sensitive, found);
  }
  const modules = (module: any): any[] => (module ? [module, ...(module.child_modules ?? []).flatMap(modules)] : []);
  for (const values of [planJson.prior_state?.values, planJson.planned_values]) {
    for (const module of modules(values?.root_module)) for (const resource of module.resources ?? []) markedStrings(resource.values, resource.sensitive_values, found);
    for (const output of Object.values<any>(values?.outputs ?? {})) if (output?.sensitive) markedStrings(output.value, true, found);
  }
  return [...found];
}

/**
 * `terraform show -json` of a plan with every value Terraform marks sensitive hidden: in resource
 * changes and drift, output changes, the prior state and the planned values, and the variables
 * the configuration declares sensitive. A copy of such a value in an attribute the provider does
 * not mark (an API key's value is also a usage plan key's `value`, which AWS provider 5.100
 * leaves unmarked) is hidden too. Everything else is kept as it is.
 */
export function hideSensitiveValues(planJson: any): any {
  if (!planJson || typeof planJson !== 'object') return planJson;
  const secrets = sensitiveStrings(planJson);
  const hidden = hideMarkedValues(planJson);
  return secrets.length ? hideCopies(hidden, secrets) : hidden;
}

function hideMarkedValues(planJson: any): any {
  const sensitiveVariables = new Set(
    Object.entries<any>(planJson.configuration?.root_module?.variables ?? {})
      .filter(([, variable]) => variable?.sensitive)
      .map(([name]) => name),
  );
  return {
    ...planJson,
    ...(planJson.variables && {
      variables: Object.fromEntries(Object.entries<any>(planJson.variables).map(([name, variable]) => [name, sensitiveVariables.has(name) ? { ...variable, value: hideMarked(variable?.value, true) } : variable])),
    }),
    ...(planJson.resource_changes && { resource_changes: planJson.resource_changes.map((change: any) => ({ ...change, change: hideChange(change.change) })) }),
    ...(planJson.resource_drift && { resource_drift: planJson.resource_drift.map((change: any) => ({ ...change, change: hideChange(change.change) })) }),
    ...(planJson.output_changes && { output_changes: Object.fromEntries(Object.entries<any>(planJson.output_changes).map(([name, change]) => [name, hideChange(change)])) }),
    ...(planJson.prior_state && { prior_state: { ...planJson.prior_state, values: hideValues(planJson.prior_state.values) } }),
    ...(planJson.planned_values && { planned_values: hideValues(planJson.planned_values) }),
  };
}

/** Text (Terraform's own plan output) with every copy of `secrets` replaced by {@link SENSITIVE}. */
export function hideInText(text: string, secrets: readonly string[]): string {
  return secrets.reduce((hidden, secret) => hidden.split(secret).join(SENSITIVE), text);
}
