import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { PassThrough } from 'stream';
import { invoke, invokeOptions, parseInvokeArgs } from '../../scripts/invoke';
import { parseEnvironment } from '../../src/config/load-environment';
import { EVENTS_DIR, PROJECT_ROOT, makeTempDir, underLoad } from '../helpers';

const REPORT = /^REPORT Duration: \d+\.\d{2} ms Billed Duration: \d+ ms Memory Size: (\d+) MB Max Memory Used: \d+ MB$/m;

function npmInvoke(...args: string[]) {
  const env = { ...process.env };
  delete env.GREETING;
  return spawnSync('npm', ['run', '--silent', 'invoke', '--', ...args], { cwd: PROJECT_ROOT, encoding: 'utf8', env });
}

describe('npm run invoke', () => {
  it('prints the walkthrough results: "Hello world", "Hello David", "Bonjour David"', () => {
    const david = path.join(EVENTS_DIR, 'direct-hello-david.json');
    const noPayload = npmInvoke();
    expect(noPayload.stdout).toBe('"Hello world"\n');
    expect(npmInvoke('--payload', david).stdout).toBe('"Hello David"\n');
    const bonjour = npmInvoke('--payload', david, '--env', 'GREETING=Bonjour');
    expect(bonjour.stdout).toBe('"Bonjour David"\n');
    expect(bonjour.status).toBe(0);
  });

  it('writes the function log and a REPORT line to stderr, with the memory size asked for', () => {
    const result = npmInvoke('--payload', path.join(EVENTS_DIR, 'direct-hello-david.json'), '--memory', '512');
    expect(result.stderr).toMatch(REPORT);
    expect(REPORT.exec(result.stderr)?.[1]).toBe('512');
    expect(result.stderr).toMatch(/^\{"requestId":"[0-9a-f-]+","kind":"direct","nameLength":5\}$/m);
  });

  it('prints the proxy reply for an API Gateway event', () => {
    const result = npmInvoke('--payload', path.join(EVENTS_DIR, 'rest-get-hello-name.json'));
    expect(JSON.parse(result.stdout)).toMatchObject({ statusCode: 200, body: 'Hello David' });
  });

  it("fails with the function's error, as Lambda reports it, on a bad payload", () => {
    const file = path.join(makeTempDir('payload-'), 'bad.json');
    fs.writeFileSync(file, '{"name": 5}');
    const result = npmInvoke('--payload', file);
    expect(result.status).toBe(1);
    expect(JSON.parse(result.stdout)).toEqual({ errorType: 'BadRequestError', errorMessage: 'name must be a string, got number' });
  });
});

describe('invoke, in the runtime of the local stage', () => {
  const MISBEHAVING = path.join(PROJECT_ROOT, 'test', 'fixtures', 'handlers', 'misbehaving.js');
  const quiet = new PassThrough();
  const run = (payload: unknown, options: { timeoutSeconds?: number; memoryMb?: number } = {}) =>
    invoke({ payload, environment: {}, memoryMb: options.memoryMb ?? 128, timeoutSeconds: options.timeoutSeconds, handlerFile: MISBEHAVING }, quiet);

  it("stops a handler at the function's timeout and answers as Lambda does", async () => {
    const result = await run({ path: '/loop' }, { timeoutSeconds: 1 });
    expect(result.failed).toBe(true);
    expect(result.output).toEqual({ errorType: 'Sandbox.Timedout', errorMessage: expect.stringMatching(/^RequestId: [0-9a-f-]{36} Error: Task timed out after 1\.00 seconds$/) });
  }, 20_000);

  it("caps the handler's heap at the function's memory: 200 MB fails at 128 MB and is served at 512 MB", async () => {
    // Lambda's longest timeout the API allows, so a busy machine does not turn the point into a timeout.
    const small = await run({ path: '/allocate/200' }, { memoryMb: 128, timeoutSeconds: 28 });
    expect(small.failed).toBe(true);
    expect(JSON.stringify(small.output)).toMatch(/memory/i);
    const large = await run({ path: '/allocate/200' }, { memoryMb: 512, timeoutSeconds: 28 });
    expect(large).toMatchObject({ failed: false, output: { statusCode: 200, body: 'held 200 MB' } });
  }, underLoad(30_000));
});

