import { LambdaClient } from '@aws-sdk/client-lambda';
import { checkLambdaQuota, concurrencyProblem } from '../../scripts/lib/lambda-quota';
import { parseEnvironment } from '../../src/config/load-environment';

const prod = parseEnvironment(
  'prod',
  {
    region: 'eu-west-1',
    account: { id: '123456789012' },
    apiGatewayCloudWatchRole: 'create',
    tiers: { standard: { reservedConcurrency: 100 }, premium: { reservedConcurrency: 400 } },
  },
  'environments/prod.json',
);

/** A Lambda client that answers GetAccountSettings and GetFunctionConcurrency from fixed numbers, and records the calls. */
function fakeLambda(total: number, unreserved: number, reservedNow: Record<string, number> = {}) {
  const calls: string[] = [];
  const client = {
    send: async (command: any) => {
      const name = command.constructor.name;
      calls.push(name);
      if (name === 'GetAccountSettingsCommand') return { AccountLimit: { ConcurrentExecutions: total, UnreservedConcurrentExecutions: unreserved } };
      const fn = command.input.FunctionName;
      if (!(fn in reservedNow)) throw Object.assign(new Error(`Function not found: ${fn}`), { name: 'ResourceNotFoundException' });
      return { ReservedConcurrentExecutions: reservedNow[fn] };
    },
  };
  return { client: client as unknown as LambdaClient, calls };
}

describe("the account's Lambda quota, checked by an online plan", () => {
  it('passes reservations the quota holds with 100 left unreserved', async () => {
    expect(await checkLambdaQuota(prod, fakeLambda(1000, 1000).client)).toBeUndefined();
    expect(await checkLambdaQuota(prod, fakeLambda(600, 600).client)).toBeUndefined();
  });

  it("fails when the account's quota is smaller than AWS's default, naming what is reserved and what is left", async () => {
    expect(await checkLambdaQuota(prod, fakeLambda(400, 400).client)).toBe(
      'prod reserves 500 concurrent executions (standard 100, premium 400), but account 123456789012 in eu-west-1 leaves 300 for them: ' +
        'its Lambda quota is 400, other functions reserve 0, and 100 always stay unreserved. ' +
        'Lower tiers.<tier>.reservedConcurrency, or raise the quota (Service Quotas: AWS Lambda, "Concurrent executions")',
    );
  });

  it("counts other functions' reservations against it, and the environment's own current ones not", async () => {
    expect(await checkLambdaQuota(prod, fakeLambda(1000, 500).client)).toContain('leaves 400 for them: its Lambda quota is 1000, other functions reserve 500');
    // The same 500 reserved by prod's own functions, as deployed: the new reservation replaces them.
    const own = fakeLambda(600, 100, { 'hello-world-prod-standard': 100, 'hello-world-prod-premium': 400 });
    expect(await checkLambdaQuota(prod, own.client)).toBeUndefined();
    expect(own.calls).toEqual(['GetAccountSettingsCommand', 'GetFunctionConcurrencyCommand', 'GetFunctionConcurrencyCommand']);
  });

  it('asks nothing of an environment that reserves nothing', async () => {
    const dev = parseEnvironment('dev', { region: 'eu-central-1', account: { id: '123456789012' }, apiGatewayCloudWatchRole: 'create' }, 'environments/dev.json');
    const lambda = fakeLambda(0, 0);
    expect(await checkLambdaQuota(dev, lambda.client)).toBeUndefined();
    expect(lambda.calls).toEqual([]);
  });

  it('never says a negative number is left', () => {
    expect(concurrencyProblem(prod, { standard: 100 }, { total: 100, unreserved: 100 }, 0)).toContain('leaves 0 for them');
  });
});
