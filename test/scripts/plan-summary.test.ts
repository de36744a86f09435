import * as fs from 'fs';
import * as path from 'path';
import { awsCredentialsAvailable, parsePlanArgs, planExitCode } from '../../scripts/plan';
import { renderFailedSummary, renderSummary, summaryProblems } from '../../scripts/lib/plan-summary';
import { NO_CHANGES, planStack, summarizePlanJson, textWarnings } from '../../scripts/lib/terraform-plan';
import { SENSITIVE, hideInText, hideSensitiveValues, sensitiveStrings } from '../../scripts/lib/sensitive-values';
import { TerraformError } from '../../scripts/lib/terraform-run';
import { findProviderMirror, mirrorHasProvider, writeMirrorCliConfig } from '../../scripts/air-gapped/provider-mirror';
import { makeTempDir, terraformMissingReason } from '../helpers';

const recorded = (name: string) => JSON.parse(fs.readFileSync(path.join(__dirname, '..', 'fixtures', 'plans', name), 'utf8'));

describe('reading a recorded plan', () => {
  it('counts a first plan as 25 resources to add, with the attributes that matter', () => {
    const plan = summarizePlanJson('standard', recorded('dev-standard-create.json'));
    expect(plan.counts).toEqual({ ...NO_CHANGES, add: 25 });
    const fn = plan.changes.find((change) => change.address.startsWith('aws_lambda_function.'));
    expect(fn).toEqual({
      address: 'aws_lambda_function.greeting-function_1D50C93D',
      action: 'create',
      details: {
        memory: '128 MB',
        runtime: 'nodejs22.x',
        timeout: '3 s',
        greeting: 'Hello',
        source_code_hash: expect.stringMatching(/^[A-Za-z0-9+/]{43}=$/),
      },
    });
    expect(plan.changes.find((change) => change.address.startsWith('aws_api_gateway_stage.'))?.details).toEqual({ stage: 'test' });
    expect(plan.changes.find((change) => change.address.startsWith('aws_api_gateway_method_settings.'))?.details).toEqual({
      throttle: '50/s, burst 100, each method',
    });
    expect(plan.outputs).toEqual({
      function_name: 'hello-world-dev-standard',
      hello_url: '(known after apply)',
      invoke_url: '(known after apply)',
      live_version: '(known after apply)',
    });
  });

  it('tells updates, replacements and deletions apart, showing only what changed', () => {
    const plan = summarizePlanJson('standard', recorded('dev-standard-update.json'));
    expect(plan.counts).toEqual({ ...NO_CHANGES, change: 1, replace: 1, destroy: 1 });
    expect(plan.changes.map((change) => [change.address.split('.')[0], change.action, change.details])).toEqual([
      ['aws_api_gateway_deployment', 'replace', {}],
      ['aws_iam_role', 'destroy', {}],
      ['aws_lambda_function', 'update', { memory: '128 MB → 256 MB' }],
    ]);
  });
});

