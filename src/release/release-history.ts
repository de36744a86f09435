/**
 * The releases a deployment group has run: each CodeDeploy deployment with the versions its
 * AppSpec moved the alias between. Read by the release runner (not to start again a version
 * CodeDeploy rolled back) and by `npm run rollback` (the version a release started from).
 *
 * Imports nothing of the app: the runner is bundled into one file.
 */
import { CodeDeployClient, DeploymentStatus, GetDeploymentCommand, ListDeploymentsCommand } from '@aws-sdk/client-codedeploy';

/** One deployment of a group: a release of `targetVersion` from `currentVersion`. */
export interface PastRelease {
  readonly deploymentId: string;
  readonly status: string;
  readonly currentVersion: string;
  readonly targetVersion: string;
  /** Milliseconds since the epoch. */
  readonly createTime: number;
}

/** The versions of a Lambda AppSpec (`lambdaAppSpec`), or undefined for any other content. */
export function appSpecVersions(content: string | undefined): { currentVersion: string; targetVersion: string } | undefined {
  try {
    const properties = Object.values<any>(JSON.parse(content ?? '{}').Resources?.[0] ?? {})[0]?.Properties;
    if (properties?.CurrentVersion === undefined || properties?.TargetVersion === undefined) return undefined;
    return { currentVersion: String(properties.CurrentVersion), targetVersion: String(properties.TargetVersion) };
  } catch {
    // Not an AppSpec of ours: not a release.
    return undefined;
  }
}

/** The group's deployments in `statuses` whose AppSpec is a release, newest first (every page). */
export async function pastReleases(codedeploy: CodeDeployClient, application: string, deploymentGroup: string, statuses: readonly DeploymentStatus[]): Promise<PastRelease[]> {
  const ids: string[] = [];
  let nextToken: string | undefined;
  do {
    const page = await codedeploy.send(new ListDeploymentsCommand({ applicationName: application, deploymentGroupName: deploymentGroup, includeOnlyStatuses: [...statuses], nextToken }));
    ids.push(...(page.deployments ?? []));
    nextToken = page.nextToken;
  } while (nextToken);
  const infos = await Promise.all(ids.map(async (deploymentId) => (await codedeploy.send(new GetDeploymentCommand({ deploymentId }))).deploymentInfo ?? {}));
  return infos
    .flatMap((info) => {
      const versions = appSpecVersions(info.revision?.appSpecContent?.content);
      return versions ? [{ deploymentId: info.deploymentId ?? '', status: info.status ?? '', ...versions, createTime: new Date(info.createTime ?? 0).getTime() }] : [];
    })
    .sort((a, b) => b.createTime - a.createTime);
}
