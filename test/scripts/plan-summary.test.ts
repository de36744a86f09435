import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { hasAwsCredentials, parsePlanArgs } from '../../scripts/plan';
import { renderSummary } from '../../scripts/lib/plan-summary';
import { PlanError, planStack, summarizePlanJson, textWarnings } from '../../scripts/lib/terraform-plan';
import { makeTempDir } from '../helpers';

const recorded = (name: string) => JSON.parse(fs.readFileSync(path.join(__dirname, '..', 'fixtures', 'plans', name), 'utf8'));

describe('reading a recorded plan', () => {
  it('counts a first plan as 25 resources to add, with the attributes that matter', () => {
    const plan = summarizePlanJson('standard', recorded('dev-standard-create.json'));
    expect(plan.counts).toEqual({ add: 25, change: 0, replace: 0, destroy: 0 });
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
      throttle: '50/s, burst 100',
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
    expect(plan.counts).toEqual({ add: 0, change: 1, replace: 1, destroy: 1 });
    expect(plan.changes.map((change) => [change.address.split('.')[0], change.action, change.details])).toEqual([
      ['aws_api_gateway_deployment', 'replace', {}],
      ['aws_iam_role', 'destroy', {}],
      ['aws_lambda_function', 'update', { memory: '128 MB → 256 MB' }],
    ]);
  });
});

describe('summary.md', () => {
  const create = summarizePlanJson('standard', recorded('dev-standard-create.json'));
  const update = summarizePlanJson('premium', recorded('dev-standard-update.json'), ['Argument is deprecated: stage_name'], ['Incomplete lock file information for providers']);

  it('has a row of counts per stack and a table of changed resources', () => {
    const summary = renderSummary({ environment: 'dev', offline: false, plans: [create, update] });
    expect(summary).toContain('# Terraform plan: dev');
    expect(summary).toContain('| standard | 25 | 0 | 0 | 0 | 0 |');
    expect(summary).toContain('| premium | 0 | 1 | 1 | 1 | 1 |');
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

  it('finds AWS credentials in variables, a profile or the shared files', () => {
    const home = makeTempDir('home-');
    expect(hasAwsCredentials({}, home)).toBe(false);
    expect(hasAwsCredentials({ AWS_ACCESS_KEY_ID: 'x' }, home)).toBe(true);
    expect(hasAwsCredentials({ AWS_PROFILE: 'ci' }, home)).toBe(true);
    fs.mkdirSync(path.join(home, '.aws'));
    fs.writeFileSync(path.join(home, '.aws', 'credentials'), '[default]\n');
    expect(hasAwsCredentials({}, home)).toBe(true);
  });

  it('takes stack names and --offline, all stacks by default', () => {
    expect(parsePlanArgs([])).toEqual({ stacks: [], offline: false });
    expect(parsePlanArgs(['premium', '--offline'])).toEqual({ stacks: ['premium'], offline: true });
  });

  it('fails on an unknown stack, naming it and the valid ones', () => {
    expect(() => parsePlanArgs(['gold'])).toThrow('"gold" is not a stack or option; use account-settings, standard, premium and/or --offline');
  });

  const terraformFound = spawnSync('terraform', ['version']).status === 0;
  (terraformFound ? it : it.skip)("fails when a plan fails, naming the stack and Terraform's error", async () => {
    const dir = makeTempDir('broken-stack-');
    fs.writeFileSync(path.join(dir, 'cdk.tf.json'), JSON.stringify({ output: { url: { value: '${var.missing}' } } }));
    const config = path.join(dir, 'empty.tfrc');
    fs.writeFileSync(config, '');
    const saved = process.env.TF_CLI_CONFIG_FILE;
    process.env.TF_CLI_CONFIG_FILE = config;
    try {
      const plan = planStack('premium', dir, path.join(dir, 'plans'));
      await expect(plan).rejects.toThrow(PlanError);
      await expect(plan).rejects.toThrow(/^premium: terraform (init|plan) failed:\n(.|\n)*Reference to undeclared input variable/);
    } finally {
      if (saved === undefined) delete process.env.TF_CLI_CONFIG_FILE;
      else process.env.TF_CLI_CONFIG_FILE = saved;
    }
  });
});
