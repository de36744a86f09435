/**
 * The account's real Lambda concurrency against what an environment reserves, checked by an
 * online `npm run plan` before anything can be applied: the schema's own check assumes AWS's
 * default quota of 1000, and new accounts often have less.
 */
import { GetAccountSettingsCommand, GetFunctionConcurrencyCommand, LambdaClient } from '@aws-sdk/client-lambda';
import { environmentCredentials } from './environment-credentials';
import { EnvironmentConfig, TIERS } from '../../src/config/environment-config';
import { tierBaseName } from '../../src/config/load-environment';
import { MIN_UNRESERVED_CONCURRENCY } from '../../src/rules/aws-limits';
import type { DeployCredentials } from '../../src/config/synth-settings';

/** What GetAccountSettings says of the account's concurrency in a region. */
export interface AccountConcurrency {
  /** `AccountLimit.ConcurrentExecutions`: the quota. */
  readonly total: number;
  /** `AccountLimit.UnreservedConcurrentExecutions`: what no function has reserved. */
  readonly unreserved: number;
}

/**
 * Why `wanted` (tier → executions) does not fit the account, or undefined. `current` is what
 * the environment's own functions reserve now (they count in the account's reserved total,
 * and their new reservation replaces it).
 */
export function concurrencyProblem(env: EnvironmentConfig, wanted: Readonly<Record<string, number>>, account: AccountConcurrency, current: number): string | undefined {
  const sum = Object.values(wanted).reduce((total, executions) => total + executions, 0);
  const byOthers = account.total - account.unreserved - current;
  const available = account.total - MIN_UNRESERVED_CONCURRENCY - byOthers;
  if (sum <= available) return undefined;
  const parts = Object.entries(wanted).map(([tier, executions]) => `${tier} ${executions}`).join(', ');
  return (
    `${env.name} reserves ${sum} concurrent executions (${parts}), but account ${env.account.id} in ${env.region} leaves ${Math.max(available, 0)} for them: ` +
    `its Lambda quota is ${account.total}, other functions reserve ${byOthers}, and ${MIN_UNRESERVED_CONCURRENCY} always stay unreserved. ` +
    'Lower tiers.<tier>.reservedConcurrency, or raise the quota (Service Quotas: AWS Lambda, "Concurrent executions")'
  );
}

/** The reservations an environment asks for, by tier; empty when it reserves nothing. */
export function reservationsOf(env: EnvironmentConfig): Record<string, number> {
  return Object.fromEntries(TIERS.flatMap((tier) => (env.tiers[tier].reservedConcurrency === undefined ? [] : [[tier, env.tiers[tier].reservedConcurrency as number]])));
}

/**
 * Asks the account (as Terraform will act in it: through the deploy role where there is one,
 * with `deploy-role`; as the caller, a workflow's plan role, with `caller`) and returns the
 * problem, if any. Nothing is asked when the environment reserves nothing.
 */
export async function checkLambdaQuota(env: EnvironmentConfig, client?: LambdaClient, credentials: DeployCredentials = 'deploy-role'): Promise<string | undefined> {
  const wanted = reservationsOf(env);
  if (!Object.keys(wanted).length) return undefined;
  const lambda = client ?? new LambdaClient({ region: env.region, ...environmentCredentials(env, 'quota-check', credentials) });
  const settings = await lambda.send(new GetAccountSettingsCommand({}));
  const total = settings.AccountLimit?.ConcurrentExecutions;
  const unreserved = settings.AccountLimit?.UnreservedConcurrentExecutions;
  if (total === undefined || unreserved === undefined) throw new Error(`Lambda GetAccountSettings in ${env.region} answered no concurrency limits`);
  let current = 0;
  for (const tier of Object.keys(wanted)) {
    try {
      const answer = await lambda.send(new GetFunctionConcurrencyCommand({ FunctionName: tierBaseName(env, tier) }));
      current += answer.ReservedConcurrentExecutions ?? 0;
    } catch (error) {
      if ((error as Error).name !== 'ResourceNotFoundException') throw error;
    }
  }
  return concurrencyProblem(env, wanted, { total, unreserved }, current);
}
