/**
 * The cdktf app: `ENVIRONMENT` (default dev) picks environments/<name>.json, and the app
 * synthesizes its two QoS tiers as the stacks `standard` and `premium`, and the account's
 * once-per-region settings as `account-settings` where the environment creates them.
 */
import { reportErrorToCdktfCli, runByCdktfCli } from './src/cdktf-cli-error';
import { synthSettingsFrom } from './src/config/synth-settings';
import { synthesizeGreetingApp } from './src/greeting-app';

try {
  // ENVIRONMENT, OFFLINE_PLAN, FUNCTION_PACKAGING and a local AWS_ENDPOINT_URL: src/config/synth-settings.ts.
  synthesizeGreetingApp({ ...synthSettingsFrom(process.env), projectRoot: __dirname });
} catch (error) {
  const message = (error as Error).message;
  if (runByCdktfCli(process.env)) {
    // The CLI prints it once and exits 1 (src/cdktf-cli-error.ts).
    reportErrorToCdktfCli(message, process.env.CDKTF_OUTDIR!);
  } else {
    console.error(`Error: ${message}`);
    process.exit(1);
  }
}
