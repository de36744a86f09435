/**
 * jest's globalSetup: the run gets a temp folder of its own, which its workers (started after
 * this) and every command they start inherit as TMPDIR. global-teardown.ts removes it, pass or
 * fail, with what no test tracks (makeTempDir does): cdktf Testing's outdirs, commands' own files.
 * Set here, in jest's own process: a test file's process.env is a copy that os.tmpdir() never reads.
 */
import { ownTempFolder } from './temp-folder';

export default function globalSetup(): void {
  (globalThis as { removeRunTempFolder?: () => void }).removeRunTempFolder = ownTempFolder('jest-run-');
}
