/**
 * What no single environment file can show: environments that would reach each other. Checked
 * over every file in `environments/` whenever one of them is synthesized, so a file that is
 * fine alone but shares prod's account, state or on-call topic fails before anything is written.
 */
import * as path from 'path';
import { EnvironmentConfig } from './environment-config';
import { ConfigError, listEnvironments, loadEnvironment } from './load-environment';
import { TIER_CATALOG, TierCatalog } from './tier-catalog';

const file = (environment: EnvironmentConfig) => `environments/${environment.name}.json`;

/** Every pair of a production environment and a non-production one. */
function productionPairs(environments: readonly EnvironmentConfig[]): [EnvironmentConfig, EnvironmentConfig][] {
  const production = environments.filter((environment) => environment.production);
  const other = environments.filter((environment) => !environment.production);
  return production.flatMap((prod) => other.map((nonProd): [EnvironmentConfig, EnvironmentConfig] => [prod, nonProd]));
}

/** Values grouped by a key, in the order first seen. */
function groupBy<T>(items: readonly T[], key: (item: T) => string | undefined): Map<string, T[]> {
  const groups = new Map<string, T[]>();
  for (const item of items) {
    const at = key(item);
    if (at !== undefined) groups.set(at, [...(groups.get(at) ?? []), item]);
  }
  return groups;
}

const names = (environments: readonly EnvironmentConfig[]) => environments.map((environment) => environment.name).join(' and ');

/**
 * One line per way the environments could touch each other:
 * - a production environment shares its account (and with it every role, since each role must
 *   be of the environment's account), its state bucket or its alarm topic with a
 *   non-production one: whoever deploys the other could change production or its state;
 * - two environments keep their state under the same bucket and key prefix: their stacks would
 *   overwrite each other's state;
 * - an account and region where not exactly one environment says `apiGatewayCloudWatchRole`
 *   `create` (none: nothing sets the role the others rely on; two: both would create it);
 * - the environment that sets the account's API Gateway role for others keeps that state in a
 *   local file (another machine or CI gets EntityAlreadyExists; losing the file orphans it).
 */
