/**
 * The constructs as another team gets them: `npm run build`, `npm pack`, `npm install` of the
 * tarball into a scratch cdktf app (examples/consumer), which then compiles against the
 * package's declarations and synthesizes with a memory size from a Terraform variable.
 * The app's own dependencies (cdktf, constructs, the providers: the package's peers) are
 * linked from this checkout, as the tests do not download from the registry.
 */
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { PROJECT_ROOT, makeTempDir } from '../helpers';

const PEERS = ['cdktf', 'constructs', '@cdktf/provider-aws', '@cdktf/provider-archive'];

function run(command: string, args: string[], cwd: string) {
  const result = spawnSync(command, args, { cwd, encoding: 'utf8', env: { ...process.env, npm_config_loglevel: 'error' } });
  if (result.status !== 0) throw new Error(`${command} ${args.join(' ')} failed in ${cwd}:\n${result.stdout}\n${result.stderr}`);
  return result.stdout;
}

describe('the packed library in another cdktf app', () => {
  let app: string;
  let tarball: string;

  beforeAll(() => {
    const work = makeTempDir('library-');
    run('npm', ['run', '--silent', 'build'], PROJECT_ROOT);
    tarball = path.join(work, run('npm', ['pack', '--silent', '--pack-destination', work], PROJECT_ROOT).trim().split('\n').pop()!);
    app = path.join(work, 'team-greeter');
    fs.mkdirSync(app);
    fs.writeFileSync(path.join(app, 'package.json'), JSON.stringify({ name: 'team-greeter', private: true }));
    run('npm', ['install', '--offline', '--no-audit', '--no-fund', '--ignore-scripts', '--legacy-peer-deps', tarball], app);
    for (const peer of PEERS) {
      fs.mkdirSync(path.dirname(path.join(app, 'node_modules', peer)), { recursive: true });
      fs.symlinkSync(path.join(PROJECT_ROOT, 'node_modules', peer), path.join(app, 'node_modules', peer));
    }
    for (const file of ['main.ts', 'tsconfig.json', 'cdktf.json']) {
      fs.copyFileSync(path.join(PROJECT_ROOT, 'examples', 'consumer', file), path.join(app, file));
    }
  }, 120_000);

  it('ships the constructs, their declarations, the handler bundle, LICENSE and CHANGELOG, and no tests or app config', () => {
    const files = run('tar', ['-tzf', tarball], PROJECT_ROOT).trim().split('\n').sort();
    expect(files).toEqual(
      expect.arrayContaining([
        'package/CHANGELOG.md',
        'package/LICENSE',
        'package/dist/handler/index.js',
        'package/dist/src/index.d.ts',
        'package/dist/src/index.js',
        'package/dist/src/constructs/greeting-function.d.ts',
        'package/dist/src/constructs/proxy-api.d.ts',
        'package/dist/src/rules/aws-limits.js',
        'package/package.json',
      ]),
    );
    expect(files.filter((file) => /\/(test|environments|scripts|config|stacks)\//.test(file) || file.endsWith('.ts') && !file.endsWith('.d.ts'))).toEqual([]);
  });

  it('compiles the example app against the package and synthesizes it with the memory size from a TerraformVariable', () => {
    run(path.join(PROJECT_ROOT, 'node_modules', '.bin', 'tsc'), ['-p', 'tsconfig.json'], app);
    run(process.execPath, ['main.js'], app);
    const stack = JSON.parse(fs.readFileSync(path.join(app, 'cdktf.out', 'stacks', 'team-greeter', 'cdk.tf.json'), 'utf8'));
    const [fn] = Object.values<any>(stack.resource.aws_lambda_function);
    expect(fn).toMatchObject({
      function_name: 'team-greeter',
      memory_size: '${var.memory_size}',
      environment: { variables: { GREETING: 'Hej' } },
      handler: 'index.helloworld',
    });
    expect(stack.variable.memory_size).toMatchObject({ type: 'number', default: 256 });
    // The function made its own execution role; the API's role may invoke it.
    expect(Object.values<any>(stack.resource.aws_iam_role).map((role) => role.name).sort()).toEqual(['team-greeter-api-apigw-invoke', 'team-greeter-logging']);
    expect(Object.values<any>(stack.resource.aws_api_gateway_stage)[0].stage_name).toBe('v1');
  }, 120_000);
});
