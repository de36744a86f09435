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

/**
 * A value from a plan, made one line of plain Markdown text: `|` escaped, line breaks and other
 * control characters (a lone CR breaks a line in Markdown too) made spaces, `<` written `&lt;`
 * so that no value opens HTML (a comment or `<details>` would hide what follows it).
 */
const cell = (text: string) => text.replace(/\|/g, '\\|').replace(/[\u0000-\u001f\u007f]/g, ' ').replace(/</g, '&lt;');

/** At most this many warnings a stack, each cut to this many characters, in a summary. */
export const SUMMARY_WARNINGS = { count: 20, length: 300 } as const;

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
    const what = plan.release!.retry ? 'retries a release that did not start (its runner failed, so Terraform tainted its trigger)' : 'publishes a new function version';
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
      for (const [name, value] of outputs) lines.push(`- \`${cell(name)}\`: ${cell(value)}`);
    }
    lines.push('', plan.warnings.length ? 'Plan warnings:' : 'Plan warnings: none');
    // The one part apply does not compare (comparableSummary): bounded, and plain text.
    const warningLines = (warnings: readonly string[]) => [
      ...warnings.slice(0, SUMMARY_WARNINGS.count).map((warning) => `- ${cell(warning).slice(0, SUMMARY_WARNINGS.length)}`),
      ...(warnings.length > SUMMARY_WARNINGS.count ? [`- and ${warnings.length - SUMMARY_WARNINGS.count} more`] : []),
    ];
    if (plan.warnings.length) lines.push('', ...warningLines(plan.warnings));
    if (plan.initWarnings.length) {
      lines.push('', 'Init warnings:', '', ...warningLines(plan.initWarnings));
    }
  }
  return `${lines.join('\n')}\n`;
}

/**
 * A summary as reviewers read it, with what may differ between the machine that planned and
 * the one that applies made one placeholder line: each stack's plan and init warnings (the
 * lines from "Plan warnings" to the next stack), and the last column of the counts table. A
 * forged warnings block where this checkout's summary has none adds a placeholder, so it does
 * not compare. What is skipped is checked for form instead: a stack's warnings as
 * `renderSummary` writes them (`SUMMARY_WARNINGS`), plain text. No line of the summary may hold
 * a control character (a lone CR breaks a Markdown line, and would smuggle one into another).
 */
function comparableSummary(summary: string): { lines: string[]; problems: string[] } {
  const lines: string[] = [];
  const problems: string[] = [];
  let warnings: number | undefined;
  summary.split('\n').forEach((line, index) => {
    const where = `line ${index + 1}`;
    if (/[\u0000-\u0008\u000b-\u001f\u007f]/.test(line)) problems.push(`${where} holds a control character (${JSON.stringify(line.slice(0, 80))})`);
    if (line.startsWith('## ')) warnings = undefined;
    else if (/^Plan warnings(: none|:)$/.test(line)) {
      warnings = 0;
      lines.push('(warnings)');
      return;
    }
    if (warnings === undefined) {
      lines.push(/^\| [^|]+ \| \d+ \| \d+ \| \d+ \| \d+ \| \d+ \| \d+ \| \d+ \| \d{1,3} \|$/.test(line) ? line.replace(/ \d+ \|$/, ' |') : line);
      return;
    }
    if (line === '' || line === 'Init warnings:') return;
    if (/^- [^<]*$/.test(line) && line.length <= SUMMARY_WARNINGS.length + 2 && ++warnings <= 2 * (SUMMARY_WARNINGS.count + 1)) return;
    problems.push(`${where} is not a warning as the summary lists them (a "- " line of plain text, at most ${SUMMARY_WARNINGS.count} a stack): ${JSON.stringify(line.slice(0, 120))}`);
  });
  return { lines, problems };
}

/**
 * Where the summary reviewers read (`summary.md`, as the pull request's own job wrote it) is not
 * the summary of `plans` (what this checkout will apply, summarized by this checkout's code):
 * the whole of it is compared, callouts, tables, outputs and any text around them, so nothing
 * can be hidden from reviewers or left out; only warnings may differ (`comparableSummary`).
 * Empty when they agree.
 */
export function summaryProblems(reviewedSummary: string, environment: string, plans: readonly StackPlan[]): string[] {
  const told = comparableSummary(reviewedSummary);
  const doing = comparableSummary(renderSummary({ environment, offline: false, plans })).lines;
  const fix = "the pull request's job summarized something else; plan again from this commit (npm run plan) and have that plan reviewed";
  if (told.problems.length) return told.problems.map((problem) => `the summary reviewers read (summary.md): ${problem}; ${fix}`);
  const at = told.lines.findIndex((line, index) => line !== doing[index]);
  if (at < 0 && told.lines.length === doing.length) return [];
  const line = at < 0 ? Math.min(told.lines.length, doing.length) : at;
  const show = (text: string | undefined) => (text === undefined ? '(the end)' : JSON.stringify(text.slice(0, 200)));
  return [
    `the summary reviewers read (summary.md) is not the summary of what this checkout will apply: where it reads ${show(told.lines[line])}, ` +
      `this checkout's summary reads ${show(doing[line])}; ${fix}`,
  ];
}
