import { createHash } from 'crypto';
import { appSpecVersions, lambdaTime } from '../../src/release/release-history';
import { lambdaAppSpec, minutesAndSeconds, progressLine, releaseExitCode, releaseInputs, releaseMinutes } from '../../src/release/release-runner';

const INPUTS = {
  RELEASE_APPLICATION: 'hello-world-prod-standard',
  RELEASE_DEPLOYMENT_GROUP: 'hello-world-prod-standard-live',
  RELEASE_FUNCTION: 'hello-world-prod-standard',
  RELEASE_ALIAS: 'live',
  RELEASE_TARGET_VERSION: '7',
  RELEASE_REGION: 'eu-west-1',
};

describe('the release runner', () => {
  it('moves the alias from the version it serves to the new one, in an AppSpec whose hash CodeDeploy can check', () => {
    const spec = lambdaAppSpec('hello-world-prod-standard', 'live', '6', '7');
    expect(JSON.parse(spec.content)).toEqual({
      version: '0.0',
      Resources: [{ helloworldprodstandard: { Type: 'AWS::Lambda::Function', Properties: { Name: 'hello-world-prod-standard', Alias: 'live', CurrentVersion: '6', TargetVersion: '7' } } }],
    });
    expect(spec.sha256).toBe(createHash('sha256').update(spec.content).digest('hex'));
  });

  it('knows how long a configuration shifts: a canary its interval, linear each step but the last', () => {
    expect(releaseMinutes({ type: 'TimeBasedCanary', timeBasedCanary: { canaryInterval: 5 } })).toBe(5);
    expect(releaseMinutes({ type: 'TimeBasedLinear', timeBasedLinear: { linearInterval: 1, linearPercentage: 10 } })).toBe(9);
    expect(releaseMinutes({ type: 'TimeBasedLinear', timeBasedLinear: { linearInterval: 2, linearPercentage: 30 } })).toBe(6);
    expect(releaseMinutes({ type: 'AllAtOnce' })).toBe(0);
  });

  it('says who serves what share and about how long is left', () => {
    expect(progressLine('6', '7', 0.1, 250_000)).toBe('version 6 → 7: 10% of traffic on 7, 90% on 6, about 4 min 10 s left');
    expect(progressLine('6', '7', undefined, undefined)).toBe('version 6 → 7: 0% of traffic on 7, 100% on 6');
    expect(minutesAndSeconds(-5)).toBe('0 min 00 s');
  });

  it('reads its inputs from the environment the release resource sets, polling every 15 s unless told', () => {
    expect(releaseInputs(INPUTS)).toEqual({
      application: 'hello-world-prod-standard',
      deploymentGroup: 'hello-world-prod-standard-live',
      functionName: 'hello-world-prod-standard',
      alias: 'live',
      targetVersion: '7',
      region: 'eu-west-1',
      roleArn: undefined,
      pollSeconds: 15,
      outcomeFile: undefined,
    });
  });

  it("reads a version's time as Lambda writes it, and the function, alias and versions of its own AppSpec only", () => {
    expect(lambdaTime('2026-12-06T02:20:00.123+0000')).toBe(Date.UTC(2026, 11, 6, 2, 20, 0, 123));
    expect(lambdaTime('2026-12-06T02:20:00.123456789+0000')).toBe(Date.UTC(2026, 11, 6, 2, 20, 0, 123));
    expect(lambdaTime('2026-12-06T03:20:00+01:00')).toBe(Date.UTC(2026, 11, 6, 2, 20, 0));
    expect(lambdaTime('yesterday')).toBeUndefined();
    expect(appSpecVersions(lambdaAppSpec('hello-world-prod-standard', 'live', '6', '7').content)).toEqual({ functionName: 'hello-world-prod-standard', alias: 'live', currentVersion: '6', targetVersion: '7' });
    expect(appSpecVersions('{"version": 0.0, "Resources": []}')).toBeUndefined();
    expect(appSpecVersions('not json')).toBeUndefined();
  });

  it('exits non-zero (Terraform taints the release, the next plan retries it) only for a release that never started or whose end is unknown', () => {
    const ended = { functionName: 'f', targetVersion: '7' };
    expect(releaseExitCode({ ...ended, status: 'succeeded' })).toBe(0);
    expect(releaseExitCode({ ...ended, status: 'unchanged' })).toBe(0);
    // Retried, it would release the version CodeDeploy rolled back.
    expect(releaseExitCode({ ...ended, status: 'rolled-back' })).toBe(0);
    expect(releaseExitCode({ ...ended, status: 'failed' })).toBe(1);
  });

  it.each([
    [{ ...INPUTS, RELEASE_DEPLOYMENT_GROUP: '' }, 'RELEASE_DEPLOYMENT_GROUP is not set; the release resource of the stack sets it (run this through terraform apply)'],
    [{ ...INPUTS, RELEASE_TARGET_VERSION: '$LATEST' }, 'RELEASE_TARGET_VERSION "$LATEST" is not a published version number'],
    [{ ...INPUTS, RELEASE_POLL_SECONDS: '0' }, 'RELEASE_POLL_SECONDS "0" is not a number of seconds from above 0 to 300'],
  ])('fails on %j, naming the variable and the value', (env, message) => {
    expect(() => releaseInputs(env)).toThrow(message);
  });
});
