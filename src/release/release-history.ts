/**
 * The releases a deployment group has run: each CodeDeploy deployment with the versions its
 * AppSpec moved the alias between. Read by the release runner (not to start again a version
 * CodeDeploy rolled back) and by `npm run rollback` (the version a release started from).
 *
 * Imports nothing of the app: the runner is bundled into one file.
 */
import { CodeDeployClient, DeploymentStatus, GetDeploymentCommand, ListDeploymentsCommand } from '@aws-sdk/client-codedeploy';

/** One deployment of a group: a release of `functionName`'s `alias` to `targetVersion` from `currentVersion`. */
export interface PastRelease {
  readonly deploymentId: string;
  readonly status: string;
  readonly functionName: string;
  readonly alias: string;
  readonly currentVersion: string;
  readonly targetVersion: string;
  /** Milliseconds since the epoch. */
  readonly createTime: number;
}

/** The versions of a Lambda AppSpec (`lambdaAppSpec`), or undefined for any other content. */
export function appSpecVersions(content: string | undefined): { functionName: string; alias: string; currentVersion: string; targetVersion: string } | undefined {
  try {
    const properties = Object.values<any>(JSON.parse(content ?? '{}').Resources?.[0] ?? {})[0]?.Properties;
    if ([properties?.Name, properties?.Alias, properties?.CurrentVersion, properties?.TargetVersion].includes(undefined)) return undefined;
    return { functionName: String(properties.Name), alias: String(properties.Alias), currentVersion: String(properties.CurrentVersion), targetVersion: String(properties.TargetVersion) };
  } catch {
    // Not an AppSpec of ours: not a release.
    return undefined;
  }
}

/**
 * The group's deployments in `statuses` whose AppSpec is a release, newest first (every page);
 * with `since` (milliseconds since the epoch), only those created from then on.
 */
export async function pastReleases(
  codedeploy: CodeDeployClient,
  application: string,
  deploymentGroup: string,
  statuses: readonly DeploymentStatus[],
  since?: number,
): Promise<PastRelease[]> {
  const ids: string[] = [];
  let nextToken: string | undefined;
  do {
    const page = await codedeploy.send(
      new ListDeploymentsCommand({
        applicationName: application,
        deploymentGroupName: deploymentGroup,
        includeOnlyStatuses: [...statuses],
        ...(since !== undefined && { createTimeRange: { start: new Date(since) } }),
        nextToken,
      }),
    );
    ids.push(...(page.deployments ?? []));
    nextToken = page.nextToken;
  } while (nextToken);
  const infos = await Promise.all(ids.map(async (deploymentId) => (await codedeploy.send(new GetDeploymentCommand({ deploymentId }))).deploymentInfo ?? {}));
  return infos
    .flatMap((info) => {
      const versions = appSpecVersions(info.revision?.appSpecContent?.content);
      return versions ? [{ deploymentId: info.deploymentId ?? '', status: info.status ?? '', ...versions, createTime: new Date(info.createTime ?? 0).getTime() }] : [];
    })
    .filter((release) => since === undefined || release.createTime >= since)
    .sort((a, b) => b.createTime - a.createTime);
}

/**
 * Milliseconds since the epoch of a Lambda timestamp (`LastModified`: ISO 8601 with a fraction
 * of any length and an offset such as `+0000`), or undefined where it is not one.
 */
export function lambdaTime(value: string | undefined): number | undefined {
  const parts = /^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d)(?:\.(\d+))?(Z|[+-]\d\d:?\d\d)$/.exec(value ?? '');
  if (!parts) return undefined;
  const offset = parts[3] === 'Z' ? 'Z' : `${parts[3].slice(0, 3)}:${parts[3].slice(-2)}`;
  const time = Date.parse(`${parts[1]}.${(parts[2] ?? '0').padEnd(3, '0').slice(0, 3)}${offset}`);
  return Number.isNaN(time) ? undefined : time;
}
