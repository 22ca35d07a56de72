/**
 * The CLI's files: outputs that would overwrite an input or each other are refused.
 */
import * as fs from 'fs';
import * as path from 'path';

import {CliOptions, UsageError} from './options';
import {lossFigurePath} from './plot';

/** The file a path names once resolved: symbolic links followed where the file (or its directory) exists. */
function identity(file: string): string {
  const resolved = path.resolve(file);
  try {
    return fs.realpathSync(resolved);
  } catch {
    try {
      return path.join(fs.realpathSync(path.dirname(resolved)), path.basename(resolved));
    } catch {
      return resolved;
    }
  }
}

/** Two existing paths that are one file (hard links, case-insensitive file systems). */
function sameExistingFile(a: string, b: string): boolean {
  try {
    const [sa, sb] = [fs.statSync(a), fs.statSync(b)];
    return sa.dev === sb.dev && sa.ino === sb.ino;
  } catch {
    return false;
  }
}

/**
 * Fails with a usage error when an output (--output, --predict, --visualize and its loss figure)
 * names the same file as an input (--input, --model) or as another output.
 */
export function checkFilePaths(options: CliOptions): void {
  const files: {flag: string; file: string; output: boolean}[] = [];
  if (options.input) files.push({flag: '--input', file: options.input, output: false});
  if (options.model) files.push({flag: '--model', file: options.model, output: false});
  if (options.output) files.push({flag: '--output', file: options.output, output: true});
  if (options.predict) files.push({flag: '--predict', file: options.predict, output: true});
  if (options.visualize) {
    files.push({flag: '--visualize', file: options.visualize, output: true});
    // The loss curve is drawn when fitting only.
    if (!options.model)
      files.push({flag: '--visualize (loss curve)', file: lossFigurePath(options.visualize), output: true});
  }
  const ids = files.map((f) => identity(f.file));
  for (let i = 0; i < files.length; i++)
    for (let j = i + 1; j < files.length; j++) {
      if (!files[i].output && !files[j].output) continue;
      if (ids[i] === ids[j] || sameExistingFile(ids[i], ids[j]))
        throw new UsageError(
          `${files[j].flag} ${files[j].file} and ${files[i].flag} ${files[i].file} are the same file (${ids[j]}): ` +
            `${files[i].output ? 'one output would overwrite the other' : `the output would overwrite the ${files[i].flag.slice(2)}`}`,
        );
    }
}
