import { createHash } from 'crypto';
import * as fs from 'fs';
import * as path from 'path';
import archiver from 'archiver';

export interface FunctionZip {
  readonly file: string;
  readonly bytes: number;
  /** What Terraform's `filebase64sha256` (and `archive_file.output_base64sha256`) gives for it. */
  readonly base64Sha256: string;
}

/**
 * Zips one file as the archive provider does for `source_file`: the file alone at the zip's
 * root, mode 0644 (`output_file_mode`), and a fixed timestamp so equal code gives equal bytes.
 */
export async function zipSingleFile(sourceFile: string, outFile: string): Promise<FunctionZip> {
  fs.mkdirSync(path.dirname(outFile), { recursive: true });
  await new Promise<void>((resolve, reject) => {
    const output = fs.createWriteStream(outFile);
    const zip = archiver('zip', { zlib: { level: 9 } });
    output.on('close', resolve);
    zip.on('error', reject);
    zip.pipe(output);
    zip.append(fs.readFileSync(sourceFile), {
      name: path.basename(sourceFile),
      mode: 0o644,
      date: new Date('2049-01-01T00:00:00Z'),
    });
    void zip.finalize();
  });
  const bytes = fs.readFileSync(outFile);
  return { file: outFile, bytes: bytes.length, base64Sha256: createHash('sha256').update(bytes).digest('base64') };
}
