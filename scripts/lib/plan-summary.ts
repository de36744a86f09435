import { ResourceChange, StackPlan, isReleaseTrigger } from './terraform-plan';

export interface SummaryInput {
  readonly environment: string;
  /** True when the AWS provider planned with dummy keys and no account checks. */
  readonly offline: boolean;
  readonly plans: readonly StackPlan[];
  /** A refresh-only plan: the counts are what AWS holds differently from the state. */
  readonly drift?: boolean;
}

export interface FailedSummaryInput extends SummaryInput {
  /** Every stack that did not plan, and why. */
  readonly failures: readonly { readonly stack: string; readonly message: string }[];
}

/** `summary.md` after a failed plan: FAILED first, every failing stack and its error, nothing to approve. */
export function renderFailedSummary({ environment, failures, plans }: FailedSummaryInput): string {
  const lines = [
    `# FAILED: Terraform plan: ${environment}`,
    '',
    `> **FAILED:** ${failures.map((failure) => failure.stack).join(', ')} did not plan. There is no plan here to review or apply;`,
    '> fix the errors below and plan again.',
    '',
  ];
  for (const { stack, message } of failures) lines.push(`## ${stack}: failed`, '', '```', message.trim(), '```', '');
  if (plans.length) lines.push(`The other stacks planned (${plans.map((plan) => plan.stack).join(', ')}), but are not kept: a plan is reviewed whole.`, '');
  return `${lines.join('\n')}`;
}

const cell = (text: string) => text.replace(/\|/g, '\\|').replace(/\n/g, ' ');

/** The action column: what happens to the object, with an import or a move it comes with. */
function actionCell(change: ResourceChange): string {
  const parts = [
    ...(change.importing !== undefined ? [`import of ${change.importing}`] : []),
    ...(change.movedFrom !== undefined ? [`move from \`${change.movedFrom}\``] : []),
    ...(change.action === 'no-op' ? [] : [change.action === 'forget' ? 'forget (left in AWS, no longer managed)' : change.action]),
  ];
  return cell(parts.join(', '));
}

