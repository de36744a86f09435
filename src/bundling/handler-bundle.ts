import { createHash } from 'crypto';
import * as fs from 'fs';
import * as path from 'path';
import type { BuildOptions } from 'esbuild';

export interface HandlerBundle {
  /** Absolute path of the bundled `index.js`. */
  readonly file: string;
  /** Size of the bundle in bytes. */
  readonly bytes: number;
  /** False when an up-to-date bundle of the same sources was reused. */
  readonly rebuilt: boolean;
}

/** Where the project keeps its handler source and its bundle. */
export function handlerPaths(projectRoot: string) {
  const sourceDir = path.join(projectRoot, 'lambda-src');
  const outFile = path.join(projectRoot, '.build', 'handler', 'index.js');
  return { sourceDir, entry: path.join(sourceDir, 'index.ts'), outFile, stampFile: `${outFile}.sources-sha256` };
}

/**
 * Bundles `lambda-src/index.ts` into one CommonJS file with no runtime dependencies, the
 * only file of the function's zip. The output depends only on the sources and esbuild's
 * version, so the zip's hash is the same on every machine and in every checkout folder.
 * Every synth calls this: an unchanged bundle is reused rather than rebuilt.
 */
export function buildHandlerBundle(projectRoot: string): HandlerBundle {
  const { sourceDir, entry, outFile } = handlerPaths(projectRoot);
  return buildSingleFile(projectRoot, { entry, outFile, sourceDir, target: 'node22' });
}

/** What {@link buildSingleFile} bundles. */
export interface SingleFileBundleSpec {
  /** Absolute path of the entry point. */
  readonly entry: string;
  /** Absolute path of the bundle written. */
  readonly outFile: string;
  /** The folder of the sources: any change below it rebuilds the bundle. */
  readonly sourceDir: string;
  /** esbuild's target, such as `node22`. */
  readonly target: string;
  /** Anything else the bundle depends on (the versions of the packages it takes in). */
  readonly alsoDependsOn?: string;
}

/**
 * One CommonJS file of `spec.entry` and everything it imports, written to `spec.outFile`
 * unless an up-to-date one is there (a stamp of the sources, esbuild's version, its options
 * and `alsoDependsOn` beside it). Deterministic: no paths of this machine, no source maps.
 */
export function buildSingleFile(projectRoot: string, spec: SingleFileBundleSpec): HandlerBundle {
  const stampFile = `${spec.outFile}.sources-sha256`;
  const options: BuildOptions = {
    absWorkingDir: projectRoot,
    entryPoints: [path.relative(projectRoot, spec.entry)],
    outfile: path.relative(projectRoot, spec.outFile),
    bundle: true,
    platform: 'node',
    target: spec.target,
    format: 'cjs',
    legalComments: 'none',
    // Smaller files, same names: stack traces still read like the source.
    minifyWhitespace: true,
    minifySyntax: true,
    sourcemap: false,
    logLevel: 'error',
  };
  const { version } = require('esbuild/package.json') as { version: string };
  const stamp = sourcesDigest(spec.sourceDir, JSON.stringify({ version, options: { ...options, absWorkingDir: '.' }, also: spec.alsoDependsOn ?? '' }));
  const upToDate = fs.existsSync(spec.outFile) && fs.existsSync(stampFile) && fs.readFileSync(stampFile, 'utf8') === stamp;
  if (!upToDate) {
    // Loaded only when needed: starting esbuild costs more than the rest of this function.
    (require('esbuild') as typeof import('esbuild')).buildSync(options);
    fs.writeFileSync(stampFile, stamp);
  }
  return { file: spec.outFile, bytes: fs.statSync(spec.outFile).size, rebuilt: !upToDate };
}

/** SHA-256 over every file below `dir` (names and contents, in a fixed order) and `extra`. */
function sourcesDigest(dir: string, extra: string): string {
  const hash = createHash('sha256').update(extra);
  const walk = (current: string) => {
    for (const entry of fs.readdirSync(current, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
      const full = path.join(current, entry.name);
      if (entry.isDirectory()) {
        walk(full);
      } else {
        hash.update(path.relative(dir, full)).update('\0').update(fs.readFileSync(full)).update('\0');
      }
    }
  };
  walk(dir);
  return hash.digest('hex');
}
