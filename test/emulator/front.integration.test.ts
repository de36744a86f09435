/**
 * The local AWS cannot be turned against its user: its internal routes answer no request by any
 * spelling, its private moto port answers nothing but its front, a web page (a foreign Host, a
 * browser's request to an AWS API) is refused, bodies are bounded as the services bound them,
 * no account runs another's function, and CodeDeploy input AWS refuses cannot wedge a release;
 * it keeps serving afterwards. Only the emulator runs here (no terraform).
 */
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as http from 'http';
import * as path from 'path';
import { zipSync } from 'fflate';
import {
  CodeDeployClient,
  CreateApplicationCommand,
  CreateDeploymentCommand,
  CreateDeploymentConfigCommand,
  CreateDeploymentGroupCommand,
  GetDeploymentCommand,
  ListDeploymentsCommand,
} from '@aws-sdk/client-codedeploy';
import { CreateRoleCommand, IAMClient } from '@aws-sdk/client-iam';
import {
  CreateAliasCommand,
  CreateFunctionCommand,
  GetAliasCommand,
  GetFunctionConfigurationCommand,
  InvokeCommand,
  LambdaClient,
  ListFunctionsCommand,
  UpdateFunctionCodeCommand,
} from '@aws-sdk/client-lambda';
import { AwsEmulator, emulatorClientConfig, emulatorUnavailableReason, startAwsEmulator } from '../../scripts/emulator/aws-emulator';
import { makeTempDir, processIds } from '../helpers';
import { rollback } from '../../scripts/rollback';
import { releaseExitCode, runRelease } from '../../src/release/release-runner';

const skipReason = process.env.TEST_UNIT === '1' ? 'TEST_UNIT=1 (npm run test:unit): no emulator' : emulatorUnavailableReason();
const describeEmulated = skipReason ? describe.skip : describe;

const REGION = 'eu-central-1';
const SECRET = 'do-not-leak-7c1f3d';