/** `summary.md`: what a reviewer reads in the pull request before anything is applied. */
export function renderSummary({ environment, offline, plans, drift = false }: SummaryInput): string {
  const lines: string[] = [drift ? `# Drift: ${environment} (AWS against the state, refresh-only)` : `# Terraform plan: ${environment}`, ''];
  // What loses an object, or Terraform's hold on one, first: replaces, destroys, forgets.
  for (const plan of plans.filter((candidate) => candidate.release)) {
    const what = plan.release!.retry ? 'retries a release that did not start or end (its runner failed, so Terraform tainted its trigger)' : 'publishes a new function version';
    lines.push(`> **Release: ${plan.stack} ${what}, ${plan.release!.how}.**`, '');
  }
  for (const plan of plans) {
    // Each new version replaces a gradual release's trigger, which loses nothing. Any other
    // replace, destroy or forget is called out.
    const doomed = plan.changes.filter((change) => ['replace', 'destroy', 'forget'].includes(change.action) && !(change.action === 'replace' && isReleaseTrigger(change.address)));
    if (!doomed.length) continue;
    const count = (action: string) => doomed.filter((change) => change.action === action).length;
    const what = [`replaces ${count('replace')}`, `destroys ${count('destroy')}`, ...(count('forget') ? [`forgets ${count('forget')} (left in AWS, no longer managed)`] : [])];
    lines.push(
      `> **Warning: ${plan.stack} ${what.slice(0, -1).join(', ')}${what.length > 1 ? ' and ' : ''}${what[what.length - 1]} resources:** ` +
        doomed.map((change) => `\`${change.address}\` (${change.action})`).join(', '),
      '',
    );
  }
  // What changes the state without changing AWS: imports and moves.
  for (const plan of plans.filter((candidate) => candidate.counts.import > 0 || candidate.counts.move > 0)) {
    const taken = plan.changes.filter((change) => change.importing !== undefined || change.movedFrom !== undefined);
    lines.push(
      `> **State: ${plan.stack} imports ${plan.counts.import} and moves ${plan.counts.move} resources:** ` +
        taken.map((change) => `\`${change.address}\` (${actionCell(change)})`).join(', '),
      '',
    );
  }
  if (offline) {
    lines.push(
      '> Planned offline: no AWS credentials were set, so the AWS provider used dummy keys and skipped its',
      '> credential, account and metadata checks. Values AWS computes are unknown; nothing was read from AWS.',
      '',
    );
  }
  lines.push('| stack | add | change | replace | destroy | import | forget | move | plan warnings |', '| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |');
  for (const { stack, counts, warnings } of plans) {
    lines.push(`| ${stack} | ${counts.add} | ${counts.change} | ${counts.replace} | ${counts.destroy} | ${counts.import} | ${counts.forget} | ${counts.move} | ${warnings.length} |`);
  }
  for (const plan of plans) {
    lines.push('', `## ${plan.stack}`, '');
    if (plan.changes.length === 0) {
      lines.push('No changes.');
    } else {
      lines.push('| resource | action | what matters |', '| --- | --- | --- |');
      for (const change of plan.changes) {
        const details = Object.entries(change.details).map(([name, value]) => `${name}: ${value}`).join('; ');
        lines.push(`| \`${change.address}\` | ${actionCell(change)} | ${cell(details)} |`);
      }
    }
    const outputs = Object.entries(plan.outputs);
    if (outputs.length) {
      lines.push('', 'Outputs:', '');
      for (const [name, value] of outputs) lines.push(`- \`${name}\`: ${value}`);
    }
    lines.push('', plan.warnings.length ? 'Plan warnings:' : 'Plan warnings: none');
    if (plan.warnings.length) lines.push('', ...plan.warnings.map((warning) => `- ${cell(warning)}`));
    if (plan.initWarnings.length) {
      lines.push('', 'Init warnings:', '', ...plan.initWarnings.map((warning) => `- ${cell(warning)}`));
    }
  }
  return `${lines.join('\n')}\n`;
}

/**
 * The lines of a summary that say what a stack's plan does: the callouts at the top (a release,
 * a replace or destroy, an import or move: a forged summary must not drop one), its counts
 * (warnings left out: init's may differ from machine to machine) and each changed resource, as
 * `renderSummary` writes them.
 */
export function summaryRows(summary: string, stack: string): string[] {
  const lines = summary.split('\n');
  const callouts = lines.filter((line) => ['Release', 'Warning', 'State'].some((kind) => line.startsWith(`> **${kind}: ${stack} `)));
  const counts = lines.find((line) => line.startsWith(`| ${stack} |`));
  const start = lines.indexOf(`## ${stack}`);
  const end = lines.findIndex((line, index) => index > start && line.startsWith('## '));
  const section = start < 0 ? [] : lines.slice(start + 1, end < 0 ? undefined : end);
  return [...callouts, ...(counts ? [counts.replace(/\| [^|]*\|$/, '|')] : []), ...section.filter((line) => line.startsWith('| `'))];
}

/**
 * Where the summary reviewers read (`summary.md`, as the pull request's own job wrote it) is not
 * a summary of `plans` (what this checkout will apply, summarized by this checkout's code): one
 * sentence per stack; empty when each stack's rows are the same.
 */
export function summaryProblems(reviewedSummary: string, plans: readonly StackPlan[]): string[] {
  const rendered = renderSummary({ environment: '', offline: false, plans });
  return plans.flatMap((plan) => {
    const [told, doing] = [summaryRows(reviewedSummary, plan.stack), summaryRows(rendered, plan.stack)];
    if (JSON.stringify(told) === JSON.stringify(doing)) return [];
    return [
      `stack ${plan.stack}: the summary reviewers read (summary.md) is not a summary of what this checkout will apply, which is, as this checkout summarizes it:\n  ${doing.join('\n  ')}\n` +
        'the pull request\'s job summarized something else; plan again from this commit (npm run plan) and have that plan reviewed',
    ];
  });
}
