import { StackPlan } from './terraform-plan';

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

/** `summary.md`: what a reviewer reads in the pull request before anything is applied. */
export function renderSummary({ environment, offline, plans, drift = false }: SummaryInput): string {
  const lines: string[] = [drift ? `# Drift: ${environment} (AWS against the state, refresh-only)` : `# Terraform plan: ${environment}`, ''];
  const risky = plans.filter((plan) => plan.counts.replace > 0 || plan.counts.destroy > 0);
  for (const plan of risky) {
    const doomed = plan.changes.filter((change) => change.action === 'replace' || change.action === 'destroy');
    lines.push(
      `> **Warning: ${plan.stack} replaces ${plan.counts.replace} and destroys ${plan.counts.destroy} resources:** ` +
        doomed.map((change) => `\`${change.address}\` (${change.action})`).join(', '),
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
  lines.push('| stack | add | change | replace | destroy | plan warnings |', '| --- | ---: | ---: | ---: | ---: | ---: |');
  for (const { stack, counts, warnings } of plans) {
    lines.push(`| ${stack} | ${counts.add} | ${counts.change} | ${counts.replace} | ${counts.destroy} | ${warnings.length} |`);
  }
  for (const plan of plans) {
    lines.push('', `## ${plan.stack}`, '');
    if (plan.changes.length === 0) {
      lines.push('No changes.');
    } else {
      lines.push('| resource | action | what matters |', '| --- | --- | --- |');
      for (const change of plan.changes) {
        const details = Object.entries(change.details).map(([name, value]) => `${name}: ${value}`).join('; ');
        lines.push(`| \`${change.address}\` | ${change.action} | ${cell(details)} |`);
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
