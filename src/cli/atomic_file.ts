/**
 * Atomic file writes for the CLI's outputs.
 */
import * as fs from 'fs';

/**
 * Writes `content` to a temporary file next to `file` and renames it into place: an interrupted
 * or failed write leaves the previous file (if any) untouched.
 */
export function writeFileAtomically(file: string, content: string | Uint8Array): void {
  const temporary = `${file}.tmp-${process.pid}-${Date.now().toString(36)}`;
  try {
    fs.writeFileSync(temporary, content);
    fs.renameSync(temporary, file);
  } catch (e) {
    fs.rmSync(temporary, {force: true});
    throw e;
  }
}
