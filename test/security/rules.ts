/**
 * The security scanners' rules this design meets (Checkov ids; Trivy/tfsec and cdk-nag carry
 * the same checks), as checks over synthesized Terraform JSON. Each returns its violations,
 * one line each, so a test can show what broke. docs/security.md lists them, and the rules
 * deliberately not met, with the reason.
 */

export interface Rule {
  /** Scanner rule ids. */
  readonly ids: readonly string[];
  /** What the rule enforces, as the test names it. */
  readonly title: string;
  readonly check: (tf: any, environment: string) => string[];
}

const resources = (tf: any, type: string): [string, any][] => Object.entries(tf.resource?.[type] ?? {});
const asList = <T>(value: T | T[] | undefined): T[] => (value === undefined ? [] : Array.isArray(value) ? value : [value]);

/**
 * A policy document as written into the Terraform JSON: plain JSON, or a `jsonencode({...})`
 * expression as cdktf writes it (`"Key" = value`, references bare), read as the JSON it makes
 * with each reference kept as a `${...}` string.
 */
export function policyDocument(text: string): { Statement: any[] } | string {
  const expression = /^\$\{jsonencode\((.*)\)\}$/s.exec(text);
  const json = expression
    ? expression[1].replace(/" = /g, '": ').replace(/(?<=[:[,]\s*)([a-z_][\w-]*(\.[\w-]+)+)(?=\s*[,}\]])/g, (reference) => `"\${${reference}}"`)
    : text;
  try {
    const document = JSON.parse(json);
    return { ...document, Statement: asList(document.Statement) };
  } catch {
    return 'is neither plain JSON nor a jsonencode of a literal document, so reviewers and scanners cannot read it';
  }
}

/**
 * Actions that take no resource ARN (Service Authorization Reference): "*" is the only way to
 * name their resource, which CKV_AWS_355 allows ("restrictable actions" only).
 */
const UNRESTRICTABLE_ACTIONS = ['xray:PutTraceSegments', 'xray:PutTelemetryRecords'];

/**
 * Whether a statement's resource is a wildcard: "*" for any restrictable action, or an ARN
 * ending in ":*" other than one log group's own streams (`<log group ARN>:*`).
 */
function wildcardTarget(target: string, actions: string[]): boolean {
  if (target === '*') return !actions.every((action) => UNRESTRICTABLE_ACTIONS.includes(action));
  if (!target.endsWith(':*')) return false;
  return !(/^\$\{aws_cloudwatch_log_group\.[\w-]+\.arn\}:\*$/.test(target) || /^arn:aws[a-z-]*:logs:[a-z0-9-]+:\d{12}:log-group:[^*:]+:\*$/.test(target));
}

/** Deprecated Lambda runtimes, as of 2026-11 (nodejs20.x: 2026-04-30). */
export const DEPRECATED_RUNTIMES = [
  'nodejs',
  'nodejs4.3',
  'nodejs4.3-edge',
  'nodejs6.10',
  'nodejs8.10',
  'nodejs10.x',
  'nodejs12.x',
  'nodejs14.x',
  'nodejs16.x',
  'nodejs18.x',
  'nodejs20.x',
];

export const RULES: readonly Rule[] = [
  {
    ids: ['CKV_AWS_60', 'CKV_AWS_61'],
    title: 'each trust policy lets exactly one AWS service assume the role',
    check: (tf) =>
      resources(tf, 'aws_iam_role').flatMap(([name, role]) => {
        const document = policyDocument(role.assume_role_policy);
        if (typeof document === 'string') return [`${name}: trust policy ${document}`];
        return document.Statement.flatMap((statement, i) => {
          const services = asList(statement.Principal?.Service);
          const others = Object.keys(statement.Principal ?? {}).filter((key) => key !== 'Service');
          const ok =
            statement.Effect === 'Allow' &&
            statement.Action === 'sts:AssumeRole' &&
            services.length === 1 &&
            /^[a-z0-9-]+\.amazonaws\.com$/.test(services[0]) &&
            others.length === 0;
          return ok ? [] : [`${name}: trust statement ${i} allows ${JSON.stringify(statement.Principal)} to ${statement.Action}`];
        });
      }),
  },
  {
    ids: ['CKV_AWS_62', 'CKV_AWS_63', 'CKV_AWS_355'],
    title: 'policies we write name their actions and resources, with no "*"',
    check: (tf) => [
      ...resources(tf, 'aws_iam_role').flatMap(([name, role]) =>
        role.inline_policy ? [`${name}: has an inline_policy block; write it as its own aws_iam_role_policy`] : [],
      ),
      ...[...resources(tf, 'aws_iam_role_policy'), ...resources(tf, 'aws_iam_policy')].flatMap(([name, policy]) => {
        const document = policyDocument(policy.policy);
        if (typeof document === 'string') return [`${name}: policy ${document}`];
        return document.Statement.flatMap((statement, i) => {
          const problems: string[] = [];
          const actions = asList(statement.Action);
          const targets = asList(statement.Resource);
          if (statement.NotAction || statement.NotResource) problems.push(`${name}: statement ${i} uses NotAction/NotResource`);
          if (actions.some((action: string) => action.includes('*'))) problems.push(`${name}: statement ${i} allows action ${JSON.stringify(actions)}`);
          if (targets.length === 0 || targets.some((target: string) => wildcardTarget(target, actions))) {
            problems.push(`${name}: statement ${i} applies to ${JSON.stringify(targets)}`);
          }
          return problems;
        });
      }),
    ],
  },
  {
    ids: ['CKV_AWS_50'],
    title: 'functions trace actively with X-Ray',
    check: (tf) =>
      resources(tf, 'aws_lambda_function').flatMap(([name, fn]) =>
        fn.tracing_config?.mode === 'Active' ? [] : [`${name}: tracing_config is ${JSON.stringify(fn.tracing_config)}`],
      ),
  },
  {
    ids: ['CKV_AWS_73'],
    title: 'API stages trace with X-Ray',
    check: (tf) =>
      resources(tf, 'aws_api_gateway_stage').flatMap(([name, stage]) =>
        stage.xray_tracing_enabled === true ? [] : [`${name}: xray_tracing_enabled is ${stage.xray_tracing_enabled}`],
      ),
  },
  {
    ids: ['CKV_AWS_76'],
    title: 'API stages write access logs',
    check: (tf) =>
      resources(tf, 'aws_api_gateway_stage').flatMap(([name, stage]) =>
        stage.access_log_settings?.destination_arn && stage.access_log_settings?.format ? [] : [`${name}: no access_log_settings`],
      ),
  },
  {
    ids: ['CKV2_AWS_4'],
    title: 'every API stage has method settings with execution logging and metrics',
    check: (tf) =>
      resources(tf, 'aws_api_gateway_stage').flatMap(([name]) => {
        const settings = resources(tf, 'aws_api_gateway_method_settings').filter(([, s]) => String(s.stage_name).includes(`aws_api_gateway_stage.${name}.`));
        const good = settings.some(([, s]) => ['ERROR', 'INFO'].includes(s.settings?.logging_level) && s.settings?.metrics_enabled === true);
        return good ? [] : [`${name}: no method settings with logging_level ERROR or INFO and metrics_enabled`];
      }),
  },
  {
    ids: ['CKV_AWS_66'],
    title: 'every log group has a retention period',
    check: (tf) =>
      resources(tf, 'aws_cloudwatch_log_group').flatMap(([name, group]) =>
        Number.isInteger(group.retention_in_days) && group.retention_in_days > 0 ? [] : [`${name}: retention_in_days is ${group.retention_in_days}`],
      ),
  },
  {
    ids: ['CKV_AWS_338'],
    title: 'log groups in prod keep logs for at least 365 days',
    check: (tf, environment) =>
      environment !== 'prod'
        ? []
        : resources(tf, 'aws_cloudwatch_log_group').flatMap(([name, group]) =>
            group.retention_in_days >= 365 ? [] : [`${name}: retention_in_days is ${group.retention_in_days} in prod`],
          ),
  },
  {
    ids: ['CKV2_AWS_29'],
    title: 'stages in prod are behind a WAF web ACL with a rate-based rule',
    check: (tf, environment) =>
      environment !== 'prod'
        ? []
        : resources(tf, 'aws_api_gateway_stage').flatMap(([name]) => {
            const association = resources(tf, 'aws_wafv2_web_acl_association').find(([, a]) => String(a.resource_arn) === `\${aws_api_gateway_stage.${name}.arn}`);
            if (!association) return [`${name}: no aws_wafv2_web_acl_association in prod`];
            const acl = resources(tf, 'aws_wafv2_web_acl').find(([aclName]) => String(association[1].web_acl_arn) === `\${aws_wafv2_web_acl.${aclName}.arn}`);
            const rated = acl?.[1].rule?.some((rule: any) => rule.statement?.rate_based_statement && rule.action?.block);
            return rated ? [] : [`${name}: its web ACL has no blocking rate-based rule`];
          }),
  },
  {
    ids: ['CKV_AWS_363'],
    title: 'functions run on a runtime that is not deprecated',
    check: (tf) =>
      resources(tf, 'aws_lambda_function').flatMap(([name, fn]) =>
        DEPRECATED_RUNTIMES.includes(fn.runtime) ? [`${name}: runtime ${fn.runtime} is deprecated`] : [],
      ),
  },
];
