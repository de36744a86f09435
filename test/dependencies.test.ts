/** What package.json pins, as a reviewer of a dependency update would check it. */
import * as fs from 'fs';
import * as path from 'path';
import { PROJECT_ROOT } from './helpers';

const manifest = JSON.parse(fs.readFileSync(path.join(PROJECT_ROOT, 'package.json'), 'utf8'));

describe('package.json', () => {
  it('pins every AWS SDK client at one version, so they share one copy of the SDK core', () => {
    const pins = Object.entries<string>({ ...manifest.dependencies, ...manifest.devDependencies }).filter(([name]) => name.startsWith('@aws-sdk/'));
    expect(pins.length).toBeGreaterThan(1);
    expect(new Set(pins.map(([, version]) => version)).size).toBe(1);
    const lock = JSON.parse(fs.readFileSync(path.join(PROJECT_ROOT, 'package-lock.json'), 'utf8'));
    const cores = Object.keys(lock.packages).filter((key) => key.endsWith('node_modules/@aws-sdk/core'));
    expect(cores).toEqual(['node_modules/@aws-sdk/core']);
  });
});
