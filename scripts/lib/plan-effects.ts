/**
 * What a plan would do, as Terraform itself reads it (`terraform show -json`), and whether two
 * plans would do the same. `npm run apply` never applies the saved plan it was handed: it plans
 * again from the checkout against the state there is now, and applies that plan only when it
 * does exactly what the reviewed plan showed. A saved plan is a file anyone in the pull
 * request's job could have written by hand (its zip entries, states and changes read otherwise
 * by Terraform than by any other parser); a plan made here, by this checkout's code, is not.
 */

/** Canonical JSON: objects' keys sorted at every depth, so equal values give equal text. */
function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`;
  if (value && typeof value === 'object') {
    return `{${Object.keys(value)
      .sort()
      .map((key) => `${JSON.stringify(key)}:${canonical((value as Record<string, unknown>)[key])}`)
      .join(',')}}`;
  }
  return JSON.stringify(value ?? null);
}

/** One thing a plan does: what to (an address, or an output) → its actions and what it makes of it. */
interface Effect {
  readonly actions: readonly string[];
  /** Everything of the change but what it changes from (the state, which an apply here plans against itself). */
  readonly fingerprint: string;
}

/** Each resource instance change and output change of `terraform show -json <plan>`, by what it is to. */
export function planEffects(planJson: any): Map<string, Effect> {
  const effects = new Map<string, Effect>();
  for (const change of planJson?.resource_changes ?? []) {
    const key = `${change.address}${change.deposed ? ` (deposed object ${change.deposed})` : ''}`;
    const { actions, after, after_unknown, after_sensitive, importing } = change.change ?? {};
    effects.set(key, {
      actions: actions ?? [],
      fingerprint: canonical({ actions, after, after_unknown, after_sensitive, importing, previous_address: change.previous_address, action_reason: change.action_reason }),
    });
  }
  for (const [name, change] of Object.entries<any>(planJson?.output_changes ?? {})) {
    const { actions, after, after_unknown, after_sensitive } = change ?? {};
    effects.set(`output ${name}`, { actions: actions ?? [], fingerprint: canonical({ actions, after, after_unknown, after_sensitive }) });
  }
  return effects;
}

const describe = (effect: Effect | undefined) => (!effect ? 'nothing' : effect.actions.join(' then ').replace(/^no-op$/, 'no change') || 'no change');

/**
 * Where the reviewed plan and the plan made here differ, one sentence each (addresses and
 * actions only: no value, which may be secret); empty when they do the same.
 */
export function planDifferences(stack: string, reviewedJson: any, plannedJson: any): string[] {
  const reviewed = planEffects(reviewedJson);
  const planned = planEffects(plannedJson);
  const differences: string[] = [];
  for (const key of [...new Set([...reviewed.keys(), ...planned.keys()])].sort()) {
    const [was, now] = [reviewed.get(key), planned.get(key)];
    if (was?.fingerprint === now?.fingerprint) continue;
    const sameActions = was && now && was.actions.join() === now.actions.join();
    differences.push(
      `stack ${stack}: ${key}: the reviewed plan does ${describe(was)}, this checkout plans ${describe(now)}${sameActions ? ' with other values' : ''} against the state there is now`,
    );
  }
  if (differences.length) {
    differences.push(`stack ${stack}: the reviewed plan is not what this commit does to the state there is now (planned elsewhere, altered, or the state or AWS changed since); plan again from this commit (npm run plan) and have that plan reviewed`);
  }
  return differences;
}
