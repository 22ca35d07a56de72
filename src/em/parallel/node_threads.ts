/**
 * Node's worker_threads and os, loaded on first use. The browser bundle replaces this module with
 * node_threads.browser.ts (no worker threads there yet), so that bundlers never see a Node import.
 */
import type * as os from 'os';
import type * as workerThreads from 'worker_threads';

/** worker_threads and os, or null where they do not exist. */
export function nodeThreads(): {threads: typeof workerThreads; os: typeof os} | null {
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    return {threads: require('worker_threads'), os: require('os')};
  } catch {
    return null;
  }
}

/** Where the worker entry is and how to start it: the compiled .js, or the .ts source under tsx. */
export function workerEntry(): {file: string; execArgv: string[]} {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const path: typeof import('path') = require('path');
  const source = __filename.endsWith('.ts');
  const file = path.join(__dirname, source ? 'worker_entry.ts' : 'worker_entry.js');
  return {file, execArgv: source ? ['--require', require.resolve('tsx/cjs')] : []};
}
