/**
 * The documentation cannot rot silently: every command it names exists, every link and every
 * pointer into it (from messages, workflows and ./help) lands on a file and heading that are
 * there, and the README's quick start is what the local AWS test types.
 */
import * as fs from 'fs';
import * as path from 'path';
import { spawnSync } from 'child_process';
import { PROJECT_ROOT, makeTempDir, readmeQuickStart } from './helpers';

const read = (file: string) => fs.readFileSync(path.join(PROJECT_ROOT, file), 'utf8');
const DOCS = ['README.md', 'CHANGELOG.md', ...fs.readdirSync(path.join(PROJECT_ROOT, 'docs')).map((file) => `docs/${file}`)];
const SCRIPTS = Object.keys(JSON.parse(read('package.json')).scripts);

/** GitHub's anchor for a heading: lowercase, punctuation but hyphens dropped, spaces as hyphens. */
const anchor = (heading: string) =>
  heading
    .trim()
    .toLowerCase()
    .replace(/[^\p{L}\p{N}\s_-]/gu, '')
    .replace(/\s/g, '-');

/** A Markdown file's headings, outside code blocks. */
function headings(file: string): string[] {
  let inCode = false;
  return read(file)
    .split('\n')
    .filter((line) => {
      if (line.startsWith('```')) inCode = !inCode;
      return !inCode && /^#{1,6} /.test(line);
    })
    .map((line) => line.replace(/^#+ /, '').trim());
}

/** Files the messages, workflows and ./help point readers to. */
function pointingFiles(): string[] {
  const walk = (dir: string): string[] =>
    fs.readdirSync(path.join(PROJECT_ROOT, dir), { withFileTypes: true }).flatMap((entry) => {
      const relative = path.posix.join(dir, entry.name);
      return entry.isDirectory() ? walk(relative) : /\.(ts|js|py|yml)$/.test(entry.name) ? [relative] : [];
    });
  return ['help', 'main.ts', ...walk('src'), ...walk('scripts'), ...walk('.github')];
}

describe('the documentation', () => {
  it('keeps the README to a newcomer’s read: at most 250 lines, the quick start on its first screen', () => {
    const lines = read('README.md').split('\n');
    expect(lines.length).toBeLessThanOrEqual(250);
    const quickStart = lines.findIndex((line) => line.startsWith('## Quick start'));
    expect(quickStart).toBeGreaterThan(0);
    expect(lines.findIndex((line) => line.includes('?name=David"'))).toBeLessThan(40);
  });

  it('has a quick start of the commands the local AWS test types, in that order', () => {
    expect(readmeQuickStart()).toEqual({
      install: 'npm ci',
      emulator: 'npm run emulator',
      deploy: 'npx cdktf deploy account-settings standard premium --auto-approve',
      hello: 'curl "$(cd cdktf.out/stacks/standard && terraform output -raw hello_url)?name=David"',
      destroy: 'npx cdktf destroy standard premium --auto-approve',
    });
  });

  it('fails naming both sides when the quick start and the tests drift apart', () => {
    expect(() => readmeQuickStart('## Quick start\n\n```sh\nnpm install\n```\n')).toThrow(/README\.md's quick start runs \["npm install"\]; the tests type .*change both together/);
  });

  it.each(DOCS.concat('help'))('names only npm scripts that exist, in %s', (file) => {
    const named = [...read(file).matchAll(/npm run (?:--silent )?([a-z][\w:-]*)/g)].map(([, script]) => script);
    expect(named.filter((script) => !SCRIPTS.includes(script))).toEqual([]);
  });

  it.each(DOCS)('links only to files and headings that exist, in %s', (file) => {
    const broken: string[] = [];
    for (const [, target] of read(file).matchAll(/\]\(([^)\s]+)\)/g)) {
      if (/^[a-z]+:/.test(target)) continue; // https:, mailto:
      const [relative, hash] = target.split('#');
      const linked = relative ? path.posix.normalize(path.posix.join(path.posix.dirname(file), relative)) : file;
      if (!fs.existsSync(path.join(PROJECT_ROOT, linked))) broken.push(`${target}: no file ${linked}`);
      else if (hash && linked.endsWith('.md') && !headings(linked).map(anchor).includes(hash)) broken.push(`${target}: no heading #${hash} in ${linked}`);
    }
    expect(broken).toEqual([]);
  });

  it('is where messages, workflows and ./help point: each docs/<file>.md and "<heading>" they name exists', () => {
    const broken: string[] = [];
    let pointers = 0;
    for (const file of pointingFiles()) {
      const text = read(file).replace(/\n\s*(#|\*|\/\/)\s*/g, ' '); // pointers wrapped across comment lines
      for (const [, doc, heading] of text.matchAll(/\b(docs\/[a-z-]+\.md|README\.md)(?:, "([^"]+)")?/g)) {
        pointers++;
        if (!fs.existsSync(path.join(PROJECT_ROOT, doc))) broken.push(`${file}: ${doc}`);
        else if (heading && !headings(doc).includes(heading)) broken.push(`${file}: ${doc}, "${heading}"`);
      }
      if (/\bREADME[,:]? "/.test(text)) broken.push(`${file}: points to a README section, which moved to docs/`);
    }
    expect(pointers).toBeGreaterThan(5);
    expect(broken).toEqual([]);
  });

  describe('the rollback command', () => {
    /** The `aws lambda list-versions-by-function … | … head -n 1` pipeline, continuation lines joined, comments dropped. */
    const previousVersionCommand = (text: string) => {
      const joined = text.replace(/\s*\\\n\s*/g, ' ');
      const line = joined.split('\n').find((candidate) => candidate.includes('aws lambda list-versions-by-function'));
      if (!line) throw new Error('no list-versions-by-function command');
      return line.replace(/\s+#.*$/, '').trim().replace(/\s+/g, ' ');
    };

    it('is npm run rollback in ./help and docs/releases-and-rollback.md, a script that exists', () => {
      for (const file of ['help', 'docs/releases-and-rollback.md']) expect([file, read(file)]).toEqual([file, expect.stringContaining('npm run rollback -- standard')]);
      expect(JSON.parse(read('package.json')).scripts.rollback).toBe('node --require esbuild-register scripts/rollback.ts');
    });

    it("finds the version before the newest however many pages of 50 the CLI prints, without a checkout (docs' AWS CLI recipe)", () => {
      // The CLI applies --query to each page and prints each page's result on a line of its own,
      // tab-separated (AWS CLI user guide, "Filtering output"): a stand-in `aws` prints 120 versions so.
      const bin = makeTempDir('aws-cli-');
      const versions = Array.from({ length: 120 }, (_, i) => String(i + 1));
      const pages = [versions.slice(0, 50), versions.slice(50, 100), versions.slice(100)].map((page) => page.join('\t')).join('\n');
      fs.writeFileSync(path.join(bin, 'aws'), `#!/bin/sh\nprintf '%s\\n' '${pages}'\n`, { mode: 0o755 });
      const run = spawnSync('sh', ['-c', previousVersionCommand(read('docs/releases-and-rollback.md'))], { encoding: 'utf8', env: { ...process.env, PATH: `${bin}:${process.env.PATH}` } });
      expect([run.status, run.stdout.trim()]).toEqual([0, '119']);
    });
  });
});
