import * as fs from 'fs';
import * as path from 'path';
import { buildSync } from 'esbuild';

export interface HandlerBundle {
  /** Absolute path of the bundled `index.js`. */
  readonly file: string;
  /** Size of the bundle in bytes. */
  readonly bytes: number;
}

/** Where the project keeps its handler source and its bundle. */
export function handlerPaths(projectRoot: string) {
  return {
    entry: path.join(projectRoot, 'lambda-src', 'index.ts'),
    outFile: path.join(projectRoot, '.build', 'handler', 'index.js'),
  };
}

/**
 * Bundles `lambda-src/index.ts` into one CommonJS file with no runtime dependencies, the
 * only file of the function's zip. Output depends only on the source and esbuild's version,
 * so the zip's hash is the same on every machine and in every checkout folder.
 */
export function buildHandlerBundle(projectRoot: string): HandlerBundle {
  const { entry, outFile } = handlerPaths(projectRoot);
  buildSync({
    absWorkingDir: projectRoot,
    entryPoints: [entry],
    outfile: outFile,
    bundle: true,
    platform: 'node',
    target: 'node20',
    format: 'cjs',
    legalComments: 'none',
    sourcemap: false,
    logLevel: 'error',
  });
  return { file: outFile, bytes: fs.statSync(outFile).size };
}
