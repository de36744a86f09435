/**
 * `npm run rollback -- <tier> [--to <version>]`: sends all of a tier's traffic back to the
 * version before the one `live` serves (or to `--to`), in the environment ENVIRONMENT names,
 * acting as Terraform does (its deploy role, DEPLOY_CREDENTIALS). Where a gradual release is
 * still shifting, it stops that release and CodeDeploy sends traffic back instead
 * (docs/releases-and-rollback.md, "Rolling back at once").
 */
import * as path from 'path';
import { parseArgs } from 'util';
import {
  CodeDeployClient,
  GetDeploymentCommand,
  ListDeploymentsCommand,
  StopDeploymentCommand,
} from '@aws-sdk/client-codedeploy';
import { GetAliasCommand, LambdaClient, ListVersionsByFunctionCommand, UpdateAliasCommand } from '@aws-sdk/client-lambda';
import { TIERS } from '../src/config/environment-config';
import { loadEnvironment, tierBaseName } from '../src/config/load-environment';
import { synthSettingsFrom } from '../src/config/synth-settings';
import { pastReleases } from '../src/release/release-history';
import { UNFINISHED_STATUSES } from '../src/release/release-runner';
import { releaseDeploymentGroupName } from '../src/rules/release-catalog';
import { environmentCredentials } from './lib/environment-credentials';
import { PROJECT_ROOT } from './lib/project-root';

export interface RollbackArgs {
  readonly tier: string;
  /** The version to send traffic to; undefined: the one before the version `live` serves. */
  readonly to?: string;
}

/** The alias callers invoke (GreetingFunction's default), which a rollback moves. */
const ALIAS = 'live';

const USAGE = `use npm run rollback -- <${TIERS.join('|')}> [--to <version>]`;

export function parseRollbackArgs(argv: readonly string[]): RollbackArgs {
  const { values, positionals } = parseArgs({ args: [...argv], options: { to: { type: 'string' } }, allowPositionals: true, strict: true });
  if (positionals.length !== 1) throw new Error(`rollback takes one tier, got ${positionals.length ? positionals.join(' ') : 'none'}; ${USAGE}`);
  const [tier] = positionals;
  if (!(TIERS as readonly string[]).includes(tier)) throw new Error(`"${tier}" is not a tier; ${USAGE}`);
  if (values.to !== undefined && !/^[1-9]\d*$/.test(values.to)) throw new Error(`--to "${values.to}" is not a published version number (such as 41); ${USAGE}`);
  return { tier, to: values.to };
}

/** The greatest published version below `current`, or undefined where there is none. */
export function versionBefore(versions: readonly string[], current: string): string | undefined {
  const older = versions.filter((version) => /^\d+$/.test(version) && Number(version) < Number(current)).map(Number);
  return older.length ? String(Math.max(...older)) : undefined;
}

/** Every published version of the function, all pages. */
async function publishedVersions(lambda: LambdaClient, functionName: string): Promise<string[]> {
  const versions: string[] = [];
  let marker: string | undefined;
  do {
    const page = await lambda.send(new ListVersionsByFunctionCommand({ FunctionName: functionName, Marker: marker }));
    versions.push(...(page.Versions ?? []).map((version) => version.Version as string).filter((version) => version !== '$LATEST'));
    marker = page.NextMarker;
  } while (marker);
  return versions;
}

/** Rolls `args.tier` back; returns what it did, in one line. */
export async function rollback(args: RollbackArgs, environmentName: string, projectRoot = PROJECT_ROOT, credentialsSetting = synthSettingsFrom(process.env).credentials): Promise<string> {
  const env = loadEnvironment(environmentName, path.join(projectRoot, 'environments'));
  const functionName = tierBaseName(env, args.tier);
  const credentials = environmentCredentials(env, 'rollback', credentialsSetting);
  const lambda = new LambdaClient({ region: env.region, ...credentials });
  const alias = await lambda.send(new GetAliasCommand({ FunctionName: functionName, Name: ALIAS }));
  const current = alias.FunctionVersion as string;

  let released: string | undefined;
  if (env.release.strategy !== 'all-at-once') {
    // A release still shifting: stopping it with rollback lets CodeDeploy send traffic back itself.
    const codedeploy = new CodeDeployClient({ region: env.region, ...credentials });
    const running = (
      await codedeploy.send(new ListDeploymentsCommand({ applicationName: functionName, deploymentGroupName: releaseDeploymentGroupName(functionName, ALIAS), includeOnlyStatuses: [...UNFINISHED_STATUSES] }))
    ).deployments ?? [];
    // CodeDeploy owns the alias while it shifts: a version set by hand now would be undone at its next step.
    if (running.length && args.to !== undefined) {
      throw new Error(`a release of ${functionName} is shifting (CodeDeploy deployment ${running.join(', ')}); run without --to to stop it and send traffic back, then use --to once it has stopped`);
    }
    if (running.length) {
      for (const deploymentId of running) await codedeploy.send(new StopDeploymentCommand({ deploymentId, autoRollbackEnabled: true }));
      const status = (await codedeploy.send(new GetDeploymentCommand({ deploymentId: running[0] }))).deploymentInfo?.status;
      return `${functionName}:live: stopped the release in progress (CodeDeploy deployment ${running.join(', ')}, now ${status}); CodeDeploy sends all traffic back to version ${current}`;
    }
    // Not the version numbered before: one rolled back stays published, and was never live. The
    // version live served before is the one the release of the current version started from.
    if (args.to === undefined) {
      released = await versionReleasedFrom(codedeploy, functionName, current);
      if (released === undefined) throw new Error(`CodeDeploy has no successful release of ${functionName} version ${current} to go back from; name the version: npm run rollback -- ${args.tier} --to <version>`);
    }
  }

  const versions = await publishedVersions(lambda, functionName);
  const target = args.to ?? released ?? versionBefore(versions, current);
  if (target === undefined) throw new Error(`${functionName} has no version before ${current} to roll back to; live serves the first`);
  if (!versions.includes(target)) throw new Error(`--to ${target}: ${functionName} has no published version ${target}; its versions are ${versions.join(', ')}`);
  if (target === current && !Object.keys(alias.RoutingConfig?.AdditionalVersionWeights ?? {}).length) return `${functionName}:live serves version ${current} already; nothing to do`;
  await lambda.send(new UpdateAliasCommand({ FunctionName: functionName, Name: ALIAS, FunctionVersion: target, RoutingConfig: { AdditionalVersionWeights: {} } }));
  const after =
    env.release.strategy === 'all-at-once'
      ? 'Terraform moves it forward again at the next apply of a change: revert the bad change in git and deploy'
      : 'CodeDeploy releases from there at the next new version; Terraform leaves the alias where it is';
  return `${functionName}:live: version ${current} → ${target}, all traffic. ${after}.`;
}

/** The version the newest successful release of `target` moved the alias from (its AppSpec's CurrentVersion). */
async function versionReleasedFrom(codedeploy: CodeDeployClient, functionName: string, target: string): Promise<string | undefined> {
  const succeeded = await pastReleases(codedeploy, functionName, releaseDeploymentGroupName(functionName, ALIAS), ['Succeeded']);
  return succeeded.find((release) => release.functionName === functionName && release.alias === ALIAS && release.targetVersion === target)?.currentVersion;
}

if (require.main === module) {
  (async () => {
    const args = parseRollbackArgs(process.argv.slice(2));
    const { environmentName } = synthSettingsFrom(process.env);
    console.log(await rollback(args, environmentName));
  })().catch((error: Error) => {
    console.error(`rollback: ${error.message}`);
    process.exitCode = 1;
  });
}
