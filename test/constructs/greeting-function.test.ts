import { TerraformVariable, Testing, Token } from 'cdktf';
import { IamRole } from '@cdktf/provider-aws/lib/iam-role';
import { IamRolePolicy } from '@cdktf/provider-aws/lib/iam-role-policy';
import { DataArchiveFile } from '@cdktf/provider-archive/lib/data-archive-file';
import { CloudwatchLogGroup } from '@cdktf/provider-aws/lib/cloudwatch-log-group';
import { LambdaFunction } from '@cdktf/provider-aws/lib/lambda-function';
import { Construct } from 'constructs';
import { GreetingFunction, GreetingFunctionProps } from '../../src/constructs/greeting-function';
import { LoggingRole } from '../../src/constructs/logging-role';
import { FIXTURE_HANDLER, onlyResource, parse } from '../helpers';

function synthFunction(props: Partial<GreetingFunctionProps> = {}): string {
  return Testing.synthScope((scope: Construct) => {
    const role = new LoggingRole(scope, 'role', { roleName: 'hello-logging' });
    new GreetingFunction(scope, 'greeting', {
      functionName: 'HelloWorld',
      executionRole: role,
      codeFile: FIXTURE_HANDLER,
      ...props,
    });
  });
}

describe('GreetingFunction', () => {
  it('runs the walkthrough handler on a supported Node.js runtime with its defaults', () => {
    expect(synthFunction()).toHaveResourceWithProperties(LambdaFunction, {
      function_name: 'HelloWorld',
      handler: 'index.helloworld',
      runtime: 'nodejs22.x',
      memory_size: 128,
      timeout: 3,
      environment: { variables: { GREETING: 'Hello' } },
    });
  });

  it('takes memory, timeout, greeting and runtime from its props', () => {
    expect(
      synthFunction({ memorySize: 512, timeout: 10, greeting: 'Bonjour', runtime: 'nodejs22.x' }),
    ).toHaveResourceWithProperties(LambdaFunction, {
      memory_size: 512,
      timeout: 10,
      runtime: 'nodejs22.x',
      environment: { variables: { GREETING: 'Bonjour' } },
    });
  });

  it('packages the code with archive_file, with a fixed file mode and relative paths', () => {
    const tf = parse(synthFunction());
    const archive = Object.values(tf.data.archive_file)[0] as any;
    expect(archive.type).toBe('zip');
    expect(archive.output_file_mode).toBe('0644');
    expect(archive.source_file).toMatch(/^assets\/greeting_code_[0-9A-F]+\/[0-9A-F]{32}\/index\.js$/);
    expect(archive.output_path).toMatch(/^assets\/greeting_code_[0-9A-F]+\/function\.zip$/);
    expect(synthFunction()).toHaveDataSource(DataArchiveFile);
  });

  it('takes source_code_hash and filename from the archive, so new code updates the function in place', () => {
    const fn = onlyResource(parse(synthFunction()), 'aws_lambda_function');
    expect(fn.source_code_hash).toMatch(/^\$\{data\.archive_file\.greeting_package_[0-9A-F]+\.output_base64sha256\}$/);
    expect(fn.filename).toMatch(/^\$\{data\.archive_file\.greeting_package_[0-9A-F]+\.output_path\}$/);
  });

  it('creates its log group with retention before the function, and waits for its log and trace permissions', () => {
    const synthesized = synthFunction({ logRetentionDays: 30 });
    expect(synthesized).toHaveResourceWithProperties(CloudwatchLogGroup, {
      name: '/aws/lambda/HelloWorld',
      retention_in_days: 30,
    });
    const fn = onlyResource(parse(synthesized), 'aws_lambda_function');
    expect(fn.depends_on).toEqual([
      expect.stringMatching(/^aws_cloudwatch_log_group\.greeting_logs_/),
      expect.stringMatching(/^aws_iam_role_policy\.role_xray-tracing_/),
      expect.stringMatching(/^aws_iam_role_policy\.greeting_log-writing_/),
    ]);
    expect(fn.role).toMatch(/^\$\{aws_iam_role\.role_/);
  });

  it('publishes a version on every change and points the live alias at it', () => {
    const tf = parse(synthFunction());
    const fn = onlyResource(tf, 'aws_lambda_function');
    expect(fn.publish).toBe(true);
    expect(onlyResource(tf, 'aws_lambda_alias')).toMatchObject({
      name: 'live',
      function_name: expect.stringMatching(/^\$\{aws_lambda_function\.greeting_function_[0-9A-F]+\.function_name\}$/),
      function_version: expect.stringMatching(/^\$\{aws_lambda_function\.greeting_function_[0-9A-F]+\.version\}$/),
    });
  });

  it('traces actively and logs JSON into its own log group, with the INFO levels AWS would fill in (provider #42181)', () => {
    const fn = onlyResource(parse(synthFunction()), 'aws_lambda_function');
    expect(fn.tracing_config).toEqual({ mode: 'Active' });
    expect(fn.logging_config).toEqual({
      log_format: 'JSON',
      log_group: expect.stringMatching(/^\$\{aws_cloudwatch_log_group\.greeting_logs_[0-9A-F]+\.name\}$/),
      application_log_level: 'INFO',
      system_log_level: 'INFO',
    });
  });

  it('reserves concurrency and encrypts its logs only when asked', () => {
    const plain = parse(synthFunction());
    expect(onlyResource(plain, 'aws_lambda_function').reserved_concurrent_executions).toBeUndefined();
    expect(onlyResource(plain, 'aws_cloudwatch_log_group').kms_key_id).toBeUndefined();
    const key = 'arn:aws:kms:eu-central-1:123456789012:key/abc';
    const tuned = parse(synthFunction({ reservedConcurrency: 25, logsKmsKeyArn: key }));
    expect(onlyResource(tuned, 'aws_lambda_function').reserved_concurrent_executions).toBe(25);
    expect(onlyResource(tuned, 'aws_cloudwatch_log_group').kms_key_id).toBe(key);
  });

  it('passes Terraform tokens through unchecked: memory, timeout, name and reserved concurrency from variables', () => {
    const tf = parse(
      Testing.synthScope((scope: Construct) => {
        const number = (name: string) => new TerraformVariable(scope, name, { type: 'number' }).numberValue;
        new GreetingFunction(scope, 'greeting', {
          functionName: new TerraformVariable(scope, 'function_name', { type: 'string' }).stringValue,
          codeFile: FIXTURE_HANDLER,
          memorySize: number('memory'),
          timeout: number('timeout'),
          reservedConcurrency: number('concurrency'),
          logRetentionDays: number('retention'),
        });
      }),
    );
    expect(onlyResource(tf, 'aws_lambda_function')).toMatchObject({
      function_name: '${var.function_name}',
      memory_size: '${var.memory}',
      timeout: '${var.timeout}',
      reserved_concurrent_executions: '${var.concurrency}',
    });
    expect(onlyResource(tf, 'aws_cloudwatch_log_group')).toMatchObject({ name: '/aws/lambda/${var.function_name}', retention_in_days: '${var.retention}' });
  });

  it('keeps its log group on destroy when asked (skip_destroy), and says nothing of it otherwise', () => {
    expect(onlyResource(parse(synthFunction({ retainLogsOnDestroy: true })), 'aws_cloudwatch_log_group').skip_destroy).toBe(true);
    expect(onlyResource(parse(synthFunction()), 'aws_cloudwatch_log_group').skip_destroy).toBeUndefined();
  });

  it('runs as a logging role of its own when given none', () => {
    const tf = parse(Testing.synthScope((scope: Construct) => new GreetingFunction(scope, 'greeting', { functionName: 'HelloWorld', codeFile: FIXTURE_HANDLER })));
    expect(onlyResource(tf, 'aws_iam_role').name).toBe('HelloWorld-logging');
    expect(onlyResource(tf, 'aws_lambda_function').role).toMatch(/^\$\{aws_iam_role\.greeting_execution-role_[0-9A-F]+\.arn\}$/);
    // Its own log group only, granted beside the function.
    expect(Object.values<any>(tf.resource.aws_iam_role_policy).map((policy) => policy.name).sort()).toEqual(['write-own-logs', 'xray-tracing']);
    expect(tf.resource.aws_iam_role_policy_attachment).toBeUndefined();
    expect(Object.values<any>(tf.resource.aws_iam_role_policy).find((policy) => policy.name === 'write-own-logs').policy).toMatch(
      /"Resource" = "\$\{aws_cloudwatch_log_group\.greeting_logs_[0-9A-F]+\.arn\}:\*"/,
    );
  });

  it('runs as a role made elsewhere, given as an IExecutionRole: its ARN, and the grant it makes for the log group', () => {
    const granted: string[] = [];
    const tf = parse(
      Testing.synthScope((scope: Construct) => {
        const existing = new IamRole(scope, 'platform-role', { name: 'platform-lambda', assumeRolePolicy: '{}' });
        new GreetingFunction(scope, 'greeting', {
          functionName: 'HelloWorld',
          codeFile: FIXTURE_HANDLER,
          executionRole: {
            roleArn: 'arn:aws:iam::123456789012:role/platform-lambda',
            permissions: [existing],
            grantLogWriting: (_scope, id, logGroup) => {
              granted.push(`${id} ${Token.isUnresolved(logGroup.arn) ? 'a token' : logGroup.arn}`);
              return undefined;
            },
          },
        });
      }),
    );
    const fn = onlyResource(tf, 'aws_lambda_function');
    expect(fn.role).toBe('arn:aws:iam::123456789012:role/platform-lambda');
    expect(fn.depends_on).toEqual([expect.stringMatching(/^aws_cloudwatch_log_group\.greeting_logs_/), 'aws_iam_role.platform-role']);
    // The function's own log group's ARN, as a reference.
    expect(granted).toEqual(['log-writing a token']);
    expect(tf.resource.aws_iam_role_policy).toBeUndefined();
  });

  it('grants invoke on the alias only, in the scope the caller names, and returns the grant', () => {
    let grant: IamRolePolicy | undefined;
    const tf = parse(
      Testing.synthScope((scope: Construct) => {
        const fn = new GreetingFunction(scope, 'greeting', { functionName: 'HelloWorld', codeFile: FIXTURE_HANDLER });
        const caller = new IamRole(scope, 'caller', { name: 'caller', assumeRolePolicy: '{}' });
        grant = fn.grantInvoke(scope, 'caller-invoke', { roleName: caller.name });
      }),
    );
    expect(grant).toBeInstanceOf(IamRolePolicy);
    const policy = tf.resource.aws_iam_role_policy['caller-invoke'];
    expect(policy.role).toBe('${aws_iam_role.caller.name}');
    // jsonencode, not JSON.stringify around tokens: `synth --hcl` keeps it intact.
    expect(policy.policy).toMatch(
      /^\$\{jsonencode\(\{"Version" = "2012-10-17", "Statement" = \[\{"Effect" = "Allow", "Action" = "lambda:InvokeFunction", "Resource" = aws_lambda_alias\.greeting_alias_[0-9A-F]+\.arn\}\]\}\)\}$/,
    );
  });

  it.each([
    [{ reservedConcurrency: -1 }, 'GreetingFunction reservedConcurrency: -1 is not a concurrency; use a whole number of executions of at least 1'],
    [{ aliasName: '42' }, 'GreetingFunction aliasName: "42" is not an alias name'],
    [{ memorySize: 64 }, 'GreetingFunction memorySize: 64 is not a Lambda memory size; use a whole number of MB from 128 to 10240'],
    [{ memorySize: 10241 }, 'GreetingFunction memorySize: 10241 is not a Lambda memory size'],
    [{ timeout: 29 }, 'GreetingFunction timeout: 29 is not a usable timeout; use whole seconds from 1 to 28'],
    [{ greeting: '' }, 'GreetingFunction greeting: "" is not a usable greeting; use 1 to 64 printable characters'],
    [{ greeting: 'Hi ${var.secret}' }, 'GreetingFunction greeting: "Hi ${var.secret}" holds Terraform template syntax ("${" or "%{"), which Terraform would evaluate; remove it'],
    [{ logRetentionDays: 10 }, 'GreetingFunction logRetentionDays: 10 is not a retention CloudWatch Logs accepts; use one of 1, 3, 5'],
    [{ runtime: 'nodejs16.x' as never }, 'GreetingFunction runtime: "nodejs16.x" is not supported; use one of nodejs22.x'],
    [{ runtime: 'nodejs20.x' as never }, 'GreetingFunction runtime: "nodejs20.x" is not supported; use one of nodejs22.x'],
    [{ handler: 'main.handler' }, 'GreetingFunction handler: "main.handler" does not name the packaged file index.js; use "index.<export>"'],
    [{ functionName: 'Hello World' }, 'GreetingFunction functionName: "Hello World" is not a usable name'],
  ])('fails on %j with a message naming the field, the value and the fix', (props, message) => {
    expect(() => synthFunction(props)).toThrow(message);
  });
});
