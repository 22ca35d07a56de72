/** Browser stand-in of node_threads.ts: no worker threads (EM runs in-thread). */
export function nodeThreads(): null {
  return null;
}

export function workerEntry(): never {
  throw new Error('GaussianMixture: worker threads need Node (worker_threads)');
}
