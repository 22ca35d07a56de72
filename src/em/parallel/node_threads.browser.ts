/** Browser stand-in of node_threads.ts: no Node worker threads (Web Workers run instead). */
import {WorkerEndpoint} from './endpoint';

/** No Node worker threads here. */
export function nodeThreads(): null {
  return null;
}

/** Never called in browsers (the pool starts Web Workers there). */
export function startNodeWorker(): WorkerEndpoint {
  throw new Error('GaussianMixture: worker threads need Node (worker_threads)');
}
