import * as fs from 'fs';
import * as path from 'path';
import { spawn } from 'child_process';
import { TERRAFORM_GO_RUNTIME, TerraformError, killTerraform, runTerraform, terraformFailure } from '../../scripts/lib/terraform-run';
import { PROJECT_ROOT, makeTempDir } from '../helpers';

/** Whether a process is still there (a zombie is not: it has ended). */
function alive(pid: number): boolean {
  try {
    return !/^\d+ \(.*\) Z/.test(fs.readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return false;
  }
}

const waitUntil = async (condition: () => boolean, ms = 5000) => {
  for (const end = Date.now() + ms; Date.now() < end && !condition(); ) await new Promise((resolve) => setTimeout(resolve, 20));
  return condition();
};

/** A stand-in terraform that starts a "provider" (a sleep) and waits; with `ignoreInt`, both ignore SIGINT. */
function fakeTerraform(ignoreInt: boolean): { dir: string; providerPid: () => number } {
  const dir = makeTempDir('fake-terraform-run-');
  const script = [
    '#!/usr/bin/env node',
    "const { spawn } = require('child_process');",
    ignoreInt ? "process.on('SIGINT', () => undefined);" : '',
    `const provider = spawn('sh', ['-c', ${JSON.stringify(ignoreInt ? "trap '' INT; exec sleep 300" : 'exec sleep 300')}], { stdio: 'ignore' });`,
    "require('fs').writeFileSync('provider.pid', String(provider.pid));",
    "console.log('started');",
  ].join('\n');
  fs.writeFileSync(path.join(dir, 'terraform'), script, { mode: 0o755 });
  return { dir, providerPid: () => Number(fs.readFileSync(path.join(dir, 'provider.pid'), 'utf8')) };
}

describe('the terraform runner', () => {
  const savedPath = process.env.PATH;
  afterEach(() => {
    process.env.PATH = savedPath;
  });
  const onPath = (dir: string) => (process.env.PATH = `${dir}${path.delimiter}${savedPath}`);

  it('stops terraform and the providers it started (its process group) once it runs past timeoutMs, and says so', async () => {
    const fake = fakeTerraform(false);
    onPath(fake.dir);
    // Long enough for the stand-in to start its provider on a loaded machine.
    const run = await runTerraform(fake.dir, ['apply'], { timeoutMs: 3000 });
    expect(run.stdout).toBe('started\n');
    // Ended by the SIGINT (terraform saves its state on it), not by the kill after the grace period.
    expect([run.timedOut, run.signal]).toEqual([true, 'SIGINT']);
    expect(await waitUntil(() => !alive(fake.providerPid()))).toBe(true);
    expect(terraformFailure('standard', 'apply', run)).toBe('standard: terraform apply ran out of time and was stopped; its state holds what it finished, so run it again');
  });

  it('kills the whole process group when terraform ignores SIGINT past the grace period', async () => {
    const fake = fakeTerraform(true);
    onPath(fake.dir);
    const run = await runTerraform(fake.dir, ['apply'], { timeoutMs: 3000, graceMs: 300 });
    expect(run.stdout).toBe('started\n');
    expect([run.timedOut, run.signal]).toEqual([true, 'SIGKILL']);
    expect(await waitUntil(() => !alive(fake.providerPid()))).toBe(true);
  });

  it('kills every terraform still running with its providers: what each test file does at its end', async () => {
    const fake = fakeTerraform(true);
    onPath(fake.dir);
    const lines: string[] = [];
    const run = runTerraform(fake.dir, ['plan'], { onLine: (line) => lines.push(line) });
    expect(await waitUntil(() => lines.includes('started'))).toBe(true);
    const provider = fake.providerPid();
    await killTerraform();
    expect((await run).signal).toBe('SIGKILL');
    expect(await waitUntil(() => !alive(provider))).toBe(true);
  });

  /**
   * A process that starts `sleep` in a group of its own, as runAsTyped starts a command, tracks
   * it, prints its pid and then does `then` (stay alive, or fail).
   */
  const trackingParent = (then: string) => {
    const script = [
      "const { spawn } = require('child_process');",
      "const { trackProcessGroup } = require('./scripts/lib/terraform-run');",
      "const child = spawn('sh', ['-c', 'exec sleep 300'], { detached: true, stdio: 'ignore' });",
      'trackProcessGroup(child);',
      'console.log(child.pid);',
      then,
    ].join('\n');
    const parent = spawn(process.execPath, ['--require', 'esbuild-register', '-e', script], { cwd: PROJECT_ROOT, stdio: ['ignore', 'pipe', 'ignore'] });
    let out = '';
    parent.stdout.setEncoding('utf8').on('data', (chunk: string) => (out += chunk));
    const ended = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => parent.on('close', (code, signal) => resolve({ code, signal })));
    return { parent, ended, sleeper: async () => ((await waitUntil(() => /^\d+\n/.test(out), 20_000)) ? Number(out.trim()) : 0) };
  };

  it('stops a tracked command of its own process group (a command as typed: npm run plan, cdktf) when this process gets SIGTERM', async () => {
    const { parent, ended, sleeper } = trackingParent('setInterval(() => undefined, 1000);');
    const pid = await sleeper();
    expect(pid).toBeGreaterThan(0);
    try {
      parent.kill('SIGTERM');
      // It passes the signal on (SIGINT to the group, as Ctrl-C), then ends as SIGTERM would.
      expect((await ended).signal).toBe('SIGTERM');
      expect(await waitUntil(() => !alive(pid))).toBe(true);
    } finally {
      if (alive(pid)) process.kill(-pid, 'SIGKILL');
    }
  }, 30_000);

  it('interrupts a tracked command of its own process group when this process exits with it still running (an uncaught error)', async () => {
    const { ended, sleeper } = trackingParent("setTimeout(() => { throw new Error('EPIPE'); }, 200);");
    const pid = await sleeper();
    expect(pid).toBeGreaterThan(0);
    try {
      expect((await ended).code).toBe(1);
      expect(await waitUntil(() => !alive(pid))).toBe(true);
    } finally {
      if (alive(pid)) process.kill(-pid, 'SIGKILL');
    }
  }, 30_000);

  it('runs the binary TERRAFORM_BINARY_NAME names, as cdktf does (tofu), and terraform without it', async () => {
    const dir = makeTempDir('fake-binaries-');
    for (const name of ['terraform', 'tofu']) fs.writeFileSync(path.join(dir, name), `#!/bin/sh\necho ${name} "$@"\n`, { mode: 0o755 });
    onPath(dir);
    expect((await runTerraform(dir, ['version'])).stdout).toBe('terraform version\n');
    expect((await runTerraform(dir, ['version'], { env: { TERRAFORM_BINARY_NAME: 'tofu' } })).stdout).toBe('tofu version\n');
  });

  it("runs terraform (and so its providers) with Go's collector at GOGC=400, unless the caller tunes it", async () => {
    const dir = makeTempDir('fake-terraform-env-');
    fs.writeFileSync(path.join(dir, 'terraform'), '#!/bin/sh\necho "GOGC=${GOGC-unset} GOMEMLIMIT=${GOMEMLIMIT-unset}"\n', { mode: 0o755 });
    onPath(dir);
    const saved = { GOGC: process.env.GOGC, GOMEMLIMIT: process.env.GOMEMLIMIT };
    delete process.env.GOGC;
    delete process.env.GOMEMLIMIT;
    try {
      expect(TERRAFORM_GO_RUNTIME).toEqual({ GOGC: '400' });
      expect((await runTerraform(dir, ['plan'])).stdout).toBe('GOGC=400 GOMEMLIMIT=unset\n');
      // A caller's own setting wins, whole.
      expect((await runTerraform(dir, ['plan'], { env: { GOGC: '200' } })).stdout).toBe('GOGC=200 GOMEMLIMIT=unset\n');
      process.env.GOMEMLIMIT = '4GiB';
      expect((await runTerraform(dir, ['plan'])).stdout).toBe('GOGC=unset GOMEMLIMIT=4GiB\n');
    } finally {
      for (const [name, value] of Object.entries(saved)) {
        if (value === undefined) delete process.env[name];
        else process.env[name] = value;
      }
    }
  });

  it("fails naming the stack, each failing resource and AWS's error", () => {
    const stderr = [
      '╷',
      '│ Error: creating IAM Role (hello-logging): operation error IAM: CreateRole, EntityAlreadyExists: Role with name hello-logging already exists.',
      '│ ',
      '│   with aws_iam_role.logging-role_8B4B5F58,',
      '│   on cdk.tf.json line 120, in resource "aws_iam_role" "logging-role_8B4B5F58":',
      '│  120:       },',
      '╵',
    ].join('\n');
    const error = new TerraformError('standard', 'apply', { status: 1, signal: null, stdout: '', stderr });
    expect(error.message).toBe(
      'standard: terraform apply failed:\n  aws_iam_role.logging-role_8B4B5F58: creating IAM Role (hello-logging): operation error IAM: CreateRole, EntityAlreadyExists: Role with name hello-logging already exists.',
    );
  });

  it("fails with terraform's diagnostics where no resource is named, and the hint after them", () => {
    const stderr = '╷\n│ Error: Reference to undeclared input variable\n│ \n│   on cdk.tf.json line 3, in output "url":\n╵\n';
    expect(terraformFailure('premium', 'plan', { status: 1, signal: null, stdout: '', stderr }, 'Declare it.')).toBe(
      'premium: terraform plan failed:\nError: Reference to undeclared input variable\n  on cdk.tf.json line 3, in output "url":\nDeclare it.',
    );
  });

  it('fails naming the fix when terraform cannot be started', () => {
    expect(terraformFailure('dev', 'init', { status: null, signal: null, stdout: '', stderr: '', error: new Error('spawn terraform ENOENT') })).toBe(
      'dev: could not run terraform (spawn terraform ENOENT); install Terraform 1.11 or later',
    );
  });
});
