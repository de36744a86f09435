import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { PROJECT_ROOT, makeTempDir } from '../helpers';

describe("CI's closing line", () => {
  const totals = (results: object) => {
    const file = path.join(makeTempDir('jest-results-'), 'jest.json');
    fs.writeFileSync(file, JSON.stringify(results));
    return spawnSync('node', [path.join(PROJECT_ROOT, '.ci', 'totals.js'), file], { encoding: 'utf8' }).stdout;
  };

  it('says passed, failed (suites that could not run among them) and skipped (todo among them)', () => {
    expect(totals({ numPassedTests: 441, numFailedTests: 1, numRuntimeErrorTestSuites: 2, numPendingTests: 11, numTodoTests: 1 })).toBe('441 passed, 3 failed, 12 skipped\n');
  });

  it('says 0 skipped when nothing was skipped', () => {
    expect(totals({ numPassedTests: 3, numFailedTests: 0, numRuntimeErrorTestSuites: 0, numPendingTests: 0, numTodoTests: 0 })).toBe('3 passed, 0 failed, 0 skipped\n');
  });
});
