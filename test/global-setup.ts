/**
 * jest's globalSetup: the run gets a temp folder of its own, which its workers (started after
 * this) and every command they start inherit as TMPDIR. global-teardown.ts removes it, pass or
 * fail, with what no test tracks (makeTempDir does): cdktf Testing's outdirs, commands' own files.
 * Set here, in jest's own process: a test file's process.env is a copy that os.tmpdir() never reads.
 */
import * as os from 'os';
import * as path from 'path';
import { ownTempFolder } from './temp-folder';

export default function globalSetup(): void {
  (globalThis as { removeRunTempFolder?: () => void }).removeRunTempFolder = ownTempFolder('jest-run-');
  // Every worker says what still holds it when jest ends it (worker-exit-probe.js), and
  // global-teardown.ts fails the run on it: no test file may leak a timer, server or process.
  process.env.JEST_WORKER_PROBE_FILE = path.join(os.tmpdir(), 'workers-at-exit.jsonl');
  process.env.JEST_WORKER_PROBE_SAVED_NODE_OPTIONS = process.env.NODE_OPTIONS ?? '';
  process.env.NODE_OPTIONS = `${process.env.NODE_OPTIONS ?? ''} --require ${JSON.stringify(path.join(__dirname, 'worker-exit-probe.js'))}`.trim();
}
