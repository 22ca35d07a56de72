/**
 * Node's worker_threads and os for the kernels' helper threads (kernel_threads.ts), loaded on
 * first use. The browser bundle replaces this module with node_threads.browser.ts: a page's main
 * thread may not block on Atomics.wait, so the kernels run on the calling thread there.
 */
import type * as workerThreads from 'worker_threads';

/** worker_threads and the number of cores, or null where they do not exist. */
export function nodeThreads(): {threads: typeof workerThreads; cores: number} | null {
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const os: typeof import('os') = require('os');
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const threads: typeof workerThreads = require('worker_threads');
    return {threads, cores: os.availableParallelism?.() ?? os.cpus().length};
  } catch {
    return null;
  }
}
