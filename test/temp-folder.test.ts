import { execFileSync } from 'child_process';
import * as os from 'os';
import * as path from 'path';
import { PROJECT_ROOT } from './helpers';

describe("the test run's temp folder", () => {
  it("is a folder of the run's own, which every command started from a test inherits (jest's globalSetup)", () => {
    expect(path.basename(os.tmpdir())).toMatch(/^jest-run-/);
    expect(execFileSync(process.execPath, ['-p', "require('os').tmpdir()"], { encoding: 'utf8' }).trim()).toBe(os.tmpdir());
  });

  it('goes at the end with what no test removed in it, and TMPDIR points back', () => {
    // In a process of its own, as jest's globalSetup and globalTeardown run in jest's.
    const script = [
      "const fs = require('fs'), os = require('os'), path = require('path');",
      "const { ownTempFolder } = require('./test/temp-folder');",
      'const before = os.tmpdir();',
      "const remove = ownTempFolder('own-');",
      "const left = fs.mkdtempSync(path.join(os.tmpdir(), 'cdktf.outdir.'));",
      "const child = require('child_process').execFileSync(process.execPath, ['-p', \"require('os').tmpdir()\"], { encoding: 'utf8' }).trim();",
      'remove();',
      'console.log(JSON.stringify({ inRunFolder: path.dirname(left) === child, leftExists: fs.existsSync(left), pointsBack: os.tmpdir() === before }));',
    ].join('\n');
    const result = execFileSync(process.execPath, ['--require', 'esbuild-register', '-e', script], { cwd: PROJECT_ROOT, encoding: 'utf8' });
    expect(JSON.parse(result)).toEqual({ inRunFolder: true, leftExists: false, pointsBack: true });
  });
});
