/**
 * The cdktf app: `ENVIRONMENT` (default dev) picks environments/<name>.json, and the app
 * synthesizes its two QoS tiers as the stacks `standard` and `premium`, and the account's
 * once-per-region settings as `account-settings` where the environment creates them.
 */
import { DEFAULT_ENVIRONMENT, ENVIRONMENT_VARIABLE } from './src/config/load-environment';
import { synthesizeGreetingApp } from './src/greeting-app';

try {
  synthesizeGreetingApp({
    environmentName: process.env[ENVIRONMENT_VARIABLE] || DEFAULT_ENVIRONMENT,
    projectRoot: __dirname,
    offlinePlan: process.env.OFFLINE_PLAN === '1',
  });
} catch (error) {
  console.error(`Error: ${(error as Error).message}`);
  process.exit(1);
}
