import * as fs from 'fs';
import * as path from 'path';
import { PROJECT_ROOT, terraformMissingReason, terraformSkipReason } from '../helpers';

describe('npm run test:unit', () => {
  const saved = process.env.TEST_UNIT;
  afterEach(() => {
    if (saved === undefined) delete process.env.TEST_UNIT;
    else process.env.TEST_UNIT = saved;
  });

  it('skips every test that runs terraform or the emulator, saying why', () => {
    process.env.TEST_UNIT = '1';
    expect(terraformMissingReason()).toBe('TEST_UNIT=1 (npm run test:unit): no terraform, no emulator');
    expect(terraformSkipReason()).toBe('TEST_UNIT=1 (npm run test:unit): no terraform, no emulator');
  });

  it('is npm test without the type check, with TEST_UNIT=1', () => {
    const scripts = JSON.parse(fs.readFileSync(path.join(PROJECT_ROOT, 'package.json'), 'utf8')).scripts;
    expect(scripts['test:unit']).toBe('TEST_UNIT=1 jest --ci');
    expect(scripts.test).toBe('tsc --noEmit && jest --ci');
  });
});