describe('what a plan changes in the state alone', () => {
  const role = (actions: string[], extra: object = {}) => ({
    address: 'aws_iam_role.logging-role',
    mode: 'managed',
    type: 'aws_iam_role',
    change: { actions, before: { name: 'r' }, after: actions.includes('forget') ? null : { name: 'r' }, ...extra },
  });

  it('counts a forget (a removed block) as a change, so a plan that only forgets is not "No changes" and exits 2', () => {
    const plan = summarizePlanJson('standard', { resource_changes: [role(['forget'])] });
    expect(plan.counts).toEqual({ ...NO_CHANGES, forget: 1 });
    expect(planExitCode([plan])).toBe(2);
    const summary = renderSummary({ environment: 'prod', offline: false, plans: [plan] });
    expect(summary).toContain('> **Warning: standard replaces 0, destroys 0 and forgets 1 (left in AWS, no longer managed) resources:** `aws_iam_role.logging-role` (forget)');
    expect(summary).toContain('| standard | 0 | 0 | 0 | 0 | 0 | 1 | 0 | 0 |');
    expect(summary).toContain('| `aws_iam_role.logging-role` | forget (left in AWS, no longer managed) |');
    expect(summary).not.toContain('No changes.');
  });

  it('lists an import, with or without a diff, and a move, each as a change to the state', () => {
    const plan = summarizePlanJson('standard', {
      resource_changes: [
        role(['no-op'], { importing: { id: 'hello-world-prod-standard-logging' } }),
        { ...role(['update'], { importing: { id: 'x' } }), address: 'aws_iam_role.other' },
        { ...role(['no-op']), address: 'aws_iam_role.renamed', previous_address: 'aws_iam_role.old' },
        { ...role(['no-op']), address: 'aws_iam_role.untouched' },
      ],
    });
    expect(plan.counts).toEqual({ ...NO_CHANGES, change: 1, import: 2, move: 1 });
    expect(plan.changes.map((change) => change.address)).toEqual(['aws_iam_role.logging-role', 'aws_iam_role.other', 'aws_iam_role.renamed']);
    expect(planExitCode([summarizePlanJson('standard', { resource_changes: [role(['no-op'], { importing: { id: 'r' } })] })])).toBe(2);
    const summary = renderSummary({ environment: 'prod', offline: false, plans: [plan] });
    expect(summary).toContain('> **State: standard imports 2 and moves 1 resources:**');
    expect(summary).toContain('| `aws_iam_role.logging-role` | import of hello-world-prod-standard-logging |  |');
    expect(summary).toContain('| `aws_iam_role.other` | import of x, update |  |');
    expect(summary).toContain('| `aws_iam_role.renamed` | move from `aws_iam_role.old` |  |');
    expect(summary).toContain('| standard | 0 | 1 | 0 | 0 | 2 | 0 | 1 | 0 |');
  });
});

describe('values Terraform marks sensitive', () => {
  const KEY = 'k3yV4lu3-0f-th3-cl13nt';
  const planJson = {
    configuration: { root_module: { variables: { token: { sensitive: true } } } },
    variables: { token: { value: 'variable-secret' } },
    resource_changes: [
      {
        address: 'aws_api_gateway_api_key.proxy-api_key',
        mode: 'managed',
        type: 'aws_api_gateway_api_key',
        change: { actions: ['update'], before: { name: 'k', value: KEY, tags: { a: 'b' } }, after: { name: 'k2', value: KEY, tags: { a: 'b' } }, before_sensitive: { value: true, tags: {} }, after_sensitive: { value: true } },
      },
    ],
    output_changes: {
      api_key_value: { actions: ['create'], before: null, after: KEY, after_unknown: false, before_sensitive: false, after_sensitive: true },
      function_name: { actions: ['no-op'], before: 'f', after: 'f', after_unknown: false, before_sensitive: false, after_sensitive: false },
    },
    prior_state: {
      values: {
        outputs: { api_key_value: { sensitive: true, value: KEY } },
        root_module: {
          resources: [
            { address: 'aws_api_gateway_api_key.proxy-api_key', values: { name: 'k', value: KEY, list: [KEY, 'open'] }, sensitive_values: { value: true, list: [true, false] } },
            // The provider does not mark a usage plan key's value, a copy of the API key's.
            { address: 'aws_api_gateway_usage_plan_key.proxy-api_plan-key', values: { key_type: 'API_KEY', value: KEY }, sensitive_values: {} },
          ],
          child_modules: [{ resources: [{ values: { value: KEY }, sensitive_values: { value: true } }] }],
        },
      },
    },
    planned_values: { outputs: { api_key_value: { sensitive: true, value: KEY } }, root_module: { resources: [{ values: { name: 'k2', value: KEY }, sensitive_values: { value: true } }] } },
  };

  it('hides them everywhere in the JSON plan, and nothing else', () => {
    const hidden = hideSensitiveValues(planJson);
    expect(JSON.stringify(hidden)).not.toContain(KEY);
    expect(JSON.stringify(hidden)).not.toContain('variable-secret');
    expect(hidden.resource_changes[0].change.before).toEqual({ name: 'k', value: SENSITIVE, tags: { a: 'b' } });
    expect(hidden.resource_changes[0].change.after).toEqual({ name: 'k2', value: SENSITIVE, tags: { a: 'b' } });
    expect(hidden.prior_state.values.root_module.resources[0].values.list).toEqual([SENSITIVE, 'open']);
    expect(hidden.prior_state.values.root_module.resources[1].values).toEqual({ key_type: 'API_KEY', value: SENSITIVE });
    expect(hidden.output_changes.function_name.after).toBe('f');
    // The input is left as it was.
    expect(JSON.stringify(planJson)).toContain(KEY);
  });

  it("hides a copy of them in Terraform's own plan text (an attribute the provider leaves unmarked)", () => {
    const text = `  ~ resource "aws_api_gateway_usage_plan_key" "k" {\n      ~ value = "${KEY}" -> (known after apply)\n`;
    expect(hideInText(text, sensitiveStrings(planJson))).toBe(`  ~ resource "aws_api_gateway_usage_plan_key" "k" {\n      ~ value = "${SENSITIVE}" -> (known after apply)\n`);
  });

  it('shows a sensitive output as Terraform does, (sensitive value), in the summary', () => {
    const plan = summarizePlanJson('standard', planJson);
    expect(plan.outputs).toEqual({ api_key_value: SENSITIVE, function_name: 'f' });
    expect(renderSummary({ environment: 'prod', offline: false, plans: [plan] })).not.toContain(KEY);
  });
});