/** A raw HTTP request, as a client other than an SDK sends it (any target, any headers). */
function send(endpoint: string, options: { path: string; method?: string; headers?: Record<string, string>; body?: Buffer }): Promise<{ status: number; body: string }> {
  const url = new URL(endpoint);
  return new Promise((resolve, reject) => {
    const req = http.request({ host: url.hostname, port: url.port, method: options.method ?? 'GET', path: options.path, headers: options.headers, setHost: !options.headers?.host }, (res) => {
      let body = '';
      res.setEncoding('utf8').on('data', (chunk: string) => (body += chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('error', reject);
    req.end(options.body);
  });
}

describeEmulated('the local AWS, against a web page and a curious process', () => {
  let emulator: AwsEmulator;
  let lambda: LambdaClient;

  beforeAll(async () => {
    emulator = await startAwsEmulator();
    lambda = new LambdaClient(emulatorClientConfig(emulator.endpoint, REGION));
    const trust = { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { Service: 'lambda.amazonaws.com' }, Action: 'sts:AssumeRole' }] };
    const role = await new IAMClient(emulatorClientConfig(emulator.endpoint, REGION)).send(new CreateRoleCommand({ RoleName: 'private-fn', AssumeRolePolicyDocument: JSON.stringify(trust) }));
    await lambda.send(
      new CreateFunctionCommand({
        FunctionName: 'private',
        Runtime: 'nodejs22.x',
        Role: role.Role!.Arn,
        Handler: 'index.handler',
        Code: { ZipFile: zipSync({ 'index.js': Buffer.from('exports.handler = async () => "ok";') }) },
        Environment: { Variables: { TOKEN: SECRET } },
      }),
    );
  }, 60_000);

  afterAll(() => emulator?.stop());

  it("answers no internal route, however the path is spelled, and gives nothing of a function's settings", async () => {
    const query = `?region=${REGION}&name=private&account=123456789012&code=1`;
    for (const path of ['/_emulator/lambda/function', '/%5Femulator/lambda/function', '/%255Femulator/lambda/function', '//_emulator/lambda/function', '/x/../_emulator/lambda/function', '/_EMULATOR/lambda/function']) {
      const answer = await send(emulator.endpoint, { path: `${path}${query}` });
      expect([path, answer.status, answer.body]).toEqual([path, 404, '{"message":"not an AWS API"}']);
    }
    const absolute = await send(emulator.endpoint, { path: `${emulator.endpoint}/_emulator/lambda/function${query}` });
    expect(absolute.status).toBe(400);
    expect(absolute.body).not.toContain(SECRET);
  });

  it('refuses a foreign Host (DNS rebinding) and a browser at its AWS APIs, naming why', async () => {
    const port = new URL(emulator.endpoint).port;
    const rebound = await send(emulator.endpoint, { path: '/2015-03-31/functions/', headers: { host: `attacker.example:${port}` } });
    expect(rebound).toEqual({ status: 421, body: expect.stringContaining(`not \\"attacker.example:${port}\\"`) });
    const page = await send(emulator.endpoint, { path: '/2015-03-31/functions/', method: 'POST', headers: { origin: 'https://attacker.example', 'content-type': 'text/plain' }, body: Buffer.from('{}') });
    expect(page).toEqual({ status: 403, body: expect.stringContaining("do not answer browsers") });
    // A stage's URL stays open to a browser, as on AWS: the gateway answers (no such API here).
    const stage = await send(emulator.endpoint, { path: '/restapis/nope/test/_user_request_/hello', headers: { origin: 'https://attacker.example' } });
    expect(stage).toEqual({ status: 403, body: '{"message":"Missing Authentication Token"}' });
  });

  it('answers nothing on its private moto port but its own front', async () => {
    // This emulator's moto: the child of its front that runs moto_server.py, and the ports it listens on.
    const [moto] = processIds((pid) => fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes('moto_server.py') && fs.readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ')[1] === String(emulator.pid));
    const { stdout } = spawnSync('ss', ['-ltnpH'], { encoding: 'utf8' });
    const motoPorts = stdout
      .split('\n')
      .filter((line) => line.includes(`pid=${moto},`))
      .map((line) => /127\.0\.0\.1:(\d+)/.exec(line)?.[1])
      .filter((port): port is string => Boolean(port));
    expect(motoPorts.length).toBeGreaterThan(0);
    for (const port of motoPorts) {
      const direct = await send(`http://127.0.0.1:${port}`, { path: `/_emulator/lambda/function?region=${REGION}&name=private&account=123456789012` });
      expect([port, direct.status, direct.body.includes(SECRET)]).toEqual([port, 403, false]);
    }
  });

  it('refuses an invoke body over 6 MB without reading it whole, and a stage body over 10 MB, then keeps serving', async () => {
    const invoke = await send(emulator.endpoint, { path: '/2015-03-31/functions/private/invocations', method: 'POST', body: Buffer.alloc(7 * 1024 * 1024) });
    expect(invoke).toEqual({ status: 413, body: expect.stringContaining('Request must be smaller than 6291456 bytes for the InvokeFunction operation') });
    const stage = await send(emulator.endpoint, { path: '/restapis/nope/test/_user_request_/hello', method: 'POST', body: Buffer.alloc(11 * 1024 * 1024) });
    expect(stage.status).toBe(413);
    // Any other AWS call: a zip's worth (about 67 MB base64) and no more, with or without content-length.
    const api = await send(emulator.endpoint, { path: '/2015-03-31/functions', method: 'POST', headers: { 'content-type': 'application/json' }, body: Buffer.alloc(71 * 1024 * 1024) });
    expect(api).toEqual({ status: 413, body: expect.stringContaining('Request must be smaller than 73400320 bytes') });
    const chunked = await send(emulator.endpoint, { path: '/2015-03-31/functions', method: 'POST', headers: { 'content-type': 'application/json', 'transfer-encoding': 'chunked' }, body: Buffer.alloc(71 * 1024 * 1024) }).catch(
      (error: Error) => ({ status: 0, body: error.message }),
    );
    expect([413, 0]).toContain(chunked.status);
    expect((await lambda.send(new ListFunctionsCommand({}))).Functions?.map((fn) => fn.FunctionName)).toEqual(['private']);
    expect((await lambda.send(new GetFunctionConfigurationCommand({ FunctionName: 'private' }))).Environment?.Variables).toEqual({ TOKEN: SECRET });
  });

  it("refuses CodeDeploy settings AWS refuses, and fails a deployment of another account's function without moving anything", async () => {
    const codedeploy = new CodeDeployClient(emulatorClientConfig(emulator.endpoint, REGION));
    const refused = (call: Promise<unknown>) => call.then(() => 'accepted', (error: Error) => error.name);
    expect(
      await refused(codedeploy.send(new CreateDeploymentConfigCommand({ deploymentConfigName: 'zero', computePlatform: 'Lambda', trafficRoutingConfig: { type: 'TimeBasedLinear', timeBasedLinear: { linearPercentage: 0, linearInterval: 1 } } }))),
    ).toBe('InvalidTrafficRoutingConfigurationException');
    await codedeploy.send(new CreateApplicationCommand({ applicationName: 'private', computePlatform: 'Lambda' }));
    const group = { applicationName: 'private', deploymentGroupName: 'live', serviceRoleArn: 'arn:aws:iam::123456789012:role/codedeploy', deploymentConfigName: 'CodeDeployDefault.LambdaAllAtOnce' };
    const eleven = { enabled: true, alarms: Array.from({ length: 11 }, (_, i) => ({ name: `alarm-${i}` })) };
    expect(await refused(codedeploy.send(new CreateDeploymentGroupCommand({ ...group, alarmConfiguration: eleven })))).toBe('InvalidAlarmConfigException');
    await codedeploy.send(new CreateDeploymentGroupCommand(group));
    const content = JSON.stringify({
      version: '0.0',
      Resources: [{ fn: { Type: 'AWS::Lambda::Function', Properties: { Name: `arn:aws:lambda:${REGION}:222222222222:function:private`, Alias: 'live', CurrentVersion: '1', TargetVersion: '2' } } }],
    });
    const { deploymentId } = await codedeploy.send(
      new CreateDeploymentCommand({ applicationName: 'private', deploymentGroupName: 'live', revision: { revisionType: 'AppSpecContent', appSpecContent: { content } } }),
    );
    let info = (await codedeploy.send(new GetDeploymentCommand({ deploymentId }))).deploymentInfo;
    for (let tries = 0; info?.status !== 'Failed' && tries < 50; tries++) {
      await new Promise((resolve) => setTimeout(resolve, 100));
      info = (await codedeploy.send(new GetDeploymentCommand({ deploymentId }))).deploymentInfo;
    }
    expect([info?.status, info?.errorInformation?.message]).toEqual(['Failed', `arn:aws:lambda:${REGION}:222222222222:function:private is not a function of account 123456789012 in ${REGION}`]);
  });

  it('npm run rollback stops a release still shifting and CodeDeploy sends traffic back (--to is refused meanwhile, as CodeDeploy would undo it), and later goes back to the version the release started from, not a rolled-back one', async () => {
    // An environment that releases by canary, its standard tier's function at version 1, a release to 2 on its canary step.
    const project = makeTempDir('rollback-');
    fs.mkdirSync(path.join(project, 'environments'));
    fs.writeFileSync(
      path.join(project, 'environments', 'qa.json'),
      JSON.stringify({ region: REGION, account: { id: '123456789012' }, apiGatewayCloudWatchRole: 'existing', release: { strategy: 'canary' } }),
    );
    const name = 'hello-world-qa-standard';
    const role = (await new IAMClient(emulatorClientConfig(emulator.endpoint, REGION)).send(new CreateRoleCommand({ RoleName: 'qa-fn', AssumeRolePolicyDocument: '{}' }))).Role!.Arn;
    const code = (text: string) => zipSync({ 'index.js': Buffer.from(`exports.handler = async () => ${JSON.stringify(text)};`) });
    await lambda.send(new CreateFunctionCommand({ FunctionName: name, Runtime: 'nodejs22.x', Role: role, Handler: 'index.handler', Code: { ZipFile: code('one') }, Publish: true }));
    await lambda.send(new CreateAliasCommand({ FunctionName: name, Name: 'live', FunctionVersion: '1' }));
    await lambda.send(new UpdateFunctionCodeCommand({ FunctionName: name, ZipFile: code('two'), Publish: true }));
    const codedeploy = new CodeDeployClient(emulatorClientConfig(emulator.endpoint, REGION));
    await codedeploy.send(new CreateApplicationCommand({ applicationName: name, computePlatform: 'Lambda' }));
    await codedeploy.send(new CreateDeploymentGroupCommand({ applicationName: name, deploymentGroupName: `${name}-live`, serviceRoleArn: role, deploymentConfigName: 'CodeDeployDefault.LambdaCanary10Percent5Minutes' }));
    const content = JSON.stringify({ version: '0.0', Resources: [{ fn: { Type: 'AWS::Lambda::Function', Properties: { Name: name, Alias: 'live', CurrentVersion: '1', TargetVersion: '2' } } }] });
    await codedeploy.send(new CreateDeploymentCommand({ applicationName: name, deploymentGroupName: `${name}-live`, revision: { revisionType: 'AppSpecContent', appSpecContent: { content } } }));
    const live = () => lambda.send(new GetAliasCommand({ FunctionName: name, Name: 'live' }));
    for (let tries = 0; !(await live()).RoutingConfig?.AdditionalVersionWeights?.['2'] && tries < 50; tries++) await new Promise((resolve) => setTimeout(resolve, 100));

    const saved = { ...process.env };
    Object.assign(process.env, { AWS_ENDPOINT_URL: emulator.endpoint, AWS_ACCESS_KEY_ID: 'emulator', AWS_SECRET_ACCESS_KEY: 'emulator' });
    try {
      await expect(rollback({ tier: 'standard', to: '1' }, 'qa', project, 'caller')).rejects.toThrow(
        `a release of ${name} is shifting (CodeDeploy deployment`,
      );
      expect(await rollback({ tier: 'standard' }, 'qa', project, 'caller')).toMatch(new RegExp(`^${name}:live: stopped the release in progress \\(CodeDeploy deployment [0-9a-f-]{36}, now \\w+\\); CodeDeploy sends all traffic back to version 1$`));
    } finally {
      process.env = saved;
    }
    let after = await live();
    for (let tries = 0; Object.keys(after.RoutingConfig?.AdditionalVersionWeights ?? {}).length && tries < 50; tries++) {
      await new Promise((resolve) => setTimeout(resolve, 100));
      after = await live();
    }
    expect([after.FunctionVersion, after.RoutingConfig?.AdditionalVersionWeights ?? {}]).toEqual(['1', {}]);

    // Version 2 was rolled back; 3 is released from 1 and succeeds. Rolling back goes to 1, where
    // the release of 3 started, not to 2, the version numbered before it, which never served.
    await lambda.send(new UpdateFunctionCodeCommand({ FunctionName: name, ZipFile: code('three'), Publish: true }));
    const third = JSON.stringify({ version: '0.0', Resources: [{ fn: { Type: 'AWS::Lambda::Function', Properties: { Name: name, Alias: 'live', CurrentVersion: '1', TargetVersion: '3' } } }] });
    await codedeploy.send(new CreateDeploymentCommand({ applicationName: name, deploymentGroupName: `${name}-live`, deploymentConfigName: 'CodeDeployDefault.LambdaAllAtOnce', revision: { revisionType: 'AppSpecContent', appSpecContent: { content: third } } }));
    for (let tries = 0; (await live()).FunctionVersion !== '3' && tries < 50; tries++) await new Promise((resolve) => setTimeout(resolve, 100));
    Object.assign(process.env, { AWS_ENDPOINT_URL: emulator.endpoint, AWS_ACCESS_KEY_ID: 'emulator', AWS_SECRET_ACCESS_KEY: 'emulator' });
    try {
      expect(await rollback({ tier: 'standard' }, 'qa', project, 'caller')).toBe(
        `${name}:live: version 3 → 1, all traffic. CodeDeploy releases from there at the next new version; Terraform leaves the alias where it is.`,
      );
    } finally {
      process.env = saved;
    }
    expect((await live()).FunctionVersion).toBe('1');

    // The release runner, as Terraform runs it for a release it retries (tainted when its run was cut short).
    const inputs = { application: name, deploymentGroup: `${name}-live`, functionName: name, alias: 'live', region: REGION, pollSeconds: 0.05 };
    const deployments = async () => (await codedeploy.send(new ListDeploymentsCommand({ applicationName: name, deploymentGroupName: `${name}-live` }))).deployments ?? [];
    const lines: string[] = [];
    const before = await deployments();
    // Version 2, which CodeDeploy rolled back, is not released again: no deployment, live stays on 1, and Terraform is not asked to retry.
    const again = await runRelease({ ...inputs, targetVersion: '2' }, (line) => lines.push(line), { lambda, codedeploy, cloudwatch: undefined as never });
    expect(again).toMatchObject({ status: 'rolled-back', liveVersion: '1', reason: expect.stringMatching(/^CodeDeploy already rolled version 2 back \(deployment [0-9a-f-]{36}, Stopped\); it is not released again: ship a fixed version/) });
    expect(releaseExitCode(again)).toBe(0);
    expect(await deployments()).toEqual(before);
    expect((await live()).FunctionVersion).toBe('1');
    // A deployment naming a version before it exists (version numbers are predictable) fails,
    // and does not bar that version's release once it is published.
    const early = JSON.stringify({ version: '0.0', Resources: [{ fn: { Type: 'AWS::Lambda::Function', Properties: { Name: name, Alias: 'live', CurrentVersion: '1', TargetVersion: '4' } } }] });
    const { deploymentId: premature } = await codedeploy.send(
      new CreateDeploymentCommand({ applicationName: name, deploymentGroupName: `${name}-live`, deploymentConfigName: 'CodeDeployDefault.LambdaAllAtOnce', revision: { revisionType: 'AppSpecContent', appSpecContent: { content: early } } }),
    );
    const status = async () => (await codedeploy.send(new GetDeploymentCommand({ deploymentId: premature }))).deploymentInfo?.status;
    for (let tries = 0; (await status()) !== 'Failed' && tries < 50; tries++) await new Promise((resolve) => setTimeout(resolve, 100));
    expect(await status()).toBe('Failed');
    // Beyond the runner's allowance for two clocks (1 s), as any real publish would be.
    await new Promise((resolve) => setTimeout(resolve, 1100));
    await lambda.send(new UpdateFunctionCodeCommand({ FunctionName: name, ZipFile: code('four'), Publish: true }));
    // A release that started but cannot be followed (here CodeDeploy stops answering GetDeployment) is not failed, so never started again blindly.
    let created = false;
    const throttled = Object.assign(Object.create(codedeploy), {
      send: (command: unknown) => {
        created ||= command instanceof CreateDeploymentCommand;
        return created && command instanceof GetDeploymentCommand ? Promise.reject(Object.assign(new Error('Rate exceeded'), { name: 'ThrottlingException' })) : codedeploy.send(command as never);
      },
    });
    const unfollowed = await runRelease({ ...inputs, targetVersion: '4' }, (line) => lines.push(line), { lambda, codedeploy: throttled, cloudwatch: undefined as never });
    expect(unfollowed).toMatchObject({ status: 'unknown', deploymentId: expect.stringMatching(/^[0-9a-f-]{36}$/), reason: expect.stringContaining('could not follow CodeDeploy deployment') });
    expect(releaseExitCode(unfollowed)).toBe(0);
    expect(lines).toContainEqual(expect.stringMatching(/^UNKNOWN: could not follow CodeDeploy deployment .*: Rate exceeded; CodeDeploy completes it or rolls it back on its own$/));
  });

  it("runs no other account's function when named by its ARN, as Lambda refuses without a resource policy, and hands out nothing of it", async () => {
    const other = new LambdaClient(emulatorClientConfig(emulator.endpoint, REGION, 'arn:aws:iam::222222222222:role/admin'));
    for (const qualifier of ['', ':$LATEST', ':1']) {
      const refused = await other
        .send(new InvokeCommand({ FunctionName: `arn:aws:lambda:${REGION}:123456789012:function:private${qualifier}` }))
        .then((answer) => Buffer.from(answer.Payload ?? []).toString('utf8'), (error: Error) => `${error.name}: ${error.message}`);
      expect(refused).toMatch(/^AccessDeniedException: User: arn:aws:iam::222222222222:root is not authorized to perform: lambda:InvokeFunction on resource: arn:aws:lambda:eu-central-1:123456789012:function:private/);
    }
    // Its own account's caller still runs it by ARN.
    const own = await lambda.send(new InvokeCommand({ FunctionName: `arn:aws:lambda:${REGION}:123456789012:function:private` }));
    expect(Buffer.from(own.Payload ?? []).toString('utf8')).toBe('"ok"');
  });
});
