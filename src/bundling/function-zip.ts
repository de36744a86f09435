import { createHash } from 'crypto';
import * as fs from 'fs';
import * as path from 'path';
import { zipSync } from 'fflate';

export interface FunctionZip {
  /** Absolute path of the zip. */
  readonly file: string;
  readonly bytes: number;
  /** What Terraform's `filebase64sha256` gives for the zip: the function's `source_code_hash`. */
  readonly base64Sha256: string;
}

/** The time every entry carries, so equal code gives equal bytes (DOS time cannot go before 1980). */
const ENTRY_TIME = new Date(1980, 0, 1, 0, 0, 0);

/**
 * Zips one file as the archive provider does for `source_file` with `output_file_mode =
 * "0644"`: the file alone at the zip's root under its own name, deflated, mode 0644, and a
 * fixed time, so the same code gives the same bytes on every machine and in every checkout.
 * Written to `outFile` only when its bytes change. Synchronous, as synth is.
 */
export function zipSingleFile(sourceFile: string, outFile: string): FunctionZip {
  const entry = fs.readFileSync(sourceFile);
  const zip = Buffer.from(
    zipSync(
      // os 3 (Unix) and the mode in the upper half of the external attributes, as Unix zips carry it.
      { [path.basename(sourceFile)]: [entry, { level: 9, mtime: ENTRY_TIME, os: 3, attrs: (0o100644 << 16) >>> 0 }] },
    ),
  );
  if (!(fs.existsSync(outFile) && fs.readFileSync(outFile).equals(zip))) {
    fs.mkdirSync(path.dirname(outFile), { recursive: true });
    fs.writeFileSync(outFile, zip);
  }
  return { file: outFile, bytes: zip.length, base64Sha256: createHash('sha256').update(zip).digest('base64') };
}
