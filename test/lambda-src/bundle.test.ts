import * as fs from 'fs';
import * as path from 'path';
import { builtinModules } from 'module';
import { buildHandlerBundle } from '../../src/bundling/handler-bundle';
import { EVENTS_DIR, PROJECT_ROOT, makeTempDir } from '../helpers';

describe('the handler bundle the function ships', () => {
  const bundle = buildHandlerBundle(PROJECT_ROOT);
  const source = fs.readFileSync(bundle.file, 'utf8');

  it('is one file that requires nothing outside Node.js', () => {
    const required = [...source.matchAll(/require\(["']([^"']+)["']\)/g)].map((match) => match[1]);
    for (const name of required) {
      expect(builtinModules).toContain(name.replace(/^node:/, ''));
    }
  });

  it('holds no path of the machine that built it', () => {
    expect(source).not.toContain(PROJECT_ROOT);
  });

  it('answers every sample event as expected', async () => {
    jest.spyOn(console, 'log').mockImplementation(() => undefined);
    delete process.env.GREETING;
    const { helloworld } = require(bundle.file);
    const expected: Record<string, string> = JSON.parse(fs.readFileSync(path.join(EVENTS_DIR, 'expected.json'), 'utf8'));
    for (const [file, answer] of Object.entries(expected)) {
      const result = await helloworld(JSON.parse(fs.readFileSync(path.join(EVENTS_DIR, file), 'utf8')), { awsRequestId: 'r' });
      const text = typeof result === 'string' ? result : `${result.statusCode} ${result.body}`;
      expect([file, text.slice(0, answer.length)]).toEqual([file, answer]);
    }
    jest.restoreAllMocks();
  });
});

describe('buildHandlerBundle', () => {
  it('reuses an unchanged bundle and rebuilds when any source changes, not only the entry', () => {
    const root = makeTempDir('bundle-');
    fs.cpSync(path.join(PROJECT_ROOT, 'lambda-src'), path.join(root, 'lambda-src'), { recursive: true });
    fs.symlinkSync(path.join(PROJECT_ROOT, 'node_modules'), path.join(root, 'node_modules'));
    expect(buildHandlerBundle(root).rebuilt).toBe(true);
    expect(buildHandlerBundle(root).rebuilt).toBe(false);
    const settings = path.join(root, 'lambda-src', 'settings.ts');
    fs.writeFileSync(settings, fs.readFileSync(settings, 'utf8').replace("DEFAULT_GREETING = 'Hello'", "DEFAULT_GREETING = 'Bonjour'"));
    const rebuilt = buildHandlerBundle(root);
    expect(rebuilt.rebuilt).toBe(true);
    expect(fs.readFileSync(rebuilt.file, 'utf8')).toContain('"Bonjour"');
  });
});
