/** How the emulator's REST API stages route and answer, without the emulator. */
import { parseEmulatorArgs } from '../../scripts/emulator';
import { lambdaOfIntegration, matchResource } from '../../scripts/emulator/rest-api-gateway';
import { emulatorExports } from '../../scripts/emulator/shell-exports';
import { clearLocalAwsState } from '../../scripts/emulator/local-aws-state';
import * as fs from 'fs';
import * as path from 'path';
import { makeTempDir } from '../helpers';
import { StageThrottles } from '../../scripts/emulator/stage-throttles';
import { integrationAnswer } from '../../scripts/local-stage/proxy-integration';
import { providerInstallHint } from '../../scripts/lib/terraform-plan';

const resources = [{ path: '/' }, { path: '/{proxy+}' }, { path: '/hello' }, { path: '/hello/{name}' }, { path: '/hello/{name}/{proxy+}' }];

describe('matchResource', () => {
  it.each([
    ['/', '/', null],
    ['/hello', '/hello', null],
    ['/hello/David', '/hello/{name}', { name: 'David' }],
    ['/hello/David/more/parts', '/hello/{name}/{proxy+}', { name: 'David', proxy: 'more/parts' }],
    ['/other/path', '/{proxy+}', { proxy: 'other/path' }],
  ])('routes %s to %s: a literal beats {param}, which beats {proxy+}', (requested, resource, pathParameters) => {
    expect(matchResource(resources, requested)).toEqual({ resource: { path: resource }, pathParameters });
  });

  it('matches nothing below a root without {proxy+}', () => {
    expect(matchResource([{ path: '/' }], '/hello')).toBeUndefined();
  });
});

describe('lambdaOfIntegration', () => {
  it('reads the function (with its alias) from an AWS_PROXY integration URI', () => {
    const arn = 'arn:aws:lambda:eu-central-1:123456789012:function:hello-world-dev-standard:live';
    expect(lambdaOfIntegration(`arn:aws:apigateway:eu-central-1:lambda:path/2015-03-31/functions/${arn}/invocations`)).toBe(arn);
    expect(lambdaOfIntegration('https://example.com')).toBeUndefined();
  });
});

describe('StageThrottles', () => {
  const method = { id: 'method api dev /{proxy+} ANY', limits: { rateLimit: 1, burstLimit: 3 } };
  const key = (name: string) => ({ id: `key ${name}`, limits: { rateLimit: 1, burstLimit: 2 } });

  it("throttles a key of a usage plan before the method, so one client's excess leaves the others the method's budget", () => {
    let now = 0;
    const throttles = new StageThrottles(() => now);
    const acme = Array.from({ length: 5 }, () => throttles.admit({ key: key('acme'), method }));
    expect(acme).toEqual([true, true, false, false, false]);
    expect(throttles.admit({ key: key('globex'), method })).toBe(true);
    expect(throttles.admit({ key: key('globex'), method })).toBe(false); // the method's burst of 3 is spent
    now += 1000;
    expect(throttles.admit({ key: key('globex'), method })).toBe(true);
  });

  it('keeps a bucket per figures, so a changed throttle starts full, and none without figures', () => {
    const throttles = new StageThrottles(() => 0);
    expect([1, 2, 3].map(() => throttles.admit({ method: key('acme') }))).toEqual([true, true, false]);
    expect(throttles.admit({ method: { id: 'key acme', limits: { rateLimit: 1, burstLimit: 4 } } })).toBe(true);
    expect(Array.from({ length: 50 }, () => throttles.admit({ key: { id: 'key initech' }, method: { id: 'method' } })).every(Boolean)).toBe(true);
  });
});

