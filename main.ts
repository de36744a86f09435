/**
 * The cdktf app: `ENVIRONMENT` (default dev) picks environments/<name>.json, and the app
 * synthesizes its two QoS tiers as the stacks `standard` and `premium`, and the account's
 * once-per-region settings as `account-settings` where the environment creates them.
 */
import { synthSettingsFrom } from './src/config/synth-settings';
import { synthesizeGreetingApp } from './src/greeting-app';

try {
  // ENVIRONMENT, OFFLINE_PLAN, FUNCTION_PACKAGING and a local AWS_ENDPOINT_URL: src/config/synth-settings.ts.
  synthesizeGreetingApp({ ...synthSettingsFrom(process.env), projectRoot: __dirname });
} catch (error) {
  console.error(`Error: ${(error as Error).message}`);
  process.exit(1);
}