describe('invoke arguments', () => {
  it('reads a payload, variables, memory and tier', () => {
    expect(parseInvokeArgs(['--env', 'GREETING=Bonjour', '--env', 'A=b=c', '--memory', '256', '--tier', 'premium'])).toEqual({
      payload: {},
      environment: { GREETING: 'Bonjour', A: 'b=c' },
      memoryMb: 256,
      tier: 'premium',
    });
  });

  it("takes the tier's memory and the environment's greeting, as deployed, unless the flags say otherwise", () => {
    const config = parseEnvironment('fixture', { region: 'eu-central-1', account: { id: '123456789012' }, apiGatewayCloudWatchRole: 'existing', greeting: 'Hola', tiers: { premium: { memoryMb: 1024 } } }, 'fixture.json');
    expect(invokeOptions(parseInvokeArgs([]), config)).toEqual({ payload: {}, environment: { GREETING: 'Hola' }, memoryMb: 128, timeoutSeconds: 3 });
    expect(invokeOptions(parseInvokeArgs(['--tier', 'premium']), config)).toMatchObject({ memoryMb: 1024 });
    expect(invokeOptions(parseInvokeArgs(['--tier', 'premium', '--memory', '256', '--env', 'GREETING=Bonjour']), config)).toEqual({
      payload: {},
      environment: { GREETING: 'Bonjour' },
      memoryMb: 256,
      timeoutSeconds: 3,
    });
  });

  it.each([
    [['--name', 'David'], "Unknown option '--name'; usage: npm run invoke --"],
    [['--payload'], "Option '--payload <value>' argument missing; usage: npm run invoke --"],
    [['--memory', 'abc'], '--memory abc: "abc" is not a Lambda memory size; use a whole number of MB from 128 to 10240'],
    [['--tier', 'gold'], '--tier gold: not a tier; use standard or premium'],
    [['--payload', 'missing.json'], '--payload missing.json: no such file; give the path of a JSON event'],
    [['--env', 'GREETING'], '--env "GREETING": not NAME=VALUE; write it like --env GREETING=Bonjour'],
    [['--memory', '100'], '--memory 100: 100 is not a Lambda memory size; use a whole number of MB from 128 to 10240'],
  ])('fails on %j naming the option, the value and the fix', (args, message) => {
    expect(() => parseInvokeArgs(args)).toThrow(message);
  });

  it("fails on a payload over Lambda's 6 MB synchronous limit, reading no more than one byte past it", () => {
    const file = path.join(makeTempDir('payload-'), 'big.json');
    fs.writeFileSync(file, JSON.stringify({ name: 'x'.repeat(7 * 1024 * 1024) }));
    expect(() => parseInvokeArgs(['--payload', file])).toThrow(
      /--payload .*big\.json: more than 6291456 bytes, more than Lambda takes in a synchronous invocation \(RequestEntityTooLargeException: Request must be smaller than 6291456 bytes for the InvokeFunction operation\); send a smaller event/,
    );
  });

  it('fails on an endless device as on any payload over the limit, without reading it whole', () => {
    const before = process.memoryUsage().rss;
    expect(() => parseInvokeArgs(['--payload', '/dev/zero'])).toThrow('--payload /dev/zero: more than 6291456 bytes');
    expect(process.memoryUsage().rss - before).toBeLessThan(64 * 1024 * 1024);
  });

  it('reads a payload from a pipe (/dev/stdin), with the same limit', () => {
    const small = spawnSync('npm', ['run', '--silent', 'invoke', '--', '--payload', '/dev/stdin'], { cwd: PROJECT_ROOT, encoding: 'utf8', input: '{"name": "David"}' });
    expect(small.stdout).toBe('"Hello David"\n');
    const big = spawnSync('npm', ['run', '--silent', 'invoke', '--', '--payload', '/dev/stdin'], { cwd: PROJECT_ROOT, encoding: 'utf8', input: 'x'.repeat(7 * 1024 * 1024) });
    expect(big.status).not.toBe(0);
    expect(big.stderr).toContain('--payload /dev/stdin: more than 6291456 bytes');
  });

  it('fails on a folder given as the payload, naming it', () => {
    const dir = makeTempDir('payload-dir-');
    expect(() => parseInvokeArgs(['--payload', dir])).toThrow(`--payload ${dir}: is a directory; give the path of a JSON event`);
  });

  it('fails on a payload that is not JSON', () => {
    const file = path.join(makeTempDir('payload-'), 'bad.json');
    fs.writeFileSync(file, '{"name": ');
    expect(() => parseInvokeArgs(['--payload', file])).toThrow(/--payload .*bad\.json: not valid JSON \(.+\); fix the file/);
  });
});
