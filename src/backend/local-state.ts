/**
 * What a stack's local state file says without Terraform: enough for synth to tell a stack that
 * was never applied (or was destroyed) from one that was.
 */
import * as fs from 'fs';

/**
 * Whether a local state file records a resource. No file, or one without resources, is a stack
 * not applied (or destroyed); a file that cannot be read as state counts as applied, so that
 * Terraform, not synth, reports it.
 */
export function localStateHoldsResources(file: string): boolean {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return false;
    return true;
  }
  try {
    const resources = (JSON.parse(text) as { resources?: unknown }).resources;
    return !Array.isArray(resources) || resources.length > 0;
  } catch {
    return true;
  }
}
