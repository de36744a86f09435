/**
 * jest's globalTeardown: fails the run when a worker was still held when jest ended it
 * (worker-exit-probe.js: jest would kill it and warn that it "failed to exit gracefully"), then
 * removes the run's temp folder (global-setup.ts).
 */
import * as fs from 'fs';

export default function globalTeardown(): void {
  const probe = process.env.JEST_WORKER_PROBE_FILE;
  const held = probe && fs.existsSync(probe) ? fs.readFileSync(probe, 'utf8').trim().split('\n').filter(Boolean) : [];
  (globalThis as { removeRunTempFolder?: () => void }).removeRunTempFolder?.();
  if (held.length) {
    throw new Error(
      `a jest worker was still held 400 ms after jest ended it (jest kills it at 500 ms): ${held.join('; ')}. ` +
        'A test file leaves a timer, server, socket or process behind: find it with npx jest --detectOpenHandles <file>, and clear, close or wait for it in afterAll',
    );
  }
}