export function environmentSetProblems(environments: readonly EnvironmentConfig[]): string[] {
  const problems: string[] = [];
  for (const [prod, other] of productionPairs(environments)) {
    if (prod.account.id === other.account.id) {
      problems.push(
        `${file(prod)} and ${file(other)}: account.id ${JSON.stringify(prod.account.id)} is both ${prod.name}'s, which is production, and ${other.name}'s, which is not: ` +
          `whoever deploys ${other.name} could change ${prod.name}; give ${prod.name} an account of its own (and its deploy and CI roles there)`,
      );
    }
    if (prod.state.type === 's3' && other.state.type === 's3' && prod.state.bucket === other.state.bucket) {
      problems.push(
        `${file(prod)} and ${file(other)}: state.bucket ${JSON.stringify(prod.state.bucket)} holds the state of ${prod.name}, which is production, and of ${other.name}: ` +
          `whoever deploys ${other.name} could rewrite ${prod.name}'s state; keep ${prod.name}'s state in a bucket of its own account`,
      );
    }
    const topic = prod.alarms.snsTopicArn;
    if (topic !== undefined && topic === other.alarms.snsTopicArn) {
      problems.push(
        `${file(prod)} and ${file(other)}: alarms.snsTopicArn ${JSON.stringify(topic)} is ${prod.name}'s on-call, and ${other.name}, which is not production, would page it too; ` +
          `give ${other.name} a topic of its own, or leave its alarms.snsTopicArn out`,
      );
    }
  }
  const byStateKey = groupBy(environments, (environment) => (environment.state.type === 's3' ? `${environment.state.bucket}/${environment.state.keyPrefix}` : undefined));
  for (const [key, sharing] of byStateKey) {
    if (sharing.length > 1) {
      problems.push(
        `${sharing.map(file).join(' and ')}: ${names(sharing)} keep their state under the same state.bucket and state.keyPrefix (${key}), so their stacks would overwrite each other's state; ` +
          `give each environment a keyPrefix of its own, such as ${sharing.map((environment) => `${JSON.stringify(`${environment.namePrefix}/${environment.name}`)}`).join(' and ')}`,
      );
    }
  }
  const byCiRole = groupBy(
    environments.flatMap((environment) => (environment.ci ? [environment.ci.planRoleArn, environment.ci.applyRoleArn].map((arn) => ({ environment, arn })) : [])),
    (entry) => entry.arn,
  );
  for (const [arn, sharing] of byCiRole) {
    const owners = [...new Set(sharing.map((entry) => entry.environment))];
    if (owners.length > 1) {
      problems.push(
        `${owners.map(file).join(' and ')}: ${names(owners)} name the same CI role ${arn}, which trusts one GitHub environment only: ` +
          `the workflows of all but one could not assume it, and whoever plans one could act in the other; give each environment roles of its own`,
      );
    }
  }
  const byAccountRegion = groupBy(environments, (environment) => `${environment.account.id} ${environment.region}`);
  for (const sharing of byAccountRegion.values()) {
    const { id } = sharing[0].account;
    const { region } = sharing[0];
    const creators = sharing.filter((environment) => environment.apiGatewayCloudWatchRole === 'create');
    if (creators.length === 0) {
      problems.push(
        `${sharing.map(file).join(' and ')}: ${names(sharing)} ${sharing.length === 1 ? 'says' : 'say'} apiGatewayCloudWatchRole "existing", but no environment of account ${id} in ${region} says "create", ` +
          `so nothing sets the role ${sharing.length === 1 ? 'its' : 'their'} stages need to log; say "create" in one of them (one whose state is in S3)`,
      );
    } else if (creators.length > 1) {
      problems.push(
        `${creators.map(file).join(' and ')}: ${names(creators)} ${creators.length === 2 ? 'both' : 'all'} say apiGatewayCloudWatchRole "create" for account ${id} in ${region}, where there is one such role: ` +
          `the second deploy fails with EntityAlreadyExists, and destroying either takes the role from the other; keep "create" in one (one whose state is in S3) and say "existing" in the rest`,
      );
    } else if (sharing.length > 1) {
      const [owner] = creators;
      const locked = owner.state.type === 's3' && owner.state.useLockfile;
      if (!locked) {
        const others = sharing.filter((environment) => environment !== owner);
        const state = owner.state.type === 's3' ? 'in S3 without a lock' : 'in a local file';
        problems.push(
          `${file(owner)}: ${owner.name} sets the API Gateway CloudWatch role of account ${id} in ${region} for ${names(others)} too, but keeps that state ${state}: ` +
            `another machine or CI would fail with EntityAlreadyExists, and losing the file orphans the setting; keep ${owner.name}'s state in S3 with a lock ` +
            `(state {"type": "s3", …, "useLockfile": true}), or say "create" in an environment whose state is`,
        );
      }
    }
  }
  return problems;
}

/**
 * Loads `environments/<name>.json` as {@link loadEnvironment} does, and every other file of
 * `dir` with it, then checks them together ({@link environmentSetProblems}): a file that is
 * fine alone still fails when it could reach another. Throws a {@link ConfigError} naming
 * every problem.
 */
export function loadCheckedEnvironment(name: string, dir: string, tiers: TierCatalog = TIER_CATALOG): EnvironmentConfig {
  return loadCheckedEnvironments(name, dir, tiers).environment;
}

/** As {@link loadCheckedEnvironment}, with every environment of `dir` (by name): the set it was checked with. */
export function loadCheckedEnvironments(name: string, dir: string, tiers: TierCatalog = TIER_CATALOG): { environment: EnvironmentConfig; environments: readonly EnvironmentConfig[] } {
  const selected = loadEnvironment(name, dir, tiers);
  const others = listEnvironments(dir)
    .filter((other) => other !== name)
    .map((other) => loadEnvironment(other, dir, tiers));
  // By name, so the messages read the same whichever environment is synthesized.
  const environments = [selected, ...others].sort((a, b) => a.name.localeCompare(b.name));
  const problems = environmentSetProblems(environments);
  if (problems.length > 0) {
    throw new ConfigError(`${path.basename(dir)}/ holds environments that could reach each other:\n  - ${problems.join('\n  - ')}`);
  }
  return { environment: selected, environments };
}