describe('integrationAnswer', () => {
  it('maps statusCode, headers, multiValueHeaders and a base64 body', () => {
    expect(integrationAnswer({ statusCode: 201, headers: { 'X-A': '1' }, multiValueHeaders: { 'x-a': ['2'], 'set-cookie': ['a=1', 'b=2'] }, body: 'aGk=', isBase64Encoded: true })).toEqual({
      statusCode: 201,
      headers: { 'x-a': ['1', '2'], 'set-cookie': ['a=1', 'b=2'] },
      body: Buffer.from('hi'),
    });
  });

  it.each([
    [{ body: 'no status' }, /statusCode/],
    [{ statusCode: 200, body: 42 }, /body is not a string/],
    [{ statusCode: 200, extra: true }, /fields API Gateway does not know: extra/],
    [{ statusCode: 200, headers: { a: { b: 1 } } }, /header "a" is not a string/],
    ['just a string', /not return an object/],
  ])('calls a malformed reply malformed, for a 502: %j', (reply, why) => {
    expect(integrationAnswer(reply)).toEqual({ malformed: expect.stringMatching(why) });
  });
});

describe('npm run emulator arguments', () => {
  it('takes --port, or a free port', () => {
    expect(parseEmulatorArgs(['--port', '4566'])).toEqual({ port: 4566 });
    expect(parseEmulatorArgs([])).toEqual({ port: 0 });
  });

  it('fails naming a port that is not one', () => {
    expect(() => parseEmulatorArgs(['--port', '70000'])).toThrow('--port 70000: not a port; use a number from 1 to 65535');
    expect(() => parseEmulatorArgs(['--prot', '1'])).toThrow(/Unknown option '--prot'.*usage: npm run emulator/);
  });
});

describe("npm run emulator's lines to paste", () => {
  it('point the SDKs, terraform and both AWS CLIs at the local AWS, in its region (the CLI v1 reads only AWS_DEFAULT_REGION)', () => {
    const lines = emulatorExports('http://127.0.0.1:4566', 'eu-west-1', makeTempDir('exports-'));
    expect(lines[0]).toBe('export AWS_ENDPOINT_URL=http://127.0.0.1:4566');
    expect(lines[1]).toBe('export AWS_ACCESS_KEY_ID=emulator AWS_SECRET_ACCESS_KEY=emulator AWS_REGION=eu-west-1 AWS_DEFAULT_REGION=eu-west-1');
  });
});

describe("a local AWS's state folder", () => {
  it("is removed whole, naming the state files it held, and only that local AWS's", () => {
    const project = makeTempDir('local-aws-state-');
    const write = (file: string) => {
      fs.mkdirSync(path.dirname(path.join(project, file)), { recursive: true });
      fs.writeFileSync(path.join(project, file), '{}');
    };
    for (const file of ['state/local-aws/4566/dev/standard.tfstate', 'state/local-aws/4566/bootstrap/123456789012.tfstate', 'state/local-aws/4567/dev/standard.tfstate', 'state/dev/standard.tfstate']) write(file);
    expect(clearLocalAwsState(project, 'http://127.0.0.1:4566')).toEqual(['state/local-aws/4566/bootstrap/123456789012.tfstate', 'state/local-aws/4566/dev/standard.tfstate']);
    expect(fs.existsSync(path.join(project, 'state/local-aws/4566'))).toBe(false);
    expect(fs.existsSync(path.join(project, 'state/local-aws/4567/dev/standard.tfstate'))).toBe(true);
    expect(fs.existsSync(path.join(project, 'state/dev/standard.tfstate'))).toBe(true);
    expect(clearLocalAwsState(project, 'http://127.0.0.1:4566')).toEqual([]);
  });
});

describe('the provider install hint of npm run plan', () => {
  it('names hashicorp/archive and the packaging setting when only it is missing, and the mirror otherwise', () => {
    expect(providerInstallHint('Error: Failed to query available provider packages\nprovider registry.terraform.io/hashicorp/archive was not found')).toMatch(
      /could not install hashicorp\/archive .* FUNCTION_PACKAGING=synth-zip/,
    );
    expect(providerInstallHint('Failed to query available provider packages: hashicorp/aws: could not connect to registry.terraform.io')).toMatch(/filesystem mirror/);
    expect(providerInstallHint('Error: Invalid configuration')).toBeUndefined();
  });
});
