/**
 * The cdktf app: `ENVIRONMENT` (default dev) picks environments/<name>.json, and the app
 * synthesizes its two QoS tiers as the stacks `standard` and `premium`.
 */
import * as path from 'path';
import { TIERS } from './src/config/environment-config';
import { DEFAULT_ENVIRONMENT, ENVIRONMENT_VARIABLE } from './src/config/load-environment';
import { createGreetingApp } from './src/greeting-app';
import { forgetStaleBackend } from './src/stacks/stale-backend';

try {
  const { app } = createGreetingApp({
    environmentName: process.env[ENVIRONMENT_VARIABLE] || DEFAULT_ENVIRONMENT,
    projectRoot: __dirname,
    offlinePlan: process.env.OFFLINE_PLAN === '1',
  });
  app.synth();
  for (const tier of TIERS) forgetStaleBackend(path.join(app.outdir, 'stacks', tier));
} catch (error) {
  console.error(`Error: ${(error as Error).message}`);
  process.exit(1);
}
