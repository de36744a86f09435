import * as fs from 'fs';
import * as path from 'path';
import { LambdaFunction } from '@cdktf/provider-aws/lib/lambda-function';
import { ApiGatewayMethodSettings } from '@cdktf/provider-aws/lib/api-gateway-method-settings';
import { ConfigError, parseEnvironment } from '../../src/config/load-environment';
import { TIER_CATALOG, TierCatalog, tierCatalogProblem } from '../../src/config/tier-catalog';
import { createGreetingApp } from '../../src/greeting-app';
import { Testing } from 'cdktf';
import { PROJECT_ROOT, makeTempDir } from '../helpers';

/** The app's catalog with a third tier after premium. */
const WITH_ENTERPRISE: TierCatalog = [...TIER_CATALOG, { name: 'enterprise', memoryMb: 2048, throttle: { rateLimit: 1000, burstLimit: 2000 }, clientRateLimit: 30000 }];

const REQUIRED = { region: 'eu-central-1', account: { id: '123456789012' }, apiGatewayCloudWatchRole: 'create' };
const parse = (raw: Record<string, unknown>, tiers: TierCatalog = WITH_ENTERPRISE, name = 'fixture') =>
  parseEnvironment(name, { ...REQUIRED, ...raw }, `environments/${name}.json`, tiers);

/** A project folder whose only environment is `fixture` with these fields (code and lock file are the app's). */
function fixtureProject(fields: Record<string, unknown>): string {
  const root = makeTempDir('tier-catalog-');
  fs.mkdirSync(path.join(root, 'environments'));
  fs.writeFileSync(path.join(root, 'environments', 'fixture.json'), JSON.stringify({ ...REQUIRED, ...fields }));
  fs.symlinkSync(path.join(PROJECT_ROOT, 'lambda-src'), path.join(root, 'lambda-src'));
  return root;
}

describe('tier catalog', () => {
  it('synthesizes one stack per tier of a catalog with a third tier, each with its own defaults and names', () => {
    const root = fixtureProject({ tiers: { enterprise: { reservedConcurrency: 800, throttle: { exceedsConcurrencyBecause: 'a fixture' } } } });
    const app = createGreetingApp({ environmentName: 'fixture', projectRoot: root, outdir: path.join(root, 'cdktf.out'), packaging: 'synth-zip', tiers: WITH_ENTERPRISE });
    expect(app.stacks.map((stack) => stack.node.id)).toEqual(['standard', 'premium', 'enterprise']);
    const synthesized = app.stacks.map((stack) => Testing.synth(stack));
    const memory = synthesized.map((tf) => Object.values<any>(JSON.parse(tf).resource.aws_lambda_function)[0]);
    expect(memory.map((fn) => [fn.function_name, fn.memory_size, fn.reserved_concurrent_executions])).toEqual([
      ['hello-world-fixture-standard', 128, undefined],
      ['hello-world-fixture-premium', 512, undefined],
      ['hello-world-fixture-enterprise', 2048, 800],
    ]);
    expect(synthesized[2]).toHaveResourceWithProperties(LambdaFunction, { memory_size: 2048 });
    // The catalog's 1000/s, burst 2000 is the stage's budget: each of its two methods gets half.
    expect(synthesized[2]).toHaveResourceWithProperties(ApiGatewayMethodSettings, {
      settings: expect.objectContaining({ throttling_rate_limit: 500, throttling_burst_limit: 1000 }),
    });
  });

  it("fills an environment's tiers from the catalog and takes the file's values over them", () => {
    const env = parse({ tiers: { enterprise: { memoryMb: 4096 } } });
    expect(Object.keys(env.tiers)).toEqual(['standard', 'premium', 'enterprise']);
    expect([env.tiers.premium.memoryMb, env.tiers.enterprise.memoryMb, env.tiers.enterprise.throttle]).toEqual([512, 4096, { rateLimit: 1000, burstLimit: 2000 }]);
  });

  it('fails naming the tiers of the catalog for a tier it does not have', () => {
    expect(() => parse({ tiers: { gold: {} } })).toThrow('tiers.gold: unknown tier; use standard, premium or enterprise');
    expect(() => parse({ tiers: { enterprise: {} } }, TIER_CATALOG)).toThrow('tiers.enterprise: unknown tier; use standard or premium');
  });

  it('fails when a tier serves less than the tier before it: memory, rate or burst', () => {
    const message = (() => {
      try {
        parse({ tiers: { enterprise: { memoryMb: 256, throttle: { rateLimit: 100, burstLimit: 150 } } } });
      } catch (error) {
        return (error as ConfigError).message;
      }
      return 'parsed';
    })();
    expect(message).toContain("tiers.enterprise.memoryMb: 256 MB is below the premium tier's 512 MB; give enterprise at least premium's memory");
    expect(message).toContain("tiers.enterprise.throttle.rateLimit: 100 is below the premium tier's 200; give enterprise at least premium's limits");
    expect(message).toContain("tiers.enterprise.throttle.burstLimit: 150 is below the premium tier's 400; give enterprise at least premium's limits");
  });

  it('fails when the reserved concurrency of all tiers together is more than the account can reserve', () => {
    const tiers = { standard: { reservedConcurrency: 100 }, premium: { reservedConcurrency: 400 }, enterprise: { reservedConcurrency: 500, throttle: { exceedsConcurrencyBecause: 'a fixture' } } };
    expect(() => parse({ tiers })).toThrow(
      "tiers.enterprise.reservedConcurrency: 500 with standard's 100 and premium's 400 reserves 1000 executions; the account keeps 100 of its default 1000 unreserved, so reserve at most 900 together",
    );
  });

  it("derives the name-length limit from the catalog's longest tier name", () => {
    // 41 characters with the prefix fit premium's role name (64) but not enterprise's, three letters longer.
    const name = 'e'.repeat(41 - 'hello-world'.length);
    expect(parse({}, TIER_CATALOG, name).name).toBe(name);
    expect(() => parse({}, WITH_ENTERPRISE, name)).toThrow(
      `makes the role name hello-world-${name}-enterprise-apigw-invoke (66 characters) longer than IAM's 64; keep namePrefix and the file name to 39 characters together`,
    );
  });

  it.each([
    [[], 'the tier catalog is empty; define at least one tier'],
    [[TIER_CATALOG[0], TIER_CATALOG[0]], 'tier name "standard" is defined twice; give each tier its own name'],
    [[{ ...TIER_CATALOG[0], name: 'account-settings' }], 'tier name "account-settings" is the name of another stack; choose another'],
    [[{ ...TIER_CATALOG[0], name: 'Gold Tier' }], `tier 0's name "Gold Tier" is not usable in stack and resource names; use 1 to 16 lowercase letters, digits or hyphens, starting with a letter`],
  ] as [TierCatalog, string][])('fails for a catalog that cannot make stacks: %j', (catalog, message) => {
    expect(tierCatalogProblem(catalog)).toBe(message);
    expect(() => parse({}, catalog)).toThrow(message);
  });
});
