import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';

/**
 * Gives this process a temp folder of its own until the returned function removes it and
 * points back: TMPDIR, which os.tmpdir() and every process started from here afterwards read.
 */
export function ownTempFolder(prefix: string): () => void {
  const saved = process.env.TMPDIR;
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  process.env.TMPDIR = dir;
  return () => {
    if (saved === undefined) delete process.env.TMPDIR;
    else process.env.TMPDIR = saved;
    fs.rmSync(dir, { recursive: true, force: true });
  };
}
