import { spawnSync } from 'child_process';
import * as path from 'path';
import { PROJECT_ROOT, makeTempDir } from '../helpers';

/**
 * jest with this project's globalSetup and globalTeardown, over two small test files in two
 * workers (a fresh cache has no timings, so jest does not run them in band).
 */
function jestOverFixtures(leak: boolean) {
  const config = {
    rootDir: PROJECT_ROOT,
    roots: ['<rootDir>/test/fixtures/worker-exit'],
    testMatch: ['**/*.check.js'],
    transform: { '^.+\\.ts$': 'ts-jest' },
    globalSetup: '<rootDir>/test/global-setup.ts',
    globalTeardown: '<rootDir>/test/global-teardown.ts',
    maxWorkers: 2,
  };
  return spawnSync(process.execPath, [path.join(PROJECT_ROOT, 'node_modules', 'jest', 'bin', 'jest.js'), '--ci', '--config', JSON.stringify(config), '--cacheDirectory', makeTempDir('jest-cache-')], {
    cwd: PROJECT_ROOT,
    env: { ...process.env, LEAK: leak ? '1' : '0' },
    encoding: 'utf8',
  });
}

describe("jest's workers at the end of a run", () => {
  it('lets a run whose test files leave nothing behind pass', () => {
    const run = jestOverFixtures(false);
    expect(run.stderr).not.toMatch(/failed to exit gracefully|still held/);
    expect(run.status).toBe(0);
  }, 60_000);

  it('fails a run where a test file leaves a timer running, saying what held its worker and how to find it', () => {
    const run = jestOverFixtures(true);
    expect(run.stderr).toMatch(/a jest worker was still held 400 ms after jest ended it \(jest kills it at 500 ms\): \{"pid":\d+,"held":\[\],"resources":\[[^\]]*"Timeout"[^\]]*\]\}\. A test file leaves a timer, server, socket or process behind: find it with npx jest --detectOpenHandles <file>/);
    expect(run.status).not.toBe(0);
  }, 60_000);
});
