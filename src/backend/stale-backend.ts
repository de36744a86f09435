import * as fs from 'fs';
import * as path from 'path';

/**
 * `terraform init` remembers the backend it last set up in `.terraform/terraform.tfstate` of
 * the stack's folder, which `cdktf synth` keeps. After a switch of environment that record
 * names the other environment's state, and init stops with "Backend configuration changed"
 * (or, told to migrate, would copy one environment's state into the other's). The record
 * holds no state of its own, so when it no longer matches the synthesized backend it is
 * removed and init starts afresh against this environment's state.
 *
 * Returns true when a stale record was removed.
 */
export function forgetStaleBackend(stackDir: string): boolean {
  const recordFile = path.join(stackDir, '.terraform', 'terraform.tfstate');
  const stackFile = path.join(stackDir, 'cdk.tf.json');
  if (!fs.existsSync(recordFile) || !fs.existsSync(stackFile)) return false;

  const synthesized = JSON.parse(fs.readFileSync(stackFile, 'utf8')).terraform?.backend ?? {};
  const [type, config] = Object.entries(synthesized)[0] ?? ['local', {}];
  let recorded: { type?: string; config?: Record<string, unknown> } | undefined;
  try {
    recorded = JSON.parse(fs.readFileSync(recordFile, 'utf8')).backend;
  } catch {
    recorded = undefined; // unreadable: init would fail on it too
  }
  const matches =
    recorded?.type === type &&
    Object.entries(config as Record<string, unknown>).every(
      ([key, value]) => JSON.stringify(recorded?.config?.[key]) === JSON.stringify(value),
    );
  if (matches) return false;
  fs.rmSync(recordFile);
  return true;
}
