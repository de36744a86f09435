import * as path from 'path';
import { HandlerBundle, buildSingleFile } from './handler-bundle';

/** The AWS SDK packages the release runner takes into its one file: their versions are part of its stamp. */
const RUNNER_PACKAGES = ['@aws-sdk/client-codedeploy', '@aws-sdk/client-lambda', '@aws-sdk/client-cloudwatch', '@aws-sdk/credential-providers'];

/**
 * `src/release/release-runner.ts` as one file with the AWS SDK clients it needs, for Terraform
 * to run with `node` where it applies (no `node_modules` there): a stack asset of every tier
 * that releases gradually. Rebuilt only when its sources or those packages change.
 */
export function buildReleaseRunnerBundle(projectRoot: string): HandlerBundle {
  const sourceDir = path.join(projectRoot, 'src', 'release');
  const versions = RUNNER_PACKAGES.map((name) => `${name}@${(require(`${name}/package.json`) as { version: string }).version}`).join(' ');
  return buildSingleFile(projectRoot, {
    entry: path.join(sourceDir, 'release-runner.ts'),
    outFile: path.join(projectRoot, '.build', 'release', 'release.js'),
    sourceDir,
    // The oldest Node the project runs on: the runner runs where Terraform does, not in Lambda.
    target: 'node20',
    alsoDependsOn: versions,
  });
}
