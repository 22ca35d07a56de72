/**
 * Writing a set of files so that either all of them are replaced or none is.
 */
import {fail} from '../../ops/util/args';
import type {NodeModules} from './node_fs';

/** One file to write: its final path and its content. */
export interface FileToWrite {
  path: string;
  data: Uint8Array | string;
}

function reason(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

/**
 * Writes every file to a temporary file next to it and renames them into place, in the given
 * order, only once all are written. When a write or rename fails, the temporary files are removed
 * and the files already replaced get their previous content back, so the previous set stays
 * whole; the error names the file. The last file is the commit point (a crash between renames
 * leaves the earlier files new and the last one old).
 */
export async function writeFilesAtomically(
  fn: string,
  {fs}: NodeModules,
  suffix: string,
  files: FileToWrite[],
): Promise<void> {
  const temporary = files.map((file) => `${file.path}.tmp-${suffix}`);
  const backups: {path: string; backup: string}[] = [];
  const created: string[] = [];
  const copies: string[] = [];
  const remove = (paths: string[]) =>
    Promise.all(paths.map((file) => fs.rm(file, {force: true}).catch(() => undefined)));
  const cleanUp = async () => {
    await remove([...temporary, ...created]);
    for (const {path, backup} of backups.reverse()) await fs.rename(backup, path).catch(() => undefined);
    await remove(copies);
  };
  let stage = '';
  try {
    for (let i = 0; i < files.length; i++) {
      stage = `cannot write ${files[i].path}`;
      await fs.writeFile(temporary[i], files[i].data);
    }
    for (let i = 0; i < files.length; i++) {
      stage = `cannot replace ${files[i].path}`;
      const backup = `${files[i].path}.old-${suffix}`;
      let existed = true;
      try {
        // A copy rather than a move: the file stays in place until the rename replaces it.
        await fs.copyFile(files[i].path, backup);
        copies.push(backup);
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
        existed = false;
      }
      await fs.rename(temporary[i], files[i].path);
      if (existed) backups.push({path: files[i].path, backup});
      else created.push(files[i].path);
    }
  } catch (e) {
    await cleanUp();
    return fail(fn, `${stage} (${reason(e)}); nothing was changed`);
  }
  await remove(copies);
}