describe('summary.md', () => {
  const create = summarizePlanJson('standard', recorded('dev-standard-create.json'));
  const update = summarizePlanJson('premium', recorded('dev-standard-update.json'), ['Argument is deprecated: stage_name'], ['Incomplete lock file information for providers']);

  it('has a row of counts per stack and a table of changed resources', () => {
    const summary = renderSummary({ environment: 'dev', offline: false, plans: [create, update] });
    expect(summary).toContain('# Terraform plan: dev');
    expect(summary).toContain('| standard | 25 | 0 | 0 | 0 | 0 | 0 | 0 | 0 |');
    expect(summary).toContain('| premium | 0 | 1 | 1 | 1 | 0 | 0 | 0 | 1 |');
    expect(summary).toContain('| `aws_lambda_function.greeting-function_1D50C93D` | update | memory: 128 MB → 256 MB |');
    expect(summary).toContain('- `hello_url`: https://abc123.execute-api.eu-central-1.amazonaws.com/test/hello');
    expect(summary).not.toContain('Planned offline');
  });

  it('calls out a replace or destroy at the top', () => {
    const summary = renderSummary({ environment: 'dev', offline: false, plans: [create, update] });
    const firstTable = summary.indexOf('| stack |');
    const callout = summary.indexOf('> **Warning: premium replaces 1 and destroys 1 resources:**');
    expect(callout).toBeGreaterThan(0);
    expect(callout).toBeLessThan(firstTable);
    expect(summary).toContain('`aws_api_gateway_deployment.proxy-api_deployment_7E5D66C8` (replace)');
    expect(renderSummary({ environment: 'dev', offline: false, plans: [create] })).not.toContain('> **Warning');
  });

  /** A plan of prod standard publishing a new version: the function updated, the alias updated or left to CodeDeploy. */
  const releasing = (gradual: boolean, retry = false, newVersion = !retry) =>
    summarizePlanJson('standard', {
      resource_changes: [
        ...(retry
          ? []
          : [{ address: 'aws_lambda_function.greeting-function_1D50C93D', mode: 'managed', type: 'aws_lambda_function', change: { actions: ['update'], before: { version: '6' }, after: {}, after_unknown: { version: true } } }]),
        ...(gradual
          ? [
              {
                address: 'terraform_data.release_94AF7AAB',
                mode: 'managed',
                type: 'terraform_data',
                change: {
                  actions: ['delete', 'create'],
                  before: { triggers_replace: { version: '6' } },
                  after: newVersion ? {} : { triggers_replace: { version: '6' } },
                  after_unknown: newVersion ? { triggers_replace: true } : {},
                },
                ...(retry ? { action_reason: 'replace_because_tainted' } : { action_reason: 'replace_by_triggers' }),
              },
              {
                address: 'aws_codedeploy_deployment_config.release_config_190EB430',
                mode: 'managed',
                type: 'aws_codedeploy_deployment_config',
                change: { actions: ['no-op'], before: { traffic_routing_config: [{ type: 'TimeBasedCanary', time_based_canary: [{ interval: 5, percentage: 10 }] }] }, after: { traffic_routing_config: [{ type: 'TimeBasedCanary', time_based_canary: [{ interval: 5, percentage: 10 }] }] } },
              },
            ]
          : [{ address: 'aws_lambda_alias.greeting-function_alias_3E2B9BE2', mode: 'managed', type: 'aws_lambda_alias', change: { actions: ['update'], before: { function_version: '6' }, after: {}, after_unknown: { function_version: true } } }]),
      ],
    });

  it('says when a plan releases a new version, and by which strategy, without calling the release trigger a replacement', () => {
    const gradual = renderSummary({ environment: 'prod', offline: false, plans: [releasing(true)] });
    expect(gradual).toContain('> **Release: standard publishes a new function version, canary by CodeDeploy: 10% of traffic on the new version for 5 min, then all of it, rolled back on an alarm.**');
    expect(gradual).not.toContain('> **Warning');
    expect(gradual).toContain('| standard | 0 | 1 | 1 | 0 | 0 | 0 | 0 | 0 |');
    expect(renderSummary({ environment: 'dev', offline: false, plans: [releasing(false)] })).toContain(
      '> **Release: standard publishes a new function version, all at once: Terraform moves the alias to the new version.**',
    );
    expect(renderSummary({ environment: 'dev', offline: false, plans: [create] })).not.toContain('Release:');
    // A release whose runner failed (tainted): the plan starts it again, publishing nothing.
    expect(renderSummary({ environment: 'prod', offline: false, plans: [releasing(true, true)] })).toContain(
      '> **Release: standard retries a release that did not start (its runner failed, so Terraform tainted its trigger), canary by CodeDeploy: 10% of traffic',
    );
    // Tainted, but with a new version too: that version is what the runner releases.
    expect(renderSummary({ environment: 'prod', offline: false, plans: [releasing(true, true, true)] })).toContain('> **Release: standard publishes a new function version, canary by CodeDeploy');
    // Only the release trigger's replacement goes unflagged: any other terraform_data destroyed or replaced is called out.
    const other = summarizePlanJson('standard', { resource_changes: [{ address: 'terraform_data.cleanup', mode: 'managed', type: 'terraform_data', change: { actions: ['delete'], before: {}, after: null } }] });
    expect(renderSummary({ environment: 'prod', offline: false, plans: [other] })).toContain('> **Warning: standard replaces 0 and destroys 1 resources:** `terraform_data.cleanup` (destroy)');
  });

  it('writes every value from a plan as one line of plain text: no HTML, no line break, bounded warnings', () => {
    const plan = summarizePlanJson('standard', {
      resource_changes: [],
      output_changes: { note: { actions: ['create'], after: 'ok\n\n<!--\r## x' } },
    }, [...Array.from({ length: 25 }, (_, i) => `warning ${i} <b>`)]);
    const summary = renderSummary({ environment: 'dev', offline: false, plans: [plan] });
    expect(summary).toContain('- `note`: ok  &lt;!-- ## x');
    expect(summary).not.toMatch(/<|\r/);
    expect(summary).toContain('- warning 19 &lt;b>\n- and 5 more');
    expect(summaryProblems(summary, 'dev', [plan])).toEqual([]);
  });

  describe('compared with what this checkout will apply (summaryProblems)', () => {
    const plans = [releasing(true), update];
    const genuine = renderSummary({ environment: 'prod', offline: false, plans });
    const refused = (forged: string) => {
      expect(forged).not.toBe(genuine);
      return summaryProblems(forged, 'prod', plans);
    };

    it('accepts the summary npm run plan wrote, whatever warnings the planning machine saw', () => {
      expect(summaryProblems(genuine, 'prod', plans)).toEqual([]);
      const elsewhere = renderSummary({ environment: 'prod', offline: false, plans: [{ ...releasing(true), warnings: ['Argument is deprecated: x -> y', 'Value <unknown> ignored'], initWarnings: ['Incomplete lock file information for providers'] }, update] });
      expect(elsewhere).toContain('- Value &lt;unknown> ignored');
      expect(summaryProblems(elsewhere, 'prod', plans)).toEqual([]);
    });

    it('fails a summary whose callouts were dropped, naming the line and what this checkout summarizes', () => {
      expect(refused(genuine.replace(/^> \*\*Release: standard .*\n\n/m, ''))).toEqual([
        expect.stringMatching(/^the summary reviewers read \(summary\.md\) is not the summary of what this checkout will apply: where it reads .*, this checkout's summary reads "> \*\*Release: standard publishes a new function version, canary by CodeDeploy.*plan again from this commit/),
      ]);
      expect(refused(genuine.replace(/^> \*\*Warning: premium .*\n\n/m, ''))).toEqual([expect.stringContaining("this checkout's summary reads \"> **Warning: premium replaces 1 and destroys 1 resources")]);
    });

    it.each([
      ['the real summary in an HTML comment under a forged one', (text: string) => `${text.replace(/^(# .*\n)/, '$1<!--\n')}-->\n`],
      ['callouts moved into a comment at the end', (text: string) => `${text.replace(/^> \*\*(Release|Warning).*\n\n/gm, '')}<!--\n${text.match(/^> \*\*(Release|Warning).*$/gm)!.join('\n')}\n-->\n`],
      ['a look-alike counts row first', (text: string) => text.replace('| stack |', '|  standard | 0 | 0 | 0 | 0 | 0 | 0 | 0 | 0 |\n| stack |')],
      ['text added at the end', (text: string) => `${text}\nNothing to see here.\n`],
      ['a "warning" that opens an HTML comment', (text: string) => text.replace('Plan warnings: none', 'Plan warnings:\n\n- <!--')],
      ['a lone CR that makes a "warning" a heading and a table', (text: string) => text.replace('Plan warnings: none', 'Plan warnings:\n\n- ok\r\r## standard\r\r| `aws_lambda_function.f` | update | timeout: 3 s → 5 s |')],
      ['a warnings block where this checkout has none', (text: string) => text.replace('\n## premium\n', '\nPlan warnings:\n\n- ok\n\n## premium\n')],
      ['more warnings than a summary lists (padding past the comment cut)', (text: string) => text.replace('Plan warnings: none', `Plan warnings:\n\n${'- padding\n'.repeat(60)}`)],
      ['a warning longer than a summary writes', (text: string) => text.replace('Plan warnings: none', `Plan warnings:\n\n- ${'x'.repeat(5000)}`)],
    ])('fails a summary with %s', (_what, forge) => {
      const problems = refused(forge(genuine));
      expect(problems.length).toBeGreaterThan(0);
      for (const problem of problems) expect(problem).toMatch(/^the summary reviewers read \(summary\.md\).*plan again from this commit/);
    });
  });

  it('lists every warning Terraform printed, and says when the plan was made offline', () => {
    const summary = renderSummary({ environment: 'dev', offline: true, plans: [create, update] });
    expect(summary).toContain('Plan warnings:\n\n- Argument is deprecated: stage_name');
    expect(summary).toContain('Init warnings:\n\n- Incomplete lock file information for providers');
    expect(summary).toContain('Plan warnings: none');
    expect(summary).toContain('> Planned offline: no AWS credentials were set');
  });
});

describe('plan helpers', () => {
  it("reads warning summaries from Terraform's text output, boxed or not", () => {
    const output = [
      '╷',
      '│ Warning: Argument is deprecated',
      '│ ',
      '│   with aws_api_gateway_deployment.x,',
      '╵',
      'Warning: Incomplete lock file information for providers',
      'Plan: 1 to add',
    ].join('\n');
    expect(textWarnings(output)).toEqual(['Argument is deprecated', 'Incomplete lock file information for providers']);
  });

  /** Runs `check` with only `env`'s AWS settings (and no instance metadata service to ask). */
  async function withAwsEnvironment(env: Record<string, string>, check: () => Promise<boolean>): Promise<boolean> {
    const saved = { ...process.env };
    for (const key of Object.keys(process.env)) if (key.startsWith('AWS_')) delete process.env[key];
    const home = makeTempDir('home-');
    Object.assign(process.env, { HOME: home, AWS_EC2_METADATA_DISABLED: 'true', AWS_CONFIG_FILE: path.join(home, 'config'), AWS_SHARED_CREDENTIALS_FILE: path.join(home, 'credentials') }, env);
    try {
      return await check();
    } finally {
      process.env = saved;
    }
  }

  it("decides online or offline with the AWS SDK's own credential chain, not by looking for files", async () => {
    expect(await withAwsEnvironment({}, awsCredentialsAvailable)).toBe(false);
    expect(await withAwsEnvironment({ AWS_ACCESS_KEY_ID: 'AKIAEXAMPLE', AWS_SECRET_ACCESS_KEY: 'secret' }, awsCredentialsAvailable)).toBe(true);
    // A config file that names no credentials is no credentials (looking for the file said yes).
    const home = makeTempDir('aws-');
    fs.writeFileSync(path.join(home, 'config'), '[default]\nregion = eu-central-1\n');
    expect(await withAwsEnvironment({ AWS_CONFIG_FILE: path.join(home, 'config') }, awsCredentialsAvailable)).toBe(false);
    // A profile whose credentials come from a process: found only by following the chain.
    const processScript = path.join(home, 'creds.js');
    fs.writeFileSync(processScript, 'console.log(JSON.stringify({ Version: 1, AccessKeyId: "AKIAPROCESS", SecretAccessKey: "s" }))');
    // (another file: the SDK caches what it read of a file)
    fs.writeFileSync(path.join(home, 'config-ci'), `[profile ci]\ncredential_process = ${process.execPath} ${processScript}\n`);
    expect(await withAwsEnvironment({ AWS_CONFIG_FILE: path.join(home, 'config-ci'), AWS_PROFILE: 'ci' }, awsCredentialsAvailable)).toBe(true);
  });

  it('takes stack names, --offline and --drift, all stacks by default', () => {
    expect(parsePlanArgs([])).toEqual({ stacks: [], offline: false, drift: false });
    expect(parsePlanArgs(['premium', '--offline'])).toEqual({ stacks: ['premium'], offline: true, drift: false });
    expect(parsePlanArgs(['--drift'])).toEqual({ stacks: [], offline: false, drift: true });
  });

  it('fails on an unknown stack, naming it and the valid ones', () => {
    expect(() => parsePlanArgs(['gold'])).toThrow('"gold" is not a stack or option; use account-settings, standard, premium, --offline and/or --drift');
  });

  it('exits as terraform plan -detailed-exitcode does: 0 for no changes, 2 for any', () => {
    const plan = (add: number, destroy = 0) => ({ ...summarizePlanJson('standard', { resource_changes: [] }), counts: { ...NO_CHANGES, add, destroy } });
    expect(planExitCode([plan(0), plan(0)])).toBe(0);
    expect(planExitCode([plan(0), plan(3)])).toBe(2);
    expect(planExitCode([plan(0, 1)])).toBe(2);
  });

  it('counts drift from a refresh-only plan: what AWS holds differently from the state', () => {
    const planJson = {
      resource_changes: [],
      resource_drift: [
        { address: 'aws_lambda_function.f', mode: 'managed', type: 'aws_lambda_function', change: { actions: ['update'], before: { memory_size: 128 }, after: { memory_size: 256 } } },
        // Read back as empty collections where the state held null: not drift.
        { address: 'aws_api_gateway_method.m', mode: 'managed', type: 'aws_api_gateway_method', change: { actions: ['update'], before: { request_models: null, authorization_scopes: null, authorizer_id: null }, after: { request_models: {}, authorization_scopes: [], authorizer_id: '' } } },
        // A metric-math query's period, unset (PutMetricAlarm takes none), read back as 0: not drift; a threshold moved is.
        { address: 'aws_cloudwatch_metric_alarm.q', mode: 'managed', type: 'aws_cloudwatch_metric_alarm', change: { actions: ['update'], before: { metric_query: [{ id: 'rate', period: null }] }, after: { metric_query: [{ id: 'rate', period: 0 }] } } },
        { address: 'aws_cloudwatch_metric_alarm.t', mode: 'managed', type: 'aws_cloudwatch_metric_alarm', change: { actions: ['update'], before: { threshold: 10, metric_query: [{ id: 'rate', period: null }] }, after: { threshold: 50, metric_query: [{ id: 'rate', period: 0 }] } } },
        // A role listing what its own attachment resources attached: they report their own drift.
        { address: 'aws_iam_role.r', mode: 'managed', type: 'aws_iam_role', change: { actions: ['update'], before: { managed_policy_arns: [], name: 'r' }, after: { managed_policy_arns: ['arn:aws:iam::aws:policy/P'], name: 'r' } } },
        // A stage naming the web ACL its association resource put in front of it after the stage was created.
        { address: 'aws_api_gateway_stage.s', mode: 'managed', type: 'aws_api_gateway_stage', change: { actions: ['update'], before: { web_acl_arn: '', stage_name: 'test' }, after: { web_acl_arn: 'arn:aws:wafv2:eu-west-1:345678901234:regional/webacl/api/1', stage_name: 'test' } } },
      ],
    };
    const drift = summarizePlanJson('standard', planJson, [], [], true);
    expect(drift.counts).toEqual({ ...NO_CHANGES, change: 2 });
    expect(drift.changes).toEqual([
      { address: 'aws_lambda_function.f', action: 'update', details: { memory: '128 MB → 256 MB' } },
      { address: 'aws_cloudwatch_metric_alarm.t', action: 'update', details: {} },
    ]);
    expect(summarizePlanJson('standard', planJson).counts.change).toBe(0);
    expect(renderSummary({ environment: 'prod', offline: false, plans: [drift], drift: true })).toMatch(/^# Drift: prod \(AWS against the state, refresh-only\)/);
  });

  it('writes a failed summary that says FAILED first and names every failing stack', () => {
    const summary = renderFailedSummary({
      environment: 'dev',
      offline: true,
      plans: [],
      failures: [
        { stack: 'standard', message: 'terraform plan failed:\nError: boom' },
        { stack: 'premium', message: 'terraform init failed' },
      ],
    });
    expect(summary.split('\n')[0]).toBe('# FAILED: Terraform plan: dev');
    expect(summary).toContain('> **FAILED:** standard, premium did not plan.');
    expect(summary).toContain('## standard: failed\n\n```\nterraform plan failed:\nError: boom\n```');
    expect(summary).not.toMatch(/\| stack \| add/);
  });

  const terraformFound = terraformMissingReason() === undefined;
  (terraformFound ? it : it.skip)("fails when a plan fails, naming the stack and Terraform's error", async () => {
    const dir = makeTempDir('broken-stack-');
    fs.writeFileSync(path.join(dir, 'cdk.tf.json'), JSON.stringify({ output: { url: { value: '${var.missing}' } } }));
    const config = path.join(dir, 'empty.tfrc');
    fs.writeFileSync(config, '');
    const saved = process.env.TF_CLI_CONFIG_FILE;
    process.env.TF_CLI_CONFIG_FILE = config;
    try {
      const plan = planStack('premium', dir, path.join(dir, 'plans'));
      await expect(plan).rejects.toThrow(TerraformError);
      await expect(plan).rejects.toThrow(/^premium: terraform (init|plan) failed:\n(.|\n)*Reference to undeclared input variable/);
    } finally {
      if (saved === undefined) delete process.env.TF_CLI_CONFIG_FILE;
      else process.env.TF_CLI_CONFIG_FILE = saved;
    }
  });

  const mirror = findProviderMirror();
  (terraformFound && mirror && !mirrorHasProvider(mirror, 'archive') ? it : it.skip)(
    'names hashicorp/archive and FUNCTION_PACKAGING=synth-zip when a configured mirror lacks only that provider',
    async () => {
      const dir = makeTempDir('no-provider-');
      fs.writeFileSync(path.join(dir, 'cdk.tf.json'), JSON.stringify({ terraform: { required_providers: { archive: { source: 'hashicorp/archive', version: '2.7.1' } } } }));
      const saved = process.env.TF_CLI_CONFIG_FILE;
      // A mirror that lacks hashicorp/archive, and no registry: as on an air-gapped machine.
      process.env.TF_CLI_CONFIG_FILE = writeMirrorCliConfig(mirror!);
      try {
        await expect(planStack('standard', dir, path.join(dir, 'plans'))).rejects.toThrow(
          /^standard: terraform init failed:[\s\S]*hashicorp\/archive[\s\S]*\nTerraform could not install hashicorp\/archive \(not in the registry or mirror it uses\)\. Synthesize without it: FUNCTION_PACKAGING=synth-zip npm run plan \(docs\/deploying.md, "Packaging the function"\), or add hashicorp\/archive 2\.7\.1 to the mirror\.$/,
        );
      } finally {
        if (saved === undefined) delete process.env.TF_CLI_CONFIG_FILE;
        else process.env.TF_CLI_CONFIG_FILE = saved;
      }
    },
    60_000,
  );
});
